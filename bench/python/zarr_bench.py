"""Side-by-side Zarr benchmark: nuthatch's C++ codec vs xarray + zarr-python 3 vs tensorstore.

Run from the repository root, after a release build:

    ./scripts/python_env.sh --bench        # build/venv with the pinned packages (+ tensorstore)
    build/venv/bin/python bench/python/zarr_bench.py [--size-gib 1] [--repeat 3]

A float32 dataset of 3 variables (time x lat x lon, ~size-gib in total), zstd level 3,
the same fixed chunks everywhere:
  (a) xarray + zarr-python: `Dataset.to_zarr` (write) and `xr.open_zarr(...).load()` (read);
  (b) nuthatch: `nh_zarr_copy --time` of the xarray-written store, which reads it in full
      (`nh::zarr::read`) and writes it again (`nh::zarr::write`, zstd level 3, same
      chunks) and prints the seconds of each phase, timed inside the process;
  (c) tensorstore (if installed): zarr3 driver, same chunks and codecs, write and read.
The engines run in turn, --repeat rounds (so a load that comes and goes on a shared
machine hits them alike), and the best write and best read of each are kept, with a warm
page cache.
Ratios are the other engine's time divided by nuthatch's (> 1 means nuthatch is faster),
for write and read separately.

Also reports the partial read the `timeseries` processor depends on: a 1-month slice of a
10-year daily record, as chunks touched vs total (counted through a wrapping store while
xarray reads the slice, and computed from the chunk grid).

This is a benchmark, not a test: it prints numbers and fails only if an engine fails.
"""
import argparse
import json
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


def timed(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def xarray_engine(ds, workdir):
    """One (write, read) run of xarray + zarr-python; the store it writes is nuthatch's source."""
    path = os.path.join(workdir, "xarray.zarr")

    def run():
        write = timed(lambda: ds.to_zarr(path, mode="w", zarr_format=3, consolidated=True,
                                         encoding=xarray_encoding(ds)))
        read = timed(lambda: xr.open_zarr(path, consolidated=True).load())
        return write, read

    return path, run


def nuthatch_engine(tool, source, workdir):
    """One (write, read) run of `nh_zarr_copy --time`, which times each phase itself."""
    dest = os.path.join(workdir, "nuthatch.zarr")
    cmd = [tool, source, dest, "--zarr-format", "3", "--compressor", "zstd", "--time"]

    def run():
        shutil.rmtree(dest, ignore_errors=True)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"nh_zarr_copy failed ({proc.returncode}): {proc.stderr.strip()}")
        times = json.loads(proc.stdout.strip().splitlines()[-1])
        return times["write_s"], times["read_s"]

    def check():
        """Not timed: the copy must be the same data, or the time means nothing."""
        got = xr.open_zarr(dest).isel(time=slice(0, 2)).load()
        want = xr.open_zarr(source).isel(time=slice(0, 2)).load()
        xr.testing.assert_equal(got, want)

    return run, check


def tensorstore_engine(ds, workdir):
    """One (write, read) run of tensorstore's zarr3 driver; None when it is not installed."""
    try:
        import tensorstore as ts
    except ImportError:
        return None

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

    def run():
        arrays = {}

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

        return timed(write), timed(read)

    return run


def best_of_rounds(engines, repeat):
    """Runs the engines in turn, `repeat` rounds, so a load that comes and goes on a shared
    machine hits them alike; the best write and the best read of each engine are kept."""
    best = {name: [math.inf, math.inf] for name in engines}
    for _ in range(repeat):
        for name, run in engines.items():
            write, read = run()
            best[name][0] = min(best[name][0], write)
            best[name][1] = min(best[name][1], read)
    return {name: tuple(times) for name, times in best.items()}


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


def print_engine_times(size_bytes, where, engines):
    """The table of (name, (write, read) seconds or None) of engines, the first the
    baseline and the second nuthatch, then nuthatch's speed-up against each other one."""
    print(f"\n{size_bytes / GIB:.2f} GiB float32{where}, {len(VARIABLES)} variables, chunks "
          f"({TIME_CHUNK}, {LAT}, {LON}), zstd level {ZSTD_LEVEL}, zarr v3; best of runs, "
          "seconds")
    print(f"{'engine':<32}{'write':>8}{'read':>8}{'write+read':>12}{'write GiB/s':>13}"
          f"{'read GiB/s':>12}")
    for name, times in engines:
        if times is None:
            print(f"{name:<32}{'-':>8}{'-':>8}{'-':>12}   (not available)")
            continue
        write, read = times
        print(f"{name:<32}{write:>8.2f}{read:>8.2f}{write + read:>12.2f}"
              f"{size_bytes / GIB / write:>13.2f}{size_bytes / GIB / read:>12.2f}")
    nh_times = engines[1][1]
    if nh_times is None:
        return
    print("nuthatch speed-up (other engine's seconds / nuthatch's; > 1: nuthatch is faster):")
    for name, times in engines[:1] + engines[2:]:
        if times is None:
            continue
        print(f"  vs {name:<28} write {times[0] / nh_times[0]:5.2f}x   "
              f"read {times[1] / nh_times[1]:5.2f}x   "
              f"write+read {sum(times) / sum(nh_times):5.2f}x")


def print_table(size_bytes, xr_times, nh_times, ts_times):
    # targets: >= 2x vs xarray, >= 1x vs tensorstore
    print_engine_times(size_bytes, "", [("xarray + zarr-python", xr_times),
                                        ("nuthatch (nh_zarr_copy --time)", nh_times),
                                        ("tensorstore", ts_times)])


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
        xr_path, xr_run = xarray_engine(ds, workdir)
        xr_run()  # untimed: writes the store nuthatch copies, and warms the page cache
        engines = {"xarray": xr_run}
        nh_check = None
        if os.access(args.tool, os.X_OK):
            engines["nuthatch"], nh_check = nuthatch_engine(args.tool, xr_path, workdir)
        else:
            print(f"nuthatch column skipped: {args.tool} is not built", file=sys.stderr)
        ts_run = tensorstore_engine(ds, workdir)
        if ts_run is not None:
            engines["tensorstore"] = ts_run
        best = best_of_rounds(engines, args.repeat)
        if nh_check is not None:
            nh_check()
        print_table(size, best["xarray"], best.get("nuthatch"), best.get("tensorstore"))
        slice_report(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
