"""Side-by-side benchmark of the Python package: nuthatch (this engine) vs the original
Nuthatch from PyPI vs joblib.Memory, on the same machine in one run.

Run from the repository root (see DEVELOPERS.md, "Python benchmarks"):

    build/pyvenv/bin/python bench/python/python_bench.py [--size-gib 1] [--repeat 2]

Each engine runs in its own child process (this script with --engine), in a fresh
temporary project whose storage root is a local directory inside it:
  - nuthatch: build/pyvenv, root set by `[tool.nuthatch] filesystem` in pyproject.toml;
  - original: the original package in its own environment (--original-python, default
    build/venv-original/bin/python; it needs Python >= 3.12), configured the same way
    (its only configuration); it records the git commit of each write, so the project
    is a git repository with one commit;
  - joblib: `joblib.Memory(<root>)`, build/pyvenv.
Logging below WARNING is disabled in every child (the original logs each call at INFO).

Measures:
  (a) hit: latency of recalling a small value (a dict of a few scalars and a list) that
      is already stored, median over many calls (nothing memoized in memory);
  (b) miss: latency of a call whose small value is not stored yet (key, compute, write),
      median over distinct keys;
  (c) dataset write / read: a float32 xarray.Dataset of --size-gib (3 variables, time x
      256 x 341, in memory), returned by a cached function: the first call (write) and a
      recall fully loaded (`.load()`; read), best of --repeat, page cache warm. The rounds
      run in one process, so from the second on nuthatch's buffer pool hands the
      buffers of the dataset released before to this one (--buffer-pool-bytes 0: off).
Each engine stores the dataset with its own defaults (chunks, compression). Ratios are
the other engine's time divided by nuthatch's (> 1: nuthatch is faster). Targets: hit
>= 100x the original and >= 5x joblib; dataset write and read >= 2x the original.

This is a benchmark, not a test: it prints numbers and fails only if an engine fails.
"""
import argparse
import json
import logging
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

GIB = 1 << 30
VARIABLES = ("t2m", "u10", "v10")
LAT, LON = 256, 341
FLOAT32_BYTES = 4
HIT_SECONDS, HIT_MIN_CALLS, HIT_MAX_CALLS = 1.0, 50, 200_000
MISS_SECONDS, MISS_MIN_CALLS, MISS_MAX_CALLS = 2.0, 5, 5_000
DEFAULT_ORIGINAL_PYTHON = "build/venv-original/bin/python"
ENGINES = ("nuthatch", "original", "joblib")


def small(x):
    return {"key": x, "values": [1.5, 2.5, 3.5], "label": "a small value"}


def make_dataset(size_gib):
    """~size_gib of float32 (time x lat x lon, 3 variables): a smooth field plus noise
    rounded to 0.01, so it compresses like measured data rather than like random bits."""
    import numpy as np
    import pandas as pd
    import xarray as xr

    n_time = max(1, math.ceil(size_gib * GIB / (len(VARIABLES) * LAT * LON * FLOAT32_BYTES)))
    rng = np.random.default_rng(0)
    field = (280 + 20 * np.sin(np.linspace(0, 3, LAT))[:, None]
             * np.cos(np.linspace(0, 5, LON))[None, :]).astype(np.float32)
    data = {}
    for name in VARIABLES:
        values = np.empty((n_time, LAT, LON), dtype=np.float32)
        for t in range(n_time):
            values[t] = field + rng.standard_normal((LAT, LON), dtype=np.float32)
        np.round(values, 2, out=values)
        data[name] = (("time", "lat", "lon"), values, {"units": "K"})
    return xr.Dataset(data, coords={
        "time": pd.date_range("2000-01-01", periods=n_time, freq="6h"),
        "lat": np.linspace(90, -90, LAT, dtype=np.float32),
        "lon": np.linspace(0, 360, LON, endpoint=False, dtype=np.float32)})


def cached(engine, func, cache_args, root):
    """func wrapped by the engine's cache, keyed by cache_args."""
    if engine == "joblib":
        import joblib
        return joblib.Memory(root, verbose=0).cache(func)
    from nuthatch import cache  # this package or the original, by interpreter
    return cache(cache_args=cache_args)(func)


def timed(call):
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def repeat_for(seconds, min_calls, max_calls, call):
    """Per-call seconds of call(i), i = 0, 1, ..., for at least `seconds` and `min_calls`."""
    times = []
    deadline = time.perf_counter() + seconds
    while len(times) < max_calls and (len(times) < min_calls or time.perf_counter() < deadline):
        times.append(timed(lambda: call(len(times)))[0])
    return times


