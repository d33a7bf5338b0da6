"""backend='delta' (README, "Delta Lake tables"): pandas, polars and dask frames stored as
one Delta table per entry (delta-<entry_id>.delta/ with _delta_log/ and the record of the
version committed), recalled equal as the kind stored or as engine= says, pinned to the
committed version, read directly by deltalake, polars and DuckDB; a table whose writer
died is a miss; storage the deltalake package cannot reach is refused by name."""
import glob
import json
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import nuthatch
from nuthatch import cache, set_parameter

deltalake = pytest.importorskip("deltalake")
pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
dd = pytest.importorskip("dask.dataframe")


def frame(rows=500):
    rng = np.random.default_rng(7)
    return pd.DataFrame({
        "id": np.arange(rows, dtype=np.int64),
        "value": rng.standard_normal(rows),
        "site": [f"site-{i % 4}" for i in range(rows)],
        "time": pd.Timestamp("2001-01-01") + pd.to_timedelta(np.arange(rows), "h"),
    }, index=pd.RangeIndex(5, 5 + rows, name="row"))


def tables(project):
    return sorted(glob.glob(os.path.join(project.root, "data", "**", "delta-*.delta"),
                            recursive=True))


def test_a_pandas_frame_round_trips_as_a_delta_table(project):
    df = frame()
    calls = []

    @cache(cache_args=["n"], backend="delta")
    def stored(n):
        calls.append(n)
        return df

    stored(1)
    nuthatch.clear_memoizer()
    recalled = stored(1)
    assert calls == [1]
    pd.testing.assert_frame_equal(recalled, df)  # index, names and dtypes kept
    [table] = tables(project)
    assert os.path.isdir(os.path.join(table, "_delta_log"))
    record = json.loads(open(os.path.join(table, "_nuthatch_table.json")).read())
    assert record["version"] == 0
    assert stored(1, filepath_only=True).endswith(".delta")
    manifest = json.loads(open(glob.glob(os.path.join(project.root, "meta", "**", "delta.json"),
                                         recursive=True)[0]).read())
    assert manifest["backend"] == "delta" and manifest["payload"].endswith(".delta")
    assert manifest["bytes"] > 0


def test_other_readers_open_the_stored_table_directly(project):
    df = frame()

    @cache(cache_args=["n"], backend="delta")
    def stored(n):
        return df

    stored(1)
    [table] = tables(project)
    by_deltalake = deltalake.DeltaTable(table).to_pandas()
    for column in ("id", "value", "site"):
        assert list(by_deltalake.sort_values("id")[column]) == list(df[column])
    by_polars = pl.read_delta(table)
    assert by_polars.height == len(df) and set(by_polars.columns) == set(df.columns)
    # DuckDB's own delta_scan is an extension fetched from the network; here it scans the
    # table's files through the pyarrow dataset deltalake hands over.
    dataset = deltalake.DeltaTable(table).to_pyarrow_dataset()  # noqa: F841 - read by DuckDB
    by_duckdb = duckdb.sql("select count(*), sum(id) from dataset").fetchall()[0]
    assert by_duckdb == (len(df), int(df["id"].sum()))


def test_engines_read_pandas_polars_and_dask(project):
    df = frame()

    @cache(cache_args=["kind"], backend="delta")
    def stored(kind):
        if kind == "polars":
            return pl.from_pandas(df.reset_index(drop=True))
        if kind == "dask":
            return dd.from_pandas(df, npartitions=3)
        return df

    stored("pandas")
    stored("polars")
    stored("dask")
    nuthatch.clear_memoizer()
    as_polars = stored("polars")
    assert isinstance(as_polars, pl.DataFrame)
    assert as_polars.equals(pl.from_pandas(df.reset_index(drop=True)))
    as_dask = stored("dask")
    assert isinstance(as_dask, dd.DataFrame)
    # (dask itself turns text into pandas' NA-flavoured string dtype)
    pd.testing.assert_frame_equal(as_dask.compute(), df, check_dtype=False)
    assert isinstance(stored("pandas", engine="polars"), pl.DataFrame)
    assert isinstance(stored("pandas", engine="dask"), dd.DataFrame)
    pd.testing.assert_frame_equal(stored("dask", engine="pandas"), df, check_dtype=False)
    with pytest.raises(RuntimeError, match="engine"):
        stored("pandas", engine="xarray")


