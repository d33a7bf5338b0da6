"""The original Nuthatch's zarr backend_kwargs: `chunking` (and `chunk_by_arg`, merged by
the engine from the call's arguments) sets the stored chunks, a recall then comes in those
chunks; `target_read_chunk_size_mb` grows read chunks by the original's rule;
`auto_rechunk` rechunks a read whose stored chunks differ; chunk sizes outside the
recommended bounds are warned about."""
import logging

import dask.array as da
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import nuthatch
from nuthatch import cache
from nuthatch.backends.zarr import get_chunk_size, is_single_chunk


def series(n=32):
    times = pd.date_range("2021-01-01", periods=n, freq="D")
    return xr.Dataset({"obs": ("time", np.arange(n, dtype="float32"))}, coords={"time": times})


def stored_chunks(project, key_part):
    import json
    for meta in (project.root / "meta").rglob("zarr.json"):
        if key_part in str(meta):
            payload = json.loads(meta.read_text())["payload"]
            zarr_json = project.root / payload / "obs" / "zarr.json"
            return json.loads(zarr_json.read_text())["chunk_grid"]["configuration"]["chunk_shape"]
    raise AssertionError(f"no entry for {key_part}")


def test_chunking_and_chunk_by_arg_set_stored_and_read_chunks(project):
    @cache(cache_args=["name"], backend_kwargs={
        "chunking": {"time": 5, "lat": 3},  # lat: not a dimension of the result, dropped
        "chunk_by_arg": {"name": {"noti": {"time": 2}}}})
    def chunked(name):
        return series()

    chunked("josh")
    nuthatch.clear_memoizer()
    assert chunked("josh").chunks["time"][0] == 5
    assert stored_chunks(project, "name=josh") == [5]
    chunked("noti")
    assert chunked("noti").chunks["time"][0] == 2
    assert stored_chunks(project, "name=noti") == [2]


def test_chunk_by_arg_naming_no_argument_is_an_error(project):
    @cache(backend_kwargs={"chunking": {"time": 5}, "chunk_by_arg": {"grid": {"x": {}}}})
    def f():
        return series()

    with pytest.raises(nuthatch.ConfigError, match="chunk_by_arg of f names 'grid'"):
        f()


def test_target_read_chunk_size_grows_read_chunks(project):
    @cache(backend_kwargs={"chunking": {"time": 100, "lat": 100, "lon": 100}})
    def big():
        data = da.zeros((400, 200, 200), chunks=(100, 100, 100), dtype="float32")
        return xr.Dataset({"obs": (("time", "lat", "lon"), data)})

    stored = big()
    assert stored.chunksizes["time"][0] == 100  # 4 MB chunks by the original's estimate
    grown = big(backend_kwargs={"target_read_chunk_size_mb": 10})
    size, _ = get_chunk_size(grown)
    assert 4 < size <= 10
    assert grown.chunksizes["time"][0] == 200  # the first dimension alone (x2)
    xr.testing.assert_identical(grown.load(), stored.load())


def test_auto_rechunk_needs_and_applies_a_chunking_dict(project):
    @cache(backend_kwargs={"chunking": {"time": 4}})
    def stored():
        return series()

    stored()
    first = stored

    # The same function (same entry), declared again with another chunking.
    @cache(backend_kwargs={"chunking": {"time": 8}, "auto_rechunk": True})
    def stored():  # noqa: F811
        return series()

    recalled = stored()
    assert recalled.chunks["time"][0] == 8
    xr.testing.assert_identical(recalled.load(), first().load())

    @cache(backend_kwargs={"chunking": "auto", "auto_rechunk": True})
    def stored():  # noqa: F811
        return series()

    with pytest.raises(ValueError, match="auto_rechunk"):
        stored()


def test_chunk_sizes_outside_the_bounds_are_warned_about(project, caplog):
    @cache(backend_kwargs={"chunking": {"time": 2}})
    def tiny():
        return series()

    @cache(backend_kwargs={"chunking": {"time": 64}})
    def one_chunk():
        return series()

    tiny()
    assert "zarr chunk size" in caplog.text
    caplog.clear()
    one_chunk()  # small but a single chunk: no warning, as the original
    assert "zarr chunk size" not in caplog.text


def test_is_single_chunk_and_get_chunk_size():
    ds = series(10)
    assert is_single_chunk(ds.chunk({"time": 10})) and not is_single_chunk(ds.chunk({"time": 5}))
    assert is_single_chunk(None) and not is_single_chunk([1])
    size, groups = get_chunk_size(ds.chunk({"time": 5}), size_in="KB")
    assert size == 5 * 4 / 1000 and groups == [("time", 5.0)]
