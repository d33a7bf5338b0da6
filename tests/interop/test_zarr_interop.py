"""Zarr interoperability between nuthatch's C++ codec and xarray / zarr-python.

Every test goes through the copy tool (see conftest.py), so each exercises both
directions: the tool reads a store that xarray wrote (xarray -> nuthatch) and writes a
store that xarray or zarr-python then reads (nuthatch -> xarray). Test ids read
`<case>-xr<src format>-nh<dst format>`.

Two views are compared, exactly:
- decoded: `xr.open_zarr(copy).load()` is identical to `xr.open_zarr(source).load()`
  (values, dims, coordinates, attributes; CF time decoded, fill values masked);
- raw (`decode_cf=False`): every variable has the same values, dtype, chunks and
  attributes, so the tool keeps CF-encoded time as int64 data with units/calendar and
  keeps `_FillValue`, `coordinates` and user attributes.
"""
import json
import math
import pathlib
import subprocess

import numcodecs
import numpy as np
import pandas as pd
import pytest
import xarray as xr
import zarr
from zarr.codecs import BloscCodec, BytesCodec, Crc32cCodec, GzipCodec, TransposeCodec, ZstdCodec

FORMATS = (2, 3)

# Compressor cases: how xarray writes the source (per format) and the tool's --compressor.
COMPRESSORS = {
    "zstd": {3: (ZstdCodec(level=3),), 2: (numcodecs.Zstd(level=3),), "tool": "zstd"},
    "blosc_lz4": {3: (BloscCodec(cname="lz4", clevel=5, shuffle="shuffle"),),
                  2: (numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE),),
                  "tool": "blosc"},
    "blosc_zstd": {3: (BloscCodec(cname="zstd", clevel=3, shuffle="bitshuffle"),),
                   2: (numcodecs.Blosc(cname="zstd", clevel=3,
                                       shuffle=numcodecs.Blosc.BITSHUFFLE),),
                   "tool": "blosc"},
    "gzip": {3: (GzipCodec(level=5),), 2: (numcodecs.GZip(level=5),), "tool": "gzip"},
    "none": {3: None, 2: None, "tool": "none"},
}
TOOL_COMPRESSORS = ("zstd", "blosc", "gzip", "none")
# Codec names as zarr-python reports them, per --compressor value.
V3_CODEC_NAMES = {"zstd": ["zstd"], "blosc": ["blosc"], "gzip": ["gzip"], "none": []}
V2_CODEC_IDS = {"zstd": ["zstd"], "blosc": ["blosc"], "gzip": ["gzip"], "none": []}

STRING_KINDS = "OUT"
RNG_SEED = 20240601
TIME = pd.date_range("2000-01-01", periods=10, freq="D")
DATASET_ATTRS = {"title": "nuthatch interop", "institution": "Zürich ☂", "version": 3,
                 "scale": 0.25, "levels": [1, 2, 3], "names": ["a", "b"], "flag": True}


def _rng():
    return np.random.default_rng(RNG_SEED)


def _with_nans(a, every=7):
    a = a.copy()
    a.flat[::every] = np.nan
    return a


# --- Datasets, one per case: (dataset, per-variable encoding) ------------------------------
# `chunks` is always given so that edge chunks are partial (10 by 3, 7 by 4, ...).

def case_float32_nan():
    data = _with_nans(_rng().standard_normal((10, 7)).astype("f4"))
    ds = xr.Dataset({"t2m": (("time", "lat"), data, {"units": "K"})}, coords={"time": TIME})
    return ds, {"t2m": {"chunks": (3, 4)}}


def case_float64_nan_inf():
    data = _with_nans(_rng().standard_normal((10, 7)))
    data[1, 1], data[2, 2] = np.inf, -np.inf
    return xr.Dataset({"v": (("time", "lat"), data)}), {"v": {"chunks": (3, 4)}}


def case_inf_fill_values():
    f64 = _rng().standard_normal(10)
    f64[3] = np.inf
    f32 = _rng().standard_normal(10).astype("f4")
    f32[4] = -np.inf
    ds = xr.Dataset({"pos_inf": (("x",), f64), "neg_inf": (("x",), f32)})
    return ds, {"pos_inf": {"chunks": (3,), "_FillValue": np.inf},
                "neg_inf": {"chunks": (3,), "_FillValue": -np.inf}}


def case_int16_fill():
    data = _rng().integers(-500, 500, size=(10, 7), dtype="i2")
    data[0, 0] = 0
    data[::4, 2] = -999
    ds = xr.Dataset({"count": (("time", "lat"), data)})
    return ds, {"count": {"chunks": (3, 4), "_FillValue": np.int16(-999)}}


