"""Side-by-side Zarr benchmark: nuthatch's C++ codec vs xarray + zarr-python 3 vs tensorstore.

Run from the repository root, after a release build:

    ./scripts/python_env.sh --bench        # build/venv with the pinned packages (+ tensorstore)
    build/venv/bin/python bench/python/zarr_bench.py [--size-gib 1] [--repeat 3]

A float32 dataset of 3 variables (time x lat x lon, ~size-gib in total), zstd level 3,
the same fixed chunks everywhere:
  (a) xarray + zarr-python: `Dataset.to_zarr` (write) and `xr.open_zarr(...).load()` (read);
  (b) nuthatch: `nh_zarr_copy` of the xarray-written store, which reads it in full and
      writes it again; it is compared with xarray's read + write sum;
  (c) tensorstore (if installed): zarr3 driver, same chunks and codecs, write and read.
Times are the best of --repeat runs, with a warm page cache. Ratios are xarray's time
divided by the engine's (> 1 means faster than xarray).

Also reports the partial read the `timeseries` processor depends on: a 1-month slice of a
10-year daily record, as chunks touched vs total (counted through a wrapping store while
xarray reads the slice, and computed from the chunk grid).

This is a benchmark, not a test: it prints numbers and fails only if an engine fails.
"""
import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd
import xarray as xr
import zarr
from zarr.codecs import ZstdCodec

warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata.*")

GIB = 1 << 30
FLOAT32_BYTES = 4
VARIABLES = ("t2m", "u10", "v10")
LAT, LON = 256, 341
TIME_CHUNK = 16  # chunks of 16 x 256 x 341 float32 = 5.3 MiB
ZSTD_LEVEL = 3
DEFAULT_TOOL = "build/release/tests/cpp/nh_zarr_copy"

# The partial-read scenario: a 10-year daily record, a 1-month slice.
RECORD_START, RECORD_END = "2000-01-01", "2009-12-31"
SLICE_START, SLICE_END = "2005-06-01", "2005-06-30"
RECORD_LAT, RECORD_LON = 32, 32
RECORD_TIME_CHUNK = 30


def build_dataset(size_gib):
    """Smooth fields plus noise: compresses like real gridded data, not like random bytes."""
    n_time = max(TIME_CHUNK, round(size_gib * GIB / (len(VARIABLES) * LAT * LON * FLOAT32_BYTES)))
    rng = np.random.default_rng(0)
    lat = np.linspace(-90, 90, LAT, dtype="f4")
    lon = np.linspace(0, 360, LON, endpoint=False, dtype="f4")
    field = np.cos(np.deg2rad(lat))[:, None] * np.sin(np.deg2rad(lon))[None, :]
    data_vars = {}
    for i, name in enumerate(VARIABLES):
        values = np.empty((n_time, LAT, LON), dtype="f4")
        for t in range(n_time):
            values[t] = field * (10 + i + np.sin(t / 30))
        values += rng.standard_normal(values.shape, dtype="f4") * np.float32(0.05)
        data_vars[name] = (("time", "lat", "lon"), values)
    coords = {"time": pd.date_range("2000-01-01", periods=n_time, freq="D"), "lat": lat,
              "lon": lon}
    return xr.Dataset(data_vars, coords=coords)


def xarray_encoding(ds):
    chunks = {"time": TIME_CHUNK, "lat": LAT, "lon": LON}
    return {name: {"chunks": tuple(chunks[d] for d in var.dims),
                   "compressors": (ZstdCodec(level=ZSTD_LEVEL),)}
            for name, var in ds.variables.items()}


def best_of(repeat, run, before=None):
    best = math.inf
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def bench_xarray(ds, workdir, repeat):
    path = os.path.join(workdir, "xarray.zarr")
    write = best_of(repeat,
                    lambda: ds.to_zarr(path, mode="w", zarr_format=3, consolidated=True,
                                       encoding=xarray_encoding(ds)))
    read = best_of(repeat, lambda: xr.open_zarr(path, consolidated=True).load())
    return path, write, read


