"""Types round-trip exactly: numpy and xarray through the C++ zarr codec, pandas and dask
DataFrames as parquet (pyarrow)."""
import os

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import nuthatch
from nuthatch import cache


def recall_twice(f, *args, **kwargs):
    """The computed result and the one recalled from storage (memoizer cleared)."""
    first = f(*args, **kwargs)
    nuthatch.clear_memoizer()
    return first, f(*args, **kwargs)


def air_dataset():
    time = pd.date_range("2013-01-01", periods=6, freq="D")
    lat = np.array([10.0, 20.0, 30.0], dtype=np.float32)
    air = np.arange(18, dtype=np.float64).reshape(6, 3)
    air[2, 1] = np.nan
    ds = xr.Dataset(
        {"air": (("time", "lat"), air, {"units": "K", "long_name": "air temperature"}),
         "count": (("time",), np.arange(6, dtype=np.int16)),
         "flag": (("lat",), np.array([True, False, True]))},
        coords={"time": time, "lat": lat, "station": ("lat", ["a", "bb", "ccc"])},
        attrs={"title": "test", "version": 3, "scale": [1.5, 2.5]})
    return ds


@pytest.mark.parametrize("dtype", ["float32", "float64", "int8", "int16", "int32", "int64",
                                   "uint8", "uint16", "uint32", "uint64", "bool"])
def test_numpy_arrays(project, dtype):
    a = (np.arange(24) % 7).astype(dtype).reshape(2, 3, 4)

    @cache()
    def arr():
        return a

    first, again = recall_twice(arr)
    assert type(again) is np.ndarray and again.dtype == a.dtype
    assert not again.flags.owndata  # numpy wraps the engine's buffer
    np.testing.assert_array_equal(again, a)
    assert project.manifests() == ["_/arr/zarr.json"]


def test_numpy_datetimes_and_strings(project):
    t = np.array(["2013-01-01", "2014-06-01T12:00"], dtype="datetime64[ns]")
    s = np.array([["a", "bc"], ["", "déf"]], dtype=object)

    @cache()
    def times():
        return t

    @cache()
    def strings():
        return s

    _, tt = recall_twice(times)
    np.testing.assert_array_equal(tt, t)
    assert tt.dtype == t.dtype
    _, ss = recall_twice(strings)
    assert ss.tolist() == s.tolist()


def test_xarray_dataset_round_trips(project, counter):
    ds = air_dataset()

    @cache(cache_args=["x"])
    def make(x):
        counter()
        return ds

    _, again = recall_twice(make, 1)
    assert counter.n == 1
    xr.testing.assert_identical(again, ds)
    # Recalled lazily: xarray's lazily indexed arrays (test_lazy_recall.py), or dask-backed
    # when asked for.
    assert make(1, engine="dask")["air"].chunks is not None
    eager = make(1, engine="eager")
    assert eager["air"].chunks is None
    xr.testing.assert_identical(eager, ds)
    assert again["air"].dtype == np.float64 and again["count"].dtype == np.int16
    assert again["flag"].dtype == bool and again["lat"].dtype == np.float32
    assert project.manifests() == ["_/make/x=1/zarr.json"]


def test_stored_dataset_opens_in_xarray(project):
    ds = air_dataset()

    @cache()
    def make():
        return ds

    path = make(filepath_only=True).removeprefix("file://")
    opened = xr.open_zarr(path)
    xr.testing.assert_identical(opened.load(), ds)


def test_cf_encodings_round_trip(project):
    ds = xr.Dataset({"v": ("t", np.array([1.0, 2.0, np.nan]))})
    ds["v"].encoding = {"_FillValue": -999.0}
    ds["dt"] = ("t", np.array([1, 2, 3], dtype="timedelta64[s]").astype("timedelta64[ns]"))
    ds["i"] = ("t", np.array([1, 2, 3], dtype=np.int32), {"note": "plain"})

    @cache()
    def enc():
        return ds

    _, again = recall_twice(enc)
    xr.testing.assert_identical(again, ds)


@pytest.mark.parametrize("fmt", [2, 3])
def test_zarr_format_backend_kwarg(project, fmt):
    ds = air_dataset()

    @cache(backend_kwargs={"zarr_format": fmt})
    def make():
        return ds

    _, again = recall_twice(make)
    xr.testing.assert_identical(again, ds)
    opened = xr.open_zarr(make(filepath_only=True).removeprefix("file://"))
    xr.testing.assert_identical(opened.load(), ds)


@pytest.mark.parametrize("name", [None, "air", "lat"])
def test_dataarray_round_trips(project, name):
    da = air_dataset()["air"].rename(name)

    @cache()
    def make():
        return da

    _, again = recall_twice(make)
    assert isinstance(again, xr.DataArray)
    xr.testing.assert_identical(again, da)


def test_dask_backed_dataset_is_stored(project):
    ds = air_dataset().chunk({"time": 2})

    @cache()
    def make():
        return ds

    _, again = recall_twice(make)
    xr.testing.assert_identical(again.load(), ds.load())


def test_pandas_dataframe_round_trips(project, counter):
    df = pd.DataFrame({"time": pd.date_range("2013-01-01", periods=4, freq="h"),
                       "x": [1.5, 2.5, np.nan, 4.0], "n": [1, 2, 3, 4],
                       "s": ["a", "b", "c", "d"]},
                      index=pd.Index([10, 20, 30, 40], name="idx"))

    @cache()
    def table():
        counter()
        return df

    _, again = recall_twice(table)
    pd.testing.assert_frame_equal(again, df)
    assert counter.n == 1
    assert project.manifests() == ["_/table/parquet.json"]


