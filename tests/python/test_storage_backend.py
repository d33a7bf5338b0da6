"""storage_backend / storage_backend_kwargs (README, "Reading from one backend, storing to
another"), as in the original Nuthatch: a call reads with `backend` and writes what it
computes, or what it read, with `storage_backend`, with that backend's own kwargs."""
import glob
import os

import numpy as np
import pandas as pd
import pytest

import nuthatch
from nuthatch import cache

pytest.importorskip("deltalake")


def frame():
    return pd.DataFrame({"id": np.arange(6, dtype=np.int64), "v": np.linspace(0, 1, 6)})


def manifests(project):
    return sorted(os.path.basename(p) for p in
                  glob.glob(os.path.join(project.root, "meta", "**", "*.json"), recursive=True))


def test_a_computed_result_is_stored_with_the_storage_backend(project, counter):
    @cache(cache_args=["n"], backend="parquet", storage_backend="delta", engine="pandas")
    def table(n):
        counter()
        return frame()

    pd.testing.assert_frame_equal(table(1), frame())
    assert manifests(project) == ["delta.json"]
    nuthatch.clear_memoizer()
    # Read with backend='delta' (where it was stored): no compute.
    pd.testing.assert_frame_equal(table(1, backend="delta", storage_backend=None), frame())
    assert counter.n == 1


def test_a_hit_in_the_read_backend_is_copied_to_the_storage_backend(project, counter):
    @cache(cache_args=["n"], engine="pandas")
    def table(n):
        counter()
        return frame()

    table(1, backend="parquet")
    assert manifests(project) == ["parquet.json"]
    got = table(1, backend="parquet", storage_backend="delta")
    pd.testing.assert_frame_equal(got, frame())
    assert counter.n == 1  # read, not computed
    assert manifests(project) == ["delta.json", "parquet.json"]
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(table(1, backend="delta"), frame())
    assert counter.n == 1
    # Once both hold it, a call that reads from one and stores to the other writes nothing.
    table(1, backend="parquet", storage_backend="delta")
    assert counter.n == 1


def test_storage_backend_kwargs_go_to_the_storage_backend(project):
    import xarray as xr
    ds = xr.Dataset({"t": (("x",), np.arange(8.0))}, coords={"x": np.arange(8)})

    @cache(cache_args=["n"], backend="zarr", storage_backend="zarr",
           storage_backend_kwargs={"chunking": {"x": 2}})
    def data(n):
        return ds

    data(1)
    [zarr_json] = glob.glob(os.path.join(project.root, "data", "**", "t", "zarr.json"),
                            recursive=True)
    import json
    meta = json.loads(open(zarr_json).read())
    assert meta["chunk_grid"]["configuration"]["chunk_shape"] == [2]


def test_storage_backend_kwargs_alone_go_to_the_backend_written(project):
    import xarray as xr
    ds = xr.Dataset({"t": (("x",), np.arange(8.0))}, coords={"x": np.arange(8)})

    @cache(cache_args=["n"], storage_backend_kwargs={"chunking": {"x": 4}})
    def data(n):
        return ds

    data(1)
    [zarr_json] = glob.glob(os.path.join(project.root, "data", "**", "t", "zarr.json"),
                            recursive=True)
    import json
    meta = json.loads(open(zarr_json).read())
    assert meta["chunk_grid"]["configuration"]["chunk_shape"] == [4]


def test_the_original_sql_storage_backend_test_shape_with_delta(project):
    """The original's test_sql_storage_backend, on delta and parquet (sql needs a server)."""
    @cache(cache_args=["name"])
    def pandas_df(name="bob"):
        return pd.DataFrame([[name, 10], ["x", 15]], columns=["Name", "Age"])

    df = pandas_df(name="oak", backend="parquet", storage_backend="delta",
                   cache_mode="overwrite")
    df2 = pandas_df(name="oak", backend="delta")
    pd.testing.assert_frame_equal(df, df2)
