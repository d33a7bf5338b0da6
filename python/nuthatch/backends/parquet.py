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
DASK_NULL_INDEX = "__null_dask_index__"  # dask's name for an unnamed index
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # pyarrow's folder value for a missing one
FRAME_KEY = b"nuthatch.frame"  # parquet key-value metadata: the kind of frame stored
DASK_FRAME = b"dask"


def _is_pandas(obj):
    pd = module("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def _is_dask(obj):
    dd = module("dask.dataframe")
    return dd is not None and isinstance(obj, dd.DataFrame)


def _read_as_dask(engine, stored_dask):
    """Whether a read with this engine= returns a dask DataFrame; ``stored_dask`` (a
    callable, asked only without an engine) tells whether a dask frame was stored."""
    if engine in DASK_ENGINES:
        return True
    if engine in PANDAS_ENGINES:
        return False
    if engine in (None, ""):
        return module("dask.dataframe") is not None and stored_dask()
    raise RuntimeError(f"backend parquet reads with engine 'dask' (the default) or 'pandas' "
                       f"(or their DataFrame types), not {engine!r}")


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


def _parquet_bytes(df, from_dask=False):
    """A pandas frame as parquet bytes (pandas' own encoding); a partition of a dask
    frame says so in the file's metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    table = pa.Table.from_pandas(df)
    if from_dask:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               FRAME_KEY: DASK_FRAME})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _written_by_dask(source):
    """Whether the parquet file ``source`` (bytes or a path) holds a dask frame's partition."""
    import pyarrow.parquet as pq
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(source)
    metadata = pq.read_schema(source).metadata or {}
    return metadata.get(FRAME_KEY) == DASK_FRAME


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
    values become categorical columns, last, as pyarrow reads a Hive dataset."""
    import pandas as pd
    frames, folders = [], []
    for part in parts:
        if isinstance(part, dict):
            frames.append(pd.read_parquet(io.BytesIO(part["data"]), engine="pyarrow"))
            folders.append([seg.split("=", 1) for seg in part["dir"].split("/")])
        else:
            frames.append(pd.read_parquet(io.BytesIO(part), engine="pyarrow"))
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
    stores = "it stores pandas and dask DataFrames"
    engine_when_named = "dask"  # a call naming this backend reads dask, as the original

    def takes(self, obj):
        return _is_pandas(obj) or _is_dask(obj)

    def encode(self, obj):
        cols = partition_columns(obj) if self.takes(obj) else []
        if _is_pandas(obj):
            return _hive_parts(obj, cols) if cols else [_parquet_bytes(obj)]
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
        as_dask = _read_as_dask(engine, lambda: _written_by_dask(_first_part(plain)))
        df = _from_hive(plain)
        if df.index.name == DASK_NULL_INDEX:
            df.index.name = None
        if as_dask:
            import dask.dataframe as dd
            return dd.from_pandas(df, npartitions=max(1, len(plain)))
        return df

    def write(self, obj, target, kwargs):
        if not _is_dask(obj) or not target.shared or partition_columns(obj):
            return None  # partitioned tables: the engine stores encode(obj)
        names = [target.part_name(self.name, i) for i in range(obj.npartitions)]
        path = target.local_path
        if path is not None:
            obj.to_parquet(path, engine="pyarrow", name_function=names.__getitem__,
                           write_metadata_file=False,
                           custom_metadata={FRAME_KEY: DASK_FRAME})
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

    def open(self, target, engine):
        path = target.local_path
        if path is None:
            return None

        single = os.path.isfile(path)  # the original's pandas tables: one file

        def stored_dask():
            first = path if single else _first_file(path)
            return first is not None and _written_by_dask(first)

        if not _read_as_dask(engine, stored_dask):
            return None
        import dask.dataframe as dd
        if single:
            return dd.read_parquet(path, engine="pyarrow")
        # Folders above the payload (the entry's key, `name=value`) are not Hive columns.
        base = os.path.abspath(path)
        return dd.read_parquet(base, engine="pyarrow", dataset={"partition_base_dir": base})

    def memory_size(self, obj):
        if not _is_pandas(obj):
            return None
        try:
            return int(obj.memory_usage(deep=True).sum())
        except Exception:  # noqa: BLE001 - an estimate
            return None


ADAPTER = ParquetAdapter()
