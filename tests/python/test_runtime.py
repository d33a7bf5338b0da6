"""The binding at run time: interpreter exit with memoized objects, dask workers, the
GIL released while the engine works."""
import subprocess
import sys
import textwrap
import threading
import time

import distributed

from nuthatch import cache
from shared_root_scenario import KEYS, expected_dataset, workers_share_one_root


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
    """Two worker processes share one local root (shared_root_scenario): each value is
    computed once, recalled everywhere else, and every store written is complete."""
    import xarray as xr
    marks = tmp_path / "marks"
    marks.mkdir()
    plain, dataset = workers_share_one_root(marks)

    assert len(project.manifests()) == 2 * len(KEYS)
    for k in KEYS:
        store = dataset(k, filepath_only=True).removeprefix("file://")
        xr.testing.assert_identical(xr.open_zarr(store).load(), expected_dataset(k))
        assert plain(k, cache_mode="read_only_strict")["square"] == k * k
    assert sum(1 for _ in marks.iterdir()) == 2 * len(KEYS)  # the reads above recomputed nothing


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
