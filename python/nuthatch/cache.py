"""The ``@cache`` decorator: binds a call's arguments (``inspect.signature``, defaults
applied), separates nuthatch's per-call keywords, converts values and calls the engine,
which decides everything else (levels, modes, keys, overwriting, memoizing) — including
what to do with an argument that cannot be keyed: the binding names it, and the engine
turns caching off for the call with one warning (on stderr, as its other warnings)."""
import copy
import functools
import importlib
import inspect
import logging
import sys
from typing import NamedTuple

from . import _core
from ._plain import key_value, plain
from .backend import engine_backend
from .backends import adapters
from ._fingerprint import code_fingerprint
from .config import register_module
from .processor import call_process_arguments

# Per-call keywords (DESIGN §5), removed before the function sees its arguments.
CALL_KEYWORDS = ("cache", "namespace", "cache_mode", "recompute", "memoize", "engine",
                 "backend", "backend_kwargs", "storage_backend", "storage_backend_kwargs",
                 "filepath_only", "retry_null_cache", "fail_if_no_cache", "upsert",
                 "force_overwrite", "post_processors", "recompute_invalid", "on_stale")
# A function with processors also takes `validate_data`, their validate_data for one call.
_SCALARS = frozenset((bool, int, float, str, bytes))  # keyed as they are


def cache(cache=True, namespace=None, version=None, cache_args=[], cache_disable_if=None,  # noqa: B006 - the original's signature
          fail_if_no_cache=False, engine=None, backend=None, backend_kwargs={},  # noqa: B006
          storage_backend=None, storage_backend_kwargs={}, memoize=False,  # noqa: B006
          upsert_keys=None, recompute_invalid=False, on_stale=None, stale_on_packages=False):
    """Caches a function's results, keyed by the arguments named in ``cache_args``.

    Keywords (fixed for the function): ``cache``, ``namespace``, ``version``,
    ``cache_args``, ``cache_disable_if`` (dict or list of dicts of argument -> value or
    list of values), ``fail_if_no_cache``, ``engine`` (read type: e.g. ``'pandas'``,
    ``'dask'``, or the type itself), ``backend``, ``backend_kwargs``, ``storage_backend``,
    ``storage_backend_kwargs``, ``memoize``, ``upsert_keys``; and ``recompute_invalid``
    (this package's: a recalled entry that fails its processors' validation is recomputed
    and replaced, where by default, as in the original, ``ValidationError``, a
    ``ValueError``, is raised); ``on_stale`` (what a hit on a stale entry does:
    ``'warn'``, the default, ``'recompute'``, ``'ignore'`` or ``'fail'``, raising
    ``StaleEntryError``) and ``stale_on_packages`` (a changed version of a third-party
    package the function uses makes its entries stale; README "Staleness").

    Each call also takes ``cache``, ``namespace``, ``cache_mode``, ``recompute`` (True, a
    name, a list of names or ``'_all'``), ``memoize`` (the same), ``engine``, ``backend``,
    ``backend_kwargs``, ``storage_backend``, ``storage_backend_kwargs``,
    ``filepath_only``, ``retry_null_cache``, ``fail_if_no_cache``, ``upsert``,
    ``force_overwrite``, ``post_processors``, ``recompute_invalid`` and ``on_stale``.
    """
    if callable(cache):  # used bare, as @cache
        return CachedFunction(cache, _options())
    return lambda func: CachedFunction(func, _options(
        cache, namespace, version, cache_args, cache_disable_if, fail_if_no_cache, engine,
        backend, backend_kwargs, storage_backend, storage_backend_kwargs, memoize, upsert_keys,
        recompute_invalid, on_stale, stale_on_packages))


def _options(cache=True, namespace=None, version=None, cache_args=(), cache_disable_if=None,
             fail_if_no_cache=False, engine=None, backend=None, backend_kwargs=None,
             storage_backend=None, storage_backend_kwargs=None, memoize=False,
             upsert_keys=None, recompute_invalid=False, on_stale=None, stale_on_packages=False):
    return {
        "cache": cache, "namespace": namespace,
        "version": None if version is None else str(version),
        "cache_args": list(cache_args or []), "cache_disable_if": cache_disable_if,
        "fail_if_no_cache": fail_if_no_cache,
        "engine": engine_name(engine if engine is not None or backend is None
                              else engine_when_named(backend)),
        "backend": _engine_backend(backend), "backend_kwargs": plain(backend_kwargs or {}),
        "storage_backend": _engine_backend(storage_backend),
        "storage_backend_kwargs": plain(storage_backend_kwargs or {}),
        "memoize": memoize, "upsert_keys": list(upsert_keys or []),
        "recompute_invalid": bool(recompute_invalid),
        "on_stale": on_stale, "stale_on_packages": bool(stale_on_packages),
    }


