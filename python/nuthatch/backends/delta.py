"""The ``delta`` backend: pandas, polars and dask DataFrames as Delta Lake tables, written
and read by the ``deltalake`` package (delta-rs), as the original Nuthatch stores pandas
DataFrames. Ask for it by name (``backend='delta'``); the default table backend stays
``parquet`` (DESIGN's type table; it needs no extra package and C++ reads it).

Each entry's payload, ``delta-<entry_id>.delta/``, is one Delta table: its parquet files
and ``_delta_log/``, written once by the call that commits the entry (mode ``error``: a
payload is never written twice), plus ``_nuthatch_table.json``, written last, which pins
the table version the entry committed and keeps the frame's schema metadata (pandas'
index and dtypes, or that it was a polars frame), which a Delta table has no place for.
Readers read that version, whatever was appended to the table since, and a payload
without the record (a writer that died half-way) is not a table of this entry: the call
computes again. The original Nuthatch's tables (a legacy mirror's, or migrated), which
have no record, are read at their latest version. ``upsert=True`` merges the new rows into the stored table and commits the
merged table as the entry's next version (see ``nuthatch._upsert``); retired tables are
removed whole by ``nuthatch gc`` after the grace period, as every payload.

The table is reached where the engine's storage driver says the Rust ``object_store``
crate reaches it (``_core.object_store_options``): a local root, or S3 and Azure with the
location's endpoint and credentials. Elsewhere (GCS: the crate speaks an API of its own,
not the engine driver's) the table goes through the engine's driver instead: written by
delta-rs into a local staging directory, then copied into the payload file by file; read
by copying the log and the data files of the pinned version back to a staging directory.
A payload is written once, by one writer, so nothing needs delta-rs's own atomic commits.

``engine`` is as for parquet: ``None`` (the kind stored), ``"pandas"``, ``"polars"`` or
``"dask"``. A dask DataFrame is written partition by partition (each computed in turn,
streamed into the table's files); ``cache_partition`` columns become the table's
partition columns. DuckDB (``delta_scan``), polars (``read_delta``) and Spark read a
stored table directly.
"""
import json
import logging
import os
import tempfile
import urllib.parse

from .. import _core
from .._storage import Target
from .parquet import (DASK_FRAME, DASK_NULL_INDEX, FRAME_KEY, ParquetAdapter, _arrow_table,
                      _is_dask, _is_polars, _kind_of_metadata, _read_kind,
                      _to_polars, partition_columns)

RECORD = "_nuthatch_table.json"  # beside _delta_log: the version committed, schema metadata
logger = logging.getLogger("nuthatch")


def _where(target):
    """The table URI and the object_store options of a payload, or (None, None) when the
    deltalake package cannot reach its storage."""
    options = _core.object_store_options(target.url, target.options)
    if options is None:
        return None, None
    return target.local_path or target.url, {k: str(v) for k, v in options.items()}


def _partition_table(df):
    """One partition of a dask frame as an arrow table, its index a column (a range index
    kept as metadata would describe the first partition only), marked as dask."""
    import pyarrow as pa
    table = pa.Table.from_pandas(df, preserve_index=True)
    return table.replace_schema_metadata({**(table.schema.metadata or {}),
                                          FRAME_KEY: DASK_FRAME})


def _one_batch(table):
    """``table`` as a single record batch (delta-rs keeps the row order within a batch)."""
    return table.combine_chunks()


def _commit_name(version):
    return f"_delta_log/{version:020d}.json"


def _commits(target, version):
    """The log's commits 0 to ``version`` of the table at ``target``, as bytes; None when
    one cannot be read (a checkpointed log)."""
    commits = []
    for v in range(version + 1):
        raw = _core.read_object(target.url, _commit_name(v), target.options)
        if raw is None:
            return None
        commits.append(raw)
    return commits


