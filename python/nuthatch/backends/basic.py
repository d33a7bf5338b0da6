"""The ``basic`` backend: values msgpack holds exactly (None, bool, int64, float, str,
bytes, and lists / str-keyed dicts of them), readable from C++."""
from . import Adapter

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def is_basic(obj):
    t = type(obj)
    if obj is None or t is bool or t is float or t is str or t is bytes:
        return True
    if t is int:
        return _INT64_MIN <= obj <= _INT64_MAX
    if t is list:
        return all(is_basic(v) for v in obj)
    if t is dict:
        return all(type(k) is str and is_basic(v) for k, v in obj.items())
    return False


class BasicAdapter(Adapter):
    name = "basic"
    priority = 10
    stores = "it holds None, bool, int64, float, str, bytes, and lists and str-keyed dicts of them"

    def takes(self, obj):
        return is_basic(obj)

    def encode(self, obj):
        if not is_basic(obj):
            raise self.cannot(obj)
        return obj


ADAPTER = BasicAdapter()
