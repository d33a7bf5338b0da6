"""Lazy reads of Zarr payloads: a stored Dataset / DataArray opened as a dask-backed
xarray object whose blocks the C++ DatasetReader reads on demand (and assembles in the
engine's buffer pool), on any storage the engine opens."""
import numpy as np

from ._handles import readers
from ._xarray_encoding import DTYPE_NAMES, TYPE_ATTR, array_of, decoded, numpy_dtype, read_attrs


def _reader(target, fresh=False):
    """The DatasetReader of a payload ``_storage.Target`` (URL, storage options and what a
    missing chunk means), one per (URL, missing-chunk rule)."""
    from . import _core
    missing = getattr(target, "missing_chunks", "fill")
    return readers.get((target.url, missing),
                       lambda: _core.DatasetReader.open(target.url, target.options, missing),
                       fresh)


class _StoredArray:
    """One variable of a store, read through the C++ DatasetReader when indexed (the
    source dask's from_array reads blocks from; each read releases the GIL and fetches
    and decodes its chunks in parallel). Pickles as its Target (dask workers reopen it
    with the storage options it carries)."""

    def __init__(self, target, name, dims, dtype, shape):
        self.target, self.name, self.dims, self.dtype_name = target, name, tuple(dims), dtype
        self.reader = _reader(target)
        self.dtype = numpy_dtype(dtype)
        self.shape = tuple(shape)
        self.ndim = len(self.shape)

    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        ranges, squeeze = [], []
        for axis, (dim, k, n) in enumerate(zip(self.dims, key, self.shape)):
            if isinstance(k, slice) and k.step in (None, 1):
                start, stop, _ = k.indices(n)
                ranges.append((dim, start, stop))
            else:  # dask hands slices; anything else: read the axis, index in numpy
                ranges.append((dim, 0, n))
                squeeze.append(axis)
        out = array_of(self.dtype_name, self.reader.read(self.name, ranges))
        if squeeze:
            out = out[tuple(k if i in squeeze else slice(None)
                            for i, k in enumerate(key + (slice(None),) * (self.ndim - len(key))))]
        return out

    def __reduce__(self):
        return (_StoredArray, (self.target, self.name, self.dims, self.dtype_name, self.shape))


_POOLED_DTYPES = set(DTYPE_NAMES.values()) | {"datetime64[ns]"}  # what _core.empty makes


def _finalize_pooled(results):
    """dask's finalize of an array's computed blocks (a nested list), assembling them in
    a buffer of the engine's pool instead of fresh numpy memory: a dataset loaded again
    reuses the buffers of the one released before it, where fresh memory costs a page
    fault per page (and, with numpy's huge pages, compaction). Anything but plain numpy
    blocks of a numeric dtype goes to dask's own finalize."""
    import dask.array.core as dac
    from dask.core import flatten
    blocks = list(flatten(results, container=(list, tuple))) if isinstance(results, list) else []
    first = blocks[0] if blocks else None
    if (first is None or not all(type(b) is np.ndarray for b in blocks)
            or first.dtype.name not in _POOLED_DTYPES or first.ndim == 0
            or dac.ndimlist(results) != first.ndim
            or any(b.dtype != first.dtype for b in blocks)):
        return dac.finalize(results)
    from . import _core
    chunks = dac.chunks_from_arrays(results)
    out = array_of(first.dtype.name, _core.empty(first.dtype.name, [sum(c) for c in chunks]))
    for index, block in zip(dac.slices_from_chunks(chunks), blocks):
        out[index] = block
    return out


_POOLED_ARRAY = []  # the da.Array subclass, made at first use (dask imports lazily)


def _pooled(array):
    """The dask array, its class switched to a da.Array subclass whose only change is
    _finalize_pooled as finalize. Arrays derived from it are plain dask arrays."""
    if not _POOLED_ARRAY:
        import dask.array as da
        import dask.array.core as dac
        if not all(hasattr(dac, f) for f in ("finalize", "ndimlist", "chunks_from_arrays",
                                             "slices_from_chunks")):
            return array  # a dask without the helpers _finalize_pooled uses: its own

        class PooledArray(da.Array):
            __slots__ = ()

            def __dask_postcompute__(self):
                return _finalize_pooled, ()

        _POOLED_ARRAY.append(PooledArray)
    array.__class__ = _POOLED_ARRAY[0]
    return array


def _lazy_data(target, name, dims, dtype, shape, chunks, stored_chunks=False):
    """A dask array over a stored variable: chunks whole multiples of the stored ones, of
    about dask's array.chunk-size (128 MiB by default), so each task reads many chunks in
    one parallel C++ read; or, with ``stored_chunks``, the stored chunks themselves (as
    xarray.open_zarr(chunks={}) and the original Nuthatch give them)."""
    import dask.array as da
    source = _StoredArray(target, name, dims, dtype, shape)
    if stored_chunks:
        dask_chunks = da.core.normalize_chunks(tuple(chunks), source.shape)
    else:
        dask_chunks = da.core.normalize_chunks("auto", source.shape, dtype=source.dtype,
                                               previous_chunks=tuple(chunks))
    return _pooled(da.from_array(source, chunks=dask_chunks, lock=False, asarray=False,
                                 name=f"nuthatch-read-{target.url}-{name}",
                                 meta=np.empty((0,) * source.ndim, dtype=source.dtype)))


def open_lazy(target, stored_chunks=False):
    """The xarray object stored at a Zarr payload (a ``_storage.Target``: URL and storage
    options, on any storage the engine opens), dask-backed and read through the C++ codec
    on demand, or None for a numpy result (read eagerly by the engine). Index coordinates
    and strings are read at once, as xarray.open_zarr does; chunks and preferred_chunks
    go in each variable's encoding. Dask chunks group stored chunks into tasks of about
    128 MiB, or are the stored chunks with ``stored_chunks``."""
    import xarray as xr
    reader = _reader(target, fresh=True)
    schema = reader.schema
    attrs = dict(schema["attrs"])
    marker = attrs.pop(TYPE_ATTR, None)
    if marker == "numpy":
        return None
    variables = {}
    for name, (dims, dtype, shape, var_attrs, encoding) in schema["variables"].items():
        chunks = encoding.get("chunks") or list(shape)
        eager = dtype == "str" or len(shape) == 0 or (len(dims) == 1 and dims[0] == name)
        if eager:
            data = array_of(dtype, reader.read(name, []))
        else:
            data = _lazy_data(target, name, dims, dtype, shape, chunks, stored_chunks)
        np_dtype = numpy_dtype(dtype)
        var = xr.Variable(dims, data, read_attrs(dict(var_attrs), encoding, np_dtype))
        var.encoding = {"chunks": tuple(chunks),
                        "preferred_chunks": dict(zip(dims, chunks))}
        variables[name] = var
    return decoded(variables, set(schema["coords"]), attrs, marker)
