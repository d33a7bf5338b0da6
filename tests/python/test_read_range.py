"""Partial recall from Python processors: ``read_range`` reaches the engine, which reads a
recalled Zarr entry only where the range lies when it reads the entry itself
(``engine='eager'`` here; object-store roots in test_object_stores.py), while a local
entry opened lazily stays lazy.

That a read is partial is shown by damaging a chunk far outside the range: the engine
treats a payload it cannot decode as a miss and recomputes, so a partial recall leaves
the counter alone where a whole read recomputes."""
import datetime
import pathlib

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from nuthatch import cache
from nuthatch.processor import NuthatchProcessor, core_read_range
from nuthatch.processors import timeseries

FIRST_DAY = "2000-01-01"
LAST_DAY = "2002-12-31"
CHUNK_DAYS = 30
JUNE = ("2001-06-01", "2001-06-30")


def daily(last_day=LAST_DAY):
    """A daily record from 2000 to last_day, 'air' in chunks of 30 days."""
    time = pd.date_range(FIRST_DAY, last_day, freq="D")
    air = np.arange(len(time) * 3, dtype="float32").reshape(len(time), 3)
    ds = xr.Dataset({"air": (("time", "x"), air, {"units": "K"})},
                    coords={"time": time, "x": [10, 20, 30]})
    ds["air"].encoding["chunks"] = (CHUNK_DAYS, 3)
    return ds


class whole_timeseries(timeseries):  # noqa: N801 - a processor, named as they are
    """timeseries without read_range: recalls read the whole entry."""

    def read_range(self):
        return None


def record_function(counter):
    @cache()
    def record(start_time, end_time):
        counter()
        return daily(max(LAST_DAY, end_time))
    return record


def damage_first_chunk(store):
    """Overwrites air's first chunk (January 2000) with bytes no codec decodes."""
    chunk = store / "air" / "c" / "0" / "0"
    assert chunk.is_file()
    chunk.write_bytes(b"not a zstd frame")


def local_store(fn):
    return pathlib.Path(fn(*JUNE, filepath_only=True).removeprefix("file://"))


def test_eager_recall_reads_only_the_chunks_of_the_range(project, counter):
    record = record_function(counter)
    sliced = timeseries(validate_data=True)(record)
    whole = whole_timeseries(validate_data=True)(record)
    expected = daily().sel(time=slice(*JUNE))

    xr.testing.assert_identical(sliced(*JUNE, engine="eager"), expected)
    assert counter.n == 1
    damage_first_chunk(local_store(record))

    got = sliced(*JUNE, engine="eager")
    xr.testing.assert_identical(got, expected)
    assert isinstance(got["air"].data, np.ndarray)
    assert counter.n == 1  # the damaged chunk was not read

    xr.testing.assert_identical(whole(*JUNE, engine="eager"), expected)
    assert counter.n == 2  # a whole read met it: a miss, recomputed and replaced


def test_partial_recall_still_validates_coverage(project, counter):
    record = record_function(counter)
    sliced = timeseries(validate_data=True)(record)
    sliced(*JUNE, engine="eager")
    assert counter.n == 1
    # Beyond the entry's end by more than the processor's one-year slack: the tail read
    # (the last stored day) fails validation: an error, as in the original ...
    later = ("2005-01-01", "2005-01-31")
    with pytest.raises(ValueError, match="fails validation"):
        sliced(*later, engine="eager")
    assert counter.n == 1
    # ... or, when the call asks, the entry is recomputed and replaced.
    got = sliced(*later, engine="eager", recompute_invalid=True)
    assert counter.n == 2
    xr.testing.assert_identical(got, daily("2005-01-31").sel(time=slice(*later)))
    xr.testing.assert_identical(sliced(*later, engine="eager"), got)
    assert counter.n == 2


