"""xarray Datasets / DataArrays and numpy arrays <-> the engine's zarr codec.

Writing applies xarray's own CF encoding (``encode_cf_variable``: scale / offset,
timedeltas, booleans, ``_FillValue``) in Python, then hands raw arrays to the C++ codec
without copying. datetime64 variables cross as datetime64[ns], which the codec stores the
way the C++ API does (int64 nanoseconds since 1970, proleptic Gregorian), so both sides
read them as datetimes. Reading undoes this with ``xarray.decode_cf``. As xarray does,
floats' ``_FillValue`` is base64 in Zarr v3 attributes, and an unnamed DataArray is the
variable ``__xarray_dataarray_variable__``. The Python type of a numpy array or DataArray
result is recorded in the group attribute ``_nuthatch_python_type``.
"""
import base64
import struct
import threading

import numpy as np

from ._plain import plain as _attr_value

TYPE_ATTR = "_nuthatch_python_type"
DATAARRAY_VARIABLE = "__xarray_dataarray_variable__"
DATAARRAY_NAME = "__xarray_dataarray_name__"
_SUPPORTED_KINDS = "biufMUO"  # bool, ints, floats, datetimes, strings
_NAMES = {np.dtype(t): t for t in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                   "uint32", "uint64", "float32", "float64")}


def numpy_supported(array):
    """Whether the zarr codec stores this numpy array's dtype."""
    if array.dtype.kind == "O":
        return all(isinstance(v, str) for v in array.flat)
    return array.dtype.kind in _SUPPORTED_KINDS


# --- write -----------------------------------------------------------------------------

def _fill_attr(value, dtype):
    """xarray's form of a _FillValue attribute: floats as base64 of a little-endian double."""
    if np.dtype(dtype).kind == "f":
        return base64.standard_b64encode(struct.pack("<d", float(value))).decode("ascii")
    return _attr_value(value)


def _raw_array(name, data):
    """(dtype name, C-contiguous native array or object array of str) for the codec."""
    data = np.asarray(data)
    kind = data.dtype.kind
    if kind == "M":
        data = data.astype("datetime64[ns]", copy=False)
        return "datetime64[ns]", np.ascontiguousarray(data).view(np.int64)
    if kind in "UO":
        flat = data.astype(object, copy=False)
        if not all(isinstance(v, str) for v in flat.flat):
            raise TypeError(f"variable '{name}': object arrays must hold str only")
        return "str", flat
    if kind == "S":
        raise TypeError(f"variable '{name}': fixed-width bytes are not supported by the zarr codec")
    dtype = data.dtype.newbyteorder("=") if data.dtype.byteorder not in "=|" else data.dtype
    dtype_name = _NAMES.get(np.dtype(dtype))
    if dtype_name is None:
        raise TypeError(f"variable '{name}': dtype {data.dtype} is not supported by the zarr codec")
    return dtype_name, np.ascontiguousarray(data, dtype=dtype)


def _encoding(var):
    enc = {}
    chunks = var.encoding.get("chunks") or var.encoding.get("preferred_chunks")
    if isinstance(chunks, dict):
        chunks = [chunks.get(d, s) for d, s in zip(var.dims, var.shape)]
    if chunks is not None and len(chunks) == len(var.shape):
        enc["chunks"] = [int(c) for c in chunks]
    return enc


def _data(var):
    """A variable's data: the dask array when dask-backed, else numpy."""
    return var.data if _is_dask(var.data) else var.values


def _encoded(name, var):
    """(dtype name, data, attrs) of a variable with xarray's CF encoding applied (lazily
    when dask-backed); datetimes stay datetime64[ns]."""
    import xarray as xr
    if var.dtype.kind == "M":
        attrs = {k: _attr_value(v) for k, v in var.attrs.items()}
        return "datetime64[ns]", _data(var).astype("datetime64[ns]"), attrs
    encoded = xr.conventions.encode_cf_variable(var, name=name)
    attrs = {k: _fill_attr(v, encoded.dtype) if k == "_FillValue" else _attr_value(v)
             for k, v in encoded.attrs.items()}
    dtype = "str" if encoded.dtype.kind in "UO" else _NAMES.get(np.dtype(encoded.dtype))
    if dtype is None:
        raise TypeError(f"variable '{name}': dtype {encoded.dtype} is not supported by the "
                        f"zarr codec")
    return dtype, _data(encoded), attrs


