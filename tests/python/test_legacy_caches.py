"""Caches written by the REAL original Nuthatch (0.4.11, installed by
tests/original/legacy_caches.sh into a Python 3.12 environment of its own): the engine's
rule for the original's cache keys (nuthatch._core.legacy_cache_key, C++) finds each
entry the original wrote, in its metastore and its data folder, from the call's
arguments alone."""
import json
import os
import pathlib
import pickle
import subprocess

import pandas as pd
import pytest
import xarray as xr

from nuthatch import _core

REPO = pathlib.Path(__file__).resolve().parents[2]
EXTENSIONS = {"basic": "pkl", "zarr": "zarr", "parquet": "parquet", "delta": "delta"}


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    """(root, calls): a root the original wrote, and the calls it made."""
    root = tmp_path_factory.mktemp("legacy") / "root"
    done = subprocess.run([str(REPO / "tests/original/legacy_caches.sh"), str(root)],
                          capture_output=True, text=True, timeout=900)
    # No skip: a test environment that cannot run the original fails these tests.
    assert done.returncode == 0, f"the original's environment failed:\n{done.stderr[-3000:]}"
    calls = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(calls) == 10, done.stdout
    return root, calls


def _paths(root, call):
    key = _core.legacy_cache_key(call["function"], call["args"])
    assert key is not None, call
    ns = [call["namespace"]] if call["namespace"] else []
    meta = root.joinpath("nuthatch_metadata.nut", key, *ns)
    if call["backend"] is None:
        return key, meta.with_name(meta.name + ".null"), None
    data = root.joinpath(*ns, key + "." + EXTENSIONS[call["backend"]])
    return key, meta / (call["backend"] + ".parquet"), data


def test_every_entry_the_original_wrote_is_found_from_its_arguments(legacy):
    root, calls = legacy
    for call in calls:
        key, meta, data = _paths(root, call)
        assert meta.is_file(), (call, sorted(os.listdir(root / "nuthatch_metadata.nut")))
        if data is not None:
            assert data.exists(), call


def test_the_keys_are_the_originals_texts(legacy):
    root, calls = legacy
    keys = {_core.legacy_cache_key(c["function"], c["args"]) for c in calls}
    assert {"plain/b_3", "plain/x y_3.0", "plain/None_True",
            "structured/lat-1.5_lon-5_10_a_b", "nothing/1", "spaced/2"} <= keys


def test_the_data_found_is_the_calls_result(legacy):
    root, calls = legacy
    for call in calls:
        _, _, data = _paths(root, call)
        if call["backend"] == "basic":
            with open(data, "rb") as f:
                assert pickle.load(f) == call["result"], call
        elif call["backend"] == "zarr":
            ds = xr.open_zarr(data)
            assert ds["v"].values.tolist() == list(range(call["args"]["n"]))
        elif call["backend"] == "parquet":
            df = pd.read_parquet(data)
            assert df["a"].tolist() == list(range(call["args"]["n"]))


def test_calls_the_original_would_not_cache_have_no_key():
    assert _core.legacy_cache_key("f", {"s": "x" * 201}) is None
    assert _core.legacy_cache_key("f", {"b": b"bytes"}) is None
