"""How a pandas DataFrame is stored (README, "Tables, fast" and the type table): parquet
with LZ4 pages, dictionaries for text columns only and delta-encoded integer and time
columns; one file on a local root, row slices encoded in parallel elsewhere; recalled as
one frame equal to the one stored, text columns with small dictionaries read through
them. Whatever is stored opens directly in pandas, polars and DuckDB."""
import glob
import os

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import nuthatch
from nuthatch import cache
from nuthatch.backends import parquet

duckdb = pytest.importorskip("duckdb")
pl = pytest.importorskip("polars")


def table(rows):
    rng = np.random.default_rng(1)
    labels = np.array([f"site-{i}" for i in range(7)], dtype=object)
    return pd.DataFrame({
        "id": np.arange(rows, dtype=np.int64),
        "value": rng.standard_normal(rows),
        "weight": rng.random(rows, dtype=np.float32),
        "site": labels[rng.integers(0, len(labels), rows)],
        "time": pd.Timestamp("2001-01-01") + pd.to_timedelta(np.arange(rows), "s"),
    })


def payload_files(project):
    return sorted(glob.glob(os.path.join(project.root, "**", "*.parquet"), recursive=True))


def stored(project, rows, monkeypatch, slice_rows):
    monkeypatch.setattr(parquet, "SLICE_ROWS", slice_rows)
    df = table(rows)

    @cache(cache_args=["n"])
    def frame(n):
        return df

    frame(rows)
    return df, frame


def test_a_frame_on_a_local_root_is_one_file_whatever_its_size(project, monkeypatch):
    df, frame = stored(project, 5000, monkeypatch, 1000)
    files = [f for f in payload_files(project) if os.path.isfile(f)]
    assert len(files) == 1
    recalled = frame(5000)
    pd.testing.assert_frame_equal(recalled, df)
    assert isinstance(recalled.index, pd.RangeIndex)


def test_a_local_payload_of_several_slices_reads_back_as_one_frame(project, monkeypatch):
    """Slices are what other roots store, and what local payloads held before one file;
    a local payload of several still reads back as the one frame."""
    monkeypatch.setattr(parquet, "SLICE_ROWS", 1000)
    monkeypatch.setattr(parquet.ParquetAdapter, "_write_slices",
                        lambda self, obj, target: self._write_files(
                            parquet._slices(obj), target, target.local_path,
                            parquet._write_table))
    df = table(5000)

    @cache(cache_args=["n"])
    def frame(n):
        return df

    frame(5000)
    files = [f for f in payload_files(project) if os.path.isfile(f)]
    assert len(files) == min(os.cpu_count() or 1, 5)
    recalled = frame(5000)
    pd.testing.assert_frame_equal(recalled, df)
    assert isinstance(recalled.index, pd.RangeIndex)


def test_a_frame_on_a_root_in_memory_is_sliced_and_reads_back_equal(project, monkeypatch):
    monkeypatch.setattr(parquet, "SLICE_ROWS", 1000)
    nuthatch.set_parameter({"filesystem": "memory://sliced-frame"})
    df = table(5000)
    calls = []

    @cache(cache_args=["n"])
    def frame(n):
        calls.append(n)
        return df

    frame(5000)
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(frame(5000), df)
    assert calls == [5000]


def test_stored_pages_are_lz4_with_dictionaries_for_text_and_deltas_for_integers_and_times(
        project, monkeypatch):
    stored(project, 3000, monkeypatch, 1 << 19)
    [path] = [f for f in payload_files(project) if os.path.isfile(f)]
    meta = pq.ParquetFile(path).metadata
    columns = {meta.schema.column(i).name: meta.row_group(0).column(i) for i in range(5)}
    assert {c.compression.startswith("LZ4") for c in columns.values()} == {True}
    dictionary = {name for name, c in columns.items() if c.dictionary_page_offset is not None}
    assert dictionary == {"site"}
    delta = {name for name, c in columns.items() if "DELTA_BINARY_PACKED" in c.encodings}
    assert delta == {"id", "time"}


def test_every_integer_and_time_type_round_trips_delta_encoded(project):
    rows = 40_000
    n = np.arange(rows)
    df = pd.DataFrame({
        "i8": (n % 200 - 100).astype(np.int8),
        "u16": (n * 7 % 60_000).astype(np.uint16),
        "u64": n.astype(np.uint64) * np.uint64(2**50),  # above int64's range once stored
        "random": np.random.default_rng(2).integers(-2**62, 2**62, rows),
        "nullable": pd.array(np.where(n % 5 == 0, None, n), dtype="Int64"),
        "utc": pd.date_range("1969-12-31", periods=rows, freq="37s", tz="UTC"),
        "span": pd.to_timedelta(n[::-1] * 3, "ms"),
    })

    @cache(cache_args=["n"])
    def frame(n):
        return df

    frame(rows)
    pd.testing.assert_frame_equal(frame(rows), df)
    [path] = [f for f in payload_files(project) if os.path.isfile(f)]
    meta = pq.ParquetFile(path).metadata
    assert all("DELTA_BINARY_PACKED" in meta.row_group(0).column(i).encodings
               for i in range(meta.num_columns))
    by_polars = pl.read_parquet(path)
    assert by_polars["u64"].to_list() == df["u64"].tolist()
    assert by_polars["random"].to_list() == df["random"].tolist()
    glob_path = path.replace("'", "''")
    total, nulls, first = duckdb.sql(
        f"select sum(random::hugeint), count(*) - count(nullable), min(utc) "
        f"from read_parquet('{glob_path}')").fetchall()[0]
    assert total == sum(int(v) for v in df["random"]) and nulls == rows // 5
    assert pd.Timestamp(first) == df["utc"].iloc[0]


