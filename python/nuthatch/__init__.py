"""nuthatch: cacheable big-data pipelines.

Tag a function with ``@cache(...)`` and its result is stored — keyed by the arguments
named in ``cache_args``, in the format that suits its type — and recalled instead of
recomputed. The caching engine is C++ (``nuthatch._core``); this package binds
arguments, converts Python types and calls it.
"""
import atexit

from . import _core, _logging, _prompt, _types
from ._core import (CacheKeyError, CacheMissError, CodecError, ConfigError, NuthatchError,
                    StaleEntryError, StorageError, ValidationError)
from ._staleness import bless, status
from .backends import Adapter, register_adapter
from .cache import cache
from .config import config_parameter, get_parameter, set_parameter
from .memoizer import clear_memoizer

__version__ = "0.1.0"
__all__ = ["cache", "set_parameter", "config_parameter", "get_parameter", "clear_memoizer",
           "Adapter", "register_adapter",
           "NuthatchError", "ConfigError", "StorageError", "CodecError", "CacheKeyError",
           "CacheMissError", "ValidationError", "StaleEntryError", "status", "bless"]

_core.set_types(_types)
_prompt.install()  # the engine's questions are asked through Python
_logging.install()  # and its messages go to the `logging` logger "nuthatch"


# Memoized results are Python objects: release them while the interpreter still runs.
atexit.register(_core.clear_memoizer)
atexit.register(_logging.uninstall)
