"""Configuration in code (DESIGN §6): the highest-priority source, over the
``nuthatch.toml`` / ``pyproject.toml`` files and ``NUTHATCH_*`` environment variables the
engine reads itself."""
import datetime
import json
import os
import sys
import tomllib
import warnings

from . import _core
from ._plain import plain


def register_module(module):
    """Reads the configuration of the project holding ``module`` (a module object or a
    module name) for its package's functions, as the original Nuthatch looks
    configuration up from the decorated function's module: an installed package's as
    read-only mirrors ``mirror-<package>-root`` and so on (the rule is the engine's:
    ``nuthatch::add_package_config``)."""
    if isinstance(module, str):
        module = sys.modules.get(module)
    name = getattr(module, "__name__", None)
    path = getattr(module, "__file__", None)
    if name and path:
        _core.add_package_config(name.partition(".")[0], path)


def _caller_location(location, depth):
    """The location a parameter set by the calling module's code goes to: an installed
    package's own settings become its mirrors (``package_parameter_location``); None when
    ignored (an installed package's ``local``)."""
    frame = sys._getframe(depth + 1)
    name = frame.f_globals.get("__name__") or ""
    path = frame.f_globals.get("__file__") or ""
    if not name or not path:
        return location
    scoped = _core.package_parameter_location(name.partition(".")[0], path, location)
    if scoped is None:
        warnings.warn(f"nuthatch: the installed package {name.partition('.')[0]!r} cannot set "
                      f"'{location}' parameters (set NUTHATCH_ALLOW_INSTALLED_PACKAGE_"
                      f"CONFIGURATION=true to let it); ignored", stacklevel=depth + 2)
    return scoped


def set_parameter(parameter_value, parameter_name=None, location='root', backend=None):
    """Sets a parameter, e.g. ``set_parameter("s3://bucket/caches", "filesystem")``.

    Without ``parameter_name``, ``parameter_value`` is a dict of names to values.
    ``location`` is ``'root'``, ``'local'`` or ``'mirror-<name>'``; ``backend`` limits the
    parameter to one backend (``'zarr'``, ...). Called from an installed package, the
    parameter goes to that package's mirror (``root`` -> ``mirror-<package>-root``) as
    in the original, unless NUTHATCH_ALLOW_INSTALLED_PACKAGE_CONFIGURATION is true.
    """
    location = _caller_location(location, 1)
    if location is None:
        return
    if parameter_name is None:
        if not isinstance(parameter_value, dict):
            raise ValueError("set_parameter: without a parameter_name, the value must be a dict "
                             "of parameter names to values")
        for name, value in parameter_value.items():
            _core.set_parameter(name, plain(value), location, backend)
        return
    _core.set_parameter(parameter_name, plain(parameter_value), location, backend)


def config_parameter(parameter_name, location='root', backend=None, secret=False):
    """Decorator: the function provides the parameter's value, called lazily when the
    engine first needs it (and again after the configuration changes). ``secret=True``
    masks the value in logs, errors and ``nuthatch print-config``. Called from an
    installed package, the parameter goes to its mirror, as ``set_parameter``'s."""
    location = _caller_location(location, 1)

    def register(provider):
        if location is None:
            return provider
        _core.config_parameter(parameter_name, lambda: plain(provider()), location, backend,
                               secret)
        return provider
    return register


def get_parameter(parameter_name, location='root', backend=None):
    """The effective value of a parameter, or None when it is not set anywhere."""
    return _core.get_parameter(parameter_name, location, backend)


def set_global_skipped_filesystem(filesystem):
    """Adds ``filesystem`` to the ``skipped_filesystems`` list of the global configuration
    file (``~/.nuthatch.toml``, or the file ``NUTHATCH_GLOBAL_CONFIG`` names). The list
    is kept where the file already has it: at its top level (the next Nuthatch release's
    form) or in its ``[nuthatch]`` table; otherwise in ``[tool.nuthatch]``, as the
    original 0.4 wrote it. The file is created when missing and the rest of it is kept.
    The engine reads that file when it loads its configuration (once per process, or
    after ``reset_config``): from then on a mirror on a listed filesystem is not read. A
    filesystem already listed is not added twice."""
    if not isinstance(filesystem, str) or not filesystem:
        raise ValueError(f"set_global_skipped_filesystem: a filesystem is a non-empty text "
                         f"(e.g. 'gs://bucket/caches'), not {filesystem!r}")
    path = _core.global_config_path()
    if path is None or path == os.path.join(os.environ.get('HOME', ''), '.nuthatch.toml'):
        # The home file, found by the original's own call (its tests patch expanduser).
        path = os.path.expanduser('~/.nuthatch.toml')
    data = {}
    if os.path.exists(path) and os.path.getsize(path) > 0:
        with open(path, 'rb') as f:
            data = tomllib.load(f)
    if 'skipped_filesystems' in data:
        table, where = data, 'skipped_filesystems'
    elif isinstance(data.get('nuthatch'), dict):
        table, where = data['nuthatch'], 'nuthatch.skipped_filesystems'
    else:
        table, where = data.setdefault('tool', {}).setdefault('nuthatch', {}), \
            'tool.nuthatch.skipped_filesystems'
    listed = table.setdefault('skipped_filesystems', [])
    if not isinstance(listed, list):
        raise ValueError(f"{path}: {where} is not a list")
    if filesystem in listed:
        return
    listed.append(filesystem)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(_toml_document(data))