def bench_nuthatch(tool, source, workdir, repeat):
    dest = os.path.join(workdir, "nuthatch.zarr")
    cmd = [tool, source, dest, "--zarr-format", "3", "--compressor", "zstd"]

    def run():
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"nh_zarr_copy failed ({proc.returncode}): {proc.stderr.strip()}")

    copy = best_of(repeat, run, before=lambda: shutil.rmtree(dest, ignore_errors=True))
    # Not timed: the copy must be the same data, or the time means nothing.
    check = xr.open_zarr(dest).isel(time=slice(0, 2)).load()
    want = xr.open_zarr(source).isel(time=slice(0, 2)).load()
    xr.testing.assert_equal(check, want)
    return copy


def bench_tensorstore(ds, workdir, repeat):
    try:
        import tensorstore as ts
    except ImportError:
        return None
    arrays = {}

    def spec(name, var):
        return {"driver": "zarr3",
                "kvstore": {"driver": "file", "path": os.path.join(workdir, "ts.zarr", name)},
                "metadata": {"shape": list(var.shape), "data_type": "float32",
                             "chunk_grid": {"name": "regular", "configuration": {
                                 "chunk_shape": [TIME_CHUNK, LAT, LON]}},
                             "codecs": [{"name": "bytes", "configuration": {"endian": "little"}},
                                        {"name": "zstd", "configuration": {
                                            "level": ZSTD_LEVEL, "checksum": False}}],
                             "dimension_names": list(var.dims)}}

    def write():
        for name in VARIABLES:
            arrays[name] = ts.open(spec(name, ds[name]), create=True,
                                   delete_existing=True).result()
        futures = [arrays[name].write(ds[name].values) for name in VARIABLES]
        for f in futures:
            f.result()

    def read():
        futures = [arrays[name].read() for name in VARIABLES]
        for f in futures:
            f.result()

    return best_of(repeat, write), best_of(repeat, read)


class CountingStore(zarr.storage.WrapperStore):
    """Records every key read, so a partial read's chunk count is measured, not assumed."""

    def __init__(self, store):
        super().__init__(store)
        self.keys_read = []

    async def get(self, key, prototype, byte_range=None):
        self.keys_read.append(key)
        return await self._store.get(key, prototype, byte_range)


def slice_report(workdir):
    times = pd.date_range(RECORD_START, RECORD_END, freq="D")
    rng = np.random.default_rng(1)
    ds = xr.Dataset({name: (("time", "lat", "lon"),
                            rng.standard_normal((len(times), RECORD_LAT, RECORD_LON),
                                                dtype="f4"))
                     for name in VARIABLES}, coords={"time": times})
    path = os.path.join(workdir, "record.zarr")
    encoding = {name: {"chunks": (RECORD_TIME_CHUNK, RECORD_LAT, RECORD_LON)} for name in VARIABLES}
    encoding["time"] = {"chunks": (len(times),)}
    ds.to_zarr(path, mode="w", zarr_format=3, consolidated=True, encoding=encoding)

    store = CountingStore(zarr.storage.LocalStore(path, read_only=True))
    opened = xr.open_zarr(store, consolidated=True)
    store.keys_read.clear()  # the time coordinate is read on open; count the slice only
    opened.sel(time=slice(SLICE_START, SLICE_END))[list(VARIABLES)].load()
    data_chunks_read = sum(1 for k in store.keys_read if k.split("/")[0] in VARIABLES
                           and "/c/" in k)

    first, last = times.get_indexer([pd.Timestamp(SLICE_START), pd.Timestamp(SLICE_END)])
    per_var_touched = last // RECORD_TIME_CHUNK - first // RECORD_TIME_CHUNK + 1
    per_var_total = math.ceil(len(times) / RECORD_TIME_CHUNK)
    print(f"\n1-month slice ({SLICE_START}..{SLICE_END}) of a 10-year daily record "
          f"({len(times)} days x {RECORD_LAT} x {RECORD_LON}, {len(VARIABLES)} variables, "
          f"time chunk {RECORD_TIME_CHUNK}):")
    print(f"  chunks needed (from the chunk grid): {per_var_touched * len(VARIABLES)} "
          f"of {per_var_total * len(VARIABLES)}")
    print(f"  chunks xarray + zarr-python read:    {data_chunks_read} "
          f"of {per_var_total * len(VARIABLES)}")
    print("  nuthatch: nh::zarr::read(url, Selection) must touch the same "
          f"{per_var_touched * len(VARIABLES)} (not timed here: nh_zarr_copy reads whole stores)")


