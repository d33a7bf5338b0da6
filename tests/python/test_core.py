"""The decorator, its keywords and the engine's behaviour as seen from Python."""
import json
import os
import subprocess
import sys

import pytest

import nuthatch
from nuthatch import cache, config_parameter, get_parameter, set_parameter


def test_basic_value_is_stored_and_recalled(project, counter):
    @cache(cache_args=["n"])
    def f(n):
        counter()
        return {"n": n, "list": [1, 2.5, "x", None, True], "raw": b"\x00\xff"}

    first = f(3)
    assert f(3) == first == {"n": 3, "list": [1, 2.5, "x", None, True], "raw": b"\x00\xff"}
    assert counter.n == 1
    assert project.manifests() == ["_/f/n=3/basic.json"]
    f(4)
    assert counter.n == 2


@pytest.mark.parametrize("value", [
    (1, 2), {1: "a"}, 1 << 70, {"a": (1, 2)}, {3.5}, 1 + 2j, [1, (2,)],
])
def test_values_msgpack_cannot_hold_exactly_are_pickled(project, value):
    @cache()
    def g():
        return value

    assert g() == value
    nuthatch.clear_memoizer()
    recalled = g()
    assert recalled == value and type(recalled) is type(value)
    assert project.manifests() == ["_/g/pickle.json"]


class Point:
    def __init__(self, x):
        self.x = x

    def __eq__(self, other):
        return isinstance(other, Point) and other.x == self.x


def test_objects_are_pickled(project, counter):
    @cache()
    def p():
        counter()
        return Point(2)

    assert p() == Point(2)
    assert p() == Point(2)
    assert counter.n == 1


def test_unpicklable_result_is_a_clear_error_and_nothing_is_written(project):
    @cache()
    def bad():
        return lambda x: x

    with pytest.raises(TypeError, match="pickle"):
        bad()
    assert project.manifests() == []


def test_bare_decorator(project, counter):
    @cache
    def f():
        return counter()

    assert f() == 1 and f() == 1


def test_defaults_are_bound(project, counter):
    @cache(cache_args=["a", "b"])
    def f(a, b=2):
        counter()
        return a + b

    assert f(1) == 3
    assert f(1, 2) == 3
    assert f(a=1, b=2) == 3
    assert counter.n == 1
    assert project.manifests() == ["_/f/a=1/b=2/basic.json"]


def test_arguments_outside_cache_args_do_not_key(project, counter):
    @cache(cache_args=["a"])
    def f(a, b):
        counter()
        return a * b

    assert f(2, 3) == 6
    assert f(2, 4) == 6  # same entry: b does not key it
    assert counter.n == 1


def test_varargs_and_kwargs_bind(project):
    @cache(cache_args=["args", "kw"])
    def f(*args, **kw):
        return [list(args), kw]

    assert f(1, 2, x=3) == [[1, 2], {"x": 3}]
    assert f(1, 2, x=3) == [[1, 2], {"x": 3}]


def test_unknown_keyword_is_a_type_error(project):
    @cache()
    def f(a):
        return a

    with pytest.raises(TypeError, match=r"f\(\) got an unexpected keyword argument 'bogus'"):
        f(1, bogus=2)
    with pytest.raises(TypeError, match="missing a required argument"):
        f()


def test_unkeyable_argument_warns_once_and_computes(project, counter, tmp_path, caplog):
    """The engine judges the argument (the binding names it) and warns once per call,
    through the `logging` logger "nuthatch" as its other warnings; the Python layer adds no
    warning of its own."""
    import warnings

    @cache(cache_args=["fh"])
    def f(fh):
        counter()
        return 1

    caplog.clear()
    with open(tmp_path / "x.txt", "w") as fh, warnings.catch_warnings():
        warnings.simplefilter("error")  # a Python warning would fail the call
        f(fh)
        f(fh)
    err = caplog.text
    assert err.count("argument 'fh' of f cannot be turned into a cache key") == 2, err
    assert counter.n == 2
    assert project.manifests() == []


def test_function_exceptions_propagate_unchanged(project):
    class Boom(Exception):
        pass

    err = Boom("x")

    @cache()
    def f():
        raise err

    with pytest.raises(Boom) as info:
        f()
    assert info.value is err
    assert project.manifests() == []


def test_none_is_a_null_entry_and_retry_null_cache(project, counter):
    @cache()
    def f():
        counter()
        return None

    assert f() is None
    assert f() is None
    assert counter.n == 1
    assert project.manifests() == ["_/f/null.json"]
    assert f(retry_null_cache=True) is None
    assert counter.n == 2


def test_namespace(project, counter):
    @cache(namespace="ns1")
    def f():
        return counter()

    assert f() == 1
    assert f(namespace="other") == 2
    assert f() == 1
    assert project.manifests() == ["ns1/f/basic.json", "other/f/basic.json"]
    with pytest.raises(nuthatch.CacheKeyError):
        f(namespace="bad/ns")


