"""``@timeseries``: slices results to the call's ``start_time`` / ``end_time`` and checks
that they cover that range. Supports xarray Datasets / DataArrays and pandas and dask
DataFrames. Its ``read_range`` names that range on the time dimension, so a recalled Zarr
entry the engine reads itself (``engine='eager'``, or one not opened lazily) is read only
for the chunks the range touches.

    @timeseries(timeseries='time')
    @cache(cache_args=['agg_days'])
    def agg_and_clip(start_time, end_time, agg_days=1): ...
"""
import datetime
import sys

from ..processor import NuthatchProcessor

# A stored series covers a call when it reaches within this much of the call's ends.
COVERAGE_SLACK = datetime.timedelta(days=365)


def _is_xarray(data):
    xr = sys.modules.get("xarray")
    return xr is not None and isinstance(data, (xr.Dataset, xr.DataArray))


def _is_dataframe(data):
    pd = sys.modules.get("pandas")
    dd = sys.modules.get("dask.dataframe")
    return (pd is not None and isinstance(data, pd.DataFrame)) or \
        (dd is not None and isinstance(data, dd.DataFrame))


def _last_instant(end):
    """The last time an end bound selects: as xarray's ``.sel`` slices, a date or partial
    time string ("2001-06", "2001-06-30", "2001-06-30T12") reaches the end of the period it
    names. Other bounds (and strings with a UTC offset) are instants already."""
    if not isinstance(end, str):
        return end
    import pandas as pd
    try:
        if pd.Timestamp(end).tz is not None:
            return end
        return pd.Period(end).end_time
    except ValueError:
        return end  # not a time: core_read_range reports it


class timeseries(NuthatchProcessor):  # noqa: N801 - the original's name
    """Processor for timeseries data: ``timeseries`` names the time dimension or column
    (or a list of candidates); ``validate_data=True`` checks coverage."""

    def __init__(self, timeseries="time", **kwargs):
        super().__init__(**kwargs)
        self.timeseries = timeseries if isinstance(timeseries, list) else [timeseries]
        self.start_time = None
        self.end_time = None

    def process_arguments(self, params, args, kwargs):
        if "start_time" not in params or "end_time" not in params:
            raise ValueError("Time series functions must have the parameters 'start_time' and "
                             "'end_time'")
        names = list(params)
        bound = dict(zip(names, args))
        bound.update(kwargs)
        for name in ("start_time", "end_time"):
            if name in bound:
                value = bound[name]
            elif params[name].default is not params[name].empty:
                value = params[name].default
            else:
                value = None
            setattr(self, name, value)
        return args, kwargs

    def read_range(self):
        """The call's [start_time, end_time] on the first candidate time dimension (a
        stored result without it is read whole), or None when neither bound is set."""
        if self.start_time is None and self.end_time is None:
            return None
        return self.timeseries[0], self.start_time, _last_instant(self.end_time)

    def _time_name(self, data):
        names = data.dims if _is_xarray(data) else data.columns
        for t in self.timeseries:
            if t in names:
                return t
        raise RuntimeError(f"Timeseries must have a dimension named {self.timeseries} for "
                           f"slicing.")

    def post_process(self, data):
        if _is_xarray(data):
            return data.sel({self._time_name(data): slice(self.start_time, self.end_time)})
        if _is_dataframe(data):
            col = self._time_name(data)
            if self.start_time is not None:
                data = data[data[col] >= self._bound(data, col, self.start_time)]
            if self.end_time is not None:
                data = data[data[col] <= self._bound(data, col, self.end_time)]
            return data
        raise RuntimeError(f"Cannot filter timeseries for data type {type(data)}")

    @staticmethod
    def _bound(data, col, value):
        import pandas as pd
        t = pd.Timestamp(value)
        tz = getattr(data[col].dtype, "tz", None)
        if tz is not None:
            t = t.tz_localize(tz) if t.tz is None else t.tz_convert(tz)
        return t

    def validate(self, data):
        import pandas as pd
        if _is_xarray(data):
            times = data[self._time_name(data)]
            first, last = pd.Timestamp(times.min().values), pd.Timestamp(times.max().values)
        elif _is_dataframe(data):
            col = self._time_name(data)
            first, last = data[col].min(), data[col].max()
            if hasattr(first, "compute"):
                first, last = first.compute(), last.compute()
            first, last = pd.Timestamp(first), pd.Timestamp(last)
        else:
            raise RuntimeError(f"Cannot validate timeseries for data type {type(data)}")
        if pd.isna(first) or pd.isna(last):
            return False
        start = pd.Timestamp(self.start_time) if self.start_time is not None else first
        end = pd.Timestamp(self.end_time) if self.end_time is not None else last
        start, end = self._like(start, first), self._like(end, last)
        return first < start + COVERAGE_SLACK and last > end - COVERAGE_SLACK

    @staticmethod
    def _like(t, reference):
        if reference.tz is not None and t.tz is None:
            return t.tz_localize(reference.tz)
        if reference.tz is None and t.tz is not None:
            return t.tz_convert(None)
        return t
