"""The original Nuthatch's call semantics (issue 13, item 2) and its ``Cache`` handle on a
location given by a configuration dict, as this package reproduces them."""
import time

import pytest

import nuthatch
from nuthatch import cache
from nuthatch.cache import Cache


# --- Cache on a location of its own ---------------------------------------------------------

def _config(path):
    return {"filesystem": str(path), "basic": {"filesystem": str(path)}}


def test_cache_on_a_dict_location_writes_reads_and_infers_its_backend(project):
    where = project.dir / "elsewhere"
    entry = Cache(_config(where), "test_key", "test", None, {}, "basic", None)
    assert entry.get_backend() == "basic" and not entry.exists()
    entry.write(5)
    assert entry.exists() and entry.read() == 5
    assert entry.get_uri().startswith(str(where))
    assert where.exists() and not project.manifests("root")  # nothing at the configured root
    first = entry.last_modified()
    entry.write(10)
    assert entry.read() == 10
    assert first is not None and entry.last_modified() >= first
    assert abs(entry.last_modified() / 1e6 - time.time()) < 600  # microseconds, as the original
    # A handle without a requested backend takes the stored entry's.
    assert Cache(_config(where), "test_key", "test", None, {}, None, None).get_backend() == \
        "basic"
    with pytest.raises(RuntimeError, match="no backend was requested"):
        Cache(_config(where), "other_key", "test", None, {}, None, None).get_backend()


def test_cache_on_a_dict_location_deletes_values_and_nulls(project):
    entry = Cache(_config(project.dir / "x"), "k/a", None, None, {}, "basic", None)
    entry.write([1, 2])
    entry.delete()
    assert not entry.exists()
    with pytest.raises(RuntimeError, match="not null"):
        entry.delete_null()
    entry.set_null()
    assert entry.is_null() and not entry.exists()
    entry.delete_null()
    assert not entry.is_null()
    readonly = Cache(_config(project.dir / "x"), "k/a", None, None, {}, "basic", None,
                     readonly=True)
    with pytest.raises(RuntimeError, match="read-only"):
        readonly.delete()


def test_cache_on_a_dict_location_keeps_version_and_namespace_apart(project):
    where = project.dir / "v"
    Cache(_config(where), "k", "ns1", "1", {}, "basic", None).write(1)
    assert not Cache(_config(where), "k", "ns2", "1", {}, "basic", None).exists()
    assert not Cache(_config(where), "k", "ns1", "2", {}, "basic", None).exists()


def test_cache_on_a_dict_with_an_unknown_backend_parameter_is_an_error(project):
    config = {"filesystem": str(project.dir / "y"), "basic": {"chunks": 3}}
    with pytest.raises(nuthatch.ConfigError, match="unknown parameter 'chunks'"):
        Cache(config, "k", None, None, {}, "basic", None).write(1)


# --- call semantics ------------------------------------------------------------------------

def test_post_processors_take_plain_callables_in_order(project):
    @cache(cache_args=["n"])
    def f(n):
        return n

    assert f(3, post_processors=[lambda x: x + 1, lambda x: x * 2]) == 8
    assert f(3) == 3  # stored unprocessed
    assert f(3, post_processors=[str]) == "3"
    with pytest.raises(TypeError, match="post_processors takes callables"):
        f(3, post_processors=[5])


def test_fail_if_no_cache_raises_runtime_error_as_the_original(project):
    @cache(cache_args=["n"], fail_if_no_cache=True)
    def strict(n):
        return n

    @cache(cache_args=["n"])
    def lenient(n):
        return n

    with pytest.raises(RuntimeError):
        strict(1)
    with pytest.raises(RuntimeError):
        lenient(1, fail_if_no_cache=True)
    with pytest.raises(nuthatch.CacheMissError):
        lenient(1, cache_mode="read_only_strict")
    assert lenient(1) == 1 and lenient(1, fail_if_no_cache=True) == 1


def test_memoization_works_with_the_cache_off(project, counter):
    @cache(cache_args=["n"], memoize=True)
    def f(n):
        return counter()

    assert f(1, cache_mode="off") == 1
    assert f(1, cache_mode="off") == 1  # from memory
    assert not project.manifests()


def test_a_call_memoize_false_overrides_the_decorator(project, counter):
    @cache(cache_args=["n"], memoize=True, cache=False)
    def f(n):
        return counter()

    assert f(1) == 1 and f(1) == 1
    assert f(1, memoize=False) == 2  # neither recalled from memory ...
    assert f(1) == 1                 # ... nor memoized
    assert f(2, memoize=None) == 3 and f(2) == 3  # None: the decorator's