def test_version_change_recomputes(project, counter):
    def make(version):
        @cache(version=version)
        def f():
            return counter()
        return f

    assert make("1")() == 1
    assert make("1")() == 1
    assert make("2")() == 2
    assert make("2")() == 2


def test_cache_false_never_stores(project, counter):
    @cache(cache=False)
    def f():
        return counter()

    assert f() == 1 and f() == 2
    assert project.manifests() == []

    @cache()
    def g():
        return counter()

    assert g(cache=False) == 3
    assert project.manifests() == []


def test_recompute_and_force_overwrite(project, counter):
    @cache()
    def f():
        return counter()

    assert f() == 1
    # Not interactive, no force_overwrite: the fresh value is returned, the entry kept.
    assert f(recompute=True) == 2
    assert f() == 1
    assert f(recompute=True, force_overwrite=True) == 3
    assert f() == 3
    assert f(cache_mode="overwrite", recompute=True) == 4
    assert f() == 4


def test_recompute_names_reach_nested_functions(project):
    calls = []

    @cache()
    def inner():
        calls.append("inner")
        return len(calls)

    @cache()
    def outer():
        calls.append("outer")
        return inner()

    outer()
    assert calls == ["outer", "inner"]
    outer(recompute=True, force_overwrite=True)  # this function only
    assert calls == ["outer", "inner", "outer"]
    outer(recompute=["outer", "inner"], force_overwrite=True)
    assert calls[-2:] == ["outer", "inner"]
    n = len(calls)
    outer(recompute="_all", force_overwrite=True)
    assert calls[n:] == ["outer", "inner"]
    n = len(calls)
    outer(recompute="inner", force_overwrite=True)  # a name: that function, nested
    assert calls[n:] == ["outer", "inner"]


@pytest.mark.parametrize("mode", ["read_only", "off"])
def test_modes_that_do_not_write(project, counter, mode):
    @cache()
    def f():
        return counter()

    assert f(cache_mode=mode) == 1
    assert project.manifests() == []


def test_strict_modes_and_fail_if_no_cache(project, counter):
    @cache()
    def f():
        return counter()

    with pytest.raises(nuthatch.CacheMissError):
        f(cache_mode="read_only_strict")
    with pytest.raises(nuthatch.CacheMissError):
        f(cache_mode="local_api")
    with pytest.raises(nuthatch.CacheMissError):
        f(fail_if_no_cache=True)
    assert counter.n == 0
    f()
    assert f(cache_mode="read_only_strict") == 1

    @cache(fail_if_no_cache=True)
    def g():
        return 1

    with pytest.raises(nuthatch.CacheMissError):
        g()


def test_local_modes(project, counter):
    @cache(cache_args=["x"])
    def f(x):
        return counter()

    assert f(1, cache_mode="local") == 1
    assert project.manifests("root") == []
    assert project.manifests("local") == ["_/f/x=1/basic.json"]
    assert f(1, cache_mode="local_strict") == 1
    assert f(1, cache_mode="offline") == 1
    assert counter.n == 1


def test_unknown_cache_mode(project):
    @cache()
    def f():
        return 1

    with pytest.raises(nuthatch.ConfigError, match="bogus"):
        f(cache_mode="bogus")


def test_memoize_keeps_the_object(project, counter):
    @cache(cache_args=["x"])
    def f(x):
        counter()
        return Point(x)

    a = f(1, memoize=True)
    b = f(1, memoize=True)
    assert a is b
    assert counter.n == 1

    @cache(memoize=True)
    def g():
        return [counter()]

    assert g() is g()
    nuthatch.clear_memoizer()
    assert g() == [2]


def test_filepath_only(project):
    @cache(cache_args=["x"])
    def f(x):
        return "y" * 10000  # not inlined in the manifest

    path = f(1, filepath_only=True)
    assert isinstance(path, str) and "f/x=1" in path
    assert os.path.exists(path.removeprefix("file://"))
    assert f(1) == "y" * 10000


def test_cache_disable_if(project, counter):
    @cache(cache_args=["x"], cache_disable_if=[{"x": [1, 2]}, {"x": 5}])
    def f(x):
        return counter()

    f(1), f(2), f(5)
    assert project.manifests() == []
    f(3)
    assert project.manifests() == ["_/f/x=3/basic.json"]


def test_backend_override(project):
    @cache(backend="pickle")
    def f():
        return {"a": 1}

    assert f() == {"a": 1}
    assert f(backend="basic") == {"a": 1}
    assert project.manifests() == ["_/f/basic.json", "_/f/pickle.json"]


def test_per_call_keywords_are_accepted(project):
    @cache()
    def f():
        return 1

    assert f(engine=None, backend_kwargs={}, storage_backend=None, storage_backend_kwargs={},
             upsert=False, memoize=False, post_processors=[]) == 1


