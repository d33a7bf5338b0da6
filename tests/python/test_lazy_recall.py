"""How a recalled dataset is lazy (README, "Lazy recall of arrays"): xarray's lazily
indexed arrays up to `dask_above`, reading only what an index covers and everything in
one read on `.load()`; dask-backed with engine='dask', with read chunks in
backend_kwargs, or above `dask_above`; and a fresh process that recalls and loads a
dataset imports no dask.array for it."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import nuthatch
from nuthatch import _xarray_lazy, cache


def dataset():
    rng = np.random.default_rng(5)
    ds = xr.Dataset(
        {"t2m": (("time", "lat", "lon"), rng.random((40, 6, 8), dtype=np.float32),
                 {"units": "K"}),
         "count": (("time",), np.arange(40, dtype=np.int64))},
        coords={"time": pd.date_range("2001-01-01", periods=40, freq="D"),
                "lat": np.linspace(-50, 50, 6), "lon": np.arange(8.0)})
    ds["t2m"].encoding["chunks"] = (10, 3, 8)
    return ds


def is_dask(var):
    """Whether a Variable is dask-backed (without `.data`, which loads a lazy one)."""
    da = sys.modules.get("dask.array")
    return da is not None and isinstance(var._data, da.Array)


@pytest.fixture
def stored(project):
    ds = dataset()

    @cache(cache_args=["n"])
    def weather(n):
        return ds

    weather(1)
    return ds, weather


def test_a_small_dataset_is_recalled_lazily_indexed_and_reads_what_is_indexed(stored,
                                                                            monkeypatch):
    ds, weather = stored
    reads = []
    original = _xarray_lazy._StoredArray.__getitem__

    def counted(self, key):
        out = original(self, key)
        reads.append((self.name, out.size))
        return out

    monkeypatch.setattr(_xarray_lazy._StoredArray, "__getitem__", counted)
    recalled = weather(1)
    assert reads == []  # nothing read until values are asked for
    assert recalled["t2m"].chunks is None and not is_dask(recalled["t2m"].variable)
    one = recalled["t2m"].isel(time=3, lat=slice(1, 5, 2)).values
    np.testing.assert_array_equal(one, ds["t2m"].isel(time=3, lat=slice(1, 5, 2)).values)
    assert reads == [("t2m", 2 * 8)]  # only the region the index covers
    np.testing.assert_array_equal(recalled["t2m"][::-3, [4, 0], -1].values,
                                  ds["t2m"][::-3, [4, 0], -1].values)
    reads.clear()
    loaded = recalled.load()
    assert sorted(reads) == [("count", 40), ("t2m", 40 * 6 * 8)]  # one read per variable
    xr.testing.assert_identical(loaded, ds)
    reads.clear()
    assert float(recalled["t2m"].mean()) == pytest.approx(float(ds["t2m"].mean()))
    assert reads == []  # loaded values are kept


def test_engine_dask_and_read_chunks_give_dask_arrays(stored, project):
    ds, weather = stored
    lazy = weather(1, engine="dask")
    assert is_dask(lazy["t2m"].variable)
    xr.testing.assert_identical(lazy.compute(), ds)
    assert not is_dask(weather(1, engine="lazy")["t2m"].variable)

    @cache(cache_args=["n"], backend_kwargs={"chunking": {"time": 10}})
    def chunked(n):
        return ds

    chunked(1)
    assert chunked(1).chunks["time"] == (10, 10, 10, 10)


def test_dask_above_sets_the_size_from_which_recalls_are_dask_backed(stored):
    ds, weather = stored
    nuthatch.set_parameter("1KB", "dask_above")
    assert is_dask(weather(1)["t2m"].variable)
    assert not is_dask(weather(1, engine="lazy")["t2m"].variable)
    nuthatch.set_parameter(10 ** 9, "dask_above")
    assert not is_dask(weather(1)["t2m"].variable)
    with pytest.raises(nuthatch.NuthatchError, match="'lots' is not a size"):
        nuthatch.set_parameter("lots", "dask_above")


@pytest.mark.parametrize("engine", [None, "eager"])
def test_a_fresh_process_recall_imports_no_dask(stored, project, engine):
    ds, _ = stored
    np.save(os.path.join(project.dir, "expected.npy"), ds["t2m"].values)
    code = textwrap.dedent(f"""
        import sys
        import numpy as np
        import xarray
        from nuthatch import cache

        @cache(cache_args=["n"])
        def weather(n):
            raise AssertionError("recalled, not computed")

        ds = weather(1, engine={engine!r}).load()
        # Not even dask itself (xarray imports it to check numpy index values; the index
        # coordinates are handed over as pandas indexes), nor dask.array: a quarter of a
        # second in a new process. (xarray's own reductions may import them later.)
        print("dask" in sys.modules, "dask.array" in sys.modules)
        assert type(ds["t2m"].data) is np.ndarray and ds["t2m"].variable._in_memory
        np.testing.assert_array_equal(ds["t2m"].values, np.load("expected.npy"))
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUTHATCH_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=project.dir, env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines() == ["False False"], out.stderr


def test_a_dask_backed_result_is_recalled_dask_backed(project):
    da = pytest.importorskip("dask.array")
    ds = xr.Dataset({"v": (("x", "y"), da.ones((20, 6), chunks=(5, 6), dtype="float32"))})

    @cache(cache_args=["n"])
    def chunked(n):
        return ds

    chunked(1)
    recalled = chunked(1)
    assert is_dask(recalled["v"].variable)
    assert recalled.attrs == {}
    store = chunked(1, filepath_only=True).removeprefix("file://")
    assert os.path.isfile(os.path.join(store, "_nuthatch_dask"))
    xr.testing.assert_identical(xr.open_zarr(store).compute(), ds.compute())
    xr.testing.assert_identical(recalled.compute(), ds.compute())
    assert not is_dask(chunked(1, engine="lazy")["v"].variable)