def _toml_value(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, list):
        return '[' + ', '.join(_toml_value(v) for v in value) + ']'
    if isinstance(value, dict):
        return '{' + ', '.join(f'{_toml_key(k)} = {_toml_value(v)}'
                               for k, v in value.items()) + '}'
    raise ValueError(f"cannot write {value!r} to a TOML file")


def _toml_key(key):
    return key if key and all(c.isalnum() or c in '-_' for c in key) else json.dumps(key)


def _toml_document(data, prefix=()):
    """``data`` (as tomllib reads it) as TOML text: scalars and lists first, then each
    table under its own header."""
    lines = [f'{_toml_key(k)} = {_toml_value(v)}' for k, v in data.items()
             if not isinstance(v, dict)]
    for key, value in data.items():
        if isinstance(value, dict):
            path = prefix + (_toml_key(key),)
            lines.append(f'\n[{".".join(path)}]')
            lines.append(_toml_document(value, path))
    return '\n'.join(line for line in lines if line) + '\n'


class NuthatchConfig:
    """The original's configuration object, read-only here: ``config[location]``
    (``'root'``, ``'local'``, ``'mirror-<name>'``), then ``[parameter]`` or
    ``[backend][parameter]``, each the engine's effective value (files, environment,
    ``set_parameter``, ``config_parameter`` providers). A parameter set nowhere is a
    KeyError; ``in`` tests for one. ``mask_secrets=True`` returns secret values as
    asterisks. The engine's configuration is one for the process; ``wrapped_module`` (a
    module or its name) adds that module's project configuration to it, as a decorated
    function of the module does (``register_module``)."""

    def __init__(self, wrapped_module=None, mask_secrets=False, sub_config=None):
        self.wrapped_module = wrapped_module
        if wrapped_module is not None and sub_config is None:
            register_module(wrapped_module)
        self.mask_secrets = mask_secrets
        # sub_config: the scope of a view, (location, backend); the original's argument name
        self._scope = tuple(sub_config) if isinstance(sub_config, tuple) else ()

    def _view(self, *scope):
        return NuthatchConfig(self.wrapped_module, self.mask_secrets, scope)

    def _value(self, name):
        location, backend = (self._scope + (None,))[:2]
        value = _core.get_parameter(name, location, backend)
        if value is not None and self.mask_secrets and isinstance(value, str) and \
                _core.redact(value) != value:
            return "*" * len(value)
        return value

    def __getitem__(self, key):
        if not self._scope:
            return self._view(key)
        if len(self._scope) == 1 and _is_backend(key):
            return self._view(self._scope[0], key)
        value = self._value(key)
        if value is None:
            raise KeyError(f"Key {key} not found in nuthatch config object")
        return value

    def __contains__(self, key):
        if not self._scope:
            return key in ("root", "local") or \
                _core.get_parameter("filesystem", key, None) is not None
        if len(self._scope) == 1 and _is_backend(key):
            return True
        return self._value(key) is not None

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __bool__(self):
        return True

    def keys(self):
        raise NotImplementedError("NuthatchConfig.keys(): the engine does not list its "
                                  "configuration; ask for a parameter by name")

    items = __len__ = keys

    def __repr__(self):
        return f"<NuthatchConfig {'/'.join(self._scope) or 'all locations'}>"


# The original's own backends: configuration written for them is read here too, even for
# those this package does not implement.
_ORIGINAL_BACKENDS = frozenset(("basic", "delta", "parquet", "sql", "terracotta", "zarr"))


def _is_backend(name):
    from . import backends
    from .backend import registered_backends
    return name in _ORIGINAL_BACKENDS or name in registered_backends or \
        bool(backends.adapters(name))
