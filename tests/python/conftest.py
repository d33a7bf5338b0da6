"""Fixtures for the Python package tests: every test runs in a throwaway project
directory (the working directory, HOME and XDG_CACHE_HOME inside it, no NUTHATCH_*
variables) whose nuthatch.toml names root/ and local/ inside it, with the engine's
configuration and memoizer reset — as tests/cpp/support/temp_project.hpp does for C++."""
import os
import pathlib

import pytest

import nuthatch
from nuthatch import _core


class Project:
    def __init__(self, path):
        self.dir = path
        self.root = path / "root"
        self.local = path / "local"

    def write_toml(self, extra=""):
        (self.dir / "nuthatch.toml").write_text(
            f'[nuthatch]\nfilesystem = "{self.root}"\n{extra}\n'
            f'[nuthatch.local]\nfilesystem = "{self.local}"\n')
        _core.reset_config()
        nuthatch.clear_memoizer()

    def manifests(self, location="root"):
        """Manifest paths (relative to meta/) at a location."""
        base = (self.root if location == "root" else self.local) / "meta"
        if not base.exists():
            return []
        return sorted(str(p.relative_to(base)) for p in base.rglob("*.json"))


@pytest.fixture(autouse=True)
def project(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("NUTHATCH_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    p = Project(pathlib.Path(tmp_path))
    p.write_toml()
    yield p
    _core.reset_config()
    nuthatch.clear_memoizer()


class Counter:
    """Counts calls of the functions it wraps (to tell a compute from a recall)."""

    def __init__(self):
        self.n = 0

    def __call__(self):
        self.n += 1
        return self.n


@pytest.fixture
def counter():
    return Counter()