def test_cache_partition_columns_become_table_partitions(project):
    df = frame().reset_index(drop=True)
    df["year"] = np.where(df["id"] < 250, 2020, 2021)
    df.cache_partition = ["year"]

    @cache(cache_args=["n"], backend="delta")
    def stored(n):
        return df

    stored(1)
    [table] = tables(project)
    assert deltalake.DeltaTable(table).metadata().partition_columns == ["year"]
    nuthatch.clear_memoizer()
    recalled = stored(1)
    pd.testing.assert_frame_equal(recalled.sort_values("id", ignore_index=True)[df.columns],
                                  df, check_dtype=False)


def test_readers_read_the_version_the_entry_committed(project):
    df = frame(10)

    @cache(cache_args=["n"], backend="delta")
    def stored(n):
        return df

    stored(1)
    [table] = tables(project)
    # Someone appends to the payload behind the engine's back: the entry still reads
    # the version it committed.
    deltalake.write_deltalake(table, pa.Table.from_pandas(df.iloc[:3]), mode="append")
    assert deltalake.DeltaTable(table).version() == 1
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(stored(1), df)


def test_a_table_whose_writer_died_is_recomputed(project):
    df = frame(10)
    calls = []

    @cache(cache_args=["n"], backend="delta")
    def stored(n):
        calls.append(n)
        return df

    stored(1)
    [table] = tables(project)
    os.remove(os.path.join(table, "_nuthatch_table.json"))
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(stored(1), df)
    assert calls == [1, 1]
    # A damaged record is a miss too, never a crash.
    with open(os.path.join(stored(1, filepath_only=True), "_nuthatch_table.json"), "w") as f:
        f.write('{"version": "not a number"')
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(stored(1), df)
    assert calls == [1, 1, 1]


def test_values_that_are_not_tables_are_refused_by_name(project):
    @cache(cache_args=["n"], backend="delta")
    def stored(n):
        return {"a": n}

    with pytest.raises(TypeError, match="backend 'delta'"):
        stored(1)


def test_storage_the_deltalake_package_cannot_reach_is_staged_through_the_engine(project):
    # memory:// lives inside this process: delta-rs cannot reach it, the engine's driver can.
    set_parameter({"filesystem": "memory://delta-staged"})
    calls = []

    @cache(cache_args=["n"], backend="delta")
    def stored(n):
        calls.append(n)
        return frame(5)

    pd.testing.assert_frame_equal(stored(1), frame(5))
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(stored(1), frame(5))
    assert calls == [1]


def test_gc_removes_a_replaced_table_whole(project):
    import pathlib
    import subprocess
    import sys

    @cache(cache_args=["n"], backend="delta")
    def stored(n):
        return frame(10 + n)

    stored(1)
    stored(1, cache_mode="overwrite", recompute=True)
    assert len(tables(project)) == 2  # the replaced one is retired, readable for the grace
    script = pathlib.Path(sys.executable).with_name("nuthatch")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "nuthatch._cli"]
    done = subprocess.run(command + ["gc", "--grace", "0s", "--force"], cwd=project.dir,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(tables(project)) == 1
    nuthatch.clear_memoizer()
    assert len(stored(1)) == 11


def test_a_log_naming_files_outside_the_table_is_a_miss(project):
    df = frame(10)
    calls = []

    @cache(cache_args=["n"], backend="delta")
    def stored(n):
        calls.append(n)
        return df

    stored(1)
    table = stored(1, filepath_only=True)
    [commit] = glob.glob(os.path.join(table, "_delta_log", "*.json"))
    with open(commit, "a") as f:
        f.write(json.dumps({"add": {"path": "../../outside.parquet", "size": 1,
                                    "partitionValues": {}, "modificationTime": 0,
                                    "dataChange": True}}) + "\n")
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(stored(1), df)
    assert calls == [1, 1]


@pytest.mark.parametrize("name", ["../x.parquet", "/abs.parquet", "s3://b/x.parquet", "a//b",
                                  "a/./b", "..\\x.parquet", "a\\..\\..\\b", "x\0.parquet", ""])
def test_a_log_path_that_could_leave_the_table_is_refused(name):
    from nuthatch.backends import delta
    with pytest.raises(ValueError, match="outside the table"):
        delta._inside(name)
    assert delta._inside("year=2020/part-0001.parquet") == "year=2020/part-0001.parquet"
