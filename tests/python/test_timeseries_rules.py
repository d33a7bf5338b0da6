"""The timeseries rules through Python, against the table the C++ test reads too
(timeseries_rules_cases.json, also read by tests/cpp/engine/timeseries_rules_test.cpp):
the engine's rules through nuthatch._core, and the Python processor, give the C++
answers."""
import json
import pathlib

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import nuthatch
from nuthatch import _core, cache
from nuthatch.processors import timeseries

CASES = json.loads((pathlib.Path(__file__).parent / "timeseries_rules_cases.json").read_text())


@pytest.mark.parametrize("case", CASES["periods"], ids=lambda c: c["text"])
def test_periods_of_the_table(case):
    text = case["text"]
    assert _core.timeseries_bounds(text, text) == (case["first"], case["last"])
    p = timeseries()
    p.start_time = p.end_time = text
    assert p.read_range() == ("time", case["first"], case["last"])


@pytest.mark.parametrize("text", CASES["invalid"])
def test_invalid_text_of_the_table_is_an_error_naming_the_argument(text):
    with pytest.raises(nuthatch.NuthatchError, match="end_time"):
        _core.timeseries_bounds(None, text)


def series(first, last):
    return xr.Dataset({"v": ("time", [1.0, 2.0])},
                      coords={"time": np.array([first, last], dtype="datetime64[ns]")})


@pytest.mark.parametrize("case", CASES["coverage"], ids=lambda c: c["why"])
def test_coverage_of_the_table(case):
    first, last, start, end = case["first"], case["last"], case["start"], case["end"]
    assert _core.timeseries_covers(first, last, start, end) == case["covers"]
    p = timeseries(validate_data=True)
    p.start_time, p.end_time = start, end
    assert p.validate(series(first, last)) == case["covers"]
    frame = pd.DataFrame({"time": pd.to_datetime([first, last]), "v": [1, 2]})
    assert p.validate(frame) == case["covers"]


def test_a_stored_series_covers_a_call_within_a_year(project, counter):
    """The original Nuthatch's rule: a record ending two months before the call's end is
    recalled, not recomputed; one ending more than a year before fails validation (a
    ValueError), and is recomputed when the call asks (recompute_invalid)."""
    @timeseries(validate_data=True)
    @cache()
    def record(start_time, end_time):
        days = 31 if counter() == 1 else 430
        return xr.Dataset({"v": ("time", np.arange(float(days)))},
                          coords={"time": pd.date_range("2013-01-01", periods=days)})

    record("2013-01-01", "2013-01-31")
    assert record("2013-01-01", "2013-03-31").sizes["time"] == 31
    assert counter.n == 1
    with pytest.raises(ValueError):
        record("2013-01-01", "2014-03-01")
    assert counter.n == 1
    healed = record("2013-01-01", "2014-03-01", recompute_invalid=True)
    assert healed.sizes["time"] == 425  # recomputed: 2013 + Jan, Feb
    assert counter.n == 2


def test_an_end_date_takes_its_whole_day_for_every_type(project):
    time = pd.date_range("2013-01-09", "2013-01-11T23:00", freq="h")
    ds = xr.Dataset({"v": ("time", np.arange(len(time), dtype="float64"))}, coords={"time": time})
    frame = pd.DataFrame({"time": time, "v": np.arange(len(time))})

    @timeseries()
    @cache()
    def hourly(start_time, end_time):
        return ds

    @timeseries()
    @cache()
    def table(start_time, end_time):
        return frame

    assert hourly("2013-01-10", "2013-01-10").sizes["time"] == 24
    assert len(table("2013-01-10", "2013-01-10")) == 24
    assert len(table("2013-01-10", "2013-01-10T05:30:00Z")) == 6  # an instant
