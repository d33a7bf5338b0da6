"""Arguments that are objects, as key values (README, "Any argument as a key").

The engine keys plain values (None, bool, int, float, str, bytes, lists, str-keyed maps);
this module turns other arguments into such values, deterministically (the same for equal
values in any process, on any machine, in any run) and different for any difference in
what defines them:

- an object with ``__nuthatch_key__()``: the key value of what it returns;
- ``enum.Enum`` members: ``"<class>.<member>"``; ``pathlib`` paths: their POSIX text;
- sets and frozensets: their members' key values, sorted by canonical text;
- dataclass instances: ``{"dataclass": <class>, "fields": {<field>: <key value>...}}``;
- numpy arrays: ``{"ndarray": {"dtype", "shape", "values" | "xxh3"}}``: the values
  themselves up to 16 elements, else the xxh3-128 digest of their bytes (little-endian);
- pandas Index, Series and DataFrame: names, dtypes (categories too), index and values,
  each column digested as an array (text and other objects by their key values);
- xarray DataArray and Dataset: every variable's dims, dtype, shape, attributes and
  values, coordinates and names, sorted by name (so equal datasets built in another order
  share a key); a Dataset or DataArray that nuthatch recalled lazily and that is unchanged
  since (the very object the recall returned) by its entry's identity instead, without
  reading it.

The engine renders the result and, past 100 bytes, replaces the segment by
``<arg>=~<xxh3-128 hex>`` of that text (DESIGN §2), so short values stay readable. Anything
else is returned as it is, and the engine warns and turns caching off for the call.
"""
import dataclasses
import enum
import json
import pathlib
import sys
import weakref

from . import _core

SMALL = 16  # arrays of at most this many elements are keyed by their values
NOT_KEYED = object()

# id(object) -> (weak reference, entry identity) of xarray objects a lazy recall returned.
_recalled = {}


def remember_recall(obj, identity):
    """Records that ``obj`` (an xarray object just returned by a lazy recall) is the entry
    ``identity``; it is keyed by that while it lives."""
    key = id(obj)

    def forget(_ref, key=key):
        _recalled.pop(key, None)

    try:
        _recalled[key] = (weakref.ref(obj, forget), identity)
    except TypeError:  # not weakly referenceable: keyed by content
        pass


def _recalled_identity(obj):
    found = _recalled.get(id(obj))
    if found is None or found[0]() is not obj:
        return None
    return found[1]


def _canonical(value):
    return json.dumps(value, sort_keys=True, default=repr)


def object_key(value, key_value):
    """The key value of an object argument (see the module's rules), or NOT_KEYED.
    ``key_value`` keys nested values."""
    hook = getattr(type(value), "__nuthatch_key__", None)
    if hook is not None:
        return key_value(value.__nuthatch_key__())
    if isinstance(value, enum.Enum):
        return f"{type(value).__qualname__}.{value.name}"
    if isinstance(value, pathlib.PurePath):
        return value.as_posix()
    if isinstance(value, (set, frozenset)):
        return sorted((key_value(v) for v in value), key=_canonical)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"dataclass": type(value).__qualname__,
                "fields": {f.name: key_value(getattr(value, f.name))
                           for f in dataclasses.fields(value)}}
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.ndarray):
        return {"ndarray": _array_key(np, value, key_value)}
    pd = sys.modules.get("pandas")
    if pd is not None:
        if isinstance(value, pd.DataFrame):
            return {"dataframe": _frame_key(np, pd, value, key_value)}
        if isinstance(value, pd.Series):
            return {"series": {"name": key_value(value.name),
                               **_column_key(np, pd, value, key_value),
                               "index": _index_key(np, pd, value.index, key_value)}}
        if isinstance(value, pd.Index):
            return {"index": _index_key(np, pd, value, key_value)}
    xr = sys.modules.get("xarray")
    if xr is not None and isinstance(value, (xr.Dataset, xr.DataArray)):
        identity = _recalled_identity(value)
        if identity is not None:
            return {"nuthatch_entry": identity}
        if isinstance(value, xr.Dataset):
            return {"dataset": {
                "attrs": _attrs_key(value.attrs, key_value),
                "coords": {n: _variable_key(np, value[n].variable, key_value)
                           for n in sorted(value.coords, key=str)},
                "data_vars": {n: _variable_key(np, value[n].variable, key_value)
                              for n in sorted(value.data_vars, key=str)}}}
        return {"dataarray": {
            "name": key_value(value.name),
            "variable": _variable_key(np, value.variable, key_value),
            "coords": {n: _variable_key(np, value.coords[n].variable, key_value)
                       for n in sorted(value.coords, key=str)}}}
    return NOT_KEYED


def _array_key(np, a, key_value, dtype_name=None):
    a = np.asarray(a)
    out = {"dtype": dtype_name or a.dtype.str, "shape": list(a.shape)}
    if a.dtype.kind == "O":
        values = [key_value(v) for v in a.ravel().tolist()]
        if a.size <= SMALL:
            out["values"] = values
        else:
            out["xxh3"] = _core.content_digest(_canonical(values).encode())
        return out
    if a.size <= SMALL:
        out["values"] = key_value(a.tolist())
        return out
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    out["xxh3"] = _core.content_digest(np.ascontiguousarray(a))
    return out


def _column_key(np, pd, values, key_value):
    """dtype (with categories) and values of a Series or Index."""
    dtype = values.dtype
    out = {"dtype": str(dtype)}
    if isinstance(dtype, pd.CategoricalDtype):
        out["categories"] = _array_key(np, dtype.categories.to_numpy(dtype=object), key_value)
        out["ordered"] = bool(dtype.ordered)
    if isinstance(dtype, np.dtype) and dtype.kind != "O":
        out["values"] = _array_key(np, values.to_numpy(), key_value, dtype_name=dtype.str)
    else:  # text, categoricals, nullable and other extension types: by their Python values
        plain = values.astype(object).where(values.notna(), None)
        out["values"] = _array_key(np, np.asarray(plain, dtype=object), key_value,
                                   dtype_name=str(dtype))
    return out


def _index_key(np, pd, index, key_value):
    return {"names": [key_value(n) for n in index.names], **_column_key(np, pd, index, key_value)}


def _frame_key(np, pd, df, key_value):
    return {"columns": [key_value(c) for c in df.columns],
            "data": [_column_key(np, pd, df.iloc[:, i], key_value)
                     for i in range(df.shape[1])],
            "index": _index_key(np, pd, df.index, key_value)}


def _attrs_key(attrs, key_value):
    return {str(k): key_value(v) for k, v in sorted(attrs.items(), key=lambda kv: str(kv[0]))}


def _variable_key(np, var, key_value):
    return {"dims": list(var.dims), "attrs": _attrs_key(var.attrs, key_value),
            **_array_key(np, var.values, key_value)}