def case_bool():
    data = _rng().integers(0, 2, size=(10, 7)).astype(bool)
    return xr.Dataset({"mask": (("time", "lat"), data)}), {"mask": {"chunks": (3, 4)}}


def case_datetime_coord():
    hourly = pd.date_range("1999-12-31T18:00", periods=10, freq="6h")
    ds = xr.Dataset({"v": (("time",), np.arange(10.0))}, coords={"time": hourly})
    return ds, {"v": {"chunks": (3,)}, "time": {"chunks": (3,)}}


def case_string_coord_fixed():
    names = np.array(["Zürich", "Paris", "Oslo", "Tōkyō", "Lima", "Nuuk", "Apia"])  # <U6
    ds = xr.Dataset({"v": (("station",), np.arange(7, dtype="f4"))}, coords={"station": names})
    return ds, {"v": {"chunks": (3,)}, "station": {"chunks": (3,)}}


def case_string_coord_vlen():
    names = np.array(["a", "bé", "a much longer name", "", "東京", "x", "y"], dtype=object)
    ds = xr.Dataset({"v": (("station",), np.arange(7, dtype="f4"))}, coords={"station": names})
    return ds, {"v": {"chunks": (3,)}, "station": {"chunks": (3,)}}


def _ndim_case(ndim):
    shape, chunks = (10, 7, 5, 4)[:ndim], (3, 4, 2, 3)[:ndim]
    dims = ("time", "lat", "lon", "level")[:ndim]
    data = _with_nans(_rng().standard_normal(shape).astype("f4"))
    return xr.Dataset({f"v{ndim}d": (dims, data)}), {f"v{ndim}d": {"chunks": chunks}}


def case_ndim_1():
    return _ndim_case(1)


def case_ndim_2():
    return _ndim_case(2)


def case_ndim_3():
    return _ndim_case(3)


def case_ndim_4():
    return _ndim_case(4)


def case_missing_chunks():
    data = _rng().standard_normal((10, 7)).astype("f4")
    data[3:6, :] = np.nan  # the second row of chunks is all fill: not written
    ds = xr.Dataset({"sparse": (("time", "lat"), data)})
    return ds, {"sparse": {"chunks": (3, 4), "write_empty_chunks": False}}


def case_coordinates_attr():
    ds = xr.Dataset(
        {"v": (("y", "x"), _rng().standard_normal((4, 5)))},
        coords={"lat2d": (("y", "x"), _rng().standard_normal((4, 5))),
                "height": ((), 2.0, {"units": "m"})},
        attrs=DATASET_ATTRS)
    ds["v"].attrs = {"long_name": "température", "valid_range": [-5.0, 5.0], "n": 7}
    return ds, {name: {"chunks": (3, 3)} for name in ("v", "lat2d")}


def case_big_endian():  # Zarr v3 only: endianness comes from the `bytes` codec
    data = _with_nans(_rng().standard_normal((10, 7)))
    return (xr.Dataset({"v": (("time", "lat"), data)}),
            {"v": {"chunks": (3, 4), "serializer": BytesCodec(endian="big")}})


def case_transpose():  # Zarr v3 only: the `transpose` codec
    data = _with_nans(_rng().standard_normal((10, 7)).astype("f4"))
    return (xr.Dataset({"v": (("time", "lat"), data)}),
            {"v": {"chunks": (3, 4), "filters": (TransposeCodec(order=(1, 0)),)}})


def case_crc32c():  # Zarr v3 only: `crc32c` after compression
    data = _with_nans(_rng().standard_normal((10, 7)).astype("f4"))
    return (xr.Dataset({"v": (("time", "lat"), data)}),
            {"v": {"chunks": (3, 4), "compressors": (ZstdCodec(level=3), Crc32cCodec())}})


def case_sharded():  # Zarr v3 only: `sharding_indexed`, with a partial edge shard
    data = _with_nans(_rng().standard_normal((10, 8)).astype("f4"))
    return (xr.Dataset({"v": (("time", "lat"), data)}),
            {"v": {"chunks": (2, 4), "shards": (4, 8)}})


CASES = {name[len("case_"):]: fn for name, fn in list(globals().items())
         if name.startswith("case_")}
V3_ONLY_CASES = {"big_endian", "transpose", "crc32c", "sharded"}


