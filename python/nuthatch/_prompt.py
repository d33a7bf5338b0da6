"""How the engine's questions (replacing an existing cache entry) are asked in Python.

The engine decides when to ask and what no answer means (keep the entry, with a
warning); this module supplies how: Python's ``input()``, which terminals, Jupyter and
other front ends answer, wherever someone can answer it. In a batch job (no terminal,
no notebook kernel) nobody can, and nothing blocks waiting for an answer.
"""
import sys

from . import _core


def can_ask():
    """Whether someone can answer ``input()``: a terminal, or a Jupyter/IPython kernel
    (whose front end shows the question)."""
    if "ipykernel" in sys.modules:
        return True
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):  # replaced or closed stdin
        return False


def ask(question):
    """The engine's prompter: True / False, or None when nobody can answer."""
    if not can_ask():
        return None
    try:
        answer = input(question + " (y/n) ")
    except EOFError:
        return None
    return _core.is_yes(answer)


def install():
    _core.set_prompter(ask)
