"""The original Nuthatch's parquet options: read engines (dask by default when the call
names backend='parquet', the stored kind otherwise; the engine= values it accepts) and
`cache_partition` (Hive folders of column values)."""
import os
import warnings

import pandas as pd
import pytest

import nuthatch
from nuthatch import cache

dd = pytest.importorskip("dask.dataframe")


def frame():
    return pd.DataFrame({"year": [2020, 2021, 2020, 2022], "site": ["a", "b", "c/d", "e"],
                         "v": [1.0, 2.0, 3.0, 4.0]})


def partitioned(df, cols):
    with warnings.catch_warnings():  # pandas warns on a new attribute; the original's API
        warnings.simplefilter("ignore")
        df.cache_partition = cols
    return df


def files(folder):
    out = []
    for root, _, names in os.walk(folder):
        out += [os.path.relpath(os.path.join(root, n), folder) for n in names]
    return sorted(out)


def test_read_engine_follows_the_original(project):
    @cache(cache_args=["name"])
    def table(name="x"):
        return frame()

    assert isinstance(table("a"), pd.DataFrame)
    nuthatch.clear_memoizer()
    assert isinstance(table("a"), pd.DataFrame)  # pandas stored, no backend named: pandas
    nuthatch.clear_memoizer()
    named = table("a", backend="parquet")  # the original's parquet backend reads dask
    assert isinstance(named, dd.DataFrame)
    # The key's folder (name=a) is not read as a column of the table.
    pd.testing.assert_frame_equal(named.compute(), frame(), check_dtype=False)
    for engine in ("pandas", pd.DataFrame):
        pd.testing.assert_frame_equal(table("a", backend="parquet", engine=engine), frame())
    for engine in ("dask", dd.DataFrame):
        assert isinstance(table("a", engine=engine), dd.DataFrame)
    with pytest.raises(RuntimeError, match="engine 'dask' .*'pandas' or 'polars'.*'spark'"):
        table("a", engine="spark")


def test_decorator_backend_parquet_reads_dask(project):
    @cache(backend="parquet")
    def table():
        return frame()

    table()
    nuthatch.clear_memoizer()
    assert isinstance(table(), dd.DataFrame)
    assert isinstance(table(engine="pandas"), pd.DataFrame)


def test_cache_partition_writes_hive_folders_and_reads_them_back(project):
    @cache(cache_args=["name"])
    def table(name="x"):
        return partitioned(frame(), ["year"])

    table("p")
    folder = table("p", filepath_only=True).removeprefix("file://")
    assert files(folder) == ["_partitions.3", "year=2020/part.0.parquet",
                             "year=2021/part.1.parquet", "year=2022/part.2.parquet"]
    nuthatch.clear_memoizer()
    back = table("p", engine="pandas")
    # As pyarrow reads a Hive dataset: the partition column last, categorical, rows by folder.
    assert list(back.columns) == ["site", "v", "year"]
    assert isinstance(back["year"].dtype, pd.CategoricalDtype)
    expect = frame().sort_values("year", kind="stable")
    assert back["year"].astype(int).tolist() == expect["year"].tolist()
    assert back["site"].tolist() == expect["site"].tolist()  # 'c/d' escaped in no folder
    # Other readers see the same dataset.
    direct = pd.read_parquet(folder)
    assert sorted(direct["v"].tolist()) == [1.0, 2.0, 3.0, 4.0]
    lazy = table("p", engine="dask").compute()
    assert sorted(lazy["year"].astype(int).tolist()) == [2020, 2020, 2021, 2022]


def test_cache_partition_of_a_dask_frame_and_of_two_columns(project):
    @cache()
    def table():
        ddf = dd.from_pandas(frame(), npartitions=2)
        return partitioned(ddf, ["year", "site"])

    table()
    folder = table(filepath_only=True).removeprefix("file://")
    listed = files(folder)
    assert "year=2020/site=c%2Fd/part.2.parquet" in listed  # "/" in a value is escaped
    assert len([f for f in listed if f.endswith(".parquet")]) == 4
    nuthatch.clear_memoizer()
    back = table()
    assert isinstance(back, dd.DataFrame)  # a dask frame was stored
    got = back.compute().sort_values("v")
    assert got["site"].astype(str).tolist() == ["a", "b", "c/d", "e"]


def test_cache_partition_naming_no_column_is_an_error(project):
    @cache()
    def table():
        return partitioned(frame(), "nope")

    with pytest.raises(ValueError, match="cache_partition.*no column 'nope'"):
        table()
