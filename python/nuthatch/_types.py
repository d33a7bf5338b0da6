"""Python results <-> the engine's stored types (the binding's type adapter).

The engine asks, under the GIL:
  backend_for(obj)              -> the default backend of a computed result
  encode(obj, backend)          -> the plain form the binding stores with that backend:
                                   basic: the value itself; pickle / parquet / blob: bytes;
                                   zarr: the dataset dict of python/src/py_dataset.hpp
  decode(plain, backend, engine)-> the Python result (``engine`` is the engine= hint)
  open_payload(url, storage_options, backend, engine, missing_chunks)
                                -> a lazily loaded result, or None to have the engine
                                   read the payload: a zarr entry on any storage opens
                                   as a dask-backed xarray object read through the C++
                                   codec (unless engine= is 'eager' / 'numpy', or dask is
                                   missing); a parquet entry on a local filesystem as a
                                   dask DataFrame with engine='dask'
  write_payload(obj, backend, url, storage_options, kwargs)
                                -> bytes written for a result streamed into its payload
                                   (a dask-backed xarray object or dask DataFrame, on a
                                   local filesystem or an object store), or None to
                                   store encode()'s form
``storage_options`` are the ``filesystem_options`` of the level holding the payload
(credentials included): they travel with dask tasks inside a ``_storage.Target``, whose
repr and token hide them.
  memory_size(obj)              -> bytes, for the memoizer's budget

Default backends: xarray Dataset / DataArray and numpy arrays -> ``zarr``; pandas and
dask DataFrames -> ``parquet`` (a folder of parquet files, one per partition); values msgpack holds exactly (None, bool, int64, float,
str, bytes, and lists / str-keyed dicts of them) -> ``basic``; anything else -> ``pickle``.
"""
import io
import pickle
import sys

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def _is_basic(obj):
    t = type(obj)
    if obj is None or t is bool or t is float or t is str or t is bytes:
        return True
    if t is int:
        return _INT64_MIN <= obj <= _INT64_MAX
    if t is list:
        return all(_is_basic(v) for v in obj)
    if t is dict:
        return all(type(k) is str and _is_basic(v) for k, v in obj.items())
    return False


def _module(name):
    """A module if it is already imported (an object of its types cannot exist otherwise)."""
    return sys.modules.get(name)


def kind_of(obj):
    """'xarray', 'numpy', 'pandas', 'dask_dataframe', 'basic' or 'other'."""
    xr = _module("xarray")
    if xr is not None and isinstance(obj, (xr.Dataset, xr.DataArray)):
        return "xarray"
    np = _module("numpy")
    if np is not None and isinstance(obj, np.ndarray):
        from . import _xarray
        return "numpy" if _xarray.numpy_supported(obj) else "other"
    pd = _module("pandas")
    if pd is not None and isinstance(obj, pd.DataFrame):
        return "pandas"
    dd = _module("dask.dataframe")
    if dd is not None and isinstance(obj, dd.DataFrame):
        return "dask_dataframe"
    return "basic" if _is_basic(obj) else "other"


_DEFAULT_BACKEND = {"xarray": "zarr", "numpy": "zarr", "pandas": "parquet",
                    "dask_dataframe": "parquet", "basic": "basic", "other": "pickle"}


def backend_for(obj):
    return _DEFAULT_BACKEND[kind_of(obj)]


def _cannot(obj, backend, why):
    return TypeError(f"cannot store a result of type {type(obj).__module__}."
                     f"{type(obj).__qualname__} with backend '{backend}': {why}")


def encode(obj, backend):
    kind = kind_of(obj)
    if backend == "basic":
        if kind != "basic":
            raise _cannot(obj, backend, "it holds None, bool, int64, float, str, bytes, and "
                          "lists and str-keyed dicts of them")
        return obj
    if backend == "pickle":
        try:
            return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:  # noqa: BLE001 - any pickling failure means the same
            raise _cannot(obj, backend, f"no backend stores this type and pickle fails "
                          f"({type(e).__name__}: {e})") from e
    if backend == "parquet":
        if kind == "pandas":
            return [_parquet_bytes(obj)]
        if kind == "dask_dataframe":  # one file per partition, encoded by dask tasks
            import dask
            return list(dask.compute(*[dask.delayed(_parquet_bytes)(p) for p in obj.to_delayed()]))
        raise _cannot(obj, backend, "it stores pandas and dask DataFrames")
    if backend == "zarr":
        if kind in ("xarray", "numpy"):
            from . import _xarray
            return _xarray.to_core(obj)
        raise _cannot(obj, backend, "it stores xarray Datasets / DataArrays and numpy arrays")
    if backend == "blob":
        if isinstance(obj, (bytes, bytearray, memoryview)):
            return bytes(obj)
        raise _cannot(obj, backend, "it stores bytes")
    raise _cannot(obj, backend, "the Python package has no adapter for it")


