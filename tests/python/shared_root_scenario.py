"""The distributed scenario of the Python tests, on whatever root the project names (a
local directory in test_runtime, S3 in test_object_stores): a dask.distributed
LocalCluster with two worker processes whose tasks call cached functions against one
shared root. Each value must be computed once and recalled by every other task, on both
workers.

The engine does not make concurrent first calls of one key wait for each other (DESIGN:
no single-flight; the last complete write wins, readers never see a partial entry), so
two tasks that miss the same key at the same moment may both compute it. To assert
"exactly once" deterministically, the distinct keys run first (one task each), then the
repeated calls."""
import collections
import os

import numpy as np
import xarray as xr

from nuthatch import cache

KEYS = [1, 2, 3, 4]


def expected_dataset(key):
    rng = np.random.default_rng(key)
    return xr.Dataset(
        {"t2m": (("time", "x"), rng.random((48, 20)).astype("float32")),
         "count": (("x",), np.arange(20, dtype="int64") * key)},
        coords={"x": np.arange(20) * 0.5}, attrs={"key": key})


def expected_value(key):
    return {"key": key, "square": key * key, "labels": [str(key)] * 3}


def workers_share_one_root(marks, recall_engine=None):
    """Runs the scenario (marks: an empty directory, where each execution of a function
    body leaves a file) and checks it; returns the cached functions (plain, dataset) for
    the caller's checks of the stores. recall_engine is passed to the dataset recalls."""
    import distributed
    marks_dir = str(marks)

    def mark(name, key):
        import os
        import uuid
        open(os.path.join(marks_dir, f"{name}-{key}-{uuid.uuid4().hex}"), "w").close()

    @cache(cache_args=["key"])
    def plain(key):
        mark("plain", key)
        return expected_value(key)

    @cache(cache_args=["key"])
    def dataset(key):
        mark("dataset", key)
        return expected_dataset(key)

    def task(key):
        import os
        options = {"engine": recall_engine} if recall_engine else {}
        return os.getpid(), plain(key), dataset(key, **options).identical(expected_dataset(key))

    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        workers = sorted(client.scheduler_info()["workers"])
        assert len(workers) == 2

        def run(calls):
            # pure=False: every call is its own task (dask would merge equal pure calls);
            # each is pinned to a worker so both workers take part deterministically.
            futures = [client.submit(task, key, pure=False, workers=[workers[i % 2]],
                                     allow_other_workers=False)
                       for i, key in enumerate(calls)]
            return client.gather(futures)

        results = run(KEYS) + run(KEYS * 3)  # then 12 tasks, each key on both workers

    assert [value for _, value, _ in results] == [expected_value(k) for k in KEYS * 4]
    assert all(same for _, _, same in results)
    pids = {pid for pid, _, _ in results}
    assert len(pids) == 2 and os.getpid() not in pids
    computed = collections.Counter(p.name.rsplit("-", 1)[0] for p in marks.iterdir())
    assert computed == {f"{name}-{k}": 1 for name in ("plain", "dataset") for k in KEYS}
    return plain, dataset
