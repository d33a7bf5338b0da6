"""The original package's ``nuthatch.memoizer`` module, over the engine's memoizer
(``memoize=True``). As in the original it keeps two pools, each with its budget:
xarray objects and dask DataFrames (persisted) count against ``remote_cache_size``
(32 GB by default), everything else against ``local_cache_size`` (2 GiB by default, or
``memoize_max_bytes``); sizes may be written as the original's configuration writes them
(``"2GB"``, ``"100KB"``)."""
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
    """Bytes of each memoized result of one pool, by memo key, as the engine holds them
    now (a live view: every read asks the engine)."""

    def __init__(self, pool):
        self._pool = pool

    def _sizes(self):
        return _core.memoized_sizes(self._pool)

    def __getitem__(self, key):
        return self._sizes()[key]

    def __iter__(self):
        return iter(self._sizes())

    def __len__(self):
        return len(self._sizes())

    def values(self):
        return self._sizes().values()

    def __repr__(self):
        return repr(self._sizes())


local_object_size = _MemoizedSizes("local")
remote_object_size = _MemoizedSizes("remote")