def decode(plain, backend, engine):
    if backend == "basic":
        return plain
    if backend == "pickle":
        # Unpickling runs code: the engine hands over pickle payloads only from locations
        # that trust them (``trust_pickle``; the rule is the C++ engine's, one place for
        # both languages), so this adapter decides nothing about trust.
        return pickle.loads(plain)
    if backend == "parquet":
        import pandas as pd
        frames = [pd.read_parquet(io.BytesIO(part), engine="pyarrow") for part in plain]
        df = frames[0] if len(frames) == 1 else pd.concat(frames)
        if df.index.name == DASK_NULL_INDEX:  # dask's name for an unnamed index
            df.index.name = None
        if engine in DASK_ENGINES:
            import dask.dataframe as dd
            return dd.from_pandas(df, npartitions=len(frames))
        return df
    if backend == "zarr":
        from . import _xarray
        return _xarray.from_core(plain, engine)
    return plain


EAGER_ENGINES = ("eager", "numpy", "xarray-eager")
DASK_ENGINES = ("dask", "dask.dataframe")
DASK_NULL_INDEX = "__null_dask_index__"


def write_payload(obj, backend, url, storage_options, kwargs):
    """Streams a dask-backed xarray result into its Zarr payload block by block (dask
    tasks hand blocks to the C++ DatasetWriter), and a dask DataFrame into its parquet
    payload partition by partition (locally dask's to_parquet; elsewhere each task encodes
    its partition and writes part.<i>.parquet through the engine's storage), on a local
    path or an object store (with ``storage_options``, those of the level holding ``url``,
    carried to the tasks); None for everything else, and for process-local storage."""
    from . import _storage
    kind = kind_of(obj)
    if not _storage.writable_by_tasks(url):
        return None
    if backend == "parquet" and kind == "dask_dataframe":
        target = _storage.Target(url, storage_options)
        path = _storage.local_path(url)
        if path is not None:
            obj.to_parquet(path, engine="pyarrow", name_function=lambda i: f"part.{i}.parquet",
                           write_metadata_file=False)
        else:
            import dask
            dask.compute(*[dask.delayed(_store_part)(part, target, i)
                           for i, part in enumerate(obj.to_delayed())])
        return _storage.stored_bytes(target)
    if backend != "zarr" or kind != "xarray":
        return None
    from . import _xarray
    if not _xarray.is_dask_backed(obj):
        return None
    return _xarray.stream(obj, _storage.Target(url, storage_options), kwargs or {})


def _store_part(df, target, i):
    """Encodes partition ``i`` of a dask DataFrame and writes it under ``target``."""
    from . import _core
    _core.write_object(target.url, f"part.{i}.parquet", _parquet_bytes(df), target.options)


def open_payload(url, storage_options, backend, engine, missing_chunks="fill"):
    """A lazily readable result of the payload at ``url`` (dask-backed), or None to have
    the engine read it. ``missing_chunks`` (the engine's PayloadLocation): "error" for
    payloads whose writer wrote every chunk, so a lazy read of a chunk removed since
    raises a nuthatch error naming it instead of returning fill values."""
    from . import _storage
    path = _storage.local_path(url)
    if backend == "parquet" and engine in DASK_ENGINES and path is not None:
        import dask.dataframe as dd
        return dd.read_parquet(path, engine="pyarrow")
    if backend != "zarr" or engine in EAGER_ENGINES:
        return None
    return _open_zarr_lazily(url, storage_options, missing_chunks)


def _open_zarr_lazily(url, storage_options, missing_chunks="fill"):
    try:
        import dask  # noqa: F401 - lazily loaded results are dask-backed
        import xarray  # noqa: F401
    except ImportError:
        return None
    from . import _storage, _xarray
    return _xarray.open_lazy(_storage.Target(url, storage_options, missing_chunks))


def memory_size(obj):
    kind = kind_of(obj)
    try:
        if kind in ("xarray", "numpy"):
            return int(obj.nbytes)
        if kind == "pandas":
            return int(obj.memory_usage(deep=True).sum())
    except Exception:  # noqa: BLE001 - an estimate; lazy objects may not know
        pass
    return sys.getsizeof(obj)


def _parquet_bytes(df):
    buf = io.BytesIO()
    df.to_parquet(buf, engine="pyarrow")
    return buf.getvalue()
