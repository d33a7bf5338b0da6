"""A lazily recalled dataset reads its chunks on demand; the engine's writer wrote every
chunk of its payload, so a chunk that has gone since (reclaimed, removed by hand,
damaged) is an error naming the chunk and the store's URL, never fill values."""
import numpy as np
import pytest

import nuthatch
from nuthatch import cache

xr = pytest.importorskip("xarray")
pytest.importorskip("dask")


def _dataset():
    temp = np.arange(64 * 8, dtype="float64").reshape(64, 8) + 0.5
    ds = xr.Dataset({"temp": (("time", "x"), temp)},
                    coords={"time": np.arange(64, dtype="int64")})
    ds["temp"].encoding["chunks"] = (16, 8)
    return ds


def _chunk_files(project, variable):
    return sorted(p for p in (project.root / "data").rglob("*")
                  if p.is_file() and f"/{variable}/c/" in p.as_posix())


@pytest.mark.parametrize("engine", [None, "dask"])
def test_deleted_chunk_of_a_lazy_recall_raises_on_load(project, engine):
    ds = _dataset()

    @cache(cache_args=["n"])
    def make(n):
        return ds

    make(1)
    lazy = make(1, engine=engine)  # lazily indexed (the default) or dask-backed
    if engine == "dask":
        assert lazy["temp"].chunks is not None
    else:
        assert type(lazy["temp"].variable._data).__name__ == "MemoryCachedArray"
    chunks = _chunk_files(project, "temp")
    assert len(chunks) == 4, chunks
    gone = chunks[1]
    gone.unlink()
    with pytest.raises(nuthatch.NuthatchError) as raised:
        lazy.load()
    message = str(raised.value)
    assert "is missing" in message
    assert "temp/c/1/0" in message
    store = gone.parent.parent.parent.parent  # <payload>.zarr/temp/c/1/0
    assert store.name in message and str(project.root) in message


def test_untouched_chunks_of_a_damaged_payload_still_load(project):
    ds = _dataset()

    @cache(cache_args=["n"])
    def make(n):
        return ds

    make(2)
    lazy = make(2)
    _chunk_files(project, "temp")[3].unlink()
    part = lazy["temp"].isel(time=slice(0, 16)).load()
    np.testing.assert_array_equal(part.values, ds["temp"].values[:16])
