"""Any argument as a key (README, "Any argument as a key"): numpy arrays, pandas objects,
xarray objects, paths, enums, dates, sets, dataclasses and __nuthatch_key__ key calls by
value: golden keys pinned here, identical in another process (another hash seed), equal
for equal values built differently, different for any change of a value, dtype, name or
index; a lazily recalled dataset is keyed by its entry without being read; an object with
none of these still turns caching off with one warning."""
import dataclasses
import datetime
import enum
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import nuthatch
from nuthatch import cache


class Color(enum.Enum):
    RED = 1
    BLUE = 2


@dataclasses.dataclass(frozen=True)
class Region:
    name: str
    bounds: tuple


class Station:
    def __init__(self, code):
        self.code = code

    def __nuthatch_key__(self):
        return {"station": self.code}


def fixed_frame():
    return pd.DataFrame({"id": np.arange(30, dtype=np.int64),
                         "value": np.linspace(0.0, 1.0, 30),
                         "site": [f"s{i % 3}" for i in range(30)]},
                        index=pd.RangeIndex(0, 30, name="row"))


def fixed_dataset():
    return xr.Dataset({"t": (("time", "x"), np.arange(40, dtype=np.float32).reshape(20, 2),
                             {"units": "K"})},
                      coords={"time": pd.date_range("2000-01-01", periods=20, freq="D"),
                              "x": [10, 20]}, attrs={"source": "test"})


def key_of(value):
    """The key segment of `value` as the cache argument `x` (from the manifest written)."""
    seen = []

    @cache(cache_args=["x"])
    def keyed(x):
        seen.append(1)
        return 1

    keyed(value)
    assert seen == [1]
    root = pathlib.Path(os.getcwd()) / "root" / "meta"
    found = sorted(str(p.relative_to(root)) for p in (root / "_" / "keyed").rglob("basic.json"))
    nuthatch.clear_memoizer()
    for p in (root / "_" / "keyed").rglob("basic.json"):
        p.unlink()
    [path] = found
    assert path.startswith("_/keyed/") and path.endswith("/basic.json")
    return path[len("_/keyed/"):-len("/basic.json")]


GOLDEN = {
    "small_array": (lambda: np.array([1, 2, 3], dtype=np.int32), None),
    "large_array": (lambda: np.arange(100, dtype=np.float64), None),
    "frame": (fixed_frame, None),
    "series": (lambda: fixed_frame()["value"], None),
    "index": (lambda: pd.Index(["a", "b"], name="k"), None),
    "dataset": (fixed_dataset, None),
    "dataarray": (lambda: fixed_dataset()["t"], None),
    "path": (lambda: pathlib.PurePosixPath("/data/era5/t2m.nc"), None),
    "enum": (lambda: Color.BLUE, None),
    "date": (lambda: datetime.date(2020, 2, 29), None),
    "timestamp": (lambda: pd.Timestamp("2020-01-01 06:00"), None),
    "dataclass": (lambda: Region("alps", (45.0, 48.0)), None),
    "set": (lambda: {3, 1, 2}, None),
    "frozenset": (lambda: frozenset({"b", "a"}), None),
    "tuple": (lambda: (1, "a"), None),
    "custom": (lambda: Station("KSEA"), None),
}

# Pinned: a change of any of these changes every stored key of such arguments.
GOLDEN_KEYS = json.loads((pathlib.Path(__file__).with_name("object_keys_golden.json"))
                         .read_text())


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_keys(project, name):
    assert key_of(GOLDEN[name][0]()) == GOLDEN_KEYS[name]


def test_keys_are_the_same_in_another_process_with_another_hash_seed(project):
    code = (f"import sys; sys.path.insert(0, {str(pathlib.Path(__file__).parent)!r}); "
            "import test_object_keys as t, json; "
            "print(json.dumps({n: t.key_of(f()) for n, (f, _) in t.GOLDEN.items()}))")
    for seed in ("1", "12345"):
        done = subprocess.run([sys.executable, "-c", code], cwd=project.dir, capture_output=True,
                              text=True, env={**os.environ, "PYTHONHASHSEED": seed}, timeout=120)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.strip().splitlines()[-1]) == GOLDEN_KEYS


def test_equal_values_built_differently_share_a_key(project):
    df = fixed_frame()
    rebuilt = pd.DataFrame([{"id": i, "value": v, "site": s} for i, v, s in
                            zip(df["id"], df["value"], df["site"])])
    rebuilt.index = pd.Index(np.arange(30), name="row")
    assert key_of(df) == key_of(rebuilt)
    ds = fixed_dataset()
    reordered = xr.Dataset(coords={"x": [10, 20]}, attrs={"source": "test"})
    reordered["time"] = ds["time"]
    reordered["t"] = ds["t"]
    assert key_of(ds) == key_of(reordered)
    assert key_of(np.arange(100.0)) == key_of(np.arange(100.0)[::-1][::-1].copy(order="F"))
    assert key_of({1, 2, 3}) == key_of({3, 2, 1})


def test_any_difference_gives_another_key(project):
    df = fixed_frame()
    base = key_of(df)
    changed_value = df.copy()
    changed_value.loc[5, "value"] = 0.5
    changed_dtype = df.astype({"id": np.int32})
    changed_name = df.rename(columns={"site": "station"})
    changed_index = df.set_axis(pd.RangeIndex(1, 31, name="row"))
    renamed_index = df.rename_axis("r")
    keys = {key_of(x) for x in (changed_value, changed_dtype, changed_name, changed_index,
                                renamed_index)}
    assert base not in keys and len(keys) == 5
    a = np.arange(100.0)
    assert len({key_of(a), key_of(a.astype(np.float32)), key_of(a.reshape(10, 10)),
                key_of(np.where(a == 7, 7.5, a))}) == 4
    ds = fixed_dataset()
    other_attr = ds.copy()
    other_attr["t"].attrs["units"] = "C"
    assert len({key_of(ds), key_of(other_attr), key_of(ds.rename({"t": "u"})),
                key_of(ds.assign_coords(x=[10, 21]))}) == 4
    assert key_of(Color.RED) != key_of(Color.BLUE)
    assert key_of(Region("alps", (45.0, 48.0))) != key_of(Region("alps", (45.0, 49.0)))


def test_a_lazily_recalled_dataset_is_keyed_by_its_entry_unread(project):
    calls = []

    @cache(cache_args=["n"])
    def source(n):
        return fixed_dataset()

    @cache(cache_args=["data"])
    def derived(data):
        calls.append(1)
        return int(data["t"].sum())

    source(1)
    nuthatch.clear_memoizer()
    recalled = source(1)
    assert derived(recalled) == derived(recalled) == 780
    assert calls == [1]
    # Its chunks gone, a key by content could not be made: the entry's identity is used.
    chunks = [p for p in (project.root / "data").rglob("*")
              if p.is_file() and "/t/c" in p.as_posix()]
    assert chunks
    for chunk in chunks:
        chunk.unlink()
    key = key_of(recalled)
    assert key != key_of(fixed_dataset())
    assert key == key_of(recalled)
    # Another recall of the same entry is the same entry; a derived dataset is content.
    nuthatch.clear_memoizer()
    assert key_of(source(1)) == key


def test_an_object_with_no_key_still_turns_caching_off_with_a_warning(project, caplog):
    class Opaque:
        pass

    calls = []

    @cache(cache_args=["x"])
    def f(x):
        calls.append(1)
        return 1

    with caplog.at_level("WARNING", logger="nuthatch"):
        f(Opaque())
        f(Opaque())
    assert calls == [1, 1]
    assert any("x" in r.getMessage() for r in caplog.records)
