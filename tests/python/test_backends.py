"""Backend adapters: the registry picks each built-in adapter for its values, a user's
adapter registers (by call or entry point), stores and recalls its own type, payloads
are in the on-disk format asked for, and a per-backend root override receives them."""
import pathlib

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import nuthatch
from nuthatch import _core, backends, cache
from nuthatch.backends import Adapter, adapter_for, adapter_named, register_adapter


def dataset():
    return xr.Dataset({"v": (("t", "x"), np.arange(12.0).reshape(4, 3))},
                      coords={"t": np.arange(4), "x": [10, 20, 30]})


class Opaque:
    pass


@pytest.mark.parametrize("value, backend", [
    (None, "basic"), (1, "basic"), (2.5, "basic"), ("s", "basic"), (b"b", "basic"),
    ([1, {"a": [None]}], "basic"), (1 << 70, "pickle"), ({1: 2}, "pickle"), ((1, 2), "pickle"),
    (Opaque(), "pickle"), (np.arange(3.0), "zarr"), (np.array([object()]), "pickle"),
    (dataset(), "zarr"), (dataset()["v"], "zarr"), (dataset().chunk(), "zarr"),
    (pd.DataFrame({"a": [1]}), "parquet"),
    (dd.from_pandas(pd.DataFrame({"a": [1, 2]}), npartitions=2), "parquet"),
])
def test_each_builtin_adapter_picks_its_values(value, backend):
    assert adapter_for(value).name == backend
    assert adapter_named(backend, value).takes(value)


def test_blob_is_chosen_by_name_only():
    assert adapter_for(b"x").name == "basic"
    assert adapter_named("blob", bytearray(b"x")).encode(bytearray(b"x")) == b"x"


def test_an_adapter_refuses_what_it_does_not_store():
    with pytest.raises(TypeError, match="backend 'zarr': it stores xarray"):
        adapter_named("zarr", "text").encode("text")
    with pytest.raises(TypeError, match="backend 'parquet': it stores pandas"):
        adapter_named("parquet", [1])
    with pytest.raises(TypeError, match="no adapter for it"):
        adapter_named("no-such-backend", 1)


def test_a_backend_by_name_stores_with_that_adapter(project):
    @cache(backend="pickle")
    def f():
        return [1, 2]

    assert f() == [1, 2]
    nuthatch.clear_memoizer()
    assert f() == [1, 2]
    assert project.manifests() == ["_/f/pickle.json"]

    @cache(backend="zarr")
    def g():
        return 1

    with pytest.raises(TypeError, match="backend 'zarr'"):
        g()


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)


class PointAdapter(Adapter):
    """A user's adapter: Points as basic values (readable from C++ as well)."""
    name = "basic"
    priority = 100
    stores = "it stores Points"
    encoded = 0

    def takes(self, obj):
        return isinstance(obj, Point)

    def encode(self, obj):
        PointAdapter.encoded += 1
        return {"point": [obj.x, obj.y]}

    def recognizes(self, plain):
        return isinstance(plain, dict) and list(plain) == ["point"] and \
            isinstance(plain["point"], list)

    def decode(self, plain, engine):
        return Point(*plain["point"])


@pytest.fixture
def point_adapter():
    adapter = register_adapter(PointAdapter)
    yield adapter
    backends.unregister_adapter(adapter)


def test_a_user_adapter_stores_and_recalls_its_type(project, counter, point_adapter):
    @cache(cache_args=["n"])
    def make(n):
        counter()
        return Point(n, n + 1)

    assert make(1) == Point(1, 2)
    nuthatch.clear_memoizer()
    again = make(1)
    assert isinstance(again, Point) and again == Point(1, 2)
    assert counter.n == 1 and PointAdapter.encoded == 1
    assert project.manifests() == ["_/make/n=1/basic.json"]

    @cache()
    def plain():
        return {"point": "a plain dict"}  # not a Point's form: the built-in adapter decodes

    plain()
    nuthatch.clear_memoizer()
    assert plain() == {"point": "a plain dict"}


def test_an_entry_point_adapter_is_loaded_once(monkeypatch):
    import importlib.metadata

    class EntryPoint:
        name, value = "points", "tests:PointAdapter"
        loads = 0

        def load(self):
            EntryPoint.loads += 1
            return PointAdapter

    def entry_points(group):
        assert group == "nuthatch.backends"
        return [EntryPoint()]

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    monkeypatch.setattr(backends, "_plugins_declared", lambda: True)
    monkeypatch.setattr(backends, "_entry_points_loaded", False)
    try:
        assert adapter_for(Point(0, 0)).name == "basic"
        assert isinstance(adapter_for(Point(0, 0)), PointAdapter)
        adapter_for(1)
        assert EntryPoint.loads == 1
    finally:
        backends.unregister_adapter(PointAdapter)


