"""The ``parquet`` backend: pandas and dask DataFrames as a folder of parquet files, one
per partition, encoded by pyarrow; the engine names and stores the files. A dask
DataFrame streams into its payload partition by partition: on a local directory through
dask's own to_parquet, elsewhere each task encodes its partition and writes it through
the engine's storage."""
import io

from . import Adapter, module

DASK_ENGINES = ("dask", "dask.dataframe")
DASK_NULL_INDEX = "__null_dask_index__"  # dask's name for an unnamed index


def _is_pandas(obj):
    pd = module("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def _is_dask(obj):
    dd = module("dask.dataframe")
    return dd is not None and isinstance(obj, dd.DataFrame)


def _parquet_bytes(df):
    buf = io.BytesIO()
    df.to_parquet(buf, engine="pyarrow")
    return buf.getvalue()


def _store_part(df, target, name):
    """Encodes one partition of a dask DataFrame and writes it as ``name`` of ``target``."""
    target.write_object(name, _parquet_bytes(df))


class ParquetAdapter(Adapter):
    name = "parquet"
    priority = 50
    stores = "it stores pandas and dask DataFrames"

    def takes(self, obj):
        return _is_pandas(obj) or _is_dask(obj)

    def encode(self, obj):
        if _is_pandas(obj):
            return [_parquet_bytes(obj)]
        if _is_dask(obj):  # one file per partition, encoded by dask tasks
            import dask
            return list(dask.compute(*[dask.delayed(_parquet_bytes)(p) for p in obj.to_delayed()]))
        raise self.cannot(obj)

    def decode(self, plain, engine):
        import pandas as pd
        frames = [pd.read_parquet(io.BytesIO(part), engine="pyarrow") for part in plain]
        df = frames[0] if len(frames) == 1 else pd.concat(frames)
        if df.index.name == DASK_NULL_INDEX:
            df.index.name = None
        if engine in DASK_ENGINES:
            import dask.dataframe as dd
            return dd.from_pandas(df, npartitions=len(frames))
        return df

    def write(self, obj, target, kwargs):
        if not _is_dask(obj) or not target.shared:
            return None
        names = [target.part_name(self.name, i) for i in range(obj.npartitions)]
        path = target.local_path
        if path is not None:
            obj.to_parquet(path, engine="pyarrow", name_function=names.__getitem__,
                           write_metadata_file=False)
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
        if engine not in DASK_ENGINES:
            return None
        path = target.local_path
        if path is None:
            return None
        import dask.dataframe as dd
        return dd.read_parquet(path, engine="pyarrow")

    def memory_size(self, obj):
        if not _is_pandas(obj):
            return None
        try:
            return int(obj.memory_usage(deep=True).sum())
        except Exception:  # noqa: BLE001 - an estimate
            return None


ADAPTER = ParquetAdapter()