@pytest.mark.parametrize("slice_rows", [1 << 19, 1000])
def test_pandas_polars_and_duckdb_open_the_stored_payload(project, monkeypatch, slice_rows):
    df, _ = stored(project, 5000, monkeypatch, slice_rows)
    files = [f for f in payload_files(project) if os.path.isfile(f)]
    folder = os.path.dirname(files[0])
    expected = df.reset_index(drop=True)

    by_pandas = pd.read_parquet(folder if len(files) > 1 else files[0])
    pd.testing.assert_frame_equal(by_pandas.reset_index(drop=True), expected)

    by_polars = pl.read_parquet(os.path.join(folder, "*.parquet")).to_pandas()
    assert by_polars["id"].tolist() == expected["id"].tolist()
    assert by_polars["site"].tolist() == expected["site"].tolist()
    np.testing.assert_array_equal(by_polars["value"].to_numpy(), expected["value"].to_numpy())

    glob_path = os.path.join(folder, "*.parquet").replace("'", "''")
    rows, total, sites = duckdb.sql(
        f"select count(*), sum(id), count(distinct site) from read_parquet('{glob_path}')").fetchall()[0]
    assert (rows, total, sites) == (5000, int(expected["id"].sum()), expected["site"].nunique())


def polars_frame(rows):
    return pl.from_pandas(table(rows))


@pytest.mark.parametrize("lazy", [False, True])
def test_a_polars_frame_is_stored_as_a_table_and_recalled_as_polars(project, monkeypatch, lazy):
    monkeypatch.setattr(parquet, "SLICE_ROWS", 1000)
    expected = polars_frame(4000)
    calls = []

    @cache(cache_args=["n"])
    def frame(n):
        calls.append(n)
        return expected.lazy() if lazy else expected

    frame(4000)
    files = [f for f in payload_files(project) if os.path.isfile(f)]
    assert files and all(f.endswith(".parquet") for f in files)
    recalled = frame(4000)
    assert calls == [4000]
    assert isinstance(recalled, pl.DataFrame)
    assert recalled.equals(expected)
    by_pandas = frame(4000, engine="pandas")
    assert isinstance(by_pandas, pd.DataFrame)
    assert by_pandas["id"].tolist() == expected["id"].to_list()


def test_engine_polars_reads_a_stored_pandas_table(project, monkeypatch):
    df, frame = stored(project, 3000, monkeypatch, 1000)
    for engine in ("polars", pl.DataFrame):
        recalled = frame(3000, engine=engine)
        assert isinstance(recalled, pl.DataFrame)
        assert recalled["site"].to_list() == df["site"].tolist()
        np.testing.assert_array_equal(recalled["value"].to_numpy(), df["value"].to_numpy())


def test_an_unknown_engine_names_the_ones_it_takes(project, monkeypatch):
    _, frame = stored(project, 100, monkeypatch, 1 << 19)
    with pytest.raises(RuntimeError, match="'polars'"):
        frame(100, engine="spark")


def text_columns(rows):
    """Text of every kind the dictionary read meets: few values with nulls, unique values
    (past the writer's dictionary limit, so later pages are plain), an empty string, and a
    pandas categorical (stored as a dictionary, read back as one)."""
    rng = np.random.default_rng(3)
    few = np.array(["", "north", "south", "ünïcode ✓"], dtype=object)[rng.integers(0, 4, rows)]
    few[::7] = None
    return pd.DataFrame({
        "few": pd.array(few, dtype="str"),
        "unique": pd.array([f"row-{i:09d}-{'x' * (i % 13)}" for i in range(rows)], dtype="str"),
        "kind": pd.Categorical(rng.choice(["a", "b", "c"], rows)),
        "n": np.arange(rows),
    })


@pytest.mark.parametrize("slice_rows", [1 << 19, 1000])  # expanded in turn, side by side
def test_text_columns_read_through_their_dictionaries_come_back_dense_and_equal(
        tmp_path, monkeypatch, slice_rows):
    import pyarrow as pa
    monkeypatch.setattr(parquet, "SLICE_ROWS", slice_rows)
    rows = 300_000
    df = text_columns(rows)
    table = pa.Table.from_pandas(df)
    path = str(tmp_path / "t.parquet")
    pq.write_table(table, path, row_group_size=70_000, **parquet.encoding_options(table.schema))
    file = pq.ParquetFile(path)
    assert file.metadata.num_row_groups == 5
    # Only the small-dictionary text column is read as a dictionary; the unique one fell
    # back to plain pages and is decoded as before; the categorical was never dense.
    assert parquet._small_dictionary_columns(file) == ["few"]
    read = parquet.read_parquet(path, memory_map=True)
    assert read.schema == pq.read_table(path).schema
    assert read.equals(pq.read_table(path))
    pd.testing.assert_frame_equal(read.to_pandas(), df)
    assert pl.from_arrow(read.replace_schema_metadata(None))["few"].dtype == pl.String


def test_a_frame_with_text_recalls_equal_through_the_engine(project):
    df = text_columns(120_000)

    @cache(cache_args=["n"])
    def frame(n):
        return df

    frame(1)
    pd.testing.assert_frame_equal(frame(1), df)
    few = df["few"].astype(object).where(df["few"].notna(), None).tolist()
    assert frame(1, engine="polars")["few"].to_list() == few
