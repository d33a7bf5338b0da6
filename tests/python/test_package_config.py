"""Configuration scoped by package, as the original Nuthatch's: a nuthatch.toml shipped
inside an installed package, and that package's own set_parameter calls, become
read-only mirrors of the importing project (mirror-<package>-root, ...) and never
redirect the user's root, unless NUTHATCH_ALLOW_INSTALLED_PACKAGE_CONFIGURATION is true;
a module of another, not installed, project adds its project's file."""
import importlib
import sys
import textwrap

import pytest

import nuthatch
from nuthatch import _core
from nuthatch.config import get_parameter

PACKAGE_CODE = '''
from nuthatch import cache
from nuthatch.config import set_parameter

set_parameter("{team_mirror}", "filesystem", location="mirror")
set_parameter("{ignored}", "filesystem", location="local")

calls = []

@cache(cache_args=["n"])
def shared_table(n):
    calls.append(n)
    return {{"n": n, "rows": list(range(n))}}
'''


def install(tmp_path, name, root, team_mirror, site="site-packages"):
    """A package `name` under a site-packages folder, shipping nuthatch.toml."""
    folder = tmp_path / "venv" / "lib" / "python3" / site / name
    folder.mkdir(parents=True)
    (folder / "nuthatch.toml").write_text(f'filesystem = "{root}"\n')
    (folder / "__init__.py").write_text(textwrap.dedent(PACKAGE_CODE.format(
        team_mirror=team_mirror, ignored=tmp_path / "never")))
    sys.path.insert(0, str(folder.parent))
    return folder.parent


@pytest.fixture
def imported(tmp_path):
    paths, names = [], []

    def load(name, **kwargs):
        paths.append(install(tmp_path, name, **kwargs))
        names.append(name)
        return importlib.import_module(name)

    yield load
    for p in paths:
        sys.path.remove(str(p))
    for n in names:
        sys.modules.pop(n, None)


def test_an_installed_package_config_is_a_mirror_and_never_the_root(project, imported, tmp_path):
    package_root = tmp_path / "package-root"
    with pytest.warns(UserWarning, match="cannot set 'local' parameters"):
        pkg = imported("teamdata", root=package_root, team_mirror=tmp_path / "team")
    assert get_parameter("filesystem", "mirror-teamdata-root") == str(package_root)
    assert get_parameter("filesystem", "mirror-teamdata") == str(tmp_path / "team")
    assert get_parameter("filesystem") == str(project.root)  # the user's root stays
    assert get_parameter("filesystem", "local") == str(project.local)

    # What the package's team cached is recalled from the mirror, not recomputed.
    _core.reset_config()
    nuthatch.clear_memoizer()
    package_root.mkdir()
    project.root, user_root = package_root, project.root
    project.write_toml()
    pkg.shared_table(3)
    project.root = user_root
    project.write_toml()
    nuthatch.config.register_module(pkg)  # reset_config forgot it, as it forgets code
    nuthatch.clear_memoizer()
    pkg.calls.clear()
    assert pkg.shared_table(3) == {"n": 3, "rows": [0, 1, 2]}
    assert pkg.calls == []
    # The mirror is read-only: a miss computes and writes to the user's root only.
    assert pkg.shared_table(4)["n"] == 4 and pkg.calls == [4]
    assert not list(package_root.rglob("n=4"))


def test_allowed_installed_package_configures_the_root(project, imported, tmp_path, monkeypatch):
    monkeypatch.setenv("NUTHATCH_ALLOW_INSTALLED_PACKAGE_CONFIGURATION", "True")
    _core.reset_config()
    package_root = tmp_path / "package-root"
    imported("teamdata2", root=package_root, team_mirror=tmp_path / "team")
    assert get_parameter("filesystem") == str(package_root)
    assert get_parameter("filesystem", "mirror") == str(tmp_path / "team")
    assert get_parameter("filesystem", "local") == str(tmp_path / "never")


def test_dist_packages_count_as_installed(project, imported, tmp_path):
    with pytest.warns(UserWarning):
        imported("teamdata3", root=tmp_path / "r3", team_mirror=tmp_path / "t3",
                 site="dist-packages")
    assert get_parameter("filesystem", "mirror-teamdata3-root") == str(tmp_path / "r3")
    assert get_parameter("filesystem") == str(project.root)


def test_a_module_of_another_project_reads_that_project(project, tmp_path):
    other = tmp_path / "other"
    (other / "src").mkdir(parents=True)
    (other / "pyproject.toml").write_text(
        f'[tool.nuthatch]\nfilesystem = "{tmp_path / "other-root"}"\n')
    (other / "src" / "otherproj.py").write_text(
        "from nuthatch import cache\n@cache()\ndef f():\n    return 1\n")
    sys.path.insert(0, str(other / "src"))
    try:
        importlib.import_module("otherproj")
        assert get_parameter("filesystem") == str(tmp_path / "other-root")
    finally:
        sys.path.remove(str(other / "src"))
        sys.modules.pop("otherproj", None)


def test_wrapped_module_adds_its_configuration(project, imported, tmp_path):
    from nuthatch.config import NuthatchConfig
    with pytest.warns(UserWarning):
        pkg = imported("teamdata4", root=tmp_path / "r4", team_mirror=tmp_path / "t4")
    _core.reset_config()
    assert get_parameter("filesystem", "mirror-teamdata4-root") is None
    config = NuthatchConfig(wrapped_module=pkg)
    assert config["mirror-teamdata4-root"]["filesystem"] == str(tmp_path / "r4")
