"""Python results <-> the engine's stored types: the binding's type adapter, which asks
the backend adapters (``nuthatch.backends``) and never names a backend itself.

The engine asks, under the GIL:
  backend_for(obj)              -> the default backend of a computed result: that of the
                                   highest-priority adapter taking it
  encode(obj, backend)          -> the plain form the binding stores with that backend
  decode(plain, backend, engine)-> the Python result (``engine`` is the engine= hint)
  open_payload(url, storage_options, backend, engine, missing_chunks)
                                -> a lazily loaded result, or None to have the engine
                                   read the payload
  write_payload(obj, backend, url, storage_options, kwargs)
                                -> bytes written for a result streamed into its payload,
                                   or None to store encode()'s form
  memory_size(obj)              -> bytes, for the memoizer's budget
  memory_pool(obj)              -> "local" or "remote": the memoizer pool it counts against
``storage_options`` are the ``filesystem_options`` of the level holding the payload
(credentials included): they travel with dask tasks inside a ``_storage.Target``, whose
repr and token hide them.
"""
import sys

from . import backends
from ._storage import Target


def backend_for(obj):
    return backends.adapter_for(obj).name


def encode(obj, backend):
    return backends.adapter_named(backend, obj).encode(obj)


def decode(plain, backend, engine):
    for adapter in backends.adapters(backend):
        if adapter.recognizes(plain):
            return adapter.decode(plain, engine)
    return plain


def write_payload(obj, backend, url, storage_options, kwargs, entry=None):
    target = Target(url, storage_options, entry=entry)
    return backends.adapter_named(backend, obj).write(obj, target, kwargs)


def open_payload(url, storage_options, backend, engine, missing_chunks="fill", kwargs=None,
                 entry=None):
    """``missing_chunks`` (the engine's PayloadLocation): "error" for payloads whose writer
    wrote every chunk, so a lazy read of a chunk removed since raises a nuthatch error
    naming it instead of returning fill values. ``kwargs``: the call's backend_kwargs."""
    target = Target(url, storage_options, missing_chunks, kwargs, entry)
    for adapter in backends.adapters(backend):
        opened = adapter.open(target, engine)
        if opened is not None:
            return opened
    return None


def upsert(stored, rows, keys):
    """The rows ``rows`` merged into the stored table ``stored`` by the columns ``keys``."""
    return backends.adapter_for(rows).upsert(stored, rows, keys)


def for_memory(obj):
    """The form a result is memoized in (and returned by the call that memoizes it): a
    dask-backed xarray object or dask DataFrame persisted, as the original does, so that
    later uses do not compute its graph again; anything else as it is."""
    persist = getattr(obj, "persist", None)
    if persist is None or not _dask_backed(obj):
        return obj
    return persist()


def memory_pool(obj):
    """The memoizer pool a result counts against, as the original Nuthatch splits them:
    ``"remote"`` (``remote_cache_size``) for xarray objects and dask DataFrames, whose
    data a dask scheduler may hold, ``"local"`` (``local_cache_size``) for the rest."""
    module = type(obj).__module__ or ""
    if module.startswith("xarray") or module.startswith("dask.dataframe"):
        return "remote"
    return "local"


def returns_written(obj):
    """Whether a call returns ``obj`` reopened from the entry it was just written to: a
    dask-backed result, so that using it reads the stored data instead of computing its
    graph again (the original returns such a result persisted)."""
    return _dask_backed(obj)


def _dask_backed(obj):
    module = type(obj).__module__ or ""
    if module.startswith("dask"):
        return True
    if module.startswith("xarray"):
        return getattr(obj, "chunks", None) is not None and bool(obj.chunks)
    return False


def memory_size(obj):
    try:
        size = backends.adapter_for(obj).memory_size(obj)
    except TypeError:
        size = None
    return sys.getsizeof(obj) if size is None else size
