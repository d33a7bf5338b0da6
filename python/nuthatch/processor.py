"""Processors: shape what a cached call returns (and check what it recalls).

A processor sees the call's arguments before the lookup (``process_arguments``), then the
result, recalled or computed: ``validate`` (when ``validate_data`` is true) and
``post_process``. Entries are stored unprocessed. Applied to a cached function, the
engine runs them: a result that fails validation, recalled or computed, raises
``nuthatch.ValidationError`` (a ``ValueError``, as in the original); with
``recompute_invalid=True`` a recalled one is recomputed and replaced instead. Applied to any other function, the processor wraps
it as the original package does.

    class clip(NuthatchProcessor):
        def __init__(self, low, **kwargs):
            super().__init__(**kwargs)
            self.low = low
        def post_process(self, data):
            return data[data > self.low]
        def validate(self, data):
            return len(data) > 0

    @clip(0)
    @cache(cache_args=['n'])
    def f(n): ...

Each call works on a copy of the processor, so state set in ``process_arguments`` (for
instance the call's start and end times) belongs to that call.

A processor that looks at only part of a result along one coordinate may say so with
``read_range``: ``(dim, start, stop)``, the labels of a 1-D integer or datetime
coordinate it needs (inclusive; ``None`` leaves a side open). When it is a cached
function's only processor, the engine then reads a recalled Zarr entry only where that
range lies (plus one element either side, so that ``validate`` can still tell whether the
entry covers the call) instead of whole: ``validate`` and ``post_process`` must not need
more. ``nuthatch.processors.timeseries`` does this. A result the package opens lazily
(dask-backed, unless ``engine='eager'``) reads only what is used anyway.
"""
import copy
import datetime
import functools
from abc import ABC, abstractmethod
from inspect import signature

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


class NuthatchProcessor(ABC):
    """Base class of processors; subclasses implement post_process and validate."""

    def __init__(self, **kwargs):
        """``validate_data``: validate results (default False); a call may pass
        ``validate_data=`` too."""
        self.validate_data = kwargs.get("validate_data", False)

    def __call__(self, func):
        if getattr(func, "__nuthatch_cacheable__", False) and hasattr(func, "with_processor"):
            return func.with_processor(self)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            processor = copy.copy(self)
            if "validate_data" in kwargs:
                processor.validate_data = kwargs.pop("validate_data")
            args, kwargs = call_process_arguments(processor, signature(func), args, kwargs)
            data = func(*args, **kwargs)
            if processor.validate_data and not processor.validate(data):
                raise ValueError("Data failed validation. Please manually overwrite data to "
                                 "proceed.")
            return processor.post_process(data)
        return wrapper

    @abstractmethod
    def post_process(self, data):
        """Returns the data the call returns (e.g. a slice of it)."""
        return data

    def process_arguments(self, sig, *args, **kwargs):
        """Checks or rewrites the call's arguments (``sig``: the function's
        ``inspect.Signature``); returns ``(args, kwargs)``. The original package's
        signature; an override taking ``(params, args, kwargs)`` (the parameters mapping
        and the argument tuple and dict) is called that way."""
        return args, kwargs

    def bind_signature(self, sig, *args, **kwargs):
        """The call's ``BoundArguments``, defaults applied; keywords the function does not
        take (nuthatch's per-call keywords) are left out."""
        known = {k: v for k, v in kwargs.items() if k in sig.parameters}
        bound = sig.bind(*args, **known)
        bound.apply_defaults()
        return bound

    @abstractmethod
    def validate(self, data):
        """Whether the data covers what the call asked for."""
        return True

    def read_range(self):
        """The part of a recalled result this call needs: ``(dim, start, stop)`` with
        bounds that are ints (integer labels), datetimes, numpy datetime64 or ISO 8601
        strings (naive times are UTC), or None for an open side; or None (the default)
        for the whole result. Called after ``process_arguments``."""
        return None


def call_process_arguments(processor, sig, args, kwargs):
    """Calls ``processor.process_arguments`` in the form its class defines: the original
    ``(sig, *args, **kwargs)``, or ``(params, args, kwargs)``."""
    method = processor.process_arguments
    takes_varargs = any(p.kind is p.VAR_POSITIONAL for p in signature(method).parameters.values())
    if takes_varargs:
        return method(sig, *args, **kwargs)
    return method(sig.parameters, args, kwargs)


def core_read_range(processor):
    """The processor's read_range as the engine takes it: None, or ``(dim, start, stop)``
    with int64 or None bounds (datetimes as nanoseconds since 1970-01-01 UTC)."""
    read_range = getattr(processor, "read_range", None)
    if read_range is None:
        return None
    spec = read_range()
    if spec is None:
        return None
    if not isinstance(spec, (tuple, list)) or len(spec) != 3:
        raise TypeError(f"{type(processor).__qualname__}.read_range() must return None or "
                        f"(dim, start, stop), not {spec!r}")
    dim, start, stop = spec
    if not isinstance(dim, str):
        raise TypeError(f"{type(processor).__qualname__}.read_range(): the dimension must be "
                        f"a str, not {type(dim).__name__}")
    return dim, _label(processor, start), _label(processor, stop)


def _label(processor, value):
    """A bound as an int64 label: ints as they are, times as ns since the epoch (UTC)."""
    if value is None:
        return None
    label = None
    if isinstance(value, int) and not isinstance(value, bool):
        label = value
    elif isinstance(value, str):
        label = _iso_ns(value)
    elif isinstance(value, datetime.datetime):
        from ._plain import _ns_since_epoch
        label = _ns_since_epoch(value)
    elif isinstance(value, datetime.date):
        label = _iso_ns(value.isoformat())
    elif type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        if value.dtype.kind == "M":
            label = int(value.astype("datetime64[ns]").astype("int64"))
        elif value.dtype.kind in "iu":
            label = int(value)
    if label is None and isinstance(value, str):
        raise ValueError(f"{type(processor).__qualname__}.read_range(): bound {value!r} is "
                         f"not an ISO 8601 date or time")
    if label is None:
        raise TypeError(f"{type(processor).__qualname__}.read_range(): a bound must be an "
                        f"int, a datetime, a numpy datetime64 or an ISO 8601 string, not "
                        f"{type(value).__name__} {value!r}")
    if not _INT64_MIN <= label <= _INT64_MAX:
        raise ValueError(f"{type(processor).__qualname__}.read_range(): bound {value!r} is "
                         f"outside the int64 range")
    return label


def _iso_ns(text):
    """ns since the epoch of an ISO 8601 date or time (naive: UTC); None when it is not one."""
    from ._plain import _ns_since_epoch
    try:
        import pandas as pd  # reads more of ISO 8601 than datetime, and nanoseconds
    except ImportError:
        pd = None
    try:
        if pd is None:
            return _ns_since_epoch(datetime.datetime.fromisoformat(text))
        t = pd.Timestamp(text)
        return None if t is pd.NaT else int(t.value)  # value: ns since the epoch, UTC
    except (ValueError, OverflowError):
        return None
