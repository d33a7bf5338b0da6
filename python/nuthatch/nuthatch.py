"""The original package's ``nuthatch.nuthatch`` module, for code written against it: the
decorator and the nesting check. Caching itself is the engine's (``nuthatch.cache``)."""
import sys

from .cache import CachedFunction, cache

__all__ = ["cache", "check_if_nested_fn", "instantiate_read_caches"]


def check_if_nested_fn():
    """Whether the caller runs inside a cached function that was itself called from
    another cached function (a nested call, which inherits the outer call's cache mode,
    recompute and memoize settings). False at top level and in a top-level cached
    function's body."""
    call_code = CachedFunction.__call__.__code__
    depth = 0
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is call_code:
            depth += 1
            if depth == 2:
                return True
        frame = frame.f_back
    return False


def instantiate_read_caches(config, cache_key, namespace, version, cache_arg_values,
                            requested_backend, backend_kwargs):
    """Not available: the original built one ``Cache`` per location here; in this package
    the engine chooses and opens the locations inside each call, and offers no per-location
    handles to Python."""
    raise NotImplementedError(
        "nuthatch.nuthatch.instantiate_read_caches: the engine resolves the locations (root, "
        "mirrors) inside each cached call and does not hand per-location caches to Python; "
        "call the cached function instead")
