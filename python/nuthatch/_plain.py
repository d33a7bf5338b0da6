"""Plain values: what the engine's value type holds (None, bool, int, float, str, bytes,
list, dict with str keys). Used for configuration and attributes."""
import datetime

from . import _core


def plain(value):
    """``value`` with numpy scalars and arrays, tuples and paths turned into plain values."""
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", None) == 0:
        return plain(item())
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return plain(tolist())
    if hasattr(value, "__fspath__"):
        return str(value.__fspath__())
    return value


def key_value(value):
    """An argument value as the engine keys it: datetimes as ISO 8601 UTC text rendered by
    the engine (so keys match the C++ API's for time points; naive datetimes are UTC),
    dates in ISO 8601, numpy scalars as Python numbers, tuples as lists, and objects
    (arrays, frames, datasets, paths, enums, sets, dataclasses, ``__nuthatch_key__``) as
    ``_object_keys`` says. Anything else is returned unchanged; the engine reports what it
    cannot key."""
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    if isinstance(value, datetime.datetime):
        return _core.format_time_ns(_ns_since_epoch(value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [key_value(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: key_value(v) for k, v in value.items()}
        return value
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        if value.dtype.kind == "M":
            return _core.format_time_ns(int(value.astype("datetime64[ns]").astype("int64")))
        return value.item()
    from ._object_keys import NOT_KEYED, object_key
    keyed = object_key(value, key_value)
    return value if keyed is NOT_KEYED else keyed


_EPOCH = datetime.datetime(1970, 1, 1)


def _ns_since_epoch(t):
    if t.tzinfo is not None:
        t = t.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    delta = t - _EPOCH
    ns = (delta.days * 86400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
    return ns + getattr(t, "nanosecond", 0)