def _variable(name, var):
    _, data, attrs = _encoded(name, var)
    dtype, data = _raw_array(name, np.asarray(data))
    return (tuple(var.dims), dtype, data, attrs, _encoding(var))


def _dataset_of(obj):
    """(xarray.Dataset, python type marker or None)."""
    import xarray as xr
    if isinstance(obj, xr.Dataset):
        return obj, None
    name = obj.name
    if name is None or name in obj.coords or name in obj.dims:
        ds = obj.to_dataset(name=DATAARRAY_VARIABLE)
        if name is not None:
            ds.attrs[DATAARRAY_NAME] = name
    else:
        ds = obj.to_dataset()
    return ds, "DataArray"


def to_core(obj):
    if isinstance(obj, np.ndarray):
        dims = tuple(f"dim_{i}" for i in range(obj.ndim))
        dtype, data = _raw_array(DATAARRAY_VARIABLE, obj)
        return {"variables": {DATAARRAY_VARIABLE: (dims, dtype, data, {}, {})},
                "coords": [], "attrs": {TYPE_ATTR: "numpy"}}
    ds, marker = _dataset_of(obj)
    variables = {str(name): _variable(str(name), var) for name, var in ds.variables.items()}
    attrs = {str(k): _attr_value(v) for k, v in ds.attrs.items()}
    if marker:
        attrs[TYPE_ATTR] = marker
    return {"variables": variables, "coords": [str(c) for c in ds.coords], "attrs": attrs}


# --- streaming write (dask) ----------------------------------------------------------

class _Handles:
    """This process's open readers or writers of stores, by URL: dask tasks on a worker
    share one per store. Thread-safe (dask runs tasks on several threads); at most
    `limit`, the oldest dropped first (and reopened when needed)."""

    def __init__(self, limit):
        self._limit = limit
        self._by_url = {}
        self._lock = threading.Lock()

    def get(self, url, open_handle, fresh=False):
        """The handle of url, from open_handle() when there is none (or fresh is set)."""
        with self._lock:
            handle = None if fresh else self._by_url.get(url)
        if handle is not None:
            return handle
        handle = open_handle()  # outside the lock: it reads storage
        with self._lock:
            if not fresh and url in self._by_url:  # another thread opened it meanwhile
                return self._by_url[url]
            self._insert(url, handle)
        return handle

    def put(self, url, handle):
        with self._lock:
            self._insert(url, handle)

    def _insert(self, url, handle):  # the lock held
        self._by_url.pop(url, None)
        while len(self._by_url) >= self._limit:
            self._by_url.pop(next(iter(self._by_url)))
        self._by_url[url] = handle

    def drop(self, url):
        with self._lock:
            self._by_url.pop(url, None)

    def __iter__(self):
        with self._lock:
            return iter(list(self._by_url))


_writers = _Handles(8)  # stores written by this process's dask tasks: a few at most
_readers = _Handles(256)  # metadata only; unpickled arrays on a worker share them


def is_dask_backed(obj):
    ds, _ = _dataset_of(obj)
    return any(_is_dask(v.data) for v in ds.variables.values())


def _is_dask(data):
    return type(data).__module__.startswith("dask.")


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
        dtype, data, attrs = _encoded(name, var)
        if _is_dask(data) and dtype != "str" and data.ndim > 0:
            data = _regular(data)
            encoding = {"chunks": [int(c[0]) for c in data.chunks]}
        else:
            data = _raw_array(name, np.asarray(data))[1]
            encoding = _encoding(var)
        schema[name] = (tuple(var.dims), dtype, [int(n) for n in var.shape], attrs, encoding)
        parts.append((name, tuple(var.dims), dtype, data))
    return schema, parts


