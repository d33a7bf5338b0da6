"""The ``@cache`` decorator: binds a call's arguments (``inspect.signature``, defaults
applied), separates nuthatch's per-call keywords, converts values and calls the engine,
which decides everything else (levels, modes, keys, overwriting, memoizing) — including
what to do with an argument that cannot be keyed: the binding names it, and the engine
turns caching off for the call with one warning (on stderr, as its other warnings)."""
import copy
import functools
import hashlib
import importlib
import inspect
import sys

from . import _core
from ._plain import key_value, plain

# Per-call keywords (DESIGN §5), removed before the function sees its arguments.
CALL_KEYWORDS = ("cache", "namespace", "cache_mode", "recompute", "memoize", "engine",
                 "backend", "backend_kwargs", "storage_backend", "storage_backend_kwargs",
                 "filepath_only", "retry_null_cache", "fail_if_no_cache", "upsert",
                 "force_overwrite", "post_processors")
# A function with processors also takes `validate_data`, their validate_data for one call.
_SCALARS = frozenset((bool, int, float, str, bytes))  # keyed as they are


def cache(cache=True, namespace=None, version=None, cache_args=[], cache_disable_if=None,  # noqa: B006 - the original's signature
          fail_if_no_cache=False, engine=None, backend=None, backend_kwargs={},  # noqa: B006
          storage_backend=None, storage_backend_kwargs={}, memoize=False,  # noqa: B006
          upsert_keys=None):
    """Caches a function's results, keyed by the arguments named in ``cache_args``.

    Keywords (fixed for the function): ``cache``, ``namespace``, ``version``,
    ``cache_args``, ``cache_disable_if`` (dict or list of dicts of argument -> value or
    list of values), ``fail_if_no_cache``, ``engine`` (read type: e.g. ``'pandas'``,
    ``'dask'``, or the type itself), ``backend``, ``backend_kwargs``, ``storage_backend``,
    ``storage_backend_kwargs``, ``memoize``, ``upsert_keys``.

    Each call also takes ``cache``, ``namespace``, ``cache_mode``, ``recompute`` (True, a
    name, a list of names or ``'_all'``), ``memoize`` (the same), ``engine``, ``backend``,
    ``backend_kwargs``, ``storage_backend``, ``storage_backend_kwargs``,
    ``filepath_only``, ``retry_null_cache``, ``fail_if_no_cache``, ``upsert``,
    ``force_overwrite`` and ``post_processors``.
    """
    if callable(cache):  # used bare, as @cache
        return CachedFunction(cache, _options())
    return lambda func: CachedFunction(func, _options(
        cache, namespace, version, cache_args, cache_disable_if, fail_if_no_cache, engine,
        backend, backend_kwargs, storage_backend, storage_backend_kwargs, memoize, upsert_keys))


def _options(cache=True, namespace=None, version=None, cache_args=(), cache_disable_if=None,
             fail_if_no_cache=False, engine=None, backend=None, backend_kwargs=None,
             storage_backend=None, storage_backend_kwargs=None, memoize=False,
             upsert_keys=None):
    return {
        "cache": cache, "namespace": namespace,
        "version": None if version is None else str(version),
        "cache_args": list(cache_args or []), "cache_disable_if": cache_disable_if,
        "fail_if_no_cache": fail_if_no_cache, "engine": engine_name(engine),
        "backend": backend, "backend_kwargs": plain(backend_kwargs or {}),
        "storage_backend": storage_backend,
        "storage_backend_kwargs": plain(storage_backend_kwargs or {}),
        "memoize": memoize, "upsert_keys": list(upsert_keys or []),
    }


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


def _fingerprint(func, version):
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        source = getattr(func, "__qualname__", repr(func))
    digest = hashlib.sha256(f"{source}|{version or ''}".encode()).hexdigest()[:16]
    return "py:" + digest


class CachedFunction:
    """A function called through the cache. Calls are thread-safe."""

    def __init__(self, func, options, processors=()):
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
        self._core_fingerprint = _fingerprint(func, options.get("version"))
        self._core = _core.Function(self._name, self._params, options, self._core_fingerprint)

    def with_processor(self, processor):
        """The same cached function with `processor` (outermost first)."""
        return CachedFunction(self._func, self._options, (processor,) + self._processors)

    def __get__(self, obj, objtype=None):  # methods: bind like a function
        if obj is None:
            return self
        return functools.partial(self.__call__, obj)

    def __call__(self, *args, **kwargs):
        if not kwargs and not self._processors and self._plain_params and \
                len(args) == len(self._params):
            values = [v if v is None or type(v) in _SCALARS else key_value(v) for v in args]
            return self._core.call(values, {}, lambda: self._func(*args))
        call = {k: kwargs.pop(k) for k in CALL_KEYWORDS if k in kwargs}
        validate_data = kwargs.pop("validate_data", None) if self._processors else None
        processors = list(call.pop("post_processors", None) or [])
        for p in self._processors:
            p = copy.copy(p)
            if validate_data is not None:
                p.validate_data = validate_data
            args, kwargs = p.process_arguments(self._signature.parameters, args, kwargs)
            processors.append(p)
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{self._name}() {e}") from None
        bound.apply_defaults()
        values = [key_value(bound.arguments[p]) for p in self._params]
        if processors:
            call["post_processors"] = processors
        if "engine" in call:
            call["engine"] = engine_name(call["engine"])
        for k in ("backend_kwargs", "storage_backend_kwargs"):
            if call.get(k) is not None:
                call[k] = plain(call[k])
        return self._core.call(values, call, lambda: self._func(*bound.args, **bound.kwargs))

    def __reduce__(self):
        # By reference when importable (a module-level function), else by value (dask's
        # cloudpickle sends local functions to workers that way).
        module = sys.modules.get(getattr(self._func, "__module__", None) or "")
        target = module
        for part in self.__qualname__.split("."):
            target = getattr(target, part, None)
        if target is self:
            return (_import, (module.__name__, self.__qualname__))
        return (CachedFunction, (self._func, self._options, self._processors))

    def __dask_tokenize__(self):
        return ("nuthatch.CachedFunction", self._name, self._core_fingerprint,
                repr(sorted(self._options.items(), key=lambda kv: kv[0])),
                tuple(type(p).__qualname__ for p in self._processors))

    def __repr__(self):
        return f"<nuthatch cached function {self._name}>"


def _import(module, qualname):
    target = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target