def run_engine(engine, root, size_gib, repeat):
    """The measures of one engine, in this process: a dict of seconds."""
    logging.disable(logging.INFO)
    out = {}
    small_cached = cached(engine, small, ["x"], os.path.join(root, "small"))

    small_cached(0)  # (a) stored once, then recalled
    hits = repeat_for(HIT_SECONDS, HIT_MIN_CALLS, HIT_MAX_CALLS, lambda i: small_cached(0))
    assert small_cached(0) == small(0)
    out["hit"] = statistics.median(hits)
    out["hit_calls"] = len(hits)

    misses = repeat_for(MISS_SECONDS, MISS_MIN_CALLS, MISS_MAX_CALLS,
                        lambda i: small_cached(i + 1))  # (b) a new key each call
    out["miss"] = statistics.median(misses)
    out["miss_calls"] = len(misses)

    dataset = make_dataset(size_gib)  # (c) built before timing; the function returns it
    out["dataset_gib"] = dataset.nbytes / GIB

    def big(run):
        return dataset

    big_cached = cached(engine, big, ["run"], os.path.join(root, "big"))
    writes, reads = [], []
    for run in range(repeat):
        writes.append(timed(lambda: big_cached(run))[0])
        seconds, recalled = timed(lambda: big_cached(run).load())
        reads.append(seconds)
        last = dataset["v10"].isel(time=-1).values
        assert (recalled["v10"].isel(time=-1).values == last).all(), f"{engine}: wrong data"
        del recalled
    out["write"], out["read"] = min(writes), min(reads)
    return out


def child_project(engine, workdir):
    """A fresh project directory for one engine; returns its storage root."""
    root = os.path.join(workdir, "root")
    with open(os.path.join(workdir, "pyproject.toml"), "w") as f:
        f.write(f'[tool.nuthatch]\nfilesystem = "{root}"\n')
    if engine == "original":  # it reads the current git commit on every write
        git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
        subprocess.run(git + ["init", "-q"], cwd=workdir, check=True)
        subprocess.run(git + ["commit", "-q", "--allow-empty", "-m", "bench"], cwd=workdir,
                       check=True)
    return root


def run_child(engine, python, size_gib, repeat, buffer_pool_bytes=None):
    """Runs one engine in a child process in a fresh project; its measures, or None."""
    workdir = tempfile.mkdtemp(prefix=f"nh-python-bench-{engine}-")
    try:
        root = child_project(engine, workdir)
        env = {k: v for k, v in os.environ.items() if not k.startswith("NUTHATCH_")}
        env["XDG_CACHE_HOME"] = os.path.join(workdir, "xdg")
        if engine == "nuthatch" and buffer_pool_bytes is not None:
            env["NUTHATCH_BUFFER_POOL_BYTES"] = str(buffer_pool_bytes)
        cmd = [python, os.path.abspath(__file__), "--engine", engine, "--root", root,
               "--size-gib", str(size_gib), "--repeat", str(repeat)]
        print(f"running {engine} ...", file=sys.stderr, flush=True)
        proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{engine} failed:\n{proc.stderr[-4000:]}", file=sys.stderr)
            return None
        return json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def print_table(results):
    rows = [("hit, small value", "hit", 1e6, "us"), ("miss + write, small value", "miss", 1e3, "ms"),
            ("dataset write", "write", 1, "s"), ("dataset read (.load())", "read", 1, "s")]
    engines = [e for e in ENGINES if results.get(e)]
    others = [e for e in engines if e != "nuthatch"]
    header = ["measure"] + engines + [f"{e} / nuthatch" for e in others if "nuthatch" in engines]
    table = [header]
    for label, key, scale, unit in rows:
        row = [label] + [f"{results[e][key] * scale:.4g} {unit}" for e in engines]
        if "nuthatch" in engines:
            row += [f"{results[e][key] / results['nuthatch'][key]:.3g}x" for e in others]
        table.append(row)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-gib", type=float, default=1.0,
                        help="size of the dataset of (c) (default 1)")
    parser.add_argument("--repeat", type=int, default=2, help="rounds of (c); the best is kept")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help="comma-separated subset of " + ",".join(ENGINES))
    parser.add_argument("--original-python", default=DEFAULT_ORIGINAL_PYTHON,
                        help="interpreter of the environment holding the original package")
    parser.add_argument("--buffer-pool-bytes", type=int,
                        help="nuthatch's buffer pool limit (NUTHATCH_BUFFER_POOL_BYTES; 0 "
                             "turns pooling off; default: the engine's own)")
    parser.add_argument("--engine", choices=ENGINES, help=argparse.SUPPRESS)  # child mode
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.engine:
        print(json.dumps(run_engine(args.engine, args.root, args.size_gib, args.repeat)))
        return

    results = {}
    for engine in args.engines.split(","):
        python = os.path.abspath(args.original_python) if engine == "original" \
            else sys.executable
        if not os.path.exists(python):
            print(f"skipping {engine}: {python} not found (see DEVELOPERS.md, Python "
                  "benchmarks)", file=sys.stderr)
            continue
        results[engine] = run_child(engine, python, args.size_gib, args.repeat,
                                    args.buffer_pool_bytes)
    sizes = {round(r["dataset_gib"], 3) for r in results.values() if r}
    calls = {e: f"{r['hit_calls']} hits, {r['miss_calls']} misses" for e, r in results.items() if r}
    print(f"\ndataset {', '.join(map(str, sizes))} GiB, best of {args.repeat}; calls: {calls}")
    print_table(results)
    if not all(results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
