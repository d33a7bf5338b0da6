"""The ``arrow`` backend: pandas and polars DataFrames as a folder of Arrow IPC files
(the Feather v2 format, uncompressed), one per row slice, in the parquet backend's layout
(``part.<i>.arrow``, then the record of how many there are). Ask for it by name
(``backend='arrow'``); the default table backend stays ``parquet``.

Why a second format: a parquet file must be decoded (decompressed, dictionary pages
expanded) before pandas can use it; an IPC file holds the columns as they lie in memory.
On a local root the recall memory-maps the files and hands their pages to pandas without
a copy (numbers and dates zero-copy, text as pyarrow-backed strings), so a recall costs
little more than opening the files. The price is size (no compression: about the frame's
own size on disk, where parquet is about half) and DuckDB, which reads parquet but not IPC
files (it reads them through pyarrow: ``duckdb.sql("from tbl")`` for ``tbl =
pyarrow.dataset.dataset(path, format="ipc")``). pandas (``read_feather``) and polars
(``read_ipc``) read a stored file directly.

Payload files are never modified once written and retired ones are unlinked, never
truncated, so a memory-mapped frame stays valid while the entry is replaced or collected.

``engine`` is as for parquet: ``None`` (the kind stored: pandas or polars), ``"pandas"``,
``"polars"`` or ``"dask"`` (a dask DataFrame of the recalled frame, one partition per
file). Frames with a ``cache_partition`` and dask DataFrames are stored by ``parquet``.
"""
import os

from .parquet import (FRAME_KEY, POLARS_FRAME, ParquetAdapter, _each_slice, _is_pandas,
                      _is_polars, _read_kind, _slices, _to_polars, partition_columns)


def _write_ipc(table, sink):
    """One Arrow IPC file (random-access format) of ``table``, uncompressed."""
    import pyarrow as pa
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _ipc_bytes(table):
    import pyarrow as pa
    sink = pa.BufferOutputStream()
    _write_ipc(table, sink)
    return sink.getvalue()


def _read_ipc(source):
    """The table of an IPC file: bytes-like (read in place, no copy) or a path (memory-mapped)."""
    import pyarrow as pa
    if isinstance(source, str):
        source = pa.memory_map(source, "r")
    else:
        source = pa.BufferReader(source)
    return pa.ipc.open_file(source).read_all()


def _stored_kind(table):
    kind = (table.schema.metadata or {}).get(FRAME_KEY)
    return "polars" if kind == POLARS_FRAME else "pandas"


def _frame(tables, kind):
    """The frame of the row slices ``tables``, of ``kind`` (pandas, polars or dask)."""
    import pyarrow as pa
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    if kind == "polars":
        return _to_polars(table)
    # split_blocks: one block per column, so numbers and dates stay views of the files.
    df = table.to_pandas(split_blocks=True)
    if kind == "dask":
        import dask.dataframe as dd
        return dd.from_pandas(df, npartitions=len(tables))
    return df


class ArrowAdapter(ParquetAdapter):
    name = "arrow"
    priority = None  # only when asked for by name: tables are parquet by default
    stores = "it stores pandas and polars DataFrames (without cache_partition)"
    engine_when_named = None

    def takes(self, obj):
        if _is_polars(obj):
            return True
        return _is_pandas(obj) and not partition_columns(obj)

    def encode(self, obj):
        if not self.takes(obj):
            raise self.cannot(obj)
        return [buf.to_pybytes() for buf in _each_slice(_ipc_bytes, _slices(obj))]

    def decode(self, plain, engine):
        tables = [_read_ipc(part) for part in plain]
        return _frame(tables, _read_kind(engine, lambda: _stored_kind(tables[0])))

    def write(self, obj, target, kwargs):
        path = target.local_path
        if path is None or not self.takes(obj):
            return None  # elsewhere the engine stores encode(obj)

        def write_file(table, name):
            import pyarrow as pa
            with pa.OSFile(name, "wb") as sink:
                _write_ipc(table, sink)

        return self._write_files(_slices(obj), target, path, write_file)

    def open(self, target, engine):
        """A local payload of the engine's own layout, memory-mapped; anything else (a
        partial payload, other storage) is left to the engine, which reads it or says
        what is wrong."""
        path = target.local_path
        if path is None or not os.path.isdir(path):
            return None
        files = self._complete_parts(target, path)
        if files is None:
            return None
        tables = [_read_ipc(name) for name in files]
        return _frame(tables, _read_kind(engine, lambda: _stored_kind(tables[0])))


ADAPTER = ArrowAdapter()
