"""The original package's import surface (nuthatch.nuthatch, .config, .backend,
.backends.zarr, .cache.Cache, .memoizer, .processor), as facades over this package."""
import inspect
import json
import os

import dask.array as da
import pandas as pd
import pytest
import xarray as xr

import nuthatch
from nuthatch import cache, config_parameter, set_parameter


def test_the_original_modules_import():
    import nuthatch.backend
    import nuthatch.backends.zarr
    import nuthatch.cache
    import nuthatch.config
    import nuthatch.memoizer
    import nuthatch.nuthatch
    import nuthatch.processor
    import nuthatch.processors.timeseries
    # As in the original, the package's `cache` is the decorator, and so is the one of
    # nuthatch.nuthatch; `from nuthatch.cache import Cache` reaches the module.
    from nuthatch.cache import Cache  # noqa: F401
    from nuthatch.processors.timeseries import timeseries
    assert nuthatch.nuthatch.cache is nuthatch.cache is cache
    assert nuthatch.processors.timeseries is timeseries
    for name in ("NuthatchBackend", "FileBackend", "DatabaseBackend", "register_backend",
                 "get_backend_by_name", "get_default_backend", "registered_backends",
                 "default_backends"):
        assert hasattr(nuthatch.backend, name), name
    for name in ("NuthatchConfig", "config_parameter", "set_parameter",
                 "set_global_skipped_filesystem"):
        assert hasattr(nuthatch.config, name), name


# --- nuthatch.nuthatch ---------------------------------------------------------------------

def test_check_if_nested_fn_tells_a_nested_call(project):
    from nuthatch.nuthatch import check_if_nested_fn
    assert check_if_nested_fn() is False

    @cache(cache_args=[])
    def outer():
        return check_if_nested_fn()

    @cache(cache_args=[])
    def inner():
        return check_if_nested_fn()

    @cache(cache_args=[])
    def nesting():
        return inner()

    assert outer(cache_mode="off") is False
    assert nesting(cache_mode="off") is True


# --- nuthatch.config -----------------------------------------------------------------------

def test_nuthatch_config_reads_registered_parameters(project):
    from nuthatch.config import NuthatchConfig

    @config_parameter("username2", location="root")
    def username():
        return "test_username"

    @config_parameter("password2", location="root", backend="zarr", secret=True)
    def password():
        return "test_password"

    @config_parameter("username2", location="root", backend="sql")
    def sql_username():
        return "sql_username"

    config = NuthatchConfig(wrapped_module="tests")
    assert config
    assert config["root"]["username2"] == "test_username"
    assert config["root"]["zarr"]["password2"] == "test_password"
    assert config["root"]["sql"]["username2"] == "sql_username"
    assert config["root"]["filesystem"] == str(project.root)
    assert "filesystem" in config["local"] and "absent" not in config["root"]
    with pytest.raises(KeyError):
        config["root"]["absent"]
    masked = NuthatchConfig(wrapped_module="tests", mask_secrets=True)
    assert masked["root"]["zarr"]["password2"] == "*" * len("test_password")


def test_set_parameter_shows_in_nuthatch_config(project):
    from nuthatch.config import NuthatchConfig
    set_parameter({"filesystem_options": {"anon": True}}, location="root")
    assert NuthatchConfig("tests")["root"]["filesystem_options"] == {"anon": True}


# --- nuthatch.backend ----------------------------------------------------------------------

class Note:
    def __init__(self, text):
        self.text = text


@pytest.fixture
def note_backend():
    """A backend written the original's way: a FileBackend storing a Note as a text file."""
    from nuthatch.backend import FileBackend, register_backend, unregister_backend

    @register_backend
    class NoteBackend(FileBackend):
        backend_name = "note"
        default_for_type = Note

        def __init__(self, cacheable_config, cache_key, namespace, args, backend_kwargs):
            super().__init__(cacheable_config, cache_key, namespace, args, backend_kwargs,
                             extension="note")

        def write(self, data):
            with self.fs.open(self.path, "w") as f:
                f.write(data.text)
            return data

        def read(self, engine=None):
            with self.fs.open(self.path, "r") as f:
                return Note(f.read())

        def upsert(self, data, upsert_keys=None):
            raise NotImplementedError

    yield NoteBackend
    unregister_backend("note")


