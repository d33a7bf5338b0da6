"""Streaming writes of dask-backed xarray objects: each dask task, in this process or a
worker's, encodes one block (CF encoding from ``_xarray_encoding``, applied lazily) and
hands it to the C++ DatasetWriter, so no more than the blocks in flight are held."""
import numpy as np

from ._handles import writers
from ._xarray_encoding import (DASK_MARKER, chunk_encoding, dataset_of, encoded, group_attrs,
                               is_dask,
                               raw_array)


def is_dask_backed(obj):
    ds, _ = dataset_of(obj)
    return any(is_dask(v.data) for v in ds.variables.values())


def _regular(data):
    """``data`` rechunked so every chunk but the last along each axis has one size (zarr
    chunks must tile the array)."""
    chunks = data.chunks
    if all(len(set(c[:-1])) <= 1 and c[-1] <= c[0] for c in chunks):
        return data
    return data.rechunk(tuple(c[0] for c in chunks))


def _stream_parts(ds):
    """(schema variables, [(name, dims, dtype, data)]) with CF encoding applied lazily."""
    schema, parts = {}, []
    for name, var in ds.variables.items():
        name = str(name)
        dtype, data, attrs = encoded(name, var)
        if is_dask(data) and dtype != "str" and data.ndim > 0:
            data = _regular(data)
            encoding = {"chunks": [int(c[0]) for c in data.chunks]}
        else:
            data = raw_array(name, np.asarray(data))[1]
            encoding = chunk_encoding(var)
        schema[name] = (tuple(var.dims), dtype, [int(n) for n in var.shape], attrs, encoding)
        parts.append((name, tuple(var.dims), dtype, data))
    return schema, parts


def _writer(target):
    """This process's writer of the store at ``target`` (a nuthatch._storage.Target)."""
    from . import _core
    return writers.get(target.url, lambda: _core.DatasetWriter.open(target.url, target.options))


def _store_block(block, target, name, dims, dtype, block_info=None):
    writer = _writer(target)
    loc = block_info[0]["array-location"]
    region = [(d, int(start), int(stop)) for d, (start, stop) in zip(dims, loc)]
    writer.write_region(name, region, dtype, raw_array(name, block)[1])
    return np.zeros((1,) * block.ndim, dtype=np.int8)


def stream(obj, target, kwargs):
    """Writes a dask-backed Dataset / DataArray as a Zarr store at ``target`` (a
    nuthatch._storage.Target: a local path or an object-store URL, with its storage
    options) chunk by chunk: each dask task, in this process or a worker's, encodes one
    block and hands it to the C++ DatasetWriter (which compresses and writes it without the
    GIL), so no more than the blocks in flight are held. Returns the bytes written."""
    import dask
    from . import _core
    ds, marker = dataset_of(obj)
    schema_vars, parts = _stream_parts(ds)
    schema = {"variables": schema_vars, "coords": [str(c) for c in ds.coords],
              "attrs": group_attrs(ds, marker)}
    writer = _core.DatasetWriter.create(target.url, schema, int(kwargs.get("zarr_format", 3)),
                                        bool(kwargs.get("consolidated", True)), target.options)
    writers.put(target.url, writer)
    try:
        tasks = []
        for name, dims, dtype, data in parts:
            if is_dask(data):
                tasks.append(data.map_blocks(
                    _store_block, target, name, dims, dtype, dtype=np.int8,
                    chunks=tuple((1,) * len(c) for c in data.chunks)))
            else:
                writer.write_region(name, [], dtype, data)
        dask.compute(*tasks)
        writer.commit()
        target.write_object(DASK_MARKER, b"")  # recalled dask-backed, as it was
    finally:
        writers.drop(target.url)
    return target.stored_bytes()