def _files_in_order(commits):
    """The data files live after ``commits`` (the log's, from the first), in the order they
    were added: the table's row order, which delta-rs's own scan does not keep."""
    files = {}
    for raw in commits:
        for line in raw.splitlines():
            if not line.strip():
                continue
            action = json.loads(line)
            if "add" in action:
                files[action["add"]["path"]] = True
            elif "remove" in action:
                files.pop(action["remove"]["path"], None)
    return [_inside(urllib.parse.unquote(path)) for path in files]


def _inside(name):
    """A data file's path from the log, checked to lie inside the table (the protocol also
    allows absolute URIs, which a table of the engine's never holds)."""
    parts = name.split("/")
    if not name or name.startswith("/") or ":" in parts[0] or "\\" in name or "\0" in name or \
            any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"the Delta log names the data file {name!r}, outside the table")
    return name


def _read_in_order(target, names):
    import pyarrow as pa
    import pyarrow.parquet as pq
    local = target.local_path
    tables = []
    for name in names:
        if local is not None:
            tables.append(pq.read_table(os.path.join(local, name), memory_map=True))
        else:
            data = _core.read_object(target.url, name, target.options)
            if data is None:
                return None
            tables.append(pq.read_table(pa.BufferReader(data)))
    return pa.concat_tables(tables) if len(tables) != 1 else tables[0]


def _upload(staged, target):
    """Copies the table written at the local directory ``staged`` into the payload, file by
    file, the log last (readers read the record, written after it, anyway)."""
    names = []
    for folder, _, files in os.walk(staged):
        for name in files:
            rel = os.path.relpath(os.path.join(folder, name), staged).replace(os.sep, "/")
            names.append(rel)
    for rel in sorted(names, key=lambda n: (n.startswith("_delta_log/"), n)):
        with open(os.path.join(staged, rel), "rb") as f:
            target.write_object(rel, f.read())


