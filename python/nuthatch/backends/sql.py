"""The ``sql`` backend: pandas, polars and dask DataFrames as PostgreSQL tables, loaded and
read in bulk with COPY through ADBC's PostgreSQL driver (``adbc-driver-postgresql``), as
the original Nuthatch keeps tables in SQL databases. Ask for it by name
(``backend='sql'``).

Where: the location's ``sql`` parameters, named as the original names them: ``driver``
(PostgreSQL: ``postgresql``, or a SQLAlchemy form such as ``postgresql+psycopg2``),
``host``, ``port``, ``database``, ``username`` / ``password`` (the reader), and
``write_username`` / ``write_password`` (the writer; else the reader writes). They are set
as any parameter: ``[tool.nuthatch.sql]`` or ``[tool.nuthatch.root.sql]`` in pyproject,
``set_parameter(..., backend='sql')``, ``@config_parameter('password', backend='sql',
secret=True)``. No message names a password.

What: each entry gets a table of its own, created under its fresh entry id and never
changed: ``"<namespace>"."<key>@<entry id>"`` (the first 30 characters of the key; the
schema ``public`` without a namespace; ``hash_table_name=True`` uses the key's MD5
instead). The entry's payload, ``sql-<entry_id>.sql/``, holds ``_nuthatch_table.json``,
which names the table and keeps the frame's arrow schema (pandas index and dtypes, or that
it was polars or dask), since PostgreSQL's types are coarser (timestamps in microseconds,
no categoricals). The record is written before the table is created, so whatever a crash
leaves behind, ``nuthatch gc`` finds and drops; the manifest is committed after both, so
readers read the table the manifest names. A replaced entry's table is dropped by
``nuthatch gc`` after the grace period (the engine's ``sql`` codec, with libpq).

``backend_kwargs``: ``write_index`` (False drops a pandas index; by default it is kept,
as a column when it is not a plain range), ``chunk_size`` (rows per batch handed to COPY)
and ``hash_table_name``. ``engine``: ``None`` (the kind stored), ``'pandas'``,
``'polars'`` or ``'dask'``.
"""
import base64
import hashlib
import json
import logging

from .. import _core
from ._database import DatabaseSettings
from .parquet import (DASK_FRAME, FRAME_KEY, ParquetAdapter, _arrow_table, _is_dask,
                      _is_pandas, _kind_of_metadata, _read_kind, _to_polars)

RECORD = "_nuthatch_table.json"
NO_NAMESPACE = "_"
_REQUIRED = ("host", "port", "database", "username", "password")

logger = logging.getLogger("nuthatch")


class _Database(DatabaseSettings):
    """The connection settings of a location's sql backend."""

    def __init__(self, location):
        super().__init__("sql", location)
        self.require(_REQUIRED, "the database's connection settings, e.g. in "
                                "[tool.nuthatch.sql]")
        driver = str(self.get("driver") or "postgresql")
        if not driver.startswith("postgres"):
            raise self.error(f"driver '{driver}' is not supported; this package speaks to "
                             f"PostgreSQL")
        self.where = self.server

    def connect(self, write):
        try:
            import adbc_driver_postgresql.dbapi as pg
        except ImportError:
            raise RuntimeError("backend 'sql' needs ADBC's PostgreSQL driver (pip install "
                               "adbc-driver-postgresql, or nuthatch[sql])") from None
        try:
            return pg.connect(self.postgres_url(write, "connect_timeout=10"))
        except Exception as e:  # noqa: BLE001 - reworded without the password
            raise self.error(f"cannot connect to {self.where} as "
                             f"'{self.credentials(write)[0]}': {self.hide(e)}") from None


def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def _table_name(entry, kwargs):
    # The entry id ends the name: readers and `nuthatch gc` (src/codecs/sql) act only on a
    # table whose name ends in its payload's entry id.
    key, entry_id = entry.get("key", ""), entry.get("entry_id", "")
    if kwargs.get("hash_table_name"):
        stem = hashlib.md5(key.encode()).hexdigest()
    else:
        stem = key[:30]
    return f"{stem}@{entry_id}"


def _schema_name(entry):
    ns = entry.get("namespace") or NO_NAMESPACE
    return "public" if ns == NO_NAMESPACE else ns


def _for_copy(table):
    """``table`` with the types COPY cannot take turned into ones it can (categoricals
    into their values); the stored schema restores them on reading."""
    import pyarrow as pa
    fields = []
    for field in table.schema:
        if pa.types.is_dictionary(field.type):
            fields.append(pa.field(field.name, field.type.value_type))
        else:
            fields.append(field)
    target = pa.schema(fields, metadata=table.schema.metadata)
    return table if target.equals(table.schema) else table.cast(target)


