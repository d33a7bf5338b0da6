"""The original package's backend API, for backends written against it.

``register_backend`` takes a ``NuthatchBackend`` subclass (usually a ``FileBackend``)
with a ``backend_name`` and ``default_for_type`` (a type or a list of them), registers
its name with the engine as a front-end backend and plugs it into this package's adapter
registry (``nuthatch.backends``). The engine keeps the entry (key, manifest naming the
backend, locations, overwrite policy, retirement) and gives the value a directory
payload, ``<backend_name>-<entry_id>.<extension>/``, into which the backend writes its own
files and from which it reads them. Its instance for an entry sees
``config['filesystem']`` = the payload's directory (or URL),
``config['filesystem_options']`` = the location's storage options, ``cache_key`` =
``"data"``, no namespace and no arguments; a ``FileBackend`` thus writes
``<payload>/data.<extension>``.

The backend stores the values of its ``default_for_type`` (over the built-in adapters)
and whatever a call selects it for with ``backend='<backend_name>'``. Its entries are
read back only from Python, by a process that registered the same backend; as for
``pickle``, a mirror hands them over only with ``trust_pickle``, since reading runs the
backend's code. ``upsert`` and ``sync`` are not called: the engine does both itself; the
location's storage must be reachable by fsspec (not the in-process ``memory`` storage).
"""
import os
import threading

from . import backends

registered_backends = {}  # backend_name -> class, as the original's
default_backends = {}  # type -> backend_name, as the original's
_adapters = {}  # backend_name -> the adapter plugging it in
_lock = threading.Lock()

_DEFAULT_TYPE_PRIORITY = 60  # over the built-in adapters (zarr: 50, parquet, basic)


def register_backend(backend_class):
    """Registers a backend class (the original's signature; usable as a decorator) and
    returns it."""
    name = getattr(backend_class, "backend_name", None)
    if not isinstance(name, str):
        raise TypeError(f"{backend_class.__qualname__}: a backend needs a str `backend_name`")
    if backends.adapters(name) and name not in registered_backends:
        raise ValueError(f"register_backend({backend_class.__qualname__}): '{name}' is one of "
                         f"the engine's own backends; choose another backend_name")
    types = getattr(backend_class, "default_for_type", None)
    if types is not None and not isinstance(types, list):
        backend_class.default_for_type = types = [types]
    from . import _core
    _core.register_front_end_backend(name, "." + _extension_of(backend_class))
    with _lock:
        registered_backends[name] = backend_class
        for t in types or ():
            default_backends[t] = name
        previous = _adapters.get(name)
        _adapters[name] = adapter = _adapter_for(backend_class)
    if previous is not None:
        backends.unregister_adapter(previous)
    backends.register_adapter(adapter)
    return backend_class


def unregister_backend(backend_name):
    """Removes a backend registered with ``register_backend`` (not in the original)."""
    with _lock:
        registered_backends.pop(backend_name, None)
        for t in [t for t, n in default_backends.items() if n == backend_name]:
            del default_backends[t]
        adapter = _adapters.pop(backend_name, None)
    if adapter is not None:
        backends.unregister_adapter(adapter)


def get_backend_by_name(backend_name):
    """The class of a backend registered with ``register_backend``; KeyError otherwise."""
    return registered_backends[backend_name]


def get_default_backend(data_type):
    """The backend name that stores values of ``data_type`` by default: a registered
    backend's ``default_for_type``, else the engine's choice for a value of that type
    (tried on ``data_type()``), else ``'basic'``."""
    if data_type in default_backends:
        return default_backends[data_type]
    try:
        sample = data_type()
    except Exception:  # noqa: BLE001 - a type without a no-argument constructor
        return "basic"
    try:
        return backends.adapter_for(sample).name
    except TypeError:
        return "basic"


def engine_backend(name):
    """The engine backend that stores values of the backend named ``name``: the name
    itself (a registered backend is registered with the engine under its own name)."""
    return name


def _extension_of(backend_class):
    """The payload extension of a backend class: its ``extension`` class attribute when it
    has a plain one, else its name (FileBackends set ``extension`` per instance, in
    ``__init__``)."""
    ext = getattr(backend_class, "extension", None)
    if isinstance(ext, str) and ext.isalnum() and ext.islower() and len(ext) <= 16:
        return ext
    name = backend_class.backend_name.replace("_", "")
    return name[:16] if name.isalnum() and name.islower() else "files"


