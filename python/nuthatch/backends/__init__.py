"""Backend adapters: how Python values are stored by each of the engine's backends, and a
registry of them, in the manner of xarray's backend entrypoints.

An adapter is a small object (subclass ``Adapter``) that names the engine backend
storing its values (``name``: ``basic``, ``pickle``, ``blob``, ``zarr``, ``parquet``, ``arrow``,
``delta``, ``sql``, ``terracotta``),
says which values it takes (``takes``) and with what ``priority`` when several could
(the highest wins; ``None``: only when asked for by name), and how it encodes them to the
backend's plain form, decodes that form, streams a value into its payload (``write``)
and opens a payload lazily (``open``). Nothing outside this package switches on a
backend name: the engine-facing module ``nuthatch._types`` asks the registry.

A third-party package adds an adapter with ``register_adapter(MyAdapter())``, or
declares it in the entry point group ``nuthatch.backends`` (an Adapter subclass or
instance), loaded once, at the first lookup. Several adapters may share an engine
backend (a custom type stored as ``basic`` values, say): on reading, the one of highest
priority whose ``recognizes`` accepts the stored form decodes it.
"""
import os
import sys
import threading

ENTRY_POINT_GROUP = "nuthatch.backends"


class Adapter:
    """Base class of backend adapters. Subclasses set ``name`` and ``stores`` (what it
    stores, for messages) and override ``takes``, ``encode`` and ``decode``; ``write``,
    ``open`` and ``memory_size`` are optional."""

    name = None  # the engine backend that stores this adapter's values
    priority = 0  # among adapters taking a value, the highest is its default; None: never
    stores = "it stores other values"  # what it stores, for messages

    def takes(self, obj):
        """Whether this adapter stores ``obj``."""
        return False

    def encode(self, obj):
        """The backend's plain form of ``obj``: a plain value (basic), bytes (pickle,
        blob), a list of partition bytes (parquet) or the dataset dict (zarr)."""
        raise NotImplementedError

    def decode(self, plain, engine):
        """The Python value of a stored plain form; ``engine`` is the call's engine= hint."""
        return plain

    def recognizes(self, plain):
        """Whether ``plain``, read from this adapter's backend, is a form it wrote."""
        return True

    def write(self, obj, target, kwargs):
        """Streams ``obj`` into its payload (a ``nuthatch._storage.Target``) and returns
        the bytes written, or None to have the engine store ``encode(obj)``."""
        return None

    def open(self, target, engine):
        """A lazily loaded value of the payload at ``target``, or None to have the engine
        read it (and call ``decode``)."""
        return None

    def memory_size(self, obj):
        """Bytes ``obj`` holds in memory (for the memoizer's budget), or None to guess."""
        return None

    def upsert(self, stored, rows, keys):
        """``rows`` merged into the stored value ``stored`` by the columns ``keys``
        (``upsert=True``); only table adapters merge."""
        raise TypeError(f"upsert=True merges rows into a stored table; backend '{self.name}' "
                        f"stores no tables ({self.stores})")

    def cannot(self, obj, why=None):
        """The TypeError of a value this adapter does not store."""
        return TypeError(f"cannot store a result of type {type(obj).__module__}."
                         f"{type(obj).__qualname__} with backend '{self.name}': "
                         f"{why or self.stores}")


_adapters = []  # by decreasing priority (None last), then newest first
_lock = threading.Lock()
_entry_points_loaded = False


def register_adapter(adapter):
    """Registers an adapter (an Adapter instance or subclass). One of the same class
    replaces the one registered before. Returns the adapter."""
    if isinstance(adapter, type):
        adapter = adapter()
    if not isinstance(getattr(adapter, "name", None), str):
        raise TypeError(f"{type(adapter).__qualname__}: an adapter names its engine backend "
                        f"(a str `name`)")
    with _lock:
        _adapters[:] = [a for a in _adapters if type(a) is not type(adapter)]
        _adapters.insert(0, adapter)
        _adapters.sort(key=lambda a: -a.priority if a.priority is not None else float("inf"))
    return adapter


def unregister_adapter(adapter):
    """Removes an adapter (an instance or its class) registered before."""
    with _lock:
        _adapters[:] = [a for a in _adapters if a is not adapter and type(a) is not adapter]


def _plugins_declared():
    """Whether an installed distribution may declare adapters in ENTRY_POINT_GROUP: the
    metadata folders of every sys.path folder scanned for the group's name, a fraction of a
    millisecond, so that importlib.metadata's full scan (6 to 35 ms in a new process) runs
    only when one does. A sys.path entry that is a file (a zip) cannot be scanned so: then
    yes, and importlib decides."""
    for entry in sys.path:
        folder = entry or "."
        try:
            names = os.listdir(folder)
        except NotADirectoryError:
            return True
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(folder, name, "entry_points.txt"), encoding="utf-8",
                          errors="replace") as f:
                    if ENTRY_POINT_GROUP in f.read():
                        return True
            except OSError:  # no entry points, or an .egg-info file
                continue
    return False


def _load_entry_points():
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    if not _plugins_declared():
        return
    from importlib.metadata import entry_points
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            register_adapter(ep.load())
        except Exception as e:  # noqa: BLE001 - a broken plugin must not break nuthatch
            import warnings
            warnings.warn(f"nuthatch backend adapter '{ep.name}' ({ep.value}) could not be "
                          f"loaded: {type(e).__name__}: {e}", stacklevel=2)


def adapters(name=None):
    """The registered adapters (of the engine backend ``name``), highest priority first."""
    _load_entry_points()
    with _lock:
        found = list(_adapters)
    return found if name is None else [a for a in found if a.name == name]


def adapter_for(obj):
    """The adapter that stores ``obj`` by default: the highest-priority one taking it."""
    for a in adapters():
        if a.priority is not None and a.takes(obj):
            return a
    raise TypeError(f"no nuthatch backend adapter takes a value of type "
                    f"{type(obj).__module__}.{type(obj).__qualname__}")


def adapter_named(name, obj=None):
    """The adapter of engine backend ``name`` (the highest-priority one taking ``obj``
    when given). Raises TypeError when no adapter of that backend exists, or none takes
    ``obj``."""
    found = adapters(name)
    if not found:
        known = ", ".join(sorted({a.name for a in adapters()}))
        what = "a result" if obj is None else \
            f"a result of type {type(obj).__module__}.{type(obj).__qualname__}"
        raise TypeError(f"cannot store {what} with backend '{name}': the Python package has "
                        f"no adapter for it (it has adapters for {known})")
    if obj is None:
        return found[0]
    for a in found:
        if a.takes(obj):
            return a
    raise found[-1].cannot(obj)


def module(name):
    """A module if it is already imported (an object of its types cannot exist otherwise)."""
    return sys.modules.get(name)


def _register_builtins():
    from . import arrow, basic, blob, delta, parquet, pickle, sql, terracotta, zarr
    for m in (pickle, basic, blob, zarr, parquet, arrow, delta, sql, terracotta):
        register_adapter(m.ADAPTER)


_register_builtins()
