"""The original Nuthatch's configuration model on the engine: the skipped filesystems of
~/.nuthatch.toml (nuthatch.config.set_global_skipped_filesystem) and the question asked
when a location cannot be read (nuthatch.nuthatch.instantiate_read_caches)."""
import datetime
import tomllib

import pytest

import nuthatch
import nuthatch.config as config_module
from nuthatch import _core
from nuthatch.cache import Cache
from nuthatch.config import set_global_skipped_filesystem
from nuthatch.nuthatch import instantiate_read_caches

# An S3 location whose endpoint refuses connections: it cannot be read.
UNREACHABLE = {
    "filesystem": "s3://nh-unreachable-bucket/caches",
    "filesystem_options": {"endpoint_url": "http://127.0.0.1:9", "anon": True},
}


@pytest.fixture
def home_file(tmp_path, monkeypatch):
    """~/.nuthatch.toml, redirected as the original's tests redirect it."""
    path = tmp_path / "global.toml"
    real = config_module.os.path.expanduser
    monkeypatch.setattr(config_module.os.path, "expanduser",
                        lambda p: str(path) if p == "~/.nuthatch.toml" else real(p))
    return path


def skipped_in(path):
    return tomllib.loads(path.read_text())["tool"]["nuthatch"]["skipped_filesystems"]


def test_set_global_skipped_filesystem_keeps_the_rest_of_the_file(home_file):
    home_file.write_text('top = "kept"\n[tool.nuthatch]\nlog_level = "info"\n'
                         '[tool.nuthatch.mirror-a]\nfilesystem = "gs://a"\n'
                         '[other]\nwhen = 1979-05-27\nquoted = "a \\"b\\""\n'
                         'nested = {x = [1, 2.5, true]}\n')
    set_global_skipped_filesystem("gs://one")
    set_global_skipped_filesystem("s3://two")
    set_global_skipped_filesystem("gs://one")
    data = tomllib.loads(home_file.read_text())
    assert data["tool"]["nuthatch"]["skipped_filesystems"] == ["gs://one", "s3://two"]
    assert data["top"] == "kept"
    assert data["tool"]["nuthatch"]["log_level"] == "info"
    assert data["tool"]["nuthatch"]["mirror-a"] == {"filesystem": "gs://a"}
    assert data["other"] == {"when": datetime.date(1979, 5, 27), "quoted": 'a "b"',
                             "nested": {"x": [1, 2.5, True]}}


def test_set_global_skipped_filesystem_rejects_what_is_not_a_filesystem(home_file):
    with pytest.raises(ValueError, match="non-empty text"):
        set_global_skipped_filesystem(42)
    home_file.write_text('[tool.nuthatch]\nskipped_filesystems = "gs://x"\n')
    with pytest.raises(ValueError, match="not a list"):
        set_global_skipped_filesystem("gs://y")


def test_the_engine_leaves_out_a_mirror_on_a_skipped_filesystem(project, counter):
    mirror = project.dir / "mirror"
    project.write_toml('[nuthatch.mirror-pub]\nfilesystem = "' + str(mirror) + '"\n')

    @nuthatch.cache(cache_args=[])
    def value():
        return counter()

    # Written at the mirror's place (as its root), then read from it as a mirror.
    nuthatch.config.set_parameter(str(mirror), "filesystem")
    assert value() == 1
    nuthatch.config.set_parameter(str(project.root), "filesystem")
    nuthatch.clear_memoizer()
    assert value(cache_mode="read_only") == 1 and counter.n == 1

    (project.dir / "home").mkdir(exist_ok=True)
    (project.dir / "home" / ".nuthatch.toml").write_text(
        f'[tool.nuthatch]\nskipped_filesystems = ["{mirror}"]\n')
    _core.reset_config()
    nuthatch.clear_memoizer()
    with pytest.raises(RuntimeError):
        value(cache_mode="read_only_strict")  # the mirror is no longer read


def test_a_location_that_cannot_be_read_asks_to_skip_it(home_file, project, monkeypatch):
    questions = []
    monkeypatch.setattr("builtins.input", lambda q: questions.append(q) or "y")
    config = {"root": {"filesystem": str(project.root)}, "local": {"filesystem": "x"},
              "mirror": dict(UNREACHABLE)}
    caches, problem = instantiate_read_caches(config, "f/k", None, None, {}, None, {})
    assert list(caches) == ["root"]
    assert isinstance(caches["root"], Cache) and caches["root"].readonly
    assert "mirror" in problem
    assert len(questions) == 1 and UNREACHABLE["filesystem"] in questions[0]
    assert skipped_in(home_file) == [UNREACHABLE["filesystem"]]

    # Listed in the root's skipped_filesystems: neither read nor asked about.
    config["root"]["skipped_filesystems"] = [UNREACHABLE["filesystem"]]
    caches, problem = instantiate_read_caches(config, "f/k", None, None, {}, None, {})
    assert list(caches) == ["root"] and problem is None and len(questions) == 1


def test_declining_or_no_answer_leaves_the_file_alone(home_file, project, monkeypatch):
    config = {"root": {"filesystem": str(project.root)},
              "mirror2": {**UNREACHABLE, "filesystem": "s3://nh-unreachable-2/c"}}
    monkeypatch.setattr("builtins.input", lambda q: "n")
    instantiate_read_caches(config, "f/k", None, None, {}, None, {})
    config = {"root": {"filesystem": str(project.root)},
              "mirror3": {**UNREACHABLE, "filesystem": "s3://nh-unreachable-3/c"}}

    def no_input(question):
        raise EOFError
    monkeypatch.setattr("builtins.input", no_input)
    caches, problem = instantiate_read_caches(config, "f/k", None, None, {}, None, {})
    assert list(caches) == ["root"] and "mirror3" in problem
    assert not home_file.exists()


def test_no_readable_location_is_an_error(home_file, project, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda q: "n")
    with pytest.raises(RuntimeError, match="No nuthatch cache could be read"):
        instantiate_read_caches({"root": {**UNREACHABLE, "filesystem": "s3://nh-unreachable-4/c"}},
                                "f/k", None, None, {}, None, {})


def test_set_global_skipped_filesystem_writes_the_file_named_by_the_environment(
        tmp_path, monkeypatch):
    """NUTHATCH_GLOBAL_CONFIG (the next Nuthatch release's variable) names the global file;
    a list at its top level (that release's form) is added to where it is."""
    path = tmp_path / "team-global.toml"
    path.write_text('skipped_filesystems = ["gs://old"]\n')
    monkeypatch.setenv("NUTHATCH_GLOBAL_CONFIG", str(path))
    _core.reset_config()
    assert _core.global_config_path() == str(path)
    set_global_skipped_filesystem("gs://new")
    assert tomllib.loads(path.read_text()) == {"skipped_filesystems": ["gs://old", "gs://new"]}
    _core.reset_config()
    assert nuthatch.config.get_parameter("skipped_filesystems") == ["gs://old", "gs://new"]