def test_decorator_backend_kwargs_take_precedence(project):
    from nuthatch.backend import NuthatchBackend, register_backend, unregister_backend
    seen = []

    @register_backend
    class Recorder(NuthatchBackend):
        backend_name = "recorder"

        def write(self, data):
            seen.append(dict(self.backend_kwargs))
            return data

        def exists(self):
            return False

    try:
        @cache(cache_args=["n"], backend="recorder", backend_kwargs={"a": "decorator"})
        def f(n):
            return n

        f(1, backend_kwargs={"a": "call", "b": 2})
        assert seen == [{"a": "decorator", "b": 2}]

        @cache(cache_args=["n"], backend="recorder", backend_kwargs={"a": "inner"})
        def inner(n):
            return n

        @cache(cache_args=["n"])
        def outer(n):
            return inner(n, backend_kwargs={"c": 3})

        outer(5, backend_kwargs={"a": "top"}, cache=False)
        # A nested call: its own, then its decorator's, then the top-level call's.
        assert seen[-1] == {"a": "top", "c": 3}
    finally:
        unregister_backend("recorder")


def test_cache_disable_if_compares_only_cache_arguments(project, counter):
    @cache(cache_args=["n"], cache_disable_if={"n": 1, "scale": 2})
    def f(n, scale):
        return counter()

    # scale is not a cache argument: the rule is {"n": 1}, as in the original.
    assert f(1, 5) == 1 and f(1, 5) == 2   # not cached
    assert f(3, 2) == 3 and f(3, 2) == 3   # cached


def test_an_enclosing_cache_mode_wins_over_a_nested_calls_own(project, counter):
    @cache(cache_args=["n"])
    def inner(n):
        return counter()

    @cache(cache_args=["n"])
    def outer(n):
        return inner(n, cache_mode="write")

    outer(1, cache_mode="off")
    assert not project.manifests()  # inner ran with the top-level mode, off
    outer(2)                         # no top-level mode: inner's own applies
    assert any(m.startswith("_/inner") or "inner" in m for m in project.manifests())


def test_a_memoized_dask_backed_result_is_persisted(project):
    import dask
    import dask.array as da
    import numpy as np
    import xarray as xr
    computed = []

    def block(i):
        computed.append(i)
        return np.full(2, float(i))

    @cache(cache_args=["n"], memoize=True, cache=False)
    def f(n):
        parts = [da.from_delayed(dask.delayed(block)(i), (2,), float) for i in range(n)]
        return xr.Dataset({"v": ("x", da.concatenate(parts))})

    out = f(3)
    assert sorted(computed) == [0, 1, 2]  # persisted when memoized
    assert out["v"].chunks is not None    # still dask-backed
    assert f(3)["v"].values.tolist() == [0, 0, 1, 1, 2, 2]
    assert sorted(computed) == [0, 1, 2]  # neither use computed the graph again

    @cache(cache_args=["n"], cache=False)
    def lazy(n):
        return f.__wrapped__(n)

    lazy(2)
    assert sorted(computed) == [0, 1, 2]  # not memoized: left lazy


def test_filepath_only_returns_the_data_path_without_reading_it(project, counter):
    @cache(cache_args=["n"])
    def f(n):
        counter()
        return list(range(n))

    path = f(20000, filepath_only=True)  # a miss: computed and written first
    assert counter.n == 1 and path.endswith(".msgpack") and path.startswith(str(project.root))
    with open(path, "wb") as out:  # damaged: a read would notice and recompute
        out.write(b"not msgpack")
    assert f(20000, filepath_only=True) == path
    assert counter.n == 1


def test_a_written_dask_backed_result_is_returned_as_stored(project):
    import dask
    import dask.array as da
    import numpy as np
    import xarray as xr
    computed = []

    def block(i):
        computed.append(i)
        return np.full(2, float(i))

    @cache(cache_args=["n"])
    def f(n):
        parts = [da.from_delayed(dask.delayed(block)(i), (2,), float) for i in range(n)]
        return xr.Dataset({"v": ("x", da.concatenate(parts))})

    out = f(3)
    assert sorted(computed) == [0, 1, 2]  # computed once, by the write
    assert out["v"].chunks is not None    # returned lazy, backed by the stored entry
    assert out["v"].values.tolist() == [0, 0, 1, 1, 2, 2]
    assert sorted(computed) == [0, 1, 2]  # using it did not compute the graph again
