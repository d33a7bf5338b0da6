"""The binding at run time: interpreter exit with memoized objects, dask workers, the
GIL released while the engine works."""
import collections
import os
import subprocess
import sys
import textwrap
import threading
import time

import distributed

from nuthatch import cache


def test_exit_with_memoized_objects(project):
    script = textwrap.dedent("""
        import numpy as np
        from nuthatch import cache

        @cache(memoize=True)
        def big():
            return np.ones(1000)

        class Obj:
            pass

        @cache(memoize=True, backend="pickle")
        def obj():
            return [Obj() for _ in range(10)]

        big(); obj()
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=project.dir, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_other_threads_run_while_the_engine_computes(project):
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    @cache()
    def slow():
        return list(range(200_000))

    t = threading.Thread(target=ticker)
    t.start()
    try:
        for _ in range(3):
            slow(recompute=True, force_overwrite=True)
    finally:
        stop.set()
        t.join()
    assert ticks


def test_worker_processes_share_one_root(project, tmp_path):
    """Two worker processes call cached functions against one shared root: each value is
    computed once and recalled by every other task, on both workers, and every store
    written is complete.

    The engine does not make concurrent first calls of one key wait for each other
    (DESIGN: no single-flight; the last complete write wins, readers never see a partial
    entry), so two tasks that miss the same key at the same moment may both compute it.
    To assert "exactly once" deterministically, the distinct keys run first (one task
    each), then the repeated calls."""
    import numpy as np
    import xarray as xr

    marks = tmp_path / "marks"  # one file per execution of a function body
    marks.mkdir()
    marks_dir = str(marks)

    def mark(name, key):
        import os
        import uuid
        open(os.path.join(marks_dir, f"{name}-{key}-{uuid.uuid4().hex}"), "w").close()

    def expected_dataset(key):
        rng = np.random.default_rng(key)
        return xr.Dataset(
            {"t2m": (("time", "x"), rng.random((48, 20)).astype("float32")),
             "count": (("x",), np.arange(20, dtype="int64") * key)},
            coords={"x": np.arange(20) * 0.5}, attrs={"key": key})

    @cache(cache_args=["key"])
    def plain(key):
        mark("plain", key)
        return {"key": key, "square": key * key, "labels": [str(key)] * 3}

    @cache(cache_args=["key"])
    def dataset(key):
        mark("dataset", key)
        return expected_dataset(key)

    def task(key):
        import os
        value = plain(key)
        ds = dataset(key)
        return os.getpid(), value, ds.identical(expected_dataset(key))

    keys = [1, 2, 3, 4]
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

        first = run(keys)
        repeated = run(keys * 3)  # 12 tasks, each key on both workers

    client_pid = os.getpid()
    for results in (first, repeated):
        assert [value for _, value, _ in results] == [
            {"key": k, "square": k * k, "labels": [str(k)] * 3}
            for k in (keys if results is first else keys * 3)]
        assert all(same for _, _, same in results)
    pids = {pid for pid, _, _ in first + repeated}
    assert len(pids) == 2 and client_pid not in pids

    computed = collections.Counter(p.name.rsplit("-", 1)[0] for p in marks.iterdir())
    assert computed == {f"{name}-{k}": 1 for name in ("plain", "dataset") for k in keys}
    assert len(project.manifests()) == 2 * len(keys)

    for k in keys:
        store = dataset(k, filepath_only=True).removeprefix("file://")
        xr.testing.assert_identical(xr.open_zarr(store).load(), expected_dataset(k))
        assert plain(k, cache_mode="read_only_strict")["square"] == k * k
    assert sum(1 for _ in marks.iterdir()) == 2 * len(keys)  # the reads above recomputed nothing


def test_dask_dataset_streams_from_worker_processes(project):
    import dask.array as da
    import numpy as np
    import xarray as xr

    ds = xr.Dataset({"v": (("t", "x"), da.random.default_rng(0).random((8, 4), chunks=(2, 4)))})

    @cache()
    def make():
        return ds

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        make()
    expected = ds.load()
    xr.testing.assert_identical(make(engine="eager"), expected)
    np.testing.assert_array_equal(make()["v"].values, expected["v"].values)