def test_a_user_backend_stores_and_recalls(project, counter, note_backend):
    from nuthatch.backend import get_backend_by_name, get_default_backend
    assert get_backend_by_name("note") is note_backend
    assert get_default_backend(Note) == "note"

    @cache(cache_args=["x"])
    def greet(x):
        counter()
        return Note(f"hello {x}")

    assert greet(1).text == "hello 1"
    recalled = greet(1)
    assert isinstance(recalled, Note) and recalled.text == "hello 1" and counter.n == 1
    files = list(project.root.rglob("data.note"))
    assert len(files) == 1 and files[0].read_text() == "hello 1"
    assert greet(2, backend="note").text == "hello 2" and counter.n == 2


def test_a_user_backend_leaves_other_values_alone(project, note_backend):
    @cache(cache_args=["x"])
    def table(x):
        return pd.DataFrame({"x": [x]})

    assert table(3)["x"].tolist() == [3]
    assert not list(project.root.rglob("data.note"))


def test_default_backends_of_types(project):
    from nuthatch.backend import get_default_backend
    assert get_default_backend(int) == "basic"
    assert get_default_backend(xr.Dataset) == "zarr"


def test_a_backend_without_default_type_is_selected_by_name(project, counter):
    from nuthatch.backend import NuthatchBackend, register_backend, unregister_backend

    @register_backend
    class Untyped(NuthatchBackend):
        """Not a FileBackend: writes one JSON file itself, with fsspec."""
        backend_name = "untyped"

        def _path(self):
            return self.config["filesystem"].rstrip("/") + "/value.json"

        def write(self, data):
            import fsspec
            with fsspec.open(self._path(), "w", **self.config["filesystem_options"]) as f:
                json.dump(data, f)
            return data

        def read(self, engine=None):
            import fsspec
            with fsspec.open(self._path(), "r", **self.config["filesystem_options"]) as f:
                return json.load(f)

        def exists(self):
            return os.path.exists(self._path())

    try:
        @cache(cache_args=["x"])
        def f(x):
            counter()
            return {"x": x}

        assert f(1, backend="untyped") == {"x": 1}
        assert f(1, backend="untyped") == {"x": 1} and counter.n == 1
        # The manifest names the user's backend, and the payload is its own folder.
        payloads = list(project.root.rglob("untyped-*"))
        assert len(payloads) == 1 and (payloads[0] / "value.json").is_file()
    finally:
        unregister_backend("untyped")


def test_a_user_backend_is_named_in_its_manifest(project, note_backend):
    @cache(cache_args=["x"])
    def greet(x):
        return Note(f"hello {x}")

    greet(7)
    manifests = [json.loads(p.read_text()) for p in project.root.rglob("*.json")
                 if p.parent.name != "data" and "meta" in p.parts]
    assert [m["backend"] for m in manifests] == ["note"]
    payload = project.root / manifests[0]["payload"]
    assert payload.name.startswith("note-") and payload.name.endswith(".note")
    assert (payload / "data.note").read_text() == "hello 7"


def test_a_backend_name_of_the_engine_is_refused(project):
    from nuthatch.backend import NuthatchBackend, register_backend

    class Clash(NuthatchBackend):
        backend_name = "zarr"

    with pytest.raises(ValueError, match="zarr"):
        register_backend(Clash)


# --- nuthatch.backends.zarr ----------------------------------------------------------------

def test_zarr_chunk_helpers_match_the_original():
    from nuthatch.backends.zarr import get_chunk_size, is_single_chunk
    data = xr.Dataset({"v": (("x", "y"), da.zeros((100, 100), chunks=(50, 100)))})
    assert is_single_chunk(None) is True
    assert is_single_chunk(data) is False
    assert is_single_chunk(data.chunk({"x": 100})) is True
    assert is_single_chunk(data["v"]) is False
    assert is_single_chunk(data["v"].chunk({"x": 100})) is True
    size, groups = get_chunk_size(data)
    assert size == pytest.approx(50 * 100 * 4 / 1e6)
    assert dict(groups) == {"x": 50, "y": 100}
    assert get_chunk_size(data["v"], size_in="KB")[0] == pytest.approx(50 * 100 * 4 / 1e3)


