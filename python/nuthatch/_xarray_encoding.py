"""xarray Datasets / DataArrays and numpy arrays <-> the plain dataset form of the
engine's zarr codec: xarray's CF encoding on the way in, CF decoding on the way out.

Writing applies xarray's own CF encoding (``encode_cf_variable``: scale / offset,
timedeltas, booleans, ``_FillValue``) in Python, then hands raw arrays to the C++ codec
without copying. datetime64 variables cross as datetime64[ns], which the codec stores the
way the C++ API does (int64 nanoseconds since 1970, proleptic Gregorian), so both sides
read them as datetimes. Reading undoes this with ``xarray.decode_cf``. As xarray does,
floats' ``_FillValue`` is base64 in Zarr v3 attributes, and an unnamed DataArray is the
variable ``__xarray_dataarray_variable__``. The Python type of a numpy array or DataArray
result is recorded in the group attribute ``_nuthatch_python_type``. Streaming writes
(``_xarray_streaming``) and lazy reads (``_xarray_lazy``) use the same encoding.
"""
import base64
import struct

import numpy as np

from ._plain import plain as _attr_value

TYPE_ATTR = "_nuthatch_python_type"
# An empty object beside the group's zarr.json: the stored value was dask-backed. Not an
# attribute, so that xarray and zarr-python readers of the store see the value's own.
DASK_MARKER = "_nuthatch_dask"
DATAARRAY_VARIABLE = "__xarray_dataarray_variable__"
DATAARRAY_NAME = "__xarray_dataarray_name__"
_SUPPORTED_KINDS = "biufMUO"  # bool, ints, floats, datetimes, strings
DTYPE_NAMES = {np.dtype(t): t for t in ("bool", "int8", "int16", "int32", "int64", "uint8",
                                        "uint16", "uint32", "uint64", "float32", "float64")}


def numpy_supported(array):
    """Whether the zarr codec stores this numpy array's dtype."""
    if array.dtype.kind == "O":
        return all(isinstance(v, str) for v in array.flat)
    return array.dtype.kind in _SUPPORTED_KINDS


def is_dask(data):
    return type(data).__module__.startswith("dask.")


def _fill_attr(value, dtype):
    """xarray's form of a _FillValue attribute: floats as base64 of a little-endian double."""
    if np.dtype(dtype).kind == "f":
        return base64.standard_b64encode(struct.pack("<d", float(value))).decode("ascii")
    return _attr_value(value)


def raw_array(name, data):
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
    dtype_name = DTYPE_NAMES.get(np.dtype(dtype))
    if dtype_name is None:
        raise TypeError(f"variable '{name}': dtype {data.dtype} is not supported by the zarr codec")
    return dtype_name, np.ascontiguousarray(data, dtype=dtype)


def chunk_encoding(var):
    enc = {}
    chunks = var.encoding.get("chunks") or var.encoding.get("preferred_chunks")
    if isinstance(chunks, dict):
        chunks = [chunks.get(d, s) for d, s in zip(var.dims, var.shape)]
    if chunks is not None and len(chunks) == len(var.shape):
        enc["chunks"] = [int(c) for c in chunks]
    return enc


def _data(var):
    """A variable's data: the dask array when dask-backed, else numpy."""
    return var.data if is_dask(var.data) else var.values


def encoded(name, var):
    """(dtype name, data, attrs) of a variable with xarray's CF encoding applied (lazily
    when dask-backed); datetimes stay datetime64[ns]."""
    import xarray as xr
    if var.dtype.kind == "M":
        attrs = {k: _attr_value(v) for k, v in var.attrs.items()}
        return "datetime64[ns]", _data(var).astype("datetime64[ns]"), attrs
    encoded = xr.conventions.encode_cf_variable(var, name=name)
    attrs = {k: _fill_attr(v, encoded.dtype) if k == "_FillValue" else _attr_value(v)
             for k, v in encoded.attrs.items()}
    dtype = "str" if encoded.dtype.kind in "UO" else DTYPE_NAMES.get(np.dtype(encoded.dtype))
    if dtype is None:
        raise TypeError(f"variable '{name}': dtype {encoded.dtype} is not supported by the "
                        f"zarr codec")
    return dtype, _data(encoded), attrs


