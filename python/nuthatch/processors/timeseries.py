"""``@timeseries``: slices results to the call's ``start_time`` / ``end_time`` and checks
that they cover that range. The rules (what a bound means, when a stored series covers a
call) are the engine's, shared with C++ (``nuthatch/timeseries.hpp``): a date or partial
time names its whole period ("2013-01-10" ends at the day's last instant, as xarray's
``.sel`` slices), and a series covers a call when it reaches within 365 days of each end
(the original Nuthatch's rule). Supports xarray Datasets / DataArrays and pandas and dask
DataFrames. Its ``read_range`` names that range on the time dimension, so a recalled Zarr
entry the engine reads itself (``engine='eager'``, or one not opened lazily) is read only
for the chunks the range touches.

    @timeseries(timeseries='time')
    @cache(cache_args=['agg_days'])
    def agg_and_clip(start_time, end_time, agg_days=1): ...
"""
import sys

from .. import _core
from .._plain import key_value
from ..processor import NuthatchProcessor


def _is_xarray(data):
    xr = sys.modules.get("xarray")
    return xr is not None and isinstance(data, (xr.Dataset, xr.DataArray))


def _is_dataframe(data):
    pd = sys.modules.get("pandas")
    dd = sys.modules.get("dask.dataframe")
    return (pd is not None and isinstance(data, pd.DataFrame)) or \
        (dd is not None and isinstance(data, dd.DataFrame))


def _rule_value(value):
    """A bound as the engine's rules take it: None, int (ns) or ISO 8601 text (datetimes
    render as UTC instants, dates as the day they name)."""
    value = key_value(value)
    return value if value is None or isinstance(value, (int, str)) else str(value)


def _naive(value):
    """Whether a bound names wall-clock time (no UTC offset)."""
    if value is None or isinstance(value, int):
        return True
    import pandas as pd
    try:
        return pd.Timestamp(value).tz is None
    except (ValueError, TypeError):
        return True


class timeseries(NuthatchProcessor):  # noqa: N801 - the original's name
    """Processor for timeseries data: ``timeseries`` names the time dimension or column
    (or a list of candidates); ``validate_data=True`` checks coverage."""

    def __init__(self, timeseries="time", **kwargs):
        super().__init__(**kwargs)
        self.timeseries = timeseries if isinstance(timeseries, list) else [timeseries]
        self.start_time = None
        self.end_time = None

    def process_arguments(self, sig, *args, **kwargs):
        if "start_time" not in sig.parameters or "end_time" not in sig.parameters:
            raise ValueError("Time series functions must have the parameters 'start_time' and "
                             "'end_time'")
        # bind_partial: a missing argument is the call's error to report, not this one's
        bound = sig.bind_partial(*args, **{k: v for k, v in kwargs.items()
                                           if k in sig.parameters})
        bound.apply_defaults()
        self.start_time = bound.arguments.get("start_time")
        self.end_time = bound.arguments.get("end_time")
        return args, kwargs

    def _bounds(self):
        """(start, end) in ns since the epoch (the engine's rules), None for an open side."""
        return _core.timeseries_bounds(_rule_value(self.start_time), _rule_value(self.end_time))

    def read_range(self):
        """The call's [start_time, end_time] on the first candidate time dimension (a
        stored result without it is read whole), or None when neither bound is set."""
        if self.start_time is None and self.end_time is None:
            return None
        start, end = self._bounds()
        return self.timeseries[0], start, end

    def _time_name(self, data):
        names = data.dims if _is_xarray(data) else data.columns
        for t in self.timeseries:
            if t in names:
                return t
        raise RuntimeError(f"Timeseries must have a dimension named {self.timeseries} for "
                           f"slicing.")

    def post_process(self, data):
        if _is_xarray(data):
            name = self._time_name(data)
            if data[name].dtype.kind != "M":  # not a time: the bounds are labels
                return data.sel({name: slice(self.start_time, self.end_time)})
            start, end = (None if b is None else _datetime64(b) for b in self._bounds())
            return data.sel({name: slice(start, end)})
        if _is_dataframe(data):
            col = self._time_name(data)
            start, end = self._bounds()
            if start is not None:
                data = data[data[col] >= self._bound(data, col, start, self.start_time)]
            if end is not None:
                data = data[data[col] <= self._bound(data, col, end, self.end_time)]
            return data
        raise RuntimeError(f"Cannot filter timeseries for data type {type(data)}")

    @staticmethod
    def _bound(data, col, ns, value):
        """A bound in ns as a Timestamp comparable with the column: in a zoned column, a
        wall-clock bound is that zone's wall clock, one with an offset is the instant."""
        import pandas as pd
        t = pd.Timestamp(ns)
        tz = getattr(data[col].dtype, "tz", None)
        if tz is not None:
            t = t.tz_localize(tz) if _naive(value) else t.tz_localize("UTC").tz_convert(tz)
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
        wall = self.start_time if self.start_time is not None else self.end_time
        first, last = (_ns(t, _naive(wall)) for t in (first, last))
        return _core.timeseries_covers(first, last, _rule_value(self.start_time),
                                       _rule_value(self.end_time))


def _datetime64(ns):
    import numpy as np
    return np.datetime64(ns, "ns")


def _ns(t, wall_clock):
    """ns since the epoch of a Timestamp: a zoned one as its wall clock when the call's
    bounds are wall-clock times, else as its instant."""
    if t.tz is not None and wall_clock:
        t = t.tz_localize(None)
    return int(t.value)
