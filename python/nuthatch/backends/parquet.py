"""The ``parquet`` backend: pandas and dask DataFrames as a folder of parquet files, one
per partition, encoded by pyarrow; the engine names and stores the files. A dask
DataFrame streams into its payload partition by partition: on a local directory through
dask's own to_parquet, elsewhere each task encodes its partition and writes it through
the engine's storage.

As in the original Nuthatch:

- A DataFrame with a ``cache_partition`` attribute (a column name or a list of them,
  e.g. ``df.cache_partition = ["year"]``) is stored partitioned by those columns' values
  in Hive folders (``year=2020/part.0.parquet``): the values live in the folder names,
  and read back as categorical columns, last, as pyarrow, pandas and dask read them.
- ``engine`` accepts ``None``, ``"dask"``, ``dask.dataframe.DataFrame``, ``"pandas"``
  and ``pandas.DataFrame``; any other is a RuntimeError, as the original's. Without one,
  a call that names ``backend='parquet'`` reads a dask DataFrame (the original's parquet
  backend reads dask by default: ``engine_when_named``); otherwise the read returns the
  kind of DataFrame that was stored (the original stores pandas frames as delta and
  reads them as pandas, dask frames as parquet read as dask), recorded in each file's
  metadata. Without dask installed, reads return pandas.
"""
import io
import os
import urllib.parse

from . import Adapter, module

DASK_ENGINES = ("dask", "dask.dataframe")
PANDAS_ENGINES = ("pandas",)
POLARS_ENGINES = ("polars",)
DASK_NULL_INDEX = "__null_dask_index__"  # dask's name for an unnamed index
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # pyarrow's folder value for a missing one
FRAME_KEY = b"nuthatch.frame"  # parquet key-value metadata: the kind of frame stored
DASK_FRAME = b"dask"
POLARS_FRAME = b"polars"  # (a pandas frame's files carry no such record)


def _is_pandas(obj):
    pd = module("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def _is_dask(obj):
    dd = module("dask.dataframe")
    return dd is not None and isinstance(obj, dd.DataFrame)


def _is_polars(obj):
    pl = module("polars")
    return pl is not None and isinstance(obj, (pl.DataFrame, pl.LazyFrame))


def _read_kind(engine, stored_kind):
    """The kind of frame ("dask", "pandas" or "polars") a read with this engine= returns;
    ``stored_kind`` (a callable, asked only without an engine) tells what was stored."""
    if engine in DASK_ENGINES:
        return "dask"
    if engine in PANDAS_ENGINES:
        return "pandas"
    if engine in POLARS_ENGINES:
        return "polars"
    if engine in (None, ""):
        kind = stored_kind()
        if kind == "dask" and module("dask.dataframe") is None:
            return "pandas"
        if kind == "polars" and module("polars") is None:
            return "pandas"
        return kind
    raise RuntimeError(f"backend parquet reads with engine 'dask' (the default), 'pandas' "
                       f"or 'polars' (or their DataFrame types), not {engine!r}")


def partition_columns(obj):
    """The columns ``obj`` is to be partitioned by (its ``cache_partition``), or []."""
    try:
        cols = object.__getattribute__(obj, "cache_partition")
    except AttributeError:
        return []
    if cols is None:
        return []
    cols = [cols] if isinstance(cols, str) else list(cols)
    missing = [c for c in cols if c not in obj.columns]
    if missing or not cols:
        raise ValueError(f"cache_partition {cols!r}: the DataFrame has no column "
                         f"{missing[0] if missing else '(none named)'!r}")
    return cols


# How a table is encoded (README, "Stored formats"): LZ4 pages (pyarrow's "lz4", which
# pandas, polars and DuckDB read); dictionary pages only for text and categorical columns
# (numbers rarely repeat enough to pay for the dictionary pyarrow would try first);
# integer and time columns delta-encoded (DELTA_BINARY_PACKED: ids, counters and
# timestamps become a few bits per value, and decode faster than plain pages through
# LZ4); and a large pandas frame cut into row slices encoded side by side, one file each,
# one per core.
COMPRESSION = "lz4"
SLICE_ROWS = 1 << 19  # no slice below this many rows


def _is_text(t):
    import pyarrow as pa
    return (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)
            or pa.types.is_dictionary(t))