def test_dask_dataframe_and_engine(project):
    dd = pytest.importorskip("dask.dataframe")
    df = pd.DataFrame({"a": range(10), "b": [float(i) / 2 for i in range(10)]})
    ddf = dd.from_pandas(df, npartitions=3)

    @cache()
    def table():
        return ddf

    first, again = recall_twice(table)
    # A dask frame stored reads back as dask without engine=, as the original's parquet.
    assert isinstance(again, dd.DataFrame)
    pd.testing.assert_frame_equal(again.compute(), df)
    pd.testing.assert_frame_equal(table(engine="pandas"), df)
    folder = table(filepath_only=True).removeprefix("file://")
    assert sorted(os.listdir(folder)) == [
        "_partitions.3", "part.0.parquet", "part.1.parquet", "part.2.parquet"]
    pd.testing.assert_frame_equal(dd.read_parquet(folder).compute(), df)
    as_dask = table(engine="dask")
    assert isinstance(as_dask, dd.DataFrame) and as_dask.npartitions == 3
    pd.testing.assert_frame_equal(as_dask.compute(), df)
    as_dask = table(engine=dd.DataFrame)
    assert isinstance(as_dask, dd.DataFrame)


def test_unsupported_backend_for_a_type_is_an_error(project):
    @cache(backend="basic")
    def f():
        return (1, 2)

    with pytest.raises(TypeError, match="backend 'basic'"):
        f()
    assert project.manifests() == []


def test_dask_dataset_streams_block_by_block(project):
    import dask.array as da
    import json
    import pathlib
    seen = []

    def block(x, block_info=None):
        seen.append(tuple(block_info[None]["array-location"]))
        return x + 1.0

    base = da.zeros((10, 6), chunks=(4, 3), dtype=np.float64)
    ds = xr.Dataset({"v": (("t", "x"), base.map_blocks(block, dtype=np.float64))},
                    coords={"t": pd.date_range("2013-01-01", periods=10)})

    @cache()
    def make():
        return ds

    make()
    assert len(seen) == 6 and len(set(seen)) == 6  # each block computed once
    path = pathlib.Path(make(filepath_only=True).removeprefix("file://"))
    meta = json.loads((path / "v" / "zarr.json").read_text())
    assert meta["chunk_grid"]["configuration"]["chunk_shape"] == [4, 3]
    xr.testing.assert_identical(xr.open_zarr(path).load(), ds.load())
    nuthatch.clear_memoizer()
    xr.testing.assert_identical(make(engine="eager"), ds.load())


def test_irregular_dask_chunks_and_dataarrays_stream(project):
    import dask.array as da
    arr = da.from_array(np.arange(20.0), chunks=((3, 7, 10),))
    a = xr.DataArray(arr, dims="x", name="series", attrs={"u": "m"})

    @cache()
    def make():
        return a

    first, again = recall_twice(make)
    assert isinstance(again, xr.DataArray) and again.chunks is not None
    xr.testing.assert_identical(again.load(), a.load())


@pytest.mark.parametrize("engine", [None, "dask"])
def test_loading_a_recalled_dataset_reuses_the_engines_buffers(project, engine):
    """.load() / .compute() of a lazily recalled variable (lazily indexed: one read; or
    dask-backed: its blocks assembled) fills a buffer of the engine's pool; a variable
    loaded again after the first is released reuses it. The result is a plain, writable
    numpy array with the stored values."""
    import pickle

    import dask
    from nuthatch import _core
    n = 40_000
    rng = np.random.default_rng(0)
    ds = xr.Dataset(
        {"t2m": (("time", "x"), rng.standard_normal((n, 16)).astype(np.float32)),
         "count": (("time", "x"), (np.arange(n * 16) % 1000).astype(np.int16).reshape(n, 16)),
         "stamp": (("time",), np.datetime64("2000-01-01", "ns")
                   + np.arange(n).astype("timedelta64[s]")),
         "flag": (("time",), np.arange(n) % 3 == 0)},
        coords={"time": np.arange(n)})

    @cache()
    def fields():
        return ds

    fields()
    nuthatch.clear_memoizer()
    with dask.config.set({"array.chunk-size": "512KiB"}):
        recalled = fields(engine=engine)
    if engine == "dask":
        assert len(recalled["t2m"].data.chunks[0]) > 1  # several dask chunks to assemble
    _core.release_idle_buffers()

    loaded = recalled.load()
    for name in ds.data_vars:
        values = loaded[name].values
        assert type(values) is np.ndarray and values.dtype == ds[name].dtype, name
        np.testing.assert_array_equal(values, ds[name].values)
    loaded["t2m"].values[0, 0] = 42.0  # writable, and the store is untouched
    del loaded, recalled, values

    before = _core.buffer_pool_stats()
    again = fields(engine=engine).compute()  # memoizer off: recalled and loaded again
    after = _core.buffer_pool_stats()
    assert after["reused"] > before["reused"]
    xr.testing.assert_identical(again, ds)

    lazy = fields(engine="dask")
    doubled = (lazy["t2m"] * 2).compute()  # derived arrays keep dask's own finalize
    np.testing.assert_array_equal(doubled.values, ds["t2m"].values * 2)
    unpickled = pickle.loads(pickle.dumps(lazy["count"].data))
    np.testing.assert_array_equal(unpickled.compute(), ds["count"].values)