# --- nuthatch.cache.Cache ------------------------------------------------------------------

def test_cache_writes_reads_and_marks_null(project):
    from nuthatch.cache import Cache
    entry = Cache({"filesystem": str(project.root)}, "test_key", "test", None, {}, "basic",
                  None)
    assert entry.get_backend() == "basic"
    assert not entry.exists()
    entry.write([1, 2])
    assert entry.exists() and entry.read() == [1, 2] and not entry.is_null()
    assert entry.get_uri().startswith(str(project.root))
    entry.set_null()
    assert entry.is_null() and not entry.exists()
    # The original's metastore tells where the metadata lies: here the manifests' folder.
    assert entry.metastore.table_path == str(project.root / "meta") + "/"
    assert (project.root / "meta" / "test").is_dir()  # the namespace's manifests are there
    entry.delete_null()
    assert not entry.is_null()
    elsewhere = Cache({"filesystem": str(project.dir / "other")}, "k", None, None, {}, None,
                      None)
    assert elsewhere.metastore.table_path == str(project.dir / "other" / "meta") + "/"


def test_cache_at_the_local_location_and_read_only(project):
    from nuthatch.cache import Cache
    local = Cache({"filesystem": str(project.local)}, "k/a", None, None, {}, None, None)
    local.write({"a": 1})
    assert local.read() == {"a": 1} and project.manifests("local")
    readonly = Cache({"filesystem": str(project.root)}, "k/a", None, None, {}, None, None,
                     readonly=True)
    with pytest.raises(RuntimeError, match="read-only"):
        readonly.write(1)
    with pytest.raises(TypeError, match="dict with 'filesystem'"):
        Cache({"path": str(project.dir / "elsewhere")}, "k", None, None, {}, None, None)


# --- nuthatch.memoizer ---------------------------------------------------------------------

def test_memoizer_module(project, counter):
    import nuthatch.memoizer as memoizer
    assert memoizer.clear_memoizer is nuthatch.clear_memoizer
    assert memoizer.get_cache_usage({"a": 1, "b": 2}) == 3

    @cache(cache_args=[], memoize=True)
    def f():
        return counter()

    assert f() == 1 and f() == 1
    memoizer.clear_memoizer()
    assert f(cache_mode="off") == 2
    # The engine's pools, as the original's dicts: plain results count as local.
    assert memoizer.get_cache_usage(memoizer.local_object_size) > 0
    assert len(memoizer.local_object_size) == 1
    assert memoizer.get_cache_usage(memoizer.remote_object_size) == 0


# --- nuthatch.processor --------------------------------------------------------------------

def test_a_processor_written_the_original_way(project):
    from nuthatch.processor import NuthatchProcessor

    class first_n(NuthatchProcessor):  # noqa: N801 - named as users do
        def process_arguments(self, sig, *args, **kwargs):
            self.n = self.bind_signature(sig, *args, **kwargs).arguments["n"]
            return args, kwargs

        def post_process(self, data):
            return data[:self.n]

        def validate(self, data):
            return True

    assert list(inspect.signature(NuthatchProcessor.process_arguments).parameters) == \
        ["self", "sig", "args", "kwargs"]

    @first_n()
    @cache(cache_args=["n"])
    def numbers(n, total=10):
        return list(range(total))

    @first_n()
    def plain(n, total=10):
        return list(range(total))

    assert numbers(3) == [0, 1, 2]
    assert plain(n=2, total=5) == [0, 1]


def test_bind_signature_applies_defaults_and_drops_call_keywords():
    from nuthatch.processor import NuthatchProcessor

    class Keep(NuthatchProcessor):
        def post_process(self, data):
            return data

        def validate(self, data):
            return True

    def f(a, b=2):
        pass

    bound = Keep().bind_signature(inspect.signature(f), 1, recompute=True)
    assert dict(bound.arguments) == {"a": 1, "b": 2}