def _download(target, version, into):
    """Copies the log up to ``version`` and the data files live at it from the payload to
    the local directory ``into``, each object fetched once; False when one is missing."""
    commits = _commits(target, version)
    if commits is None:
        return False

    def put(name, data):
        path = os.path.join(into, *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    for v, raw in enumerate(commits):
        put(_commit_name(v), raw)
    for name in _files_in_order(commits):
        data = _core.read_object(target.url, name, target.options)
        if data is None:
            return False
        put(name, data)
    return True


def _latest_version(target):
    """The newest version whose commit the payload's log holds, or None (no log)."""
    version = -1
    while target.has_object(_commit_name(version + 1)):
        version += 1
    return version if version >= 0 else None


def _deltalake():
    try:
        import deltalake
    except ImportError:
        raise RuntimeError("backend 'delta' needs the deltalake package "
                           "(pip install deltalake, or nuthatch[delta])") from None
    return deltalake


def _record(target):
    """The payload's record ({"version", "schema_metadata"}), or None when it is missing or
    cannot be read (its writer did not finish, or it was damaged): the entry is a miss."""
    raw = _core.read_object(target.url, RECORD, target.options)
    if raw is None:
        return None
    try:
        record = json.loads(raw)
        int(record["version"])
        dict(record.get("schema_metadata", {}))
        return record
    except (ValueError, KeyError, TypeError):
        logger.warning("the Delta table record %s/%s cannot be read; computing the entry again",
                       target.url, RECORD)
        return None


def _metadata_text(metadata):
    return {k.decode(): v.decode() for k, v in (metadata or {}).items()}


class DeltaAdapter(ParquetAdapter):
    name = "delta"
    priority = None  # only when asked for by name: tables are parquet by default
    stores = "it stores pandas, polars and dask DataFrames"
    engine_when_named = None

    def encode(self, obj):
        if not self.takes(obj):
            raise self.cannot(obj)
        raise self.cannot(obj, "a Delta table is written by the deltalake package, which "
                               "cannot reach this location's storage (a local directory or "
                               "S3 can be)")

    def write(self, obj, target, kwargs):
        if not self.takes(obj):
            return None  # encode() names what is wrong
        uri, options = _where(target)
        if uri is None:  # storage delta-rs cannot reach: staged through the engine's driver
            with tempfile.TemporaryDirectory(prefix="nuthatch-delta-") as staged:
                record = self._write_table(obj, staged, None)
                _upload(staged, target)
        else:
            record = self._write_table(obj, uri, options)
        target.write_object(RECORD, json.dumps(record).encode())
        return target.stored_bytes()

    def _write_table(self, obj, uri, options):
        """Writes ``obj`` as a new Delta table at ``uri``; returns the payload's record."""
        write_deltalake = _deltalake().write_deltalake
        cols = [] if _is_polars(obj) else partition_columns(obj)
        # delta-rs keeps the row order of one record batch, not across batches: a frame
        # is written as one batch, a dask frame as one commit per partition, in order.
        if _is_dask(obj):
            metadata = None
            for i, part in enumerate(obj.to_delayed()):
                table = _partition_table(part.compute())
                if metadata is None:
                    metadata = table.schema.metadata
                write_deltalake(uri, _one_batch(table), mode="error" if i == 0 else "append",
                                partition_by=cols or None, storage_options=options)
        else:
            table = _arrow_table(obj)
            metadata = table.schema.metadata
            write_deltalake(uri, _one_batch(table), mode="error", partition_by=cols or None,
                            storage_options=options)
        version = _deltalake().DeltaTable(uri, storage_options=options).version()
        return {"version": version, "schema_metadata": _metadata_text(metadata)}

    def open(self, target, engine):
        uri, options = _where(target)
        record = _record(target)
        if record is None and target.missing_chunks == "fill":
            # A table the engine did not write (the original Nuthatch's, found through a
            # legacy mirror or migrated): its latest version, a pandas frame.
            latest = _latest_version(target) if uri is None else \
                _deltalake().DeltaTable(uri, storage_options=options).version()
            record = None if latest is None else {"version": latest}
        if record is None:
            return None  # the engine says so, and recomputes
        try:
            if uri is None:  # staged: the pinned version copied through the engine's driver
                with tempfile.TemporaryDirectory(prefix="nuthatch-delta-") as staged:
                    if not _download(target, int(record["version"]), staged):
                        raise ValueError("an object of the table is missing")
                    arrow = self._read_version(Target(staged), staged, None,
                                               int(record["version"]))
            else:
                arrow = self._read_version(target, uri, options, int(record["version"]))
        except Exception as e:  # noqa: BLE001 - a table that cannot be read is a miss
            logger.warning("the Delta table at %s cannot be read (%s: %s); computing the entry "
                           "again", target.url, type(e).__name__, _core.redact(str(e)))
            return None
        stored = {k.encode(): v.encode() for k, v in record.get("schema_metadata", {}).items()}
        if stored:
            arrow = arrow.replace_schema_metadata(stored)
        kind = _read_kind(engine, lambda: _kind_of_metadata(stored))
        if kind == "polars":
            return _to_polars(arrow)
        df = arrow.to_pandas()
        if df.index.name == DASK_NULL_INDEX:
            df.index.name = None
        if kind == "dask":
            import dask.dataframe as dd
            return dd.from_pandas(df, npartitions=1, sort=False)
        return df


    @staticmethod
    def _read_version(target, uri, options, version):
        """Version ``version`` of the table as one arrow table, in row order."""
        if version < 0:
            raise ValueError(f"version {version}")
        table = _deltalake().DeltaTable(uri, version=version, storage_options=options)
        if not table.metadata().partition_columns:
            commits = _commits(target, version)
            if commits is not None:
                names = _files_in_order(commits)
                arrow = _read_in_order(target, names)
                if arrow is not None:
                    return arrow
        # Partitioned (no order to keep), or a log this reader cannot follow.
        return table.to_pyarrow_table()


ADAPTER = DeltaAdapter()