def _is_delta_packed(t):
    """Stored as parquet INT32 / INT64 values, which DELTA_BINARY_PACKED encodes."""
    import pyarrow as pa
    return (pa.types.is_integer(t) or pa.types.is_timestamp(t) or pa.types.is_date(t)
            or pa.types.is_time(t) or pa.types.is_duration(t))


def encoding_options(schema):
    """pyarrow.parquet.write_table's options for a table of this arrow schema (top-level
    columns; nested ones keep pyarrow's defaults)."""
    return {"compression": COMPRESSION,
            "use_dictionary": [f.name for f in schema if _is_text(f.type)],
            "column_encoding": {f.name: "DELTA_BINARY_PACKED" for f in schema
                                if _is_delta_packed(f.type)}}


def _write_table(table, sink):
    import pyarrow.parquet as pq
    pq.write_table(table, sink, **encoding_options(table.schema))


def _table_bytes(table):
    import pyarrow as pa
    sink = pa.BufferOutputStream()
    _write_table(table, sink)
    return sink.getvalue().to_pybytes()


def _arrow_table(df, from_dask=False):
    import pyarrow as pa
    if _is_polars(df):
        frame = df.collect() if hasattr(df, "collect") else df
        table = frame.to_arrow()
        return table.replace_schema_metadata({**(table.schema.metadata or {}),
                                              FRAME_KEY: POLARS_FRAME})
    table = pa.Table.from_pandas(df)
    if from_dask:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               FRAME_KEY: DASK_FRAME})
    return table


def _parquet_bytes(df, from_dask=False):
    """A pandas frame as parquet bytes (pandas' own schema metadata kept); a partition of
    a dask frame says so in the file's metadata."""
    return _table_bytes(_arrow_table(df, from_dask))