def combined_dataset():
    """Every kind of variable at once, for the compressor and consolidation matrix."""
    parts = [CASES[name]() for name in ("float32_nan", "int16_fill", "bool", "ndim_3")]
    ds = xr.merge([p[0] for p in parts], combine_attrs="drop")
    ds = ds.assign_coords(station=("lat", case_string_coord_vlen()[0].station.values))
    ds.attrs = dict(DATASET_ATTRS)
    encoding = {k: v for p in parts for k, v in p[1].items()}
    encoding["time"] = {"chunks": (3,)}
    encoding["station"] = {"chunks": (4,)}
    return ds, encoding


# --- Writing and comparing ---------------------------------------------------------------

def write_source(ds, encoding, path, *, zarr_format, compressor="zstd", consolidated=True):
    """xarray writes the source store, with `compressor` unless the case chose codecs."""
    encoding = {name: dict(enc) for name, enc in encoding.items()}
    for name in ds.variables:
        enc = encoding.setdefault(name, {})
        if "compressors" not in enc:
            enc["compressors"] = COMPRESSORS[compressor][zarr_format]
    ds.to_zarr(path, mode="w-", zarr_format=zarr_format, consolidated=consolidated,
               encoding=encoding)
    return path


def _normalise(value):
    """Attribute values in a form where == is exact and NaN equals NaN."""
    if isinstance(value, np.ndarray):
        return [_normalise(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return "<NaN>"
    return value


def normalised_attrs(attrs):
    return {k: _normalise(v) for k, v in attrs.items()}


def assert_same_dtype(got, want, name):
    """Exact for numbers and booleans; any string dtype (fixed UTF-32, object, StringDType)
    for strings, since the C++ model stores UTF-8 strings whatever the source layout."""
    if want.kind in STRING_KINDS:
        assert got.kind in STRING_KINDS, (name, got, want)
    else:
        assert got == want, (name, got, want)


def assert_same_decoded(copy, source, consolidated):
    expected = xr.open_zarr(source, consolidated=consolidated).load()
    actual = xr.open_zarr(copy, consolidated=consolidated).load()
    xr.testing.assert_identical(actual, expected)
    return actual


def assert_same_raw(copy, source, consolidated, *, compare_chunks=True):
    expected = xr.open_zarr(source, consolidated=consolidated, decode_cf=False).load()
    actual = xr.open_zarr(copy, consolidated=consolidated, decode_cf=False).load()
    assert set(actual.data_vars) == set(expected.data_vars)
    assert set(actual.coords) == set(expected.coords)
    assert normalised_attrs(actual.attrs) == normalised_attrs(expected.attrs)
    for name, want in expected.variables.items():
        got = actual.variables[name]
        assert got.dims == want.dims, name
        assert_same_dtype(got.dtype, want.dtype, name)
        np.testing.assert_array_equal(got.values, want.values, err_msg=name, strict=False)
        assert normalised_attrs(got.attrs) == normalised_attrs(want.attrs), name
    if compare_chunks:  # last, so that value and attribute errors are reported first
        assert_same_chunks(actual, expected)


def assert_same_chunks(actual, expected):
    """The copy keeps the source's chunks (encoding.chunks), partial edge chunks included."""
    want = {name: v.encoding.get("chunks") for name, v in expected.variables.items() if v.ndim}
    got = {name: actual.variables[name].encoding.get("chunks") for name in want}
    assert got == want, "chunks differ"


def assert_consolidation(store, zarr_format, consolidated):
    root = pathlib.Path(store)
    if zarr_format == 2:
        assert (root / ".zmetadata").exists() == consolidated
    else:
        meta = json.loads((root / "zarr.json").read_text())
        assert (meta.get("consolidated_metadata") is not None) == consolidated


def _format_ids(src, dst):
    return f"xr{src}-nh{dst}"


FORMAT_PAIRS = [(s, d) for s in FORMATS for d in FORMATS]


def _case_params():
    for case in CASES:
        for src, dst in FORMAT_PAIRS:
            if case in V3_ONLY_CASES and src == 2:
                continue
            yield pytest.param(case, src, dst, id=f"{case}-{_format_ids(src, dst)}")


# --- Tests -------------------------------------------------------------------------------

@pytest.mark.parametrize("case,src_format,dst_format", list(_case_params()))
def test_case_round_trip(case, src_format, dst_format, tmp_path, nh_copy):
    ds, encoding = CASES[case]()
    source = write_source(ds, encoding, tmp_path / "source.zarr", zarr_format=src_format)
    copy = nh_copy(source, tmp_path / "copy.zarr", zarr_format=dst_format)

    decoded = assert_same_decoded(copy, source, consolidated=True)
    assert_same_raw(copy, source, consolidated=True, compare_chunks=case != "sharded")
    if case in ("datetime_coord", "float32_nan"):
        np.testing.assert_array_equal(decoded["time"].values, ds["time"].values)
        assert decoded["time"].dtype.kind == "M"
    if case == "missing_chunks":
        sep = "." if src_format == 2 else "/"
        prefix = "" if src_format == 2 else "c/"
        assert not (pathlib.Path(source) / "sparse" / f"{prefix}1{sep}0").exists(), \
            "precondition: xarray skipped the all-fill chunk"


@pytest.mark.parametrize("consolidated", [True, False], ids=["consolidated", "unconsolidated"])
@pytest.mark.parametrize("src_format,dst_format", FORMAT_PAIRS,
                         ids=[_format_ids(s, d) for s, d in FORMAT_PAIRS])
@pytest.mark.parametrize("compressor", list(COMPRESSORS))
def test_compressor_round_trip(compressor, src_format, dst_format, consolidated, tmp_path,
                               nh_copy):
    ds, encoding = combined_dataset()
    source = write_source(ds, encoding, tmp_path / "source.zarr", zarr_format=src_format,
                          compressor=compressor, consolidated=consolidated)
    copy = nh_copy(source, tmp_path / "copy.zarr", zarr_format=dst_format,
                   compressor=COMPRESSORS[compressor]["tool"], consolidated=consolidated)

    assert_consolidation(copy, dst_format, consolidated)
    decoded = assert_same_decoded(copy, source, consolidated=consolidated)
    assert_same_raw(copy, source, consolidated=consolidated)
    np.testing.assert_array_equal(decoded["time"].values, TIME.values)


@pytest.mark.parametrize("first_format,second_format", FORMAT_PAIRS,
                         ids=[f"nh{a}-nh{b}" for a, b in FORMAT_PAIRS])
def test_tool_reads_its_own_output(first_format, second_format, tmp_path, nh_copy):
    ds, encoding = combined_dataset()
    source = write_source(ds, encoding, tmp_path / "source.zarr", zarr_format=3)
    first = nh_copy(source, tmp_path / "first.zarr", zarr_format=first_format)
    second = nh_copy(first, tmp_path / "second.zarr", zarr_format=second_format)
    assert_same_decoded(second, source, consolidated=True)
    assert_same_raw(second, source, consolidated=True)


def _dims(array):
    if array.metadata.zarr_format == 3:
        return list(array.metadata.dimension_names)
    return list(array.attrs["_ARRAY_DIMENSIONS"])


def _codec_names(array):
    if array.metadata.zarr_format == 3:
        return [c.to_dict()["name"] for c in array.compressors]
    return [c.codec_id for c in array.compressors]


@pytest.mark.parametrize("compressor", TOOL_COMPRESSORS)
@pytest.mark.parametrize("zarr_format", FORMATS, ids=[f"v{f}" for f in FORMATS])
def test_zarr_python_reads_tool_output(zarr_format, compressor, tmp_path, nh_copy):
    """zarr-python, without xarray: same arrays, values, metadata and attributes."""
    ds, encoding = combined_dataset()
    source = write_source(ds, encoding, tmp_path / "source.zarr", zarr_format=zarr_format)
    copy = nh_copy(source, tmp_path / "copy.zarr", zarr_format=zarr_format,
                   compressor=compressor)

    want_group = zarr.open_group(source, mode="r")
    got_group = zarr.open_group(copy, mode="r", zarr_format=zarr_format)
    assert got_group.metadata.zarr_format == zarr_format
    assert normalised_attrs(got_group.attrs.asdict()) == normalised_attrs(
        want_group.attrs.asdict())
    assert sorted(got_group.array_keys()) == sorted(want_group.array_keys())
    for name in want_group.array_keys():
        want, got = want_group[name], got_group[name]
        assert got.shape == want.shape, name
        assert_same_dtype(got.dtype, want.dtype, name)
        assert _dims(got) == _dims(want), name
        assert _normalise(got.fill_value) == _normalise(want.fill_value), name
        assert normalised_attrs(got.attrs.asdict()) == normalised_attrs(want.attrs.asdict()), name
        assert _codec_names(got) == (V3_CODEC_NAMES if zarr_format == 3 else V2_CODEC_IDS)[
            compressor], name
        np.testing.assert_array_equal(got[...], want[...], err_msg=name)
    for name in want_group.array_keys():
        assert got_group[name].chunks == want_group[name].chunks, f"{name}: chunks differ"


def test_tool_fails_on_missing_source(tmp_path, copy_tool):
    proc = subprocess.run([copy_tool, str(tmp_path / "absent.zarr"), str(tmp_path / "out.zarr")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip(), "an error must be explained on stderr"
