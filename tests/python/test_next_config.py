"""The configuration format of the original Nuthatch's next release ([root], [local],
[mirrors.<name>], NUTHATCH_PROJECT_CONFIG, NUTHATCH_MIRRORS_<NAME>_...), read beside the
0.4 format so that projects that move to it keep working."""
import pytest

import nuthatch
from nuthatch import _core
from nuthatch.config import NuthatchConfig, get_parameter


def fill_mirror(project, mirror, counter):
    """Stores value(2) at `mirror`, written there as a root, and returns the function."""
    @nuthatch.cache(cache_args=["n"])
    def value(n):
        return {"n": n, "call": counter()}

    nuthatch.config.set_parameter(str(mirror), "filesystem")
    assert value(2) == {"n": 2, "call": 1}
    _core.reset_config()
    nuthatch.clear_memoizer()
    return value


def test_a_mirror_of_the_mirrors_table_is_read(project, counter):
    mirror = project.dir / "public"
    value = fill_mirror(project, mirror, counter)
    (project.dir / "nuthatch.toml").write_text(
        f'cache_mode = "write"\n[root]\nfilesystem = "{project.root}"\n'
        f'[local]\nfilesystem = "{project.local}"\n'
        f'[mirrors.public-data]\nfilesystem = "{mirror}"\n')
    _core.reset_config()
    assert get_parameter("filesystem", "mirror-public-data") == str(mirror)
    assert NuthatchConfig()["mirror-public-data"]["filesystem"] == str(mirror)
    assert value(2) == {"n": 2, "call": 1} and counter.n == 1  # recalled from the mirror
    assert value(3) == {"n": 3, "call": 2}                       # computed, into the root
    assert project.manifests()  # the root holds what was computed here


def test_the_project_file_named_by_the_environment(project, tmp_path, monkeypatch, counter):
    team = tmp_path / "team"
    team.mkdir()
    (team / "nuthatch.toml").write_text('[root]\nfilesystem = "caches"\n')
    monkeypatch.setenv("NUTHATCH_PROJECT_CONFIG", str(team / "nuthatch.toml"))
    _core.reset_config()
    assert get_parameter("filesystem") == "caches"  # relative to the file's folder

    @nuthatch.cache(cache_args=[])
    def value():
        return counter()

    assert value() == 1 and value() == 1
    assert (team / "caches").is_dir()

    monkeypatch.setenv("NUTHATCH_PROJECT_CONFIG", str(tmp_path / "missing.toml"))
    _core.reset_config()
    with pytest.raises(Exception, match="NUTHATCH_PROJECT_CONFIG"):
        get_parameter("filesystem")


def test_mirror_and_option_variables(project, monkeypatch):
    monkeypatch.setenv("NUTHATCH_MIRRORS_ARCHIVE_FILESYSTEM", "s3://archive/caches")
    monkeypatch.setenv("NUTHATCH_MIRRORS_ARCHIVE_FILESYSTEM_OPTIONS_ANON", "true")
    monkeypatch.setenv("NUTHATCH_MIRRORS_ARCHIVE_FILESYSTEM_OPTIONS_ENDPOINT_URL",
                       "http://127.0.0.1:9")
    _core.reset_config()
    assert get_parameter("filesystem", "mirror-archive") == "s3://archive/caches"
    assert get_parameter("filesystem_options", "mirror-archive") == {
        "anon": True, "endpoint_url": "http://127.0.0.1:9"}