def _variable(name, var):
    _, data, attrs = encoded(name, var)
    dtype, data = raw_array(name, np.asarray(data))
    return (tuple(var.dims), dtype, data, attrs, chunk_encoding(var))


def dataset_of(obj):
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
        dtype, data = raw_array(DATAARRAY_VARIABLE, obj)
        return {"variables": {DATAARRAY_VARIABLE: (dims, dtype, data, {}, {})},
                "coords": [], "attrs": {TYPE_ATTR: "numpy"}}
    ds, marker = dataset_of(obj)
    variables = {str(name): _variable(str(name), var) for name, var in ds.variables.items()}
    return {"variables": variables, "coords": [str(c) for c in ds.coords],
            "attrs": group_attrs(ds, marker)}


def group_attrs(ds, marker):
    """The group attributes of a stored dataset: its own, plus the Python type marker."""
    attrs = {str(k): _attr_value(v) for k, v in ds.attrs.items()}
    if marker:
        attrs[TYPE_ATTR] = marker
    return attrs


def array_of(dtype, data):
    if dtype == "datetime64[ns]":
        return data.view("datetime64[ns]")
    if dtype == "str":
        values, shape = data
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out.reshape(shape)
    return data


def read_attrs(attrs, encoding, dtype):
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


def _as_index_variable(name, var):
    """An index coordinate (1-D, named after its dimension) CF-decoded and backed by the
    pandas Index xarray would build from it; any other variable unchanged. xarray, handed
    numpy values for an index, asks whether they are a dask collection, which imports
    dask (a fifth of a second in a new process); a pandas Index is taken as it is."""
    if var.dims != (name,):
        return var
    import numpy as np
    import pandas as pd
    import xarray as xr
    from xarray.conventions import decode_cf_variable
    var = decode_cf_variable(name, var)
    values = np.asarray(var.values)
    if values.dtype.kind not in "biufMmUO" or values.dtype == np.float16:
        return var  # leave xarray's own conversions (and warnings) to it
    index = pd.Index(values, dtype=object if values.dtype.kind == "O" else None)
    out = xr.Variable(var.dims, index, var.attrs)
    out.encoding = dict(var.encoding)
    return out


def decoded(variables, coord_names, attrs, marker):
    """The xarray object of {name: xarray.Variable} with CF decoding applied; a NaN fill
    ends up in the encoding, as xarray's decoding puts it."""
    import xarray as xr
    nan_fills = {}
    for name, var in variables.items():
        fill = _nan_fill(var)
        if fill is not None:
            nan_fills[name] = fill
    coords = {n: _as_index_variable(n, v) for n, v in variables.items() if n in coord_names}
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
        return array_of(dtype, data)
    import xarray as xr
    variables = {}
    for name, (dims, dtype, data, var_attrs, encoding) in plain["variables"].items():
        array = array_of(dtype, data)
        variables[name] = xr.Variable(dims, for_xarray(array),
                                      read_attrs(dict(var_attrs), encoding, array.dtype))
    return decoded(variables, set(plain["coords"]), attrs, marker)


def for_xarray(data):
    """``data`` as a recalled variable hands it to xarray: a numpy array wrapped in
    xarray's NumpyIndexingAdapter, anything else as it is. Given numpy itself, xarray
    would import dask.array to check its type (a quarter of a second in a new process,
    when dask is installed). The values stay read: .values, .data and .load() hand out
    the numpy array without a copy."""
    if not isinstance(data, np.ndarray):
        return data
    from xarray.core import indexing
    return indexing.NumpyIndexingAdapter(data)


_NUMPY_DTYPES = {"datetime64[ns]": np.dtype("datetime64[ns]"), "str": np.dtype(object)}


def numpy_dtype(name):
    """The numpy dtype of an engine dtype name (strings are objects)."""
    return _NUMPY_DTYPES.get(name) or np.dtype(name)


def _as_dataarray(ds):
    name = ds.attrs.pop(DATAARRAY_NAME, None)
    (var,) = ds.data_vars
    da = ds[var]
    if var == DATAARRAY_VARIABLE:
        da.name = name
    return da
