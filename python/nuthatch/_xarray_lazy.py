"""Lazy reads of Zarr payloads: a stored Dataset / DataArray opened as an xarray object
whose values the C++ DatasetReader reads on demand (and assembles in the engine's buffer
pool), on any storage the engine opens. Its variables are either dask arrays (blocks read
by dask tasks) or xarray's own lazily indexed arrays (as ``xarray.open_dataset`` gives
without ``chunks``: an index reads just its region, ``.load()`` the whole variable in one
parallel read, and no dask is imported)."""
import math

import numpy as np
from xarray.backends import BackendArray
from xarray.core import indexing

from ._handles import readers
from ._xarray_encoding import (DASK_MARKER, DTYPE_NAMES, TYPE_ATTR, array_of, decoded,
                               for_xarray, numpy_dtype, read_attrs)


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
        """The values at ``key``: per axis a slice (any step) or an integer read as the
        range it covers; anything else reads the axis and is indexed in numpy."""
        key = key if isinstance(key, tuple) else (key,)
        key = key + (slice(None),) * (self.ndim - len(key))
        ranges, after = [], []
        for dim, k, n in zip(self.dims, key, self.shape):
            if isinstance(k, slice):
                start, stop, step = k.indices(n)
                if step > 0:
                    ranges.append((dim, start, max(start, stop)))
                    after.append(slice(None) if step == 1 else slice(None, None, step))
                    continue
            elif isinstance(k, (int, np.integer)):
                i = int(k) + (n if int(k) < 0 else 0)
                if not 0 <= i < n:
                    raise IndexError(f"index {int(k)} is out of bounds for axis {dim!r} of "
                                     f"size {n}")
                ranges.append((dim, i, i + 1))
                after.append(0)
                continue
            ranges.append((dim, 0, n))
            after.append(k)
        if any(stop <= start for _, start, stop in ranges):
            out = np.empty(tuple(stop - start for _, start, stop in ranges), dtype=self.dtype)
        else:
            out = array_of(self.dtype_name, self.reader.read(self.name, ranges))
        if any(not (isinstance(a, slice) and a == slice(None)) for a in after):
            out = out[tuple(after)]
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


class StoredBackendArray(BackendArray):
    """A stored variable as an xarray backend array: basic indexing (integers and slices)
    read through _StoredArray; xarray applies the rest in numpy."""

    __slots__ = ("source", "shape", "dtype")

    def __init__(self, source):
        self.source, self.shape, self.dtype = source, source.shape, source.dtype

    def __getitem__(self, key):
        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.BASIC, self.source.__getitem__)


def _lazily_indexed(target, name, dims, dtype, shape):
    """A stored variable as xarray's lazily indexed array (as xarray.open_dataset wraps a
    backend's variables: copy on write, the values kept once loaded)."""
    array = StoredBackendArray(_StoredArray(target, name, dims, dtype, shape))
    return indexing.MemoryCachedArray(indexing.CopyOnWriteArray(
        indexing.LazilyIndexedArray(array)))


def stored_schema(target):
    """The schema of the payload at ``target`` (read once per open, from a fresh reader)."""
    return _reader(target, fresh=True).schema


def stored_from_dask(target):
    """Whether the stored value was dask-backed (its writer streamed it block by block and
    left the marker)."""
    return target.has_object(DASK_MARKER)


def stored_bytes_in_memory(schema):
    """The bytes the stored variables take in memory once loaded."""
    return sum(math.prod(shape) * numpy_dtype(dtype).itemsize
               for _, dtype, shape, _, _ in schema["variables"].values())


def open_lazy(target, stored_chunks=False, dask=True, schema=None):
    """The xarray object stored at a Zarr payload (a ``_storage.Target``: URL and storage
    options, on any storage the engine opens), read through the C++ codec on demand, or
    None for a numpy result (read eagerly by the engine). Index coordinates and strings
    are read at once, as xarray.open_zarr does; chunks and preferred_chunks go in each
    variable's encoding. With ``dask``, variables are dask arrays whose chunks group
    stored chunks into tasks of about 128 MiB, or are the stored chunks with
    ``stored_chunks``; without, they are xarray's lazily indexed arrays."""
    import xarray as xr
    reader = _reader(target, fresh=schema is None)
    schema = schema if schema is not None else reader.schema
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
        elif dask:
            data = _lazy_data(target, name, dims, dtype, shape, chunks, stored_chunks)
        else:
            data = _lazily_indexed(target, name, dims, dtype, shape)
        np_dtype = numpy_dtype(dtype)
        var = xr.Variable(dims, for_xarray(data), read_attrs(dict(var_attrs), encoding, np_dtype))
        var.encoding = {"chunks": tuple(chunks),
                        "preferred_chunks": dict(zip(dims, chunks))}
        variables[name] = var
    return decoded(variables, set(schema["coords"]), attrs, marker)