def _writer(target):
    """This process's writer of the store at ``target`` (a nuthatch._storage.Target)."""
    from . import _core
    return _writers.get(target.url, lambda: _core.DatasetWriter.open(target.url, target.options))


def _store_block(block, target, name, dims, dtype, block_info=None):
    writer = _writer(target)
    loc = block_info[0]["array-location"]
    region = [(d, int(start), int(stop)) for d, (start, stop) in zip(dims, loc)]
    writer.write_region(name, region, dtype, _raw_array(name, block)[1])
    return np.zeros((1,) * block.ndim, dtype=np.int8)


def stream(obj, target, kwargs):
    """Writes a dask-backed Dataset / DataArray as a Zarr store at ``target`` (a
    nuthatch._storage.Target: a local path or an object-store URL, with its storage
    options) chunk by chunk: each dask task, in this process or a worker's, encodes one
    block and hands it to the C++ DatasetWriter (which compresses and writes it without the
    GIL), so no more than the blocks in flight are held. Returns the bytes written."""
    import dask
    from . import _core, _storage
    ds, marker = _dataset_of(obj)
    schema_vars, parts = _stream_parts(ds)
    attrs = {str(k): _attr_value(v) for k, v in ds.attrs.items()}
    if marker:
        attrs[TYPE_ATTR] = marker
    schema = {"variables": schema_vars, "coords": [str(c) for c in ds.coords], "attrs": attrs}
    writer = _core.DatasetWriter.create(target.url, schema, int(kwargs.get("zarr_format", 3)),
                                        bool(kwargs.get("consolidated", True)), target.options)
    _writers.put(target.url, writer)
    try:
        tasks = []
        for name, dims, dtype, data in parts:
            if _is_dask(data):
                tasks.append(data.map_blocks(
                    _store_block, target, name, dims, dtype, dtype=np.int8,
                    chunks=tuple((1,) * len(c) for c in data.chunks)))
            else:
                writer.write_region(name, [], dtype, data)
        dask.compute(*tasks)
        writer.commit()
    finally:
        _writers.drop(target.url)
    return _storage.stored_bytes(target)


# --- read ------------------------------------------------------------------------------

def _array(dtype, data):
    if dtype == "datetime64[ns]":
        return data.view("datetime64[ns]")
    if dtype == "str":
        values, shape = data
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out.reshape(shape)
    return data


def _read_attrs(attrs, encoding, dtype):
    fill = attrs.get("_FillValue")
    if isinstance(fill, str) and dtype.kind == "f":
        try:
            attrs["_FillValue"] = struct.unpack("<d", base64.standard_b64decode(fill))[0]
        except Exception:  # noqa: BLE001 - not base64: a plain string fill, keep it
            pass
    elif fill is None and encoding.get("zarr_format") == 2 and \
            encoding.get("fill_value") is not None and dtype.kind != "O":
        value = encoding["fill_value"]
        attrs["_FillValue"] = float(value) if dtype.kind == "f" else value
    return attrs


def _nan_fill(var):
    """The NaN ``_FillValue`` of a float variable with nothing else to decode, taken out of
    its attributes, or None. Masking NaN with NaN changes nothing, but xarray would still
    compare and copy every element (twice the memory of a lazily loaded variable)."""
    fill = var.attrs.get("_FillValue")
    if var.dtype.kind != "f" or not isinstance(fill, float) or fill == fill:
        return None
    if any(k in var.attrs for k in ("missing_value", "scale_factor", "add_offset")):
        return None
    return var.attrs.pop("_FillValue")


def _decoded(variables, coord_names, attrs, marker):
    """The xarray object of {name: xarray.Variable} with CF decoding applied; a NaN fill
    ends up in the encoding, as xarray's decoding puts it."""
    import xarray as xr
    nan_fills = {}
    for name, var in variables.items():
        fill = _nan_fill(var)
        if fill is not None:
            nan_fills[name] = fill
    coords = {n: v for n, v in variables.items() if n in coord_names}
    data_vars = {n: v for n, v in variables.items() if n not in coord_names}
    ds = xr.decode_cf(xr.Dataset(data_vars, coords=coords, attrs=attrs))
    for name, fill in nan_fills.items():
        ds.variables[name].encoding["_FillValue"] = fill
    return _as_dataarray(ds) if marker == "DataArray" else ds


