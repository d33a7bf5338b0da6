"""Pickle is trusted only where the user trusts it, and secrets stay out of storage
(issue 11, points 8 and 9).

Unpickling runs code, so pickle entries load from root and local by default and from a
mirror only when it sets ``trust_pickle = true``; elsewhere the entry is skipped with a
warning naming the location and key (a miss: the call computes). The rule is the C++
engine's (Codec::runs_code_on_read); these tests drive it from Python."""
import re
import shutil

import pytest

import nuthatch
from nuthatch import cache, set_parameter


class Marker:
    """A value whose unpickling creates a file: proof that a payload's code ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


class Plain:
    """An ordinary object that only pickle stores."""

    def __init__(self, n):
        self.n = n


def publish_to_mirror(project, extra=""):
    """Moves what root holds to mirror/ and configures it as mirror-public."""
    mirror = project.dir / "mirror"
    shutil.move(str(project.root), str(mirror))
    project.write_toml(f'[nuthatch.mirror-public]\nfilesystem = "{mirror}"\n{extra}')
    return mirror


def test_mirror_pickle_is_skipped_with_a_warning(project, counter, tmp_path, caplog):
    marker = tmp_path / "code-ran"

    @cache(cache_args=["x"])
    def evil(x):
        counter()
        return Marker(marker)

    evil(1)
    assert counter.n == 1 and not marker.exists()
    publish_to_mirror(project)
    caplog.clear()
    evil(1, cache_mode="read_only")
    assert counter.n == 2, "the untrusted mirror entry must be a miss"
    assert not marker.exists(), "the untrusted payload was unpickled"
    err = caplog.text
    assert "mirror-public" in err and "evil/x=1" in err and "trust_pickle" in err


@pytest.mark.parametrize("how", ["toml", "env", "set_parameter"])
def test_mirror_pickle_loads_when_the_mirror_is_trusted(project, counter, monkeypatch, how):
    @cache(cache_args=["x"])
    def plain(x):
        counter()
        return Plain(x)

    plain(3)
    if how == "toml":
        publish_to_mirror(project, "trust_pickle = true")
    else:
        publish_to_mirror(project)
        if how == "env":
            monkeypatch.setenv("NUTHATCH_MIRROR_PUBLIC_TRUST_PICKLE", "true")
            nuthatch._core.reset_config()
        else:
            set_parameter(True, "trust_pickle", location="mirror-public")
    got = plain(3, cache_mode="read_only")
    assert counter.n == 1, "a trusted mirror's pickle entry is recalled"
    assert isinstance(got, Plain) and got.n == 3


def test_root_pickles_load_by_default(project, counter):
    @cache(cache_args=["x"])
    def plain(x):
        counter()
        return Plain(x)

    plain(4)
    nuthatch.clear_memoizer()
    assert plain(4).n == 4
    assert counter.n == 1


def test_local_pickles_load_by_default(project, counter):
    @cache(cache_args=["x"])
    def plain(x):
        counter()
        return Plain(x)

    plain(5, cache_mode="local")
    nuthatch.clear_memoizer()
    assert plain(5, cache_mode="local_strict").n == 5
    assert counter.n == 1


def test_root_can_be_distrusted(project, counter, tmp_path, caplog):
    marker = tmp_path / "code-ran"

    @cache(cache_args=["x"])
    def evil(x):
        counter()
        return Marker(marker)

    evil(1)
    set_parameter(False, "trust_pickle")
    nuthatch.clear_memoizer()
    caplog.clear()
    evil(1, cache_mode="read_only")
    assert counter.n == 2 and not marker.exists()
    assert "root" in caplog.text


def test_a_basic_entry_on_an_untrusted_mirror_still_loads(project, counter):
    @cache(cache_args=["x"])
    def value(x):
        counter()
        return {"x": x}

    value(6)
    publish_to_mirror(project)
    assert value(6, cache_mode="read_only") == {"x": 6}
    assert counter.n == 1


TOKEN = "py-secret-token-0010"


def everything_under(path):
    text = []
    if path.exists():
        for p in sorted(path.rglob("*")):
            text.append(str(p.relative_to(path)))
            if p.is_file():
                text.append(p.read_bytes().decode("latin-1"))
    return "\n".join(text)


@pytest.mark.parametrize("mode", ["local", "local_overwrite", "local_sync", "local_strict"])
def test_token_as_a_non_cache_argument_in_a_local_mode(project, counter, mode):
    @cache(cache_args=["table"])
    def fetch(table, token):
        counter()
        return {"table": table, "rows": len(token)}

    assert fetch("sales", TOKEN, cache_mode=mode) == {"table": "sales", "rows": len(TOKEN)}
    stored = everything_under(project.local) + everything_under(project.root)
    assert TOKEN not in stored
    # Not even the argument's name (as a key segment or a recorded argument; the code
    # components name this test's function, whose name has the word in it).
    assert "token=" not in stored and '"token"' not in stored
    [manifest] = project.manifests("local")
    assert re.fullmatch(r"_/fetch/table=sales/~args=[0-9a-f]{32}/basic\.json", manifest)
    nuthatch.clear_memoizer()
    fetch("sales", TOKEN, cache_mode="local_strict")
    assert counter.n == 1, "recalled from the local level by the hash"
    fetch("sales", TOKEN + "-other", cache_mode="local_strict")
    assert counter.n == 2, "another token is another local entry"
    assert len(project.manifests("local")) == 2
