"""Caches written by Python are read by the C++ API and the other way round
(tests/cpp/tools/nh_cross_lang.cpp declares the same functions). The tool is found at
$NUTHATCH_CROSS_TOOL, else in build/release/tests/cpp."""
import json
import os
import pathlib
import subprocess

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from nuthatch import cache

REPO = pathlib.Path(__file__).resolve().parents[2]
TOOL = os.path.abspath(os.environ.get("NUTHATCH_CROSS_TOOL",
                                      REPO / "build/release/tests/cpp/nh_cross_lang"))


def tool(*args):
    if not os.access(TOOL, os.X_OK):
        pytest.fail(f"{TOOL} is missing: build the nh_cross_lang target of the release build")
    out = subprocess.run([TOOL, *map(str, args)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


@cache(cache_args=["n", "label"])
def cross_value(n, label):
    return {"n": n, "label": label, "from": "python", "list": [1, 2.5, "x"]}


@cache()
def cross_dataset(start_time, end_time):
    time = pd.date_range("2013-01-01", periods=4, freq="D")
    return xr.Dataset({"air": ("time", np.array([1.5, 2.5, 3.5, 4.5]), {"units": "K"})},
                      coords={"time": time}, attrs={"source": "python"})


def test_cpp_reads_a_python_value(project):
    cross_value(7, "a b/c")
    got = json.loads(tool("read-value", 7, "a b/c"))
    assert got == {"n": 7, "label": "a b/c", "from": "python", "list": [1, 2.5, "x"]}


def test_cpp_reads_a_python_dataset(project):
    cross_dataset("2013-01-01", "2013-01-04")
    got = json.loads(tool("read-dataset", "2013-01-01", "2013-01-04"))
    assert got["coords"] == ["time"]
    assert got["attrs"] == {"source": "python"}
    air, time = got["variables"]["air"], got["variables"]["time"]
    assert air["values"] == [1.5, 2.5, 3.5, 4.5]
    # As in a store xarray writes: floats carry xarray's NaN _FillValue marker.
    assert air["attrs"] == {"units": "K", "_FillValue": "AAAAAAAA+H8="}
    assert air["dims"] == ["time"] and air["dtype"] == "float64"
    assert time["dtype"] == "datetime64[ns]"
    assert time["values"] == pd.date_range("2013-01-01", periods=4, freq="D").as_unit("ns").asi8.tolist()


def test_python_reads_a_cpp_value(project):
    tool("write-value", 3, "z")
    got = cross_value(3, "z", cache_mode="read_only_strict")
    assert got == {"n": 3, "label": "z", "from": "c++", "list": [1, 2.5, "x"]}


def test_python_reads_a_cpp_dataset(project):
    tool("write-dataset", "2013-01-01", "2013-01-04")
    ds = cross_dataset("2013-01-01", "2013-01-04", cache_mode="read_only_strict")
    assert ds.attrs == {"source": "c++"}
    np.testing.assert_array_equal(ds["air"].values, [1.5, 2.5, 3.5, 4.5])
    assert ds["air"].attrs == {"units": "K"}
    assert ds["time"].dtype == np.dtype("datetime64[ns]")
    assert list(ds["time"].values) == list(pd.date_range("2013-01-01", periods=4, freq="D").values)


def test_module_level_cached_functions_pickle_by_reference():
    import pickle
    assert pickle.loads(pickle.dumps(cross_value)) is cross_value
