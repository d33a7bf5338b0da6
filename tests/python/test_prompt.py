"""Replacing an existing entry asks through Python (nuthatch/_prompt.py): in a notebook
(a Jupyter kernel, no terminal) the question is asked with input() and its answer decides,
where the engine's terminal prompt would keep the old entry silently; where nobody can
answer (a batch job), nothing blocks and the old entry is kept with a warning."""
import sys
import types

import pytest

from nuthatch import _prompt, cache


@pytest.fixture
def notebook(monkeypatch):
    """A process that looks like a Jupyter kernel, whose input() answers from a list."""
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    answers, questions = [], []

    def fake_input(prompt=""):
        questions.append(prompt)
        return answers.pop(0)

    monkeypatch.setattr("builtins.input", fake_input)
    return answers, questions


def make(values):
    @cache(cache_args=["n"])
    def stage(n):
        return values[-1] * n
    return stage


def test_a_notebook_answering_yes_replaces_the_entry(notebook):
    answers, questions = notebook
    values = [1]
    stage = make(values)
    assert stage(2) == 2
    values.append(5)
    answers.append("y")
    assert stage(2, recompute=True) == 10
    assert len(questions) == 1 and "stage" in questions[0] and "Overwrite" in questions[0]
    assert stage(2) == 10  # stored


def test_a_notebook_answering_no_keeps_the_entry(notebook):
    answers, questions = notebook
    values = [1]
    stage = make(values)
    stage(3)
    values.append(7)
    answers.append("n")
    assert stage(3, recompute=True) == 21  # the fresh value is returned ...
    assert stage(3) == 3                   # ... and the stored one kept
    assert len(questions) == 1


def test_force_overwrite_decides_without_asking(notebook):
    answers, questions = notebook
    values = [1]
    stage = make(values)
    stage(4)
    values.append(2)
    assert stage(4, recompute=True, force_overwrite=True) == 8
    assert stage(4) == 8 and questions == []


def test_nobody_to_ask_keeps_the_entry_without_blocking(monkeypatch, caplog):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)

    def no_input(prompt=""):
        raise AssertionError("input() must not be called without a terminal or a kernel")

    monkeypatch.setattr("builtins.input", no_input)
    assert not _prompt.can_ask()  # pytest captures stdin: no terminal
    values = [1]
    stage = make(values)
    stage(5)
    values.append(3)
    assert stage(5, recompute=True) == 15
    assert stage(5) == 5
    # The engine's warning, through the `logging` logger "nuthatch".
    assert "keeping the existing cache entry" in caplog.text


def test_end_of_input_is_no_answer(notebook, monkeypatch):
    def eof(prompt=""):
        raise EOFError

    monkeypatch.setattr("builtins.input", eof)
    assert _prompt.ask("Overwrite?") is None


@pytest.mark.parametrize("answer,expected", [("y", True), ("YES", True), (" y ", True),
                                             ("n", False), ("", False), ("maybe", False)])
def test_answers_are_read_by_the_engine_rule(notebook, answer, expected):
    answers, _ = notebook
    answers.append(answer)
    assert _prompt.ask("Overwrite?") is expected
