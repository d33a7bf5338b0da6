"""``nuthatch.status`` and ``nuthatch.bless``: questions about one call's entry that
compute nothing (the rules are the engine's; README "Staleness")."""
import functools

from .cache import CachedFunction


def _cached(func, args):
    """The cached function behind ``func`` (also a method of an instance, which arrives as
    a partial of the bound call) and the arguments to give it."""
    if isinstance(func, CachedFunction):
        return func, args
    if isinstance(func, functools.partial):
        owner = getattr(func.func, "__self__", None)
        if isinstance(owner, CachedFunction) and not func.keywords:
            return owner, tuple(func.args) + tuple(args)
    raise TypeError(f"{func!r} is not a function decorated with nuthatch.cache")


def status(func, *args, **kwargs):
    """Whether the entry ``func(*args, **kwargs)`` would recall is fresh, stale or missing,
    and why: an ``EntryStatus`` with ``.state`` and ``.reasons``. Nothing is computed and
    no payload is read."""
    target, args = _cached(func, args)
    return target.status(*args, **kwargs)


def bless(func, *args, **kwargs):
    """Records that ``func``'s current code is equivalent to the code that the entry of
    ``func(*args, **kwargs)`` was computed with, so a refactor need not recompute it. The
    replaced fingerprint stays in the manifest's ``code_history``. Returns False when the
    call has no entry."""
    target, args = _cached(func, args)
    return target.bless(*args, **kwargs)
