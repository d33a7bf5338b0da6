"""Processors: NuthatchProcessor subclasses and timeseries, run by the engine."""
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import nuthatch
from nuthatch import cache
from nuthatch.processor import NuthatchProcessor
from nuthatch.processors import timeseries


def daily(start, end):
    time = pd.date_range(start, end, freq="D")
    return xr.Dataset({"air": ("time", np.arange(len(time), dtype=np.float64))},
                      coords={"time": time})


def test_timeseries_slices_a_dataset(project, counter):
    @timeseries(timeseries="time")
    @cache(cache_args=["agg_days"])
    def agg_and_clip(start_time, end_time, agg_days=1):
        counter()
        return daily("2013-01-01", "2013-12-31").rolling(time=agg_days).mean()

    full = agg_and_clip("2013-01-01", "2014-01-01", agg_days=1)
    assert full.sizes["time"] == 365
    part = agg_and_clip("2013-01-01", "2013-06-01", agg_days=1, memoize=True)
    assert part.sizes["time"] == 152 and counter.n == 1
    again = agg_and_clip("2013-01-01", "2013-06-01", agg_days=1, memoize=True)
    assert again is part
    agg_and_clip("2013-01-01", "2014-01-01", agg_days=7)
    assert counter.n == 2
    # Stored unprocessed: the whole year.
    nuthatch.clear_memoizer()
    assert agg_and_clip(None, None, agg_days=1).sizes["time"] == 365


def test_timeseries_validation_of_a_short_entry_raises_unless_asked_to_recompute(project):
    spans = iter([("2013-01-01", "2013-01-10"), ("2000-01-01", "2020-01-01")])

    @timeseries(validate_data=True)
    @cache()
    def series(start_time, end_time):
        return daily(*next(spans))

    short = series("2013-01-01", "2013-01-05")
    assert short.sizes["time"] == 5
    # The stored series does not reach within a year of 2016: as in the original, a
    # ValueError (nuthatch.ValidationError) ...
    with pytest.raises(ValueError, match="fails validation"):
        series("2015-01-01", "2016-06-01")
    with pytest.raises(nuthatch.ValidationError):
        series("2015-01-01", "2016-06-01")
    # ... unless recompute_invalid asks to recompute and replace it.
    long = series("2015-01-01", "2016-06-01", recompute_invalid=True)
    assert long.sizes["time"] == len(pd.date_range("2015-01-01", "2016-06-01"))
    assert series("2015-01-01", "2016-06-01").sizes["time"] == long.sizes["time"]
    # validate_data=False per call accepts what is stored.
    assert series("1990-01-01", "1990-02-01", validate_data=False).sizes["time"] == 0


def test_timeseries_on_dataframes(project):
    df = pd.DataFrame({"time": pd.date_range("2013-01-01", periods=10, freq="D"),
                       "v": range(10)})

    @timeseries()
    @cache()
    def table(start_time, end_time):
        return df

    out = table("2013-01-03", "2013-01-05")
    assert list(out["v"]) == [2, 3, 4]
    assert list(table("2013-01-08", None)["v"]) == [7, 8, 9]


def test_timeseries_needs_its_arguments(project):
    @timeseries()
    @cache()
    def f(x):
        return 1

    with pytest.raises(ValueError, match="start_time"):
        f(1)


class Scale(NuthatchProcessor):
    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def process_arguments(self, params, args, kwargs):
        self.seen = args
        return args, kwargs

    def post_process(self, data):
        return [x * self.factor for x in data]

    def validate(self, data):
        return len(data) > 0


def test_custom_processor_on_a_cached_function(project, counter):
    @Scale(10)
    @cache(cache_args=["n"])
    def f(n):
        counter()
        return list(range(n))

    assert f(3) == [0, 10, 20]
    assert f(3) == [0, 10, 20]
    assert counter.n == 1
    nuthatch.clear_memoizer()
    assert project.manifests() == ["_/f/n=3/basic.json"]


def test_validation_failure_of_a_computed_result_is_an_error(project):
    @Scale(1, validate_data=True)
    @cache(cache_args=["n"])
    def f(n):
        return []

    with pytest.raises(nuthatch.ValidationError, match="fails validation"):
        f(0)


def test_recompute_invalid_on_the_decorator_heals_every_call(project):
    spans = iter([("2013-01-01", "2013-01-10"), ("2000-01-01", "2020-01-01")])

    @timeseries(validate_data=True)
    @cache(recompute_invalid=True)
    def series(start_time, end_time):
        return daily(*next(spans))

    series("2013-01-01", "2013-01-05")
    assert series("2015-01-01", "2016-06-01").sizes["time"] == 518
    with pytest.raises(ValueError):  # per call, the original's behaviour back
        series("2030-01-01", "2031-01-01", recompute_invalid=False)


def test_processor_on_a_plain_function(project):
    @Scale(2)
    def f(n):
        return list(range(n))

    assert f(3) == [0, 2, 4]


def test_post_processors_per_call(project):
    @cache()
    def f():
        return [1, 2]

    assert f(post_processors=[Scale(3)]) == [3, 6]
    assert f() == [1, 2]
