"""The engine's messages through Python's ``logging``, as the original Nuthatch's: the
logger ``"nuthatch"`` receives each message the engine emits (at or above its
``log_level``, default ``warn``; set ``log_level = "info"`` to hear where each call's
result came from), so handlers, filters and pytest's ``caplog`` see them."""
import logging

from . import _core

logger = logging.getLogger("nuthatch")

# The engine's levels (nuthatch/log.hpp: trace, debug, info, warn, error) as logging's.
_LEVELS = (5, logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR)


def _emit(level, message):
    logger.log(_LEVELS[level], message)


def install():
    _core.set_log_sink(_emit)


def uninstall():
    _core.set_log_sink(None)