def test_upsert_needs_upsert_keys(project, counter):
    @cache()
    def f():
        return counter()

    f()
    with pytest.raises(nuthatch.NuthatchError, match="upsert_keys"):
        f(upsert=True, force_overwrite=True)
    assert counter.n == 1


def test_set_parameter_moves_the_root(project, tmp_path, counter):
    other = tmp_path / "elsewhere"
    set_parameter(str(other), "filesystem")
    assert get_parameter("filesystem") == str(other)

    @cache()
    def f():
        return counter()

    f()
    assert (other / "meta/_/f/basic.json").exists()
    set_parameter({"filesystem": str(tmp_path / "third")})
    f()
    assert (tmp_path / "third/meta/_/f/basic.json").exists()
    set_parameter(str(tmp_path / "zroot"), "filesystem", backend="zarr")
    assert get_parameter("filesystem", backend="zarr") == str(tmp_path / "zroot")
    set_parameter(str(tmp_path / "loc"), "filesystem", location="local")
    assert get_parameter("filesystem", location="local") == str(tmp_path / "loc")
    with pytest.raises(ValueError):
        set_parameter("x")


def test_config_parameter_is_lazy_and_secret(project):
    calls = []

    @config_parameter("api_token", secret=True)
    def token():
        calls.append(1)
        return "s3cr3t-value"

    assert calls == []
    assert get_parameter("api_token") == "s3cr3t-value"
    assert calls
    assert "s3cr3t-value" not in nuthatch._core.redact("token is s3cr3t-value")

    @config_parameter("filesystem_options", location="local", backend="basic")
    def opts():
        return {"fsync": True}

    assert get_parameter("filesystem_options", location="local", backend="basic") == {"fsync": True}


def test_pyproject_configuration(project, tmp_path, counter):
    (project.dir / "nuthatch.toml").unlink()
    (project.dir / "pyproject.toml").write_text(
        f'[tool.nuthatch]\nfilesystem = "{tmp_path / "pyroot"}"\n')
    nuthatch._core.reset_config()

    @cache()
    def f():
        return counter()

    f()
    assert (tmp_path / "pyroot/meta/_/f/basic.json").exists()


def test_environment_configuration(project, tmp_path, monkeypatch, counter):
    monkeypatch.setenv("NUTHATCH_FILESYSTEM", str(tmp_path / "envroot"))
    nuthatch._core.reset_config()

    @cache()
    def f():
        return counter()

    f()
    assert (tmp_path / "envroot/meta/_/f/basic.json").exists()


def test_datetime_arguments_key_like_cpp(project):
    import datetime

    @cache(cache_args=["t"])
    def f(t):
        return 1

    f(datetime.datetime(2013, 1, 1))
    assert project.manifests() == ["_/f/t=2013-01-01T00%3A00%3A00Z/basic.json"]


def test_methods_can_be_cached(project, counter):
    class A:
        @cache(cache_args=["x"])
        def m(self, x):
            counter()
            return x * 2

    assert A().m(2) == 4
    assert A().m(2) == 4
    assert counter.n == 1


def test_threads_share_the_engine(project):
    import concurrent.futures

    @cache(cache_args=["x"])
    def f(x):
        return x * x

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        assert list(pool.map(f, range(20))) == [x * x for x in range(20)]
        assert list(pool.map(f, range(20))) == [x * x for x in range(20)]


def test_the_nuthatch_command(project):
    @cache(cache_args=["x"])
    def listed(x):
        return x

    listed(1)
    exe = os.path.join(os.path.dirname(sys.executable), "nuthatch")
    out = subprocess.run([exe, "list", "--json"], capture_output=True, text=True, check=True)
    assert "listed/x=1" in out.stdout
    json.loads(out.stdout)


def test_cache_mode_parameter(project, counter):
    set_parameter("local", "cache_mode")

    @cache()
    def f():
        return counter()

    f()
    assert project.manifests("root") == []
    assert project.manifests("local") == ["_/f/basic.json"]


def test_errors_are_nuthatch_errors(project):
    assert issubclass(nuthatch.CacheMissError, nuthatch.NuthatchError)
    assert issubclass(nuthatch.ConfigError, nuthatch.NuthatchError)
    (project.dir / "nuthatch.toml").write_text("[nuthatch\nfilesystem = 1\n")
    nuthatch._core.reset_config()

    @cache()
    def f():
        return 1

    with pytest.raises(nuthatch.ConfigError, match="nuthatch.toml"):
        f()


def test_invalid_cache_args_are_rejected_when_declared(project):
    with pytest.raises(nuthatch.ConfigError, match="'nope'"):
        @cache(cache_args=["nope"])
        def f(x):
            return x


def test_memoize_by_name_reaches_nested_functions(project, counter):
    @cache()
    def inner():
        return [counter()]

    @cache()
    def outer():
        return inner()

    outer(memoize=["inner"])
    project_root = project.root
    import shutil
    shutil.rmtree(project_root)  # only the memoizer can answer now
    assert inner(memoize=True) == [1]