def print_table(size_bytes, xr_write, xr_read, nh_copy, ts_times):
    xr_total = xr_write + xr_read
    rows = [("xarray + zarr-python", f"{xr_write:.2f}", f"{xr_read:.2f}", xr_total, "1.00")]
    if nh_copy is None:
        rows.append(("nuthatch (nh_zarr_copy)", "-", "-", None, "not built"))
    else:
        rows.append(("nuthatch (nh_zarr_copy)", "-", "-", nh_copy, f"{xr_total / nh_copy:.2f}"))
    if ts_times is None:
        rows.append(("tensorstore", "-", "-", None, "not installed"))
    else:
        ts_write, ts_read = ts_times
        rows.append(("tensorstore", f"{ts_write:.2f}", f"{ts_read:.2f}", ts_write + ts_read,
                     f"{xr_total / (ts_write + ts_read):.2f}"))
    print(f"\n{size_bytes / GIB:.2f} GiB float32, {len(VARIABLES)} variables, chunks "
          f"({TIME_CHUNK}, {LAT}, {LON}), zstd level {ZSTD_LEVEL}, zarr v3; best of runs, "
          "seconds")
    print(f"{'engine':<26}{'write':>8}{'read':>8}{'write+read':>12}{'xarray/engine':>15}")
    for name, write, read, total, ratio in rows:
        total_s = "-" if total is None else f"{total:.2f}"
        print(f"{name:<26}{write:>8}{read:>8}{total_s:>12}{ratio:>15}")
    if ts_times is not None:
        print(f"tensorstore vs xarray: write {xr_write / ts_times[0]:.2f}x, "
              f"read {xr_read / ts_times[1]:.2f}x")
    if nh_copy is not None and ts_times is not None:
        print(f"nuthatch copy vs tensorstore write+read: {sum(ts_times) / nh_copy:.2f}x")
    print("nuthatch's write+read is one nh_zarr_copy run (a full read, then a full write).")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-gib", type=float, default=1.0, help="total size (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement, best kept")
    parser.add_argument("--tool", default=os.environ.get("NUTHATCH_ZARR_COPY", DEFAULT_TOOL),
                        help=f"nh_zarr_copy binary (default $NUTHATCH_ZARR_COPY or {DEFAULT_TOOL})")
    parser.add_argument("--workdir", help="where stores are written (default: a temp dir)")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="nh-zarr-bench-", dir=args.workdir)
    try:
        ds = build_dataset(args.size_gib)
        size = sum(v.nbytes for v in ds.data_vars.values())
        xr_path, xr_write, xr_read = bench_xarray(ds, workdir, args.repeat)
        nh_copy = None
        if os.access(args.tool, os.X_OK):
            nh_copy = bench_nuthatch(args.tool, xr_path, workdir, args.repeat)
        else:
            print(f"nuthatch column skipped: {args.tool} is not built", file=sys.stderr)
        ts_times = bench_tensorstore(ds, workdir, args.repeat)
        print_table(size, xr_write, xr_read, nh_copy, ts_times)
        slice_report(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