def test_lazily_opened_local_entry_stays_lazy(project, counter):
    import dask.array as da
    record = record_function(counter)
    sliced = timeseries()(record)
    sliced(*JUNE)
    got = sliced(*JUNE)
    assert counter.n == 1
    # Not loaded: xarray's lazily indexed array (`.data` would load it), or dask-backed.
    data = got["air"].variable._data
    assert isinstance(data, da.Array) or type(data).__name__ == "MemoryCachedArray", type(data)
    assert isinstance(sliced(*JUNE, engine="dask")["air"].data, da.Array)
    xr.testing.assert_identical(got.load(), daily().sel(time=slice(*JUNE)))


@pytest.mark.parametrize("span", [("2001-06-01", "2001-06-02"), ("2001-06", "2001-06"),
                                  ("2001-06-01T06", "2001-06-02T18")])
def test_partial_recall_keeps_the_whole_period_an_end_string_names(project, counter, span):
    """.sel takes "2001-06-02" to the day's last hour and "2001-06" to the month's end:
    the range read reaches as far."""
    time = pd.date_range("2001-01-01", "2001-12-31T23:00", freq="h")
    ds = xr.Dataset({"v": (("time",), np.arange(len(time), dtype="float64"))},
                    coords={"time": time})
    ds["v"].encoding["chunks"] = (24,)

    @cache()
    def hourly(start_time, end_time):
        counter()
        return ds

    sliced = timeseries()(hourly)
    sliced(*span, engine="eager")
    got = sliced(*span, engine="eager")
    assert counter.n == 1
    xr.testing.assert_identical(got, ds.sel(time=slice(*span)))


class first_rows(NuthatchProcessor):  # noqa: N801
    """Keeps rows whose integer label 'row' lies in [low, high]; reads only those."""

    def __init__(self, low, high, **kwargs):
        super().__init__(**kwargs)
        self.low, self.high = low, high

    def read_range(self):
        return "row", self.low, self.high

    def post_process(self, data):
        return data.sel(row=slice(self.low, self.high))

    def validate(self, data):
        return True


def test_integer_coordinate_range(project, counter):
    @cache()
    def table():
        counter()
        ds = xr.Dataset({"v": (("row",), np.arange(1000, dtype="int64") * 2)},
                        coords={"row": np.arange(1000, dtype="int64")})
        ds["v"].encoding["chunks"] = (100,)
        return ds

    rows = first_rows(500, 549)(table)
    expected = table().sel(row=slice(500, 549))
    store = pathlib.Path(table(filepath_only=True).removeprefix("file://"))
    (store / "v" / "c" / "0").write_bytes(b"not a zstd frame")
    xr.testing.assert_identical(rows(engine="eager"), expected)
    assert counter.n == 1


@pytest.mark.parametrize("bound", [
    "2001-06-01", "2001-06-01T00:00:00Z", "2001-06-01T02:00:00+02:00",
    datetime.datetime(2001, 6, 1), datetime.date(2001, 6, 1),
    datetime.datetime(2001, 6, 1, 2, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
    np.datetime64("2001-06-01"), pd.Timestamp("2001-06-01"),
])
def test_read_range_bounds_become_nanoseconds(bound):
    p = timeseries()
    p.start_time, p.end_time = bound, None
    assert core_read_range(p) == ("time", 991353600 * 10**9, None)


def test_read_range_integer_bounds_and_errors():
    p = first_rows(3, np.int64(7))
    assert core_read_range(p) == ("row", 3, 7)
    for low, error in ((1.5, TypeError), ("not a date", ValueError), (True, TypeError),
                       (1 << 64, ValueError)):
        with pytest.raises(error, match="read_range"):
            core_read_range(first_rows(low, None))
    assert core_read_range(timeseries()) is None  # neither bound: the whole entry

    class bad(first_rows):  # noqa: N801
        def read_range(self):
            return "row"
    with pytest.raises(TypeError, match=r"\(dim, start, stop\)"):
        core_read_range(bad(0, 1))