class SqlAdapter(ParquetAdapter):
    name = "sql"
    priority = None  # only when asked for by name
    stores = "it stores pandas, polars and dask DataFrames"
    engine_when_named = None

    def encode(self, obj):
        if not self.takes(obj):
            raise self.cannot(obj)
        raise self.cannot(obj, "the table's record is written beside the manifest, which this "
                               "location's storage cannot hold for it")

    def write(self, obj, target, kwargs):
        if not self.takes(obj) or not target.entry.get("entry_id"):
            return None  # encode() names what is wrong
        kwargs = kwargs or {}
        db = _Database(target.entry.get("location"))
        if _is_dask(obj):
            frame = obj.compute()
            table = _arrow_table(frame)
            table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                                   FRAME_KEY: DASK_FRAME})
        else:
            frame = obj
            if _is_pandas(obj) and kwargs.get("write_index") is False:
                frame = obj.reset_index(drop=True)
            table = _arrow_table(frame)
        schema, name = _schema_name(target.entry), _table_name(target.entry, kwargs)
        record = {"schema": schema, "table": name, "rows": table.num_rows,
                  "arrow_schema": base64.b64encode(table.schema.serialize().to_pybytes()).decode()}
        # The record first: a crash after it leaves a table gc can find and drop.
        target.write_object(RECORD, json.dumps(record).encode())
        data = _for_copy(table)
        chunk = kwargs.get("chunk_size")
        import pyarrow as pa
        if chunk:
            data = pa.RecordBatchReader.from_batches(data.schema,
                                                     iter(data.to_batches(max_chunksize=int(chunk))))
        conn = db.connect(write=True)
        try:
            with conn.cursor() as cur:
                if schema != "public":
                    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(schema)}")
                cur.adbc_ingest(name, data, mode="create", db_schema_name=schema)
            conn.commit()
        except Exception as e:  # noqa: BLE001 - reworded without the password
            conn.rollback()
            raise RuntimeError(f"backend 'sql' at {db.location}: cannot create table "
                               f"{schema}.{name} in {db.where}: {db.hide(e)}") from None
        finally:
            conn.close()
        return target.stored_bytes()

    def open(self, target, engine):
        raw = _core.read_object(target.url, RECORD, target.options)
        if raw is None:
            return None  # its writer did not finish: the engine says so, and recomputes
        import pyarrow as pa
        try:
            record = json.loads(raw)
            stored = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(record["arrow_schema"])))
            schema, name = record["schema"], record["table"]
            entry_id = target.entry.get("entry_id")
            if not (isinstance(schema, str) and isinstance(name, str) and entry_id
                    and schema == _schema_name(target.entry) and name.endswith("@" + entry_id)):
                raise ValueError("the record names a table of another entry")
        except (ValueError, KeyError, TypeError, pa.ArrowInvalid):
            logger.warning("the sql table record %s/%s cannot be read; computing the entry "
                           "again", target.url, RECORD)
            return None
        db = _Database(target.entry.get("location"))
        conn = db.connect(write=False)
        try:
            with conn.cursor() as cur:
                # One scan in table order (a parallel scan may interleave its workers'
                # rows); the table is never changed after its COPY.
                cur.execute("SET max_parallel_workers_per_gather = 0")
                cur.execute(f"SELECT * FROM {_quote(schema)}.{_quote(name)}")
                table = cur.fetch_arrow_table()
        except Exception as e:  # noqa: BLE001 - a dropped table is a miss; the rest an error
            if "42P01" in str(e) or "does not exist" in str(e):
                logger.warning("the table %s.%s of the sql entry at %s is gone from %s; "
                               "computing it again", schema, name, db.location, db.where)
                return None
            raise RuntimeError(f"backend 'sql' at {db.location}: cannot read table "
                               f"{schema}.{name} in {db.where}: {db.hide(e)}") from None
        finally:
            conn.close()
        table = table.select(stored.names).cast(stored)
        kind = _read_kind(engine, lambda: _kind_of_metadata(stored.metadata))
        if kind == "polars":
            return _to_polars(table)
        df = table.to_pandas()
        if kind == "dask":
            import dask.dataframe as dd
            return dd.from_pandas(df, npartitions=1, sort=False)
        return df


ADAPTER = SqlAdapter()