def engine_when_named(backend):
    """The read engine= of a call that names ``backend`` and no engine: what the
    backend's adapter reads by default when asked for by name (the original's parquet
    backend reads dask), or None."""
    for adapter in adapters(_engine_backend(backend)):
        named = getattr(adapter, "engine_when_named", None)
        if named is not None:
            return named
    return None


def _engine_backend(name):
    return name if name is None else engine_backend(name)


def engine_name(engine):
    """The engine= read hint as a name: a type (xarray.Dataset, pandas.DataFrame, a dask
    DataFrame, numpy.ndarray) or a name."""
    if engine is None or isinstance(engine, str):
        return engine
    module = getattr(engine, "__module__", "") or ""
    root = module.split(".")[0]
    if root == "dask":
        return "dask"
    return root or str(engine)


class EntryStatus(NamedTuple):
    """What ``nuthatch.status`` tells of a call's entry."""

    state: str      # "fresh" | "stale" | "missing"
    reasons: list   # why stale, e.g. "helper `rolling_mean` in pipeline/agg.py changed"
    location: str   # where the entry was found ("" when missing)
    key: str
    entry_id: str
    input_missing: bool  # an entry it read was deleted


class CachedFunction:
    """A function called through the cache. Calls are thread-safe."""

    def __init__(self, func, options, processors=(), code=None):
        functools.update_wrapper(self, func)
        self.__wrapped__ = func
        self.__nuthatch_cacheable__ = True
        self._func = func
        self._options = options
        self._processors = tuple(processors)
        self._signature = inspect.signature(func)
        self._params = list(self._signature.parameters)
        # Calls with every parameter given positionally skip Signature.bind (cache hits are
        # a few microseconds; bind alone is about 3).
        self._plain_params = all(p.kind is p.POSITIONAL_OR_KEYWORD
                                 for p in self._signature.parameters.values())
        self._name = func.__name__
        self._core = _core.Function(self._name, self._params, options, "")
        # The code's components: recorded on the first call (_record_code), or given by the
        # process that pickled this function by value (a dask task's), which made them.
        self._code = None
        self._code_known = False
        if code is not None:
            self._set_code(code)
        # The configuration of the function's own project (an installed package's as its
        # mirrors), as the original looks it up from the decorated function's module.
        register_module(sys.modules.get(getattr(func, "__module__", None) or ""))

    def with_processor(self, processor):
        """The same cached function with `processor` (outermost first)."""
        return CachedFunction(self._func, self._options, (processor,) + self._processors,
                              self._code)

    def __get__(self, obj, objtype=None):  # methods: bind like a function
        if obj is None:
            return self
        return functools.partial(self.__call__, obj)

    def __call__(self, *args, **kwargs):
        if not self._code_known:
            self._record_code()
        if not kwargs and not self._processors and self._plain_params and \
                len(args) == len(self._params):
            values = [v if v is None or type(v) in _SCALARS else key_value(v) for v in args]
            return self._core.call(values, {}, lambda: self._func(*args))
        values, call, bound = self._bind(args, kwargs)
        return self._core.call(values, call, lambda: self._func(*bound.args, **bound.kwargs))

    def _record_code(self):
        """Gives the engine the function's code components, on the first call: by then the
        helpers it uses are defined. A fingerprint that cannot be made never fails a call:
        the version alone is recorded, with a warning."""
        try:
            components = code_fingerprint(self._func, self._options.get("version"))[1]
        except Exception as e:  # noqa: BLE001 - any failure reading source code
            logging.getLogger("nuthatch").warning(
                "cannot fingerprint the code of %s (%s): its entries are not checked for code "
                "changes", self._name, e)
            components = {"version": self._options.get("version") or ""}
        self._set_code(components)

    def _set_code(self, components):
        self._core.set_code(components)
        self._code = components
        self._code_known = True

    def _bind(self, args, kwargs):
        """(argument values, per-call options, bound arguments) of one call."""
        call = {k: kwargs.pop(k) for k in CALL_KEYWORDS if k in kwargs}
        validate_data = kwargs.pop("validate_data", None) if self._processors else None
        processors = [p if hasattr(p, "post_process") else _CallableProcessor(p)
                      for p in call.pop("post_processors", None) or []]
        for p in self._processors:
            p = copy.copy(p)
            if validate_data is not None:
                p.validate_data = validate_data
            args, kwargs = call_process_arguments(p, self._signature, args, kwargs)
            processors.append(p)
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{self._name}() {e}") from None
        bound.apply_defaults()
        values = [key_value(bound.arguments[p]) for p in self._params]
        if processors:
            call["post_processors"] = processors
        if call.get("engine") is None and call.get("backend") is not None and \
                self._options["engine"] is None:
            call["engine"] = engine_when_named(call["backend"])
        if "engine" in call:
            call["engine"] = engine_name(call["engine"])
        for k in ("backend", "storage_backend"):
            if call.get(k) is not None:
                call[k] = _engine_backend(call[k])
        for k in ("backend_kwargs", "storage_backend_kwargs"):
            if call.get(k) is not None:
                call[k] = plain(call[k])
        return values, call, bound

    def status(self, *args, **kwargs):
        """Whether the entry of this call is fresh, stale (and why) or missing, without
        computing anything or reading the payload (``nuthatch.status``)."""
        if not self._code_known:
            self._record_code()
        values, call, _ = self._bind(args, dict(kwargs))
        call.pop("post_processors", None)
        return EntryStatus(*self._core.status(values, call))

    def bless(self, *args, **kwargs):
        """Records that the current code is equivalent to the code the call's entry was
        computed with, so it is no longer stale by code (the manifest keeps the replaced
        fingerprint in its ``code_history``). False when there is no entry."""
        if not self._code_known:
            self._record_code()
        values, call, _ = self._bind(args, dict(kwargs))
        call.pop("post_processors", None)
        return self._core.bless(values, call)

    def __reduce__(self):
        # By reference when importable (a module-level function), else by value (dask's
        # cloudpickle sends local functions to workers that way).
        module = sys.modules.get(getattr(self._func, "__module__", None) or "")
        target = module
        for part in self.__qualname__.split("."):
            target = getattr(target, part, None)
        if target is self:
            return (_import, (module.__name__, self.__qualname__))
        # The code's components travel with it: a task does not fingerprint it again.
        return (CachedFunction, (self._func, self._options, self._processors, self._code))

    def __dask_tokenize__(self):
        if not self._code_known:
            self._record_code()
        return ("nuthatch.CachedFunction", self._name, self._core.code,
                repr(sorted(self._options.items(), key=lambda kv: kv[0])),
                tuple(type(p).__qualname__ for p in self._processors))

    def __repr__(self):
        return f"<nuthatch cached function {self._name}>"