def _adapter_for(backend_class):
    types = tuple(t for t in backend_class.default_for_type or () if isinstance(t, type)) \
        if getattr(backend_class, "default_for_type", None) else ()

    class OriginalBackendAdapter(backends.Adapter):
        name = backend_class.backend_name
        priority = _DEFAULT_TYPE_PRIORITY if types else None
        stores = f"it stores the values of the backend '{backend_class.backend_name}'"

        def takes(self, obj):
            # A backend with default types takes those (and is chosen for them); one
            # without takes whatever a call selects it for with backend=.
            return isinstance(obj, types) if types else True

        def encode(self, obj):
            raise self.cannot(obj, f"the backend '{backend_class.backend_name}' writes files, "
                                   f"and this location's storage is not reachable by them")

        def _instance(self, target, kwargs=None):
            if not target.shared:
                return None
            config = {"filesystem": target.local_path or target.url,
                      "filesystem_options": dict(target.options)}
            return backend_class(config, "data", None, {}, dict(kwargs or {}))

        def write(self, obj, target, kwargs):
            instance = self._instance(target, kwargs)
            if instance is None:
                return None  # encode() explains
            instance.write(obj)
            return target.stored_bytes()

        def open(self, target, engine):
            instance = self._instance(target)
            if instance is None or not instance.exists():
                return None
            return instance.read(engine)

    OriginalBackendAdapter.__qualname__ = f"OriginalBackendAdapter[{backend_class.backend_name}]"
    return OriginalBackendAdapter()


class NuthatchBackend:
    """The original's base class of backends: one instance per entry; subclasses
    implement ``write``, ``read``, ``exists``, ``delete`` and ``get_uri`` (``upsert`` and
    ``sync`` are part of the original's interface; this package does not call them)."""

    def __init__(self, cacheable_config, cache_key, namespace, args, backend_kwargs):
        self.config = cacheable_config
        self.cache_key = cache_key
        self.namespace = namespace
        self.args = args
        self.backend_kwargs = backend_kwargs

    def write(self, data):
        """Writes ``data`` (replacing what is there); returns it or a copy."""
        raise NotImplementedError(f"{type(self).__qualname__}.write")

    def upsert(self, data, upsert_keys=None):
        raise NotImplementedError(f"{type(self).__qualname__}.upsert")

    def read(self, engine=None):
        """The stored value (``engine``: the call's engine= hint)."""
        raise NotImplementedError(f"{type(self).__qualname__}.read")

    def delete(self):
        raise NotImplementedError(f"{type(self).__qualname__}.delete")

    def exists(self):
        raise NotImplementedError(f"{type(self).__qualname__}.exists")

    def get_uri(self):
        raise NotImplementedError(f"{type(self).__qualname__}.get_uri")

    def sync(self, from_backend):
        raise NotImplementedError(f"{type(self).__qualname__}.sync")


class FileBackend(NuthatchBackend):
    """A backend storing its value at ``path`` (``<filesystem>/[<namespace>/]<cache_key>``
    plus ``.<extension>``) through fsspec (``self.fs``)."""

    def __init__(self, cacheable_config, cache_key, namespace, args, backend_kwargs,
                 extension=None):
        super().__init__(cacheable_config, cache_key, namespace, args, backend_kwargs)
        import fsspec
        self.base_path = os.path.expanduser(self.config["filesystem"])
        parts = [self.base_path] + ([namespace] if namespace else []) + [cache_key]
        self.raw_cache_path = os.path.join(*parts)
        self.temp_cache_path = os.path.join(self.base_path, "temp", cache_key)
        self.extension = extension
        self.path = self.raw_cache_path + ("." + extension if extension else "")
        options = dict(self.config.get("filesystem_options") or {})
        if fsspec.utils.get_protocol(self.path) == "file":
            options.setdefault("auto_mkdir", True)
        self.fs = fsspec.core.url_to_fs(self.path, **options)[0]

    def exists(self):
        return self.fs.exists(self.path)

    def delete(self):
        self.fs.rm(self.path, recursive=True)

    def get_uri(self):
        return self.path

    def sync(self, from_backend):
        from_backend.fs.get(from_backend.path, self.path)


class DatabaseBackend(NuthatchBackend):
    """The original's base class of database backends. Not supported: entries here live
    in the engine's storage locations, not in a database."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__qualname__}: database backends (DatabaseBackend) are not "
            f"supported; the engine stores entries in its storage locations")