def from_core(plain, engine=""):
    attrs = dict(plain["attrs"])
    marker = attrs.pop(TYPE_ATTR, None)
    if marker == "numpy":
        (_, dtype, data, _, _), = plain["variables"].values()
        return _array(dtype, data)
    import xarray as xr
    variables = {}
    for name, (dims, dtype, data, var_attrs, encoding) in plain["variables"].items():
        array = _array(dtype, data)
        variables[name] = xr.Variable(dims, array,
                                      _read_attrs(dict(var_attrs), encoding, array.dtype))
    return _decoded(variables, set(plain["coords"]), attrs, marker)


_NUMPY_DTYPES = {"datetime64[ns]": np.dtype("datetime64[ns]"), "str": np.dtype(object)}


def _numpy_dtype(name):
    """The numpy dtype of an engine dtype name (strings are objects)."""
    return _NUMPY_DTYPES.get(name) or np.dtype(name)


def _reader(target, fresh=False):
    """The DatasetReader of a payload ``_storage.Target`` (URL, storage options and what a
    missing chunk means), one per (URL, missing-chunk rule)."""
    from . import _core
    missing = getattr(target, "missing_chunks", "fill")
    return _readers.get((target.url, missing),
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
        self.dtype = _numpy_dtype(dtype)
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
        out = _array(self.dtype_name, self.reader.read(self.name, ranges))
        if squeeze:
            out = out[tuple(k if i in squeeze else slice(None)
                            for i, k in enumerate(key + (slice(None),) * (self.ndim - len(key))))]
        return out

    def __reduce__(self):
        return (_StoredArray, (self.target, self.name, self.dims, self.dtype_name, self.shape))


_POOLED_DTYPES = set(_NAMES.values()) | {"datetime64[ns]"}  # what _core.empty makes


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
    out = _array(first.dtype.name, _core.empty(first.dtype.name, [sum(c) for c in chunks]))
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


def _lazy_data(target, name, dims, dtype, shape, chunks):
    """A dask array over a stored variable: chunks whole multiples of the stored ones, of
    about dask's array.chunk-size (128 MiB by default), so each task reads many chunks in
    one parallel C++ read."""
    import dask.array as da
    source = _StoredArray(target, name, dims, dtype, shape)
    dask_chunks = da.core.normalize_chunks("auto", source.shape, dtype=source.dtype,
                                           previous_chunks=tuple(chunks))
    return _pooled(da.from_array(source, chunks=dask_chunks, lock=False, asarray=False,
                                 name=f"nuthatch-read-{target.url}-{name}",
                                 meta=np.empty((0,) * source.ndim, dtype=source.dtype)))


def open_lazy(target):
    """The xarray object stored at a Zarr payload (a ``_storage.Target``: URL and storage
    options, on any storage the engine opens), dask-backed and read through the C++ codec
    on demand, or None for a numpy result (read eagerly by the engine). Index coordinates
    and strings are read at once, as xarray.open_zarr does; chunks and preferred_chunks
    go in each variable's encoding."""
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
            data = _array(dtype, reader.read(name, []))
        else:
            data = _lazy_data(target, name, dims, dtype, shape, chunks)
        np_dtype = _numpy_dtype(dtype)
        var = xr.Variable(dims, data, _read_attrs(dict(var_attrs), encoding, np_dtype))
        var.encoding = {"chunks": tuple(chunks),
                        "preferred_chunks": dict(zip(dims, chunks))}
        variables[name] = var
    return _decoded(variables, set(schema["coords"]), attrs, marker)


def _as_dataarray(ds):
    name = ds.attrs.pop(DATAARRAY_NAME, None)
    (var,) = ds.data_vars
    da = ds[var]
    if var == DATAARRAY_VARIABLE:
        da.name = name
    return da
