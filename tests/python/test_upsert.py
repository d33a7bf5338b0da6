"""upsert=True with upsert_keys (README, "Upsert"): the new rows are merged into the stored
table (a stored row with the keys of a new row is replaced, the others kept, new keys
added) and committed as the entry's next version, on parquet, arrow and delta, for pandas,
polars and dask frames; the call returns the merged table; a concurrent writer's commit is
merged into, never lost; without upsert_keys, or for a value that is no table, a clear
error."""
import glob
import json
import os
import threading

import numpy as np
import pandas as pd
import pytest

import nuthatch
from nuthatch import cache
from nuthatch._upsert import merge_rows

pl = pytest.importorskip("polars")
dd = pytest.importorskip("dask.dataframe")
pytest.importorskip("deltalake")

BACKENDS = ["parquet", "arrow", "delta"]


def rows(ids, value):
    return pd.DataFrame({"id": np.asarray(ids, dtype=np.int64),
                         "site": [f"s{i % 2}" for i in ids],
                         "value": np.full(len(ids), value, dtype=np.float64)})


def expected(*batches):
    """The merge rule, spelled out: each batch's rows replace the stored rows with their
    keys; the stored rows kept stay in order, then the batch's rows follow."""
    table = {}
    for batch in batches:
        records = batch.to_dict("records")
        for record in records:
            table.pop((record["id"], record["site"]), None)
        for record in records:
            table[(record["id"], record["site"])] = record
    return pd.DataFrame(list(table.values())).astype({"id": np.int64, "value": np.float64})


def manifest(project, backend):
    [path] = glob.glob(os.path.join(project.root, "meta", "**", f"{backend}.json"),
                       recursive=True)
    return json.loads(open(path).read())


@pytest.mark.parametrize("backend", BACKENDS)
def test_new_rows_replace_stored_ones_with_their_keys_and_the_rest_are_kept(project, backend):
    batches = {"a": rows([1, 2, 3], 1.0), "b": rows([3, 4], 2.0), "c": rows([1, 5], 3.0)}

    @cache(cache_args=["table"], backend=backend, upsert_keys=["id", "site"], engine="pandas")
    def table(table, batch="a"):
        return batches[batch]

    pd.testing.assert_frame_equal(table("t"), batches["a"])
    first = manifest(project, backend)["entry_id"]
    merged = table("t", batch="b", upsert=True)
    pd.testing.assert_frame_equal(merged, expected(batches["a"], batches["b"]))
    second = manifest(project, backend)
    assert second["entry_id"] != first  # a new entry version, committed as any other
    merged = table("t", batch="c", upsert=True)
    want = expected(batches["a"], batches["b"], batches["c"])
    pd.testing.assert_frame_equal(merged, want)
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(table("t"), want)  # a plain recall reads the merged table


def test_upsert_without_a_stored_table_writes_the_rows(project):
    @cache(cache_args=["n"], upsert_keys=["id"])
    def table(n):
        return rows([1, 2], 1.0)

    pd.testing.assert_frame_equal(table(1, upsert=True), rows([1, 2], 1.0))
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(table(1), rows([1, 2], 1.0))


@pytest.mark.parametrize("backend", ["parquet", "delta"])
def test_polars_and_dask_frames_merge_as_their_own_kind(project, backend):
    @cache(cache_args=["kind"], backend=backend, upsert_keys=["id"])
    def table(kind, ids=(1, 2), value=1.0):
        df = rows(list(ids), value)
        if kind == "polars":
            return pl.from_pandas(df)
        if kind == "dask":
            return dd.from_pandas(df, npartitions=2)
        return df

    table("polars")
    merged = table("polars", ids=(2, 3), value=2.0, upsert=True)
    assert isinstance(merged, pl.DataFrame)
    pd.testing.assert_frame_equal(
        merged.sort("id").to_pandas(),
        expected(rows([1, 2], 1.0), rows([2, 3], 2.0)).sort_values("id", ignore_index=True),
        check_dtype=False)
    table("dask")
    merged = table("dask", ids=(2, 3), value=2.0, upsert=True)
    assert isinstance(merged, dd.DataFrame)
    pd.testing.assert_frame_equal(
        merged.compute().sort_values("id", ignore_index=True),
        expected(rows([1, 2], 1.0), rows([2, 3], 2.0)).sort_values("id", ignore_index=True),
        check_dtype=False)  # (dask turns text into pandas' NA-flavoured string dtype)


def test_upsert_without_upsert_keys_is_a_clear_error_before_computing(project, counter):
    @cache(cache_args=["n"])
    def table(n):
        counter()
        return rows([1], 1.0)

    with pytest.raises(nuthatch.NuthatchError, match="upsert_keys"):
        table(1, upsert=True)
    assert counter.n == 0


def test_rows_that_do_not_fit_the_stored_table_are_refused_by_name(project):
    @cache(cache_args=["n"], upsert_keys=["id"])
    def table(n, extra=False, key=True):
        df = rows([1, 2], 1.0)
        if extra:
            df["more"] = 1
        if not key:
            df = df.drop(columns=["id"])
        return df

    table(1)
    with pytest.raises(ValueError, match="only in the new rows: \\['more'\\]"):
        table(1, extra=True, upsert=True)
    with pytest.raises(ValueError, match="no column 'id'"):
        table(1, key=False, upsert=True)
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(table(1), rows([1, 2], 1.0))  # nothing committed half-way


def test_a_value_that_is_no_table_cannot_be_upserted(project):
    @cache(cache_args=["n"], upsert_keys=["id"])
    def value(n):
        return {"id": n}

    value(1)
    with pytest.raises(TypeError, match="stores no tables"):
        value(1, upsert=True)


def test_concurrent_upserts_lose_no_rows(project):
    """Threads upsert disjoint keys into one table at once: each commit is conditional on
    the table it merged into, so a writer that lost the race merges into the winner's."""
    @cache(cache_args=["n"], upsert_keys=["id"])
    def table(n, ids=(0,)):
        return rows(list(ids), 1.0)

    table(1)
    errors = []

    def writer(start):
        try:
            for i in range(3):
                table(1, ids=(start + i,), upsert=True)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(100 * (t + 1),)) for t in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    nuthatch.clear_memoizer()
    assert sorted(table(1)["id"]) == [0, 100, 101, 102, 200, 201, 202, 300, 301, 302]


def test_the_merge_rule_with_duplicate_new_keys_and_a_custom_index():
    stored = pd.DataFrame({"k": [1, 2], "v": [1.0, 2.0]}, index=pd.Index([10, 20], name="i"))
    new = pd.DataFrame({"k": [2, 3, 3], "v": [5.0, 6.0, 7.0]}, index=pd.Index([21, 30, 31], name="i"))
    merged = merge_rows(stored, new, ["k"])
    assert list(merged.index) == [10, 21, 31]
    assert list(merged["v"]) == [1.0, 5.0, 7.0]
