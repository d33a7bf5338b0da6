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
