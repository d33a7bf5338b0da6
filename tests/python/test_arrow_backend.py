"""backend='arrow' (README, "Tables, fast"): pandas and polars frames stored as Arrow IPC
files in the parquet layout (part.<i>.arrow, then _partitions.<n>), recalled equal and
memory-mapped (numeric columns are views of the file pages), read directly by pandas and
polars and by DuckDB through pyarrow; frames it cannot store are refused by name."""
import glob
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pds
import pytest

from nuthatch import cache
from nuthatch.backends import parquet

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")


def frame(rows=4000):
    rng = np.random.default_rng(3)
    labels = np.array([f"site-{i}" for i in range(5)], dtype=object)
    return pd.DataFrame({
        "id": np.arange(rows, dtype=np.int64),
        "value": rng.standard_normal(rows),
        "weight": rng.random(rows, dtype=np.float32),
        "site": labels[rng.integers(0, len(labels), rows)],
        "time": pd.Timestamp("2001-01-01") + pd.to_timedelta(np.arange(rows), "s"),
        "flag": rng.integers(0, 2, rows).astype(bool),
    }, index=pd.RangeIndex(10, 10 + rows, name="row"))


def arrow_files(project):
    return sorted(glob.glob(os.path.join(project.root, "**", "part.*.arrow"), recursive=True))


@pytest.mark.parametrize("slice_rows", [1 << 19, 1000])
def test_a_frame_round_trips_as_arrow_files_in_the_table_layout(project, monkeypatch,
                                                                 slice_rows):
    monkeypatch.setattr(parquet, "SLICE_ROWS", slice_rows)
    df = frame()
    calls = []

    @cache(cache_args=["n"], backend="arrow")
    def stored(n):
        calls.append(n)
        return df

    stored(1)
    recalled = stored(1)
    assert calls == [1]
    pd.testing.assert_frame_equal(recalled, df)
    files = arrow_files(project)
    cores = os.cpu_count() or 1
    assert len(files) == (1 if slice_rows > 4000 else min(cores, 4))
    folder = os.path.dirname(files[0])
    assert os.path.isfile(os.path.join(folder, f"_partitions.{len(files)}"))
    assert stored(1, filepath_only=True).endswith(".arrow")
    # Numbers come straight from the mapped files: no pandas-owned copy.
    values = recalled["value"].to_numpy()
    assert not values.flags.owndata and not values.flags.writeable


def test_stored_files_open_in_pandas_polars_and_duckdb(project):
    df = frame()

    @cache(cache_args=["n"], backend="arrow")
    def stored(n):
        return df

    stored(2)
    files = arrow_files(project)
    folder = os.path.dirname(files[0])
    pd.testing.assert_frame_equal(pd.concat([pd.read_feather(f) for f in files]), df)
    polars_rows = sum(pl.read_ipc(f).height for f in files)
    assert polars_rows == len(df)
    dataset = pds.dataset(folder, format="ipc")  # skips the _partitions record
    (total,) = duckdb.sql("select count(*), sum(id) from dataset").fetchall()
    assert total == (len(df), int(df["id"].sum()))


def test_polars_frames_and_engines(project):
    df = frame(300)
    polars_frame = pl.from_pandas(df.reset_index())

    @cache(cache_args=["n"], backend="arrow")
    def as_polars(n):
        return polars_frame

    @cache(cache_args=["n"], backend="arrow")
    def as_pandas(n):
        return df

    as_polars(1)
    back = as_polars(1)
    assert isinstance(back, pl.DataFrame) and back.equals(polars_frame)
    assert isinstance(as_polars(1, engine="pandas"), pd.DataFrame)
    as_pandas(1)
    assert as_pandas(1, engine="polars").height == len(df)
    dd = pytest.importorskip("dask.dataframe")
    lazy = as_pandas(1, engine="dask")
    assert isinstance(lazy, dd.DataFrame)
    # (dask turns text into its own string dtype, as for any frame it is given)
    pd.testing.assert_frame_equal(lazy.compute(), df, check_dtype=False)
    with pytest.raises(RuntimeError, match="'spark'"):
        as_pandas(1, engine="spark")


def test_frames_it_cannot_store_are_refused_by_name(project):
    df = frame(50)
    df.cache_partition = ["site"]

    @cache(cache_args=["n"], backend="arrow")
    def partitioned(n):
        return df

    with pytest.raises(TypeError, match="backend 'arrow'.*cache_partition"):
        partitioned(1)
    assert arrow_files(project) == []

    @cache(cache_args=["n"], backend="arrow")
    def not_a_frame(n):
        return {"a": 1}

    with pytest.raises(TypeError, match="backend 'arrow'"):
        not_a_frame(1)


def test_a_payload_without_its_count_record_is_not_mapped(project):
    """An arrow payload whose partition record is gone is read by the engine, which names
    what is wrong; the entry is a miss and the call computes again."""
    df = frame(100)
    calls = []

    @cache(cache_args=["n"], backend="arrow")
    def stored(n):
        calls.append(n)
        return df

    stored(1)
    folder = os.path.dirname(arrow_files(project)[0])
    os.remove(os.path.join(folder, "part.0.arrow"))
    pd.testing.assert_frame_equal(stored(1), df)
    assert calls == [1, 1]


def test_arrow_bytes_round_trip_through_the_engine(project):
    """Where the adapter cannot write files itself (object stores), the engine stores the
    IPC bytes of encode() and decode() reads them back without a copy."""
    from nuthatch.backends.arrow import ADAPTER
    df = frame(2000)
    plain = ADAPTER.encode(df)
    assert all(isinstance(part, bytes) for part in plain)
    assert all(pa.ipc.open_file(pa.BufferReader(part)).num_record_batches >= 1 for part in plain)
    pd.testing.assert_frame_equal(ADAPTER.decode(plain, None), df)
    assert isinstance(ADAPTER.decode(plain, "polars"), pl.DataFrame)
