"""The original package's ``nuthatch.memoizer`` module. The memoizer itself is the
engine's (``memoize=True``; its budget is the ``local_cache_size`` parameter)."""
from collections.abc import Mapping

from . import _core

__all__ = ["clear_memoizer", "get_cache_usage", "local_object_size", "remote_object_size"]


def clear_memoizer():
    """Empties the in-process memoizer."""
    _core.clear_memoizer()


def get_cache_usage(object_sizes):
    """Total bytes of a mapping of memoized keys to sizes (``local_object_size`` or
    ``remote_object_size``)."""
    return sum(object_sizes.values())


class _MemoizedSizes(Mapping):
    """Bytes of each memoized result, by key: the engine's figures. The engine does not
    report them to Python yet, so reading one raises NotImplementedError."""

    def __init__(self, kind):
        self._kind = kind

    def _sizes(self):
        raise NotImplementedError(
            f"nuthatch.memoizer.{self._kind}_object_size: the engine keeps the memoizer's "
            f"sizes and does not report them to Python yet")

    def __getitem__(self, key):
        return self._sizes()[key]

    def __iter__(self):
        return iter(self._sizes())

    def __len__(self):
        return len(self._sizes())

    def values(self):
        return self._sizes().values()


local_object_size = _MemoizedSizes("local")
remote_object_size = _MemoizedSizes("remote")