def _import(module, qualname):
    target = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


class _CallableProcessor:
    """A per-call post-processor given as a plain callable (``post_processors=[f]``), as
    the original takes them: ``f(result)`` is the processed result; no validation."""

    validate_data = False

    def __init__(self, func):
        if not callable(func):
            raise TypeError(f"post_processors takes callables (or processors), not {func!r}")
        self.post_process = func


class _Miss(Exception):
    """Raised by a Cache's compute callback: the entry is not stored."""


class Cache:
    """The original package's handle on one entry at one location, over the engine: the
    entry of a function named after ``cache_key``'s first part, keyed by the whole
    ``cache_key`` (so its storage key is this package's, not the original's path).

    ``config`` names the location: a ``NuthatchConfig`` location view, a dict whose
    ``filesystem`` is the configured root's or local location's, or any other dict of
    ``filesystem``, ``filesystem_options`` and per-backend tables of those two, which the
    engine opens as a location of its own (``Cache({'filesystem': 'gs://b/tmp'}, ...)``).
    ``readonly=True`` refuses writes and deletes. ``upsert`` and ``sync`` raise
    NotImplementedError (use the cached function's own options)."""

    def __init__(self, config, cache_key, namespace, version, args, requested_backend,
                 backend_kwargs, readonly=False):
        self.location = _location_of(config)
        self.cache_key = cache_key
        self.namespace = namespace
        self.version = version
        self.args = args
        self.readonly = readonly
        self.backend_name = requested_backend
        self.backend = requested_backend
        name = cache_key.split("/", 1)[0] or "cache"
        options = _options(namespace=namespace, version=version, cache_args=["cache_key"],
                           backend=requested_backend, backend_kwargs=backend_kwargs)
        self._function = _core.Function(name, ["cache_key"], options, "py:nuthatch.cache.Cache")
        if self.location is None:  # a location of its own, given by `config`
            self._where = {"location": plain(dict(config))}
            self.location = str(config.get("filesystem"))
        else:
            self._where = {}
        local = self.location == "local"
        self._read_mode = "local_strict" if local else "write"
        self._write_mode = "local_overwrite" if local else "overwrite"

    def _call(self, compute, **call):
        return self._function.call([self.cache_key], {**self._where, **call}, compute)

    def _read(self, **call):
        def miss():
            raise _Miss
        try:
            return True, self._call(miss, cache_mode=self._read_mode, **call)
        except _Miss:
            return False, None

    def _stored(self):
        """(backend, created) of the stored entry (backend 'null' for a null entry), or
        None; reads no data."""
        return self._function.stored_entry([self.cache_key],
                                           {**self._where, "cache_mode": self._write_mode})

    def _stored_backend(self):
        stored = self._stored()
        return None if stored is None else stored[0]

    def _writable(self, what):
        if self.readonly:
            raise RuntimeError(f"Cannot {what} {self.cache_key}: this cache is read-only")

    def exists(self):
        """Whether a value is stored for this entry (a null entry does not count, as in the
        original) and answers it (its version)."""
        if self._stored_backend() in (None, "null"):
            return False
        return self._read(filepath_only=True)[0]

    def read(self, engine=None):
        found, value = self._read(**({} if engine is None else {"engine": engine_name(engine)}))
        if not found:
            raise _core.CacheMissError(f"no entry for {self.cache_key} at the {self.location} "
                                       f"location")
        return value

    def get_uri(self):
        found, uri = self._read(filepath_only=True)
        if not found:
            raise RuntimeError(f"Cannot get the file path of {self.cache_key}: it is not stored")
        return uri

    def write(self, ds):
        """Stores ``ds`` (replacing the entry) and returns the value the engine returns."""
        self._writable("write")
        return self._call(lambda: ds, cache_mode=self._write_mode, recompute=True)

    def is_null(self):
        """Whether the entry is stored as null (its function returned None)."""
        return self._stored_backend() == "null"

    def set_null(self):
        self.write(None)

    def delete_null(self):
        """Removes the entry's null entry; RuntimeError when it is not null, as the
        original."""
        self._writable("delete")
        if not self.is_null():
            raise RuntimeError(f"Trying to delete the null entry of {self.cache_key}, which is "
                               f"not null")
        self._function.remove([self.cache_key], {**self._where, "cache_mode": self._write_mode},
                              True)

    def delete(self):
        """Removes the entry's value (its payload is retired; ``nuthatch gc`` reclaims it)."""
        self._writable("delete")
        self._function.remove([self.cache_key], {**self._where, "cache_mode": self._write_mode},
                              False)

    def get_backend(self):
        """The requested backend, else the one the stored entry was written with."""
        if self.backend_name is not None:
            return self.backend_name
        stored = self._stored_backend()
        if stored in (None, "null"):
            raise RuntimeError(f"Cache {self.cache_key}: no backend was requested and no value "
                               f"is stored to take it from")
        return stored

    def last_modified(self):
        """When the entry was committed, in microseconds since 1970-01-01 UTC (the
        original's unit), or None when nothing is stored."""
        stored = self._stored()
        if stored is None:
            return None
        import datetime
        return datetime.datetime.fromisoformat(stored[1]).timestamp() * 1_000_000

    @property
    def metastore(self):
        """Where this location keeps its entries' metadata, as the original's metastore
        object tells it: ``table_path`` is the URL of the manifests' folder (``meta/``;
        the original's ``nuthatch_metadata.nut``). Its other internals do not exist here."""
        return _Metastore(self._function.metadata_url(
            [self.cache_key], {**self._where, "cache_mode": self._write_mode}))

    def upsert(self, ds, upsert_keys=None):
        raise NotImplementedError("Cache.upsert: call the cached function with upsert=True")

    def sync(self, from_cache):
        raise NotImplementedError("Cache.sync: use cache_mode='local_sync' on the call")


class _Metastore:
    """Cache.metastore: the location's metadata folder (table_path)."""

    def __init__(self, table_path):
        self.table_path = table_path

    def __repr__(self):
        return f"<metastore {self.table_path}>"


def _location_of(config):
    """'root' or 'local': the configured location that ``config`` names; None for a dict
    that names another filesystem (a location of its own)."""
    scope = getattr(config, "_scope", None)
    if scope:
        return scope[0]
    filesystem = config.get("filesystem") if isinstance(config, dict) else None
    if filesystem is not None:
        import os
        wanted = os.path.expanduser(str(filesystem)).rstrip("/")
        for location in ("root", "local"):
            configured = _core.get_parameter("filesystem", location, None)
            if configured is not None and \
                    os.path.expanduser(str(configured)).rstrip("/") == wanted:
                return location
    if isinstance(config, dict) and filesystem is not None:
        return None  # a location of its own: the engine opens it from the dict
    raise TypeError(f"Cache({config!r}, ...): the configuration must be a NuthatchConfig "
                    f"location view or a dict with 'filesystem'")
