"""Configuration in code (DESIGN §6): the highest-priority source, over the
``nuthatch.toml`` / ``pyproject.toml`` files and ``NUTHATCH_*`` environment variables the
engine reads itself."""
from . import _core
from ._plain import plain


def set_parameter(parameter_value, parameter_name=None, location='root', backend=None):
    """Sets a parameter, e.g. ``set_parameter("s3://bucket/caches", "filesystem")``.

    Without ``parameter_name``, ``parameter_value`` is a dict of names to values.
    ``location`` is ``'root'``, ``'local'`` or ``'mirror-<name>'``; ``backend`` limits the
    parameter to one backend (``'zarr'``, ...).
    """
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
    masks the value in logs, errors and ``nuthatch print-config``."""
    def register(provider):
        _core.config_parameter(parameter_name, lambda: plain(provider()), location, backend,
                               secret)
        return provider
    return register


def get_parameter(parameter_name, location='root', backend=None):
    """The effective value of a parameter, or None when it is not set anywhere."""
    return _core.get_parameter(parameter_name, location, backend)


def set_global_skipped_filesystem(filesystem):
    """The original's way to stop reading an unreachable location (it recorded the
    filesystem in ``~/.nuthatch.toml``). The engine cannot skip a filesystem yet, so a
    filesystem that the root or local location uses raises NotImplementedError; any other
    is accepted with a warning that a mirror on it is still read."""
    for location in ("root", "local"):
        if _core.get_parameter("filesystem", location, None) == filesystem:
            raise NotImplementedError(
                f"set_global_skipped_filesystem({filesystem!r}): this filesystem is the "
                f"{location} location's, and the engine cannot skip a filesystem yet; remove "
                f"it from the configuration instead")
    import warnings
    warnings.warn(f"set_global_skipped_filesystem({filesystem!r}): skipping filesystems is not "
                  f"supported yet; a mirror on this filesystem is still read", stacklevel=2)


class NuthatchConfig:
    """The original's configuration object, read-only here: ``config[location]``
    (``'root'``, ``'local'``, ``'mirror-<name>'``), then ``[parameter]`` or
    ``[backend][parameter]``, each the engine's effective value (files, environment,
    ``set_parameter``, ``config_parameter`` providers). A parameter set nowhere is a
    KeyError; ``in`` tests for one. ``mask_secrets=True`` returns secret values as
    asterisks. ``wrapped_module`` is accepted; the engine's configuration is one for the
    process, so it reads the same for every module."""

    def __init__(self, wrapped_module=None, mask_secrets=False, sub_config=None):
        self.wrapped_module = wrapped_module
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