def test_an_installed_plugin_is_found_and_none_costs_no_metadata_scan(tmp_path, monkeypatch):
    import importlib.metadata
    # Nothing installed declares the group: importlib's full scan is not made.
    assert not backends._plugins_declared()

    def no_scan(**_):
        raise AssertionError("importlib.metadata scanned every distribution")

    monkeypatch.setattr(importlib.metadata, "entry_points", no_scan)
    monkeypatch.setattr(backends, "_entry_points_loaded", False)
    assert adapter_for(1).name == "basic"
    monkeypatch.undo()
    # A distribution on sys.path that declares an adapter: found, loaded, used.
    (tmp_path / "nh_points_plugin.py").write_text(
        "from nuthatch.backends import Adapter\n"
        "class Marker:\n    pass\n"
        "class MarkerAdapter(Adapter):\n"
        "    name = 'basic'\n    priority = 100\n"
        "    def takes(self, obj):\n        return isinstance(obj, Marker)\n")
    info = tmp_path / "nh_points_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nh-points-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[nuthatch.backends]\nmarker = nh_points_plugin:MarkerAdapter\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(backends, "_entry_points_loaded", False)
    assert backends._plugins_declared()
    import nh_points_plugin
    try:
        assert type(adapter_for(nh_points_plugin.Marker())).__name__ == "MarkerAdapter"
    finally:
        backends.unregister_adapter(nh_points_plugin.MarkerAdapter)


def test_storage_facts_come_from_the_engine(tmp_path):
    assert _core.payload_local_path(str(tmp_path)) == str(tmp_path)
    assert _core.payload_local_path(f"file://{tmp_path}") == str(tmp_path)
    assert _core.payload_local_path("s3://bucket/x") is None
    assert _core.payload_shared(str(tmp_path)) and _core.payload_shared("s3://bucket/x")
    assert not _core.payload_shared("memory://here")
    assert _core.payload_part_name("parquet", 3) == "part.3.parquet"
    with pytest.raises(nuthatch.NuthatchError, match="zarr"):
        _core.payload_part_name("zarr", 0)


# --- on-disk format ---------------------------------------------------------------------

def payload_files(url):
    root = pathlib.Path(url.removeprefix("file://"))
    assert root.is_dir(), url
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("lazy", [False, True])
@pytest.mark.parametrize("fmt", [None, 2, 3])
def test_a_stored_dataset_is_in_the_zarr_format_asked_for(project, fmt, lazy):
    ds = dataset().chunk({"t": 2}) if lazy else dataset()
    kwargs = {} if fmt is None else {"zarr_format": fmt}

    @cache(backend_kwargs=kwargs)
    def make():
        return ds

    make()
    files = payload_files(make(filepath_only=True))
    if fmt == 2:  # v2: .zgroup and one .zarray per variable, no zarr.json
        assert {".zgroup", "v/.zarray", "t/.zarray", "x/.zarray"} <= files
        assert not any(f.endswith("zarr.json") for f in files)
    else:  # the default, v3: zarr.json for the group and each array
        assert {"zarr.json", "v/zarr.json", "t/zarr.json", "x/zarr.json"} <= files
        assert not any(f.endswith((".zarray", ".zgroup")) for f in files)
    xr.testing.assert_identical(make(engine="eager"), dataset())


def test_a_per_backend_root_override_receives_a_dataset(project, tmp_path):
    """[tool.nuthatch.root.zarr] filesystem: a Python Dataset's payload (whose backend
    the result decides) is written there, not under the root."""
    zarr_root = tmp_path / "zarr-root"
    (project.dir / "nuthatch.toml").unlink()
    (project.dir / "pyproject.toml").write_text(
        f'[tool.nuthatch]\nfilesystem = "{project.root}"\n'
        f'[tool.nuthatch.local]\nfilesystem = "{project.local}"\n'
        f'[tool.nuthatch.root.zarr]\nfilesystem = "{zarr_root}"\n')
    _core.reset_config()

    @cache()
    def make():
        return dataset()

    @cache()
    def number():
        return 1

    make()
    number()
    url = make(filepath_only=True)
    assert url.removeprefix("file://").startswith(str(zarr_root)), url
    assert "zarr.json" in payload_files(url)
    assert list(zarr_root.rglob("*.zarr")), "nothing was written under the zarr override"
    assert not list(project.root.rglob("*.zarr")), "the payload went to the root"
    nuthatch.clear_memoizer()
    xr.testing.assert_identical(make(engine="eager"), dataset())
    assert number() == 1
