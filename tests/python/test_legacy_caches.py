"""Caches written by the REAL original Nuthatch (0.4.11, installed by
tests/original/legacy_caches.sh into a Python 3.12 environment of its own): the engine's
rule for the original's cache keys (nuthatch._core.legacy_cache_key, C++) finds each
entry the original wrote, in its metastore and its data folder, from the call's
arguments alone; a root in the original's layout is read as a mirror; `nuthatch migrate`
copies its entries into this engine's layout, where calls find them."""
import json
import os
import pathlib
import pickle
import shutil
import subprocess
import sys

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
    assert len(calls) == 12, done.stdout
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
        elif call["backend"] == "delta":
            import deltalake
            df = deltalake.DeltaTable(str(data)).to_pandas()
            assert sorted(df["a"].tolist()) == list(range(call["args"]["n"]))


def test_calls_the_original_would_not_cache_have_no_key():
    assert _core.legacy_cache_key("f", {"s": "x" * 201}) is None
    assert _core.legacy_cache_key("f", {"b": b"bytes"}) is None


# A location declared in the original's layout is read as a mirror: the same calls, made
# here, are recalled from what the original wrote instead of computed.

from nuthatch import cache  # noqa: E402


def _recall_the_originals_calls(calls, tables=False):
    """Makes, here, the calls the original made (same functions, cache arguments and
    namespaces), checks each returns what the original stored, and returns the calls that
    were computed instead of recalled. `tables`: its parquet tables too."""
    computed = []

    @cache(cache_args=['n'], backend='parquet')
    def table(n):
        computed.append(('table', n))
        return 'recomputed'

    @cache(cache_args=['n'], backend='parquet')
    def dask_table(n):
        computed.append(('dask_table', n))
        return 'recomputed'

    @cache(cache_args=['n'], backend='parquet')
    def parted_table(n):
        computed.append(('parted_table', n))
        return 'recomputed'

    @cache(cache_args=['n'], backend='delta')
    def delta_table(n):
        computed.append(('delta_table', n))
        return 'recomputed'

    @cache(cache_args=['n', 'label'])
    def plain(n, label='a'):
        computed.append(('plain', n, label))
        return 'recomputed'

    @cache(cache_args=['xs', 'box'])
    def structured(xs, box):
        computed.append(('structured',))
        return 'recomputed'

    @cache(cache_args=['n'])
    def dataset(n):
        computed.append(('dataset', n))
        return 'recomputed'

    @cache(cache_args=['n'])
    def nothing(n):
        computed.append(('nothing', n))
        return 'recomputed'

    @cache(cache_args=['n'], namespace='exp1')
    def spaced(n):
        computed.append(('spaced', n))
        return 'recomputed'

    functions = {f.__name__: f for f in (plain, structured, dataset, nothing, spaced)}
    if tables:
        functions.update(table=table, dask_table=dask_table, parted_table=parted_table,
                         delta_table=delta_table)
    for call in calls:
        if call["function"] not in functions:
            continue
        got = functions[call["function"]](**call["args"])
        if call["backend"] == "zarr":
            assert got["v"].values.tolist() == list(range(call["args"]["n"]))
        elif call["backend"] == "parquet":
            # backend='parquet' named: a dask DataFrame, as the original's default engine
            eager = functions[call["function"]](**call["args"], engine="pandas")
            n = call["args"]["n"]
            for frame in (got.compute(), eager):
                assert frame["a"].tolist() == list(range(n)), call
                if "b" in frame:
                    assert frame["b"].tolist() == [str(i) for i in range(n)]
                if "g" in frame:  # a Hive folder's column: read back categorical, as dask does
                    assert frame["g"].astype(int).tolist() == [i // 3 for i in range(n)]
        elif call["backend"] == "delta":  # the original's default for pandas frames
            assert got["a"].tolist() == list(range(call["args"]["n"])), call
        else:
            assert got == call["result"], call
    return computed


def _legacy_mirror(project, root, extra='trust_pickle = true\n'):
    project.write_toml(f'[nuthatch.mirror-legacy]\nfilesystem = "{root}"\n'
                       f'layout = "nuthatch-0.4"\n{extra}')


def test_a_legacy_root_declared_as_a_mirror_is_recalled(legacy, project):
    root, calls = legacy
    _legacy_mirror(project, root)
    assert _recall_the_originals_calls(calls, tables=True) == []
    # Read-only: nothing was written into the original's root.
    assert not (root / "meta").exists() and not (root / "data").exists()


def test_a_call_the_legacy_root_lacks_is_computed_and_stored_in_root(legacy, project):
    root, _ = legacy
    _legacy_mirror(project, root)
    computed = []

    @cache(cache_args=['n', 'label'])
    def plain(n, label='a'):
        computed.append(n)
        return [n]

    assert plain(n=99) == [99] and plain(n=99) == [99]
    assert computed == [99]
    assert project.manifests()  # stored in this project's root, in this engine's layout


def test_legacy_pickles_need_trust_as_any_mirror(legacy, project):
    root, calls = legacy
    _legacy_mirror(project, root, extra='')
    computed = []

    @cache(cache_args=['n', 'label'])
    def plain(n, label='a'):
        computed.append(n)
        return 'recomputed'

    assert plain(n=3, label='b') == 'recomputed'
    assert computed == [3]


def test_only_a_mirror_can_declare_the_legacy_layout(project):
    project.write_toml('layout = "nuthatch-0.4"\n')

    @cache(cache_args=['n'])
    def f(n):
        return n

    with pytest.raises(Exception, match="only a mirror"):
        f(n=1)
    project.write_toml('[nuthatch.mirror-x]\nfilesystem = "x"\nlayout = "nuthatch-9"\n')
    with pytest.raises(Exception, match="unknown layout 'nuthatch-9'"):
        f(n=1)


# `nuthatch migrate` copies what the original wrote into this project's root, where the
# same calls find it from their arguments once the original's root is gone.

def _nuthatch(*args):
    return subprocess.run([sys.executable, "-m", "nuthatch._cli", *args],
                          capture_output=True, text=True, timeout=300)


def test_migrated_caches_are_recalled_without_the_legacy_root(legacy, project, tmp_path):
    root, calls = legacy
    copy = tmp_path / "legacy-copy"
    shutil.copytree(root, copy)
    dry = _nuthatch("migrate", "--from", str(copy), "--trust-pickle", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Would migrate 12 entries" in dry.stdout, dry.stdout
    assert not (project.root / "meta").exists()

    done = _nuthatch("migrate", "--from", str(copy), "--trust-pickle", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["migrated"] == 12 and report["failed"] == 0, report
    left = {(e["key"], e["outcome"]) for e in report["entries"]
            if e["outcome"] != "migrated"}
    assert left == set()
    again = _nuthatch("migrate", "--from", str(copy), "--trust-pickle")
    assert "Migrated 0 entries" in again.stdout and "12 already there" in again.stdout
    shutil.rmtree(copy)
    project.write_toml()
    assert _recall_the_originals_calls(calls, tables=True) == []
