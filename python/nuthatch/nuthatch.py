"""The original package's ``nuthatch.nuthatch`` module, for code written against it: the
decorator and the nesting check. Caching itself is the engine's (``nuthatch.cache``)."""
import logging
import sys

from . import _core
from .cache import Cache, CachedFunction, cache
from .config import set_global_skipped_filesystem

logger = logging.getLogger(__name__)

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
    """The original's read-only handles on one entry at each location of ``config`` (a
    dict of location name to its parameters, ``filesystem`` among them), local excluded:
    ``(caches, problem)``, ``caches`` a dict of location name to a read-only
    ``nuthatch.cache.Cache``, ``problem`` the message of the last location that could not
    be read (or None). A location on a filesystem of ``config['root']['skipped_filesystems']``
    is skipped with a warning. When a location cannot be read, the question whether to
    add its filesystem to ``~/.nuthatch.toml``'s skipped list is asked with ``input()``
    (as the original asks it; no answer counts as no). RuntimeError when no location can
    be read."""
    skipped = config.get('root', {}).get('skipped_filesystems') or ()
    caches = {}
    problem = None
    for location, values in config.items():
        if location == 'local' or 'filesystem' not in values:
            continue
        filesystem = values['filesystem']
        if filesystem in skipped:
            if filesystem not in _warned_filesystems:
                _warned_filesystems.add(filesystem)
                logger.warning("Skipping filesystem %s: ~/.nuthatch.toml lists it in "
                               "skipped_filesystems (remove it there once you can read it)",
                               filesystem)
            continue
        try:
            handle = Cache(values, cache_key, namespace, version, cache_arg_values,
                           requested_backend, backend_kwargs, readonly=True)
            handle._stored()  # reaches the location: raises when it cannot be read
        except _core.NuthatchError as e:
            problem = (f'Could not read the nuthatch cache "{location}" '
                       f'({type(e).__name__}: {e}); data expected from it is missing.')
            logger.warning(problem)
            if isinstance(e, _core.StorageError) and filesystem not in _warned_filesystems:
                _warned_filesystems.add(filesystem)
                if _yes(f"Could not read the cache at {filesystem}. Add it to the skipped "
                        f"filesystems in ~/.nuthatch.toml so that later runs do not try it? "
                        f"(y/n) "):
                    set_global_skipped_filesystem(filesystem)
                    logger.warning("Added %s to skipped_filesystems in ~/.nuthatch.toml; "
                                   "remove it there once you can read it", filesystem)
            continue
        caches[location] = handle
    if not caches:
        raise RuntimeError("No nuthatch cache could be read: configure a root location "
                           "(filesystem) in pyproject.toml or nuthatch.toml"
                           + (f". {problem}" if problem else ""))
    return caches, problem


# Filesystems already warned about (or asked about) in this process.
_warned_filesystems = set()


def _yes(question):
    try:
        return _core.is_yes(input(question))
    except (EOFError, OSError):  # no input to read (a batch job, a captured stdin)
        return False