def _slices(df):
    """The arrow table of a pandas or polars frame, cut into its row slices (one per core, none
    under SLICE_ROWS rows; one for a smaller frame)."""
    table = _arrow_table(df)
    slices = max(1, min(os.cpu_count() or 1, table.num_rows // SLICE_ROWS))
    step = -(-table.num_rows // slices)
    return [table.slice(i * step, step) for i in range(slices)] if slices > 1 else [table]


def _each_slice(func, *lists):
    """func over the slices side by side (pyarrow releases the GIL while it encodes)."""
    if len(lists[0]) == 1:
        return [func(*(values[0] for values in lists))]
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(min(len(lists[0]), os.cpu_count() or 1)) as pool:
        return list(pool.map(func, *lists))


def _sliced_parquet(df):
    """A pandas frame as the parquet bytes of its row slices, encoded in parallel."""
    return _each_slice(_table_bytes, _slices(df))


def _read_table(data):
    import pyarrow as pa
    return read_parquet(pa.BufferReader(data))


def read_parquet(source, memory_map=False, file=None):
    """One parquet file (a path or a pyarrow buffer) as the arrow table a plain read
    returns, faster: a text column stored with a small dictionary in every row group is
    decoded as that dictionary's indices and expanded by a gather, on every core, rather
    than by parquet's per-value string decoder (which is most of a recall's time for such
    a column). ParquetFile rather than read_table: one file needs no dataset layer (whose
    import, pyarrow.dataset, costs a fresh process 10 ms). ``file``: ``source`` already
    opened as a ParquetFile (its footer read), if it was."""
    import pyarrow.parquet as pq
    if file is None:
        file = pq.ParquetFile(source, memory_map=memory_map)
    names = _small_dictionary_columns(file)
    if not names:
        return file.read()
    table = pq.ParquetFile(source, memory_map=memory_map, metadata=file.metadata,
                           read_dictionary=names).read()
    return _expand_dictionaries(table, file.schema_arrow)


# A column chunk's dictionary page (compressed) at most this size: a dictionary this
# small has not reached the writer's dictionary page limit (1 MiB, uncompressed), after
# which its later pages fall back to plain values that a dictionary read would re-hash.
SMALL_DICTIONARY_BYTES = 32 << 10


def _small_dictionary_columns(file):
    """The top-level text columns of this parquet file that every row group stores with
    a small dictionary (and the plain read would return dense)."""
    import pyarrow as pa
    metadata = file.metadata
    if metadata.num_row_groups == 0:
        return []
    leaf = {metadata.schema.column(j).path: j for j in range(metadata.num_columns)}
    names = []
    for field in file.schema_arrow:
        j = leaf.get(field.name)
        if j is None or not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            continue
        chunks = (metadata.row_group(g).column(j) for g in range(metadata.num_row_groups))
        if all(c.has_dictionary_page and 0 < c.data_page_offset - c.dictionary_page_offset
               <= SMALL_DICTIONARY_BYTES for c in chunks):
            names.append(field.name)
    return names


def _expand_dictionaries(table, schema):
    """``table`` with each dictionary column that ``schema`` has dense made dense again:
    every chunk's indices gathered from its dictionary (cast first: it is small), the
    chunks side by side (pyarrow releases the GIL)."""
    import pyarrow as pa
    columns = [i for i, field in enumerate(table.schema)
               if pa.types.is_dictionary(field.type)
               and not pa.types.is_dictionary(schema.field(field.name).type)]
    jobs = [(i, chunk) for i in columns for chunk in table.column(i).chunks]

    def dense(job):
        i, chunk = job
        target = schema.field(table.schema.field(i).name).type
        return chunk.dictionary.cast(target).take(chunk.indices)

    # Side by side only when there is enough to share (a pool costs a fraction of a ms).
    parallel = len(jobs) > 1 and table.num_rows >= SLICE_ROWS
    expanded = _each_slice(dense, jobs) if parallel else [dense(job) for job in jobs]
    done = 0
    for i in columns:
        count = table.column(i).num_chunks
        field = table.schema.field(i)
        target = schema.field(field.name).type
        table = table.set_column(i, field.with_type(target),
                                 pa.chunked_array(expanded[done:done + count], type=target))
        done += count
    return table


def _stored_kind(source):
    """The kind of frame ("dask", "pandas" or "polars") the parquet file ``source`` (bytes
    or a path) holds a part of."""
    import pyarrow.parquet as pq
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(source)
    return _kind_of_metadata(pq.read_schema(source).metadata)


def _kind_of_metadata(metadata):
    """The kind of frame ("dask", "pandas" or "polars") an arrow schema's metadata records."""
    kind = (metadata or {}).get(FRAME_KEY)
    return {DASK_FRAME: "dask", POLARS_FRAME: "polars"}.get(kind, "pandas")


def _to_polars(table):
    import polars as pl
    return pl.from_arrow(table.replace_schema_metadata(None))


def _first_part(plain):
    part = plain[0]
    return part["data"] if isinstance(part, dict) else part


def _first_file(path):
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))
        for name in sorted(files):
            if name.endswith(".parquet") and not name.startswith(("_", ".")):
                return os.path.join(folder, name)
    return None


def _folder_value(value):
    pd = module("pandas")
    if value is None or (pd is not None and pd.isna(value)):
        return HIVE_NULL
    return urllib.parse.quote(str(value), safe="")


def _hive_parts(df, cols, from_dask=False):
    """The partitions of a pandas DataFrame by the values of ``cols``: a list of
    {"dir": "col=value/...", "data": parquet bytes of the other columns}."""
    if len(df) == 0:
        return [_parquet_bytes(df.drop(columns=cols), from_dask)]
    parts = []
    for values, group in df.groupby(cols, sort=True, dropna=False, observed=True):
        values = values if isinstance(values, tuple) else (values,)
        folder = "/".join(f"{c}={_folder_value(v)}" for c, v in zip(cols, values))
        parts.append({"dir": folder, "data": _parquet_bytes(group.drop(columns=cols), from_dask)})
    return parts


def _from_hive(parts):
    """A pandas DataFrame of stored partitions, each bytes or {"dir", "data"}: the folder
    values become categorical columns, last, as pyarrow reads a Hive dataset. Files
    without folders are decoded in parallel; the row slices of one frame (one schema,
    pandas metadata included) are joined as arrow tables and converted to pandas once."""
    import pandas as pd
    if not any(isinstance(part, dict) for part in parts):
        if len(parts) == 1:
            return _read_table(parts[0]).to_pandas()
        import concurrent.futures
        import pyarrow as pa
        with concurrent.futures.ThreadPoolExecutor(min(len(parts), os.cpu_count() or 1)) as pool:
            tables = list(pool.map(_read_table, parts))
        if all(t.schema.equals(tables[0].schema, check_metadata=True) for t in tables):
            return pa.concat_tables(tables).to_pandas()  # slices of one frame
        return pd.concat([t.to_pandas() for t in tables])  # partitions, each its own index
    frames, folders = [], []
    for part in parts:
        if isinstance(part, dict):
            frames.append(_read_table(part["data"]).to_pandas())
            folders.append([seg.split("=", 1) for seg in part["dir"].split("/")])
        else:
            frames.append(_read_table(part).to_pandas())
            folders.append([])
    names = list(dict.fromkeys(name for folder in folders for name, _ in folder))
    if names:
        values = {name: set() for name in names}
        for folder in folders:
            for name, value in folder:
                values[name].add(value)
        typed = {name: _typed(vals) for name, vals in values.items()}
        for frame, folder in zip(frames, folders):
            given = dict(folder)
            for name in names:
                raw = given.get(name, HIVE_NULL)
                frame[name] = None if raw == HIVE_NULL else typed[name][raw]
    df = frames[0] if len(frames) == 1 else pd.concat(frames)
    for name in names:
        cats = sorted({v for v in typed[name].values() if v is not None})
        df[name] = pd.Categorical(df[name], categories=cats)
    return df


def _typed(raw_values):
    """Folder values as pyarrow's Hive inference reads them: all integers, or text."""
    decoded = {raw: urllib.parse.unquote(raw) for raw in raw_values if raw != HIVE_NULL}
    try:
        out = {raw: int(text) for raw, text in decoded.items()}
    except ValueError:
        out = dict(decoded)
    out[HIVE_NULL] = None
    return out


def _store_part(df, target, name):
    """Encodes one partition of a dask DataFrame and writes it as ``name`` of ``target``."""
    target.write_object(name, _parquet_bytes(df, from_dask=True))


class ParquetAdapter(Adapter):
    name = "parquet"
    priority = 50
    stores = "it stores pandas, dask and polars DataFrames"
    engine_when_named = "dask"  # a call naming this backend reads dask, as the original

    def takes(self, obj):
        return _is_pandas(obj) or _is_dask(obj) or _is_polars(obj)

    def encode(self, obj):
        if _is_polars(obj):
            return _each_slice(_table_bytes, _slices(obj))
        cols = partition_columns(obj) if self.takes(obj) else []
        if _is_pandas(obj):
            return _hive_parts(obj, cols) if cols else _sliced_parquet(obj)
        if _is_dask(obj):  # one file per partition (and folder), encoded by dask tasks
            import dask
            if not cols:
                return list(dask.compute(*[dask.delayed(_parquet_bytes)(p, True)
                                           for p in obj.to_delayed()]))
            groups = dask.compute(*[dask.delayed(_hive_parts)(p, cols, True)
                                    for p in obj.to_delayed()])
            return [part for group in groups for part in group]
        raise self.cannot(obj)

    def decode(self, plain, engine):
        kind = _read_kind(engine, lambda: _stored_kind(_first_part(plain)))
        if kind == "polars" and not any(isinstance(part, dict) for part in plain):
            import pyarrow as pa
            return _to_polars(pa.concat_tables([_read_table(part) for part in plain]))
        df = _from_hive(plain)
        if df.index.name == DASK_NULL_INDEX:
            df.index.name = None
        if kind == "dask":
            import dask.dataframe as dd
            return dd.from_pandas(df, npartitions=max(1, len(plain)))
        if kind == "polars":
            import polars as pl
            return pl.from_pandas(df)
        return df

    def write(self, obj, target, kwargs):
        if _is_pandas(obj) or _is_polars(obj):
            return self._write_slices(obj, target)
        if not _is_dask(obj) or not target.shared or partition_columns(obj):
            return None  # partitioned tables: the engine stores encode(obj)
        names = [target.part_name(self.name, i) for i in range(obj.npartitions)]
        path = target.local_path
        if path is not None:
            import pyarrow as pa
            obj.to_parquet(path, engine="pyarrow", name_function=names.__getitem__,
                           write_metadata_file=False,
                           custom_metadata={FRAME_KEY: DASK_FRAME},
                           **encoding_options(pa.Schema.from_pandas(obj._meta)))
        else:
            import dask
            dask.compute(*[dask.delayed(_store_part)(part, target, name)
                           for part, name in zip(obj.to_delayed(), names)])
        # Last, once every partition is there: the record of how many there are, so a
        # reader tells a missing partition from a shorter table.
        marker = target.parts_written_name(self.name, obj.npartitions)
        if marker:
            target.write_object(marker, b"")
        return target.stored_bytes()

    def _write_slices(self, obj, target):
        """A pandas or polars frame on a local payload: encoded straight into one file (no
        copy of the encoded bytes in memory), then the record that it is the only part.
        One file, not one slice per core as elsewhere: a recall then hands pandas each
        column in one piece, where slices cost a concatenating copy of every column
        (README, "Tables, fast", has the measured trade). Elsewhere, and for Hive
        partitions, the engine stores encode(obj): slices, encoded and fetched in
        parallel."""
        path = target.local_path
        if path is None or (_is_pandas(obj) and partition_columns(obj)):
            return None
        return self._write_files([_arrow_table(obj)], target, path, _write_table)

    def _write_files(self, slices, target, path, write):
        """Each of the arrow tables ``slices`` written as a part file of the local payload
        at ``path`` by ``write(table, file_name)``, side by side, then the record of how
        many there are. Returns the payload's bytes."""
        os.makedirs(path, exist_ok=True)
        names = [os.path.join(path, target.part_name(self.name, i)) for i in range(len(slices))]
        _each_slice(write, slices, names)
        marker = target.parts_written_name(self.name, len(slices))
        if marker:
            target.write_object(marker, b"")
        return target.stored_bytes()

    def _complete_parts(self, target, path):
        """The part files of a local payload in the engine's own layout, in order, when
        every part and the record of their count are there; else None."""
        files = []
        while os.path.isfile(name := os.path.join(path, target.part_name(self.name, len(files)))):
            files.append(name)
        marker = target.parts_written_name(self.name, len(files))
        if not files or not marker or not os.path.isfile(os.path.join(path, marker)):
            return None
        return files

    def open(self, target, engine):
        path = target.local_path
        if path is None:
            return None

        single = os.path.isfile(path)  # the original's pandas tables: one file
        opened = {}  # the file whose footer told the kind, kept open for the read

        def stored_kind():
            first = path if single else _first_file(path)
            if first is None:
                return "pandas"
            import pyarrow.parquet as pq
            opened[first] = file = pq.ParquetFile(first, memory_map=True)
            return _kind_of_metadata(file.schema_arrow.metadata)

        kind = _read_kind(engine, stored_kind)
        if kind != "dask":
            table = self._local_table(target, path, single, opened)
            if table is None:
                return None
            if kind == "polars":
                return _to_polars(table)
            df = table.to_pandas(split_blocks=True, self_destruct=True)
            if df.index.name == DASK_NULL_INDEX:
                df.index.name = None
            return df
        import dask.dataframe as dd
        if single:
            return dd.read_parquet(path, engine="pyarrow")
        # Folders above the payload (the entry's key, `name=value`) are not Hive columns.
        base = os.path.abspath(path)
        return dd.read_parquet(base, engine="pyarrow", dataset={"partition_base_dir": base})

    def _local_table(self, target, path, single, opened):
        """A local payload read as one arrow table without the engine reading its bytes
        first: the files memory-mapped, decoded by pyarrow on every core. Only the
        engine's own complete layout (every partition, then the record of their count) or
        one file; anything else (Hive folders, a partial payload) is left to the engine,
        which reads it or says what is wrong. ``opened``: files already opened as
        ParquetFile, by path, whose footers are not read again."""
        if single:
            files = [path]
        else:
            files = self._complete_parts(target, path)
            if files is None:
                return None
            if any(os.path.isdir(os.path.join(path, entry)) for entry in os.listdir(path)):
                return None  # Hive folders: the engine's read names their values
        tables = [read_parquet(name, memory_map=True, file=opened.get(name)) for name in files]
        if len(tables) > 1:
            if not all(t.schema.equals(tables[0].schema, check_metadata=True) for t in tables):
                return None  # partitions of a dask frame, each with its own index
            import pyarrow as pa
            return pa.concat_tables(tables)
        return tables[0]

    def upsert(self, stored, rows, keys):
        from .._upsert import merge_rows
        return merge_rows(stored, rows, keys)

    def memory_size(self, obj):
        if _is_polars(obj) and hasattr(obj, "estimated_size"):
            return int(obj.estimated_size())
        if not _is_pandas(obj):
            return None
        try:
            return int(obj.memory_usage(deep=True).sum())
        except Exception:  # noqa: BLE001 - an estimate
            return None


ADAPTER = ParquetAdapter()
