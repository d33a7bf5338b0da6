"""Side-by-side benchmark of the Python package: nuthatch (this engine) vs the original
Nuthatch from PyPI vs joblib.Memory vs the raw libraries (pyarrow parquet, xarray + zarr),
on the same machine in one run.

Run from the repository root (see DEVELOPERS.md, "Python benchmarks"):

    build/pyvenv/bin/python bench/python/python_bench.py [--size-mib 256] [--repeat 3]

Every engine works in child processes of this script (--child), in a fresh temporary
project whose storage root is a local directory inside it:
  - nuthatch: build/pyvenv, root set by `[tool.nuthatch] filesystem` in pyproject.toml;
  - original: the original package in its own environment (--original-python, default
    build/venv-original/bin/python; it needs Python >= 3.12), configured the same way;
    it records the git commit of each write, so the project is a git repository;
  - joblib: `joblib.Memory(<root>)`, build/pyvenv;
  - raw: no cache at all: pyarrow writes / reads a parquet file (`pq.write_table`,
    `pq.read_table(...).to_pandas()`), xarray writes / reads a zarr store (`to_zarr`,
    `open_zarr(...).load()`), each with its library's defaults.
Logging below WARNING is disabled in every child (the original logs each call at INFO).

Measures (seconds; best of --repeat, page cache warm):
  hit / miss      recalling a small stored value (median of many calls), and a call whose
                  small value is not stored yet (compute + commit, median over new keys);
  frame write     the first call of a function returning a pandas DataFrame of
                  --size-mib (int64, float64, float32, a 50-value string column, datetimes);
  frame read      its first recall in a fresh process (the process imported pandas and
                  defined the function before the clock starts; nothing of the engine ran);
                  nuthatch also stores and recalls the frame with backend='arrow' (Arrow
                  IPC files, memory-mapped on recall): its rows are compared with the
                  others' frame write and read;
  dataset write   the first call of a function returning a float32 xarray.Dataset of
                  --size-mib (daily, 96 x 128 grid, two variables);
  dataset read, warm   `.load()` of a recall in the process that wrote it;
  dataset read, fresh  `.load()` of its first recall in a fresh process; for nuthatch
                  also with engine='dask' (dask-backed recall) and engine='eager' (the
                  engine reads everything at once in C++), compared with the others'
                  fresh read;
  floor           (nuthatch only) decompressing the stored dataset's chunks, already in
                  memory, with their codec on all cores into one preallocated buffer: the
                  time a recall cannot beat; and the same into fresh buffers (their
                  pages faulted in, as in a new process; allocated without numpy's
                  request for transparent huge pages, as the engine's own buffers are:
                  where the kernel's THP defrag is "madvise", that request makes the
                  first touch compact memory, 0.45 s instead of 0.10 s for 256 MiB on
                  the bench machine, which would measure the kernel, not the codec);
  machine floors  (nuthatch only, local root) what this machine allows any cache, with no
                  engine in the way: a durable atomic small write (temp file, fsync,
                  rename, folder fsync; median); encoding the dataset with its stored
                  codec on all cores; writing its stored bytes as files, each fsynced; and
                  faulting in new memory the size of the dataset and of the frame. A miss,
                  a write or a fresh recall cannot cost less than its floors;
  bytes stored    (local roots; not the original's) per result, the DataFrame's and the
                  Dataset's, as each engine stores them (nuthatch's DataFrame also with
                  backend='arrow');
  peak RSS        of the fresh-process recalls (ru_maxrss), as a multiple of the data size.
Ratios are the other engine's time divided by nuthatch's (> 1: nuthatch is faster).
`--s3` puts every root on a MinIO server started on loopback (joblib has no S3 store);
`--json FILE` writes every number; `--sweep 16,64,256,1024,2048 --plot FILE.png` also
times the fresh-process recalls at each size (MiB) and plots them (matplotlib).

This is a benchmark, not a test: it prints numbers and fails only if an engine fails.
"""
import argparse
import collections
import concurrent.futures
import contextlib
import json
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

MIB = 1 << 20
HIT_SECONDS, HIT_MIN_CALLS, HIT_MAX_CALLS = 1.0, 50, 200_000
MISS_SECONDS, MISS_MIN_CALLS, MISS_MAX_CALLS = 2.0, 5, 5_000
DEFAULT_ORIGINAL_PYTHON = "build/venv-original/bin/python"
ENGINES = ("nuthatch", "original", "joblib", "raw")
CACHES = ("nuthatch", "original", "joblib")  # the engines that cache a small value
LAT, LON, VARIABLES = 96, 128, ("t2m", "precip")
FRAME_ROW_BYTES = 8 + 8 + 4 + 8 + 8  # int64, float64, float32, a string (a reference), datetime


# --- the data --------------------------------------------------------------------------
def small(run):
    return {"key": run, "values": [1.5, 2.5, 3.5], "label": "a small value"}


def make_frame(size_mib, seed=0):
    import numpy as np
    import pandas as pd
    rows = max(1, size_mib * MIB // FRAME_ROW_BYTES)
    rng = np.random.default_rng(seed)
    labels = np.array([f"station-{i:03d}" for i in range(50)], dtype=object)
    return pd.DataFrame({
        "id": np.arange(rows, dtype=np.int64),
        "value": rng.standard_normal(rows),
        "weight": rng.random(rows, dtype=np.float32),
        "station": labels[rng.integers(0, len(labels), rows)],
        "time": pd.Timestamp("2000-01-01") + pd.to_timedelta(np.arange(rows) * 60, "s"),
    })


def make_dataset(size_mib, seed=0):
    """float32 (time x lat x lon, two variables): a smooth field plus noise rounded to
    0.01, so it compresses like measured data rather than like random bits."""
    import numpy as np
    import pandas as pd
    import xarray as xr
    n_time = max(1, size_mib * MIB // (len(VARIABLES) * LAT * LON * 4))
    rng = np.random.default_rng(seed)
    field = (280 + 20 * np.sin(np.linspace(0, 3, LAT))[:, None]
             * np.cos(np.linspace(0, 5, LON))[None, :]).astype(np.float32)
    data = {}
    for name in VARIABLES:
        values = field + rng.standard_normal((n_time, LAT, LON), dtype=np.float32)
        np.round(values, 2, out=values)
        data[name] = (("time", "lat", "lon"), values, {"units": "K"})
    return xr.Dataset(data, coords={
        "time": pd.date_range("2000-01-01", periods=n_time, freq="D"),
        "lat": np.linspace(90, -90, LAT, dtype=np.float32),
        "lon": np.linspace(0, 360, LON, endpoint=False, dtype=np.float32)})


# --- the engines -----------------------------------------------------------------------
class Raw:
    """The libraries themselves, no cache: what a cache's recall is measured against."""

    def __init__(self, root, kind):
        self.root, self.kind = root, kind

    def __call__(self, func):
        def call(run):
            path = f"{self.root}/{func.__name__}-{run}"
            if self.exists(path):
                return self.read(path)
            value = func(run)
            self.write(value, path)
            return value
        return call

    def exists(self, path):
        if is_remote(path):  # s3fs, configured by the AWS_* environment (--s3)
            import fsspec
            return fsspec.filesystem("s3").exists(path)
        return os.path.exists(path)

    def write(self, value, path):
        if self.kind == "frame":
            import pyarrow as pa
            import pyarrow.parquet as pq
            if is_remote(path):
                value.to_parquet(path, engine="pyarrow")  # through s3fs
                return
            os.makedirs(os.path.dirname(path), exist_ok=True)
            pq.write_table(pa.Table.from_pandas(value), path)
        else:
            value.to_zarr(path)

    def read(self, path):
        if self.kind == "frame":
            if is_remote(path):
                import pandas as pd
                return pd.read_parquet(path, engine="pyarrow")
            import pyarrow.parquet as pq
            return pq.read_table(path).to_pandas()
        import xarray as xr
        return xr.open_zarr(path)


def is_remote(path):
    return path.startswith("s3://")


def cached(engine, func, root, kind=None, backend=None):
    """func(run) wrapped by the engine's cache, keyed by run (stored with ``backend``
    where given: nuthatch only)."""
    if engine == "raw":
        return Raw(root if is_remote(root) else os.path.abspath(root), kind)(func)
    if engine == "joblib":
        import joblib
        return joblib.Memory(root, verbose=0).cache(func)
    from nuthatch import cache  # this package or the original, by interpreter
    if backend:
        return cache(cache_args=["run"], backend=backend)(func)
    return cache(cache_args=["run"])(func)


def timed(call):
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def repeat_for(seconds, min_calls, max_calls, call):
    times = []
    deadline = time.perf_counter() + seconds
    while len(times) < max_calls and (len(times) < min_calls or time.perf_counter() < deadline):
        times.append(timed(lambda: call(len(times)))[0])
    return times


def frame_value(run):  # the cached functions: their names key joblib's and raw's stores
    return FRAME


def frame_arrow_value(run):  # the frame again, stored by nuthatch with backend='arrow'
    return FRAME


def dataset_value(run):
    return DATASET


FRAME = DATASET = None


def child_write(engine, root, size_mib, repeat):
    """In one process: hit and miss, then `repeat` writes of the frame and the dataset
    (keys 0 .. repeat-1) with a warm `.load()` of each dataset."""
    global FRAME, DATASET
    out = {}
    if engine in CACHES:
        small_cached = cached(engine, small, os.path.join(root, "small"))
        small_cached(-1)
        hits = repeat_for(HIT_SECONDS, HIT_MIN_CALLS, HIT_MAX_CALLS,
                          lambda i: small_cached(-1))
        assert small_cached(-1) == small(-1)
        out["hit"], out["hit_calls"] = statistics.median(hits), len(hits)
        misses = repeat_for(MISS_SECONDS, MISS_MIN_CALLS, MISS_MAX_CALLS,
                            lambda i: small_cached(i))
        out["miss"], out["miss_calls"] = statistics.median(misses), len(misses)

    FRAME = make_frame(size_mib)
    os.sync()  # each phase starts with nothing waiting to be written back (see run_engine)
    out["frame_mib"] = FRAME.memory_usage(deep=False).sum() / MIB
    frame_cached = cached(engine, frame_value, os.path.join(root, "frame"), "frame")
    out["frame_write"] = min(timed(lambda: frame_cached(run))[0] for run in range(repeat))
    if engine == "nuthatch":  # the same frame as Arrow IPC files (backend='arrow')
        arrow_cached = cached(engine, frame_arrow_value, root, "frame", "arrow")
        os.sync()
        out["frame_arrow_write"] = min(timed(lambda: arrow_cached(run))[0]
                                       for run in range(repeat))
        if not is_remote(root):
            out["frame_arrow_stored_mib"] = stored_bytes(
                local_path(arrow_cached(0, filepath_only=True))) / MIB
    FRAME = None

    DATASET = make_dataset(size_mib)
    os.sync()
    out["dataset_mib"] = DATASET.nbytes / MIB
    dataset_cached = cached(engine, dataset_value, os.path.join(root, "dataset"), "dataset")
    writes, reads = [], []
    for run in range(repeat):
        writes.append(timed(lambda: dataset_cached(run))[0])
        seconds, recalled = timed(lambda: dataset_cached(run).load())
        reads.append(seconds)
        assert bool((recalled["t2m"] == DATASET["t2m"]).all()), f"{engine}: wrong data"
        del recalled
    out["dataset_write"], out["dataset_read_warm"] = min(writes), min(reads)
    if is_remote(root):
        DATASET = None
        return out  # the floors and the bytes stored are measured on a local root
    # Bytes stored per result, as each engine stores it: nuthatch's entry of run 0 (its
    # cache root is the configured one), joblib's and raw's folder of `repeat` keys.
    for key, folder, call in (("frame_stored_mib", "frame", frame_cached),
                              ("dataset_stored_mib", "dataset", dataset_cached)):
        if engine == "nuthatch":
            out[key] = stored_bytes(local_path(call(0, filepath_only=True))) / MIB
        elif engine in ("joblib", "raw"):
            out[key] = stored_bytes(os.path.join(root, folder)) / repeat / MIB
    if engine == "nuthatch":
        chunks = stored_chunks(dataset_cached)
        out["floor"], out["floor_fresh"] = decompression_floor(chunks, repeat)
        out["floor_encode"] = compression_floor(chunks, DATASET, repeat)
        out["floor_durable_write"] = durable_write_floor(chunks, os.path.join(root, "floors"),
                                                         repeat)
        out["floor_commit"] = commit_floor(os.path.join(root, "floors", "commit"))
        out["floor_pages_dataset"] = fresh_pages_floor(round(out["dataset_mib"]))
        out["floor_pages_frame"] = fresh_pages_floor(round(out["frame_mib"]))
        shutil.rmtree(os.path.join(root, "floors"))
    DATASET = None
    return out


def child_recall(engine, root, what, run):
    """In a fresh process: the first recall of what (`frame` or `dataset`) stored as run."""
    import pandas  # noqa: F401 - a user's script has imported its libraries
    import xarray  # noqa: F401
    if what in ("frame", "frame_arrow"):
        if what == "frame_arrow":
            call = cached(engine, frame_arrow_value, root, "frame", "arrow")
        else:
            call = cached(engine, frame_value, os.path.join(root, "frame"), "frame")
        seconds, value = timed(lambda: call(run))
        rows = len(value)
        assert rows > 0 and value["station"].iloc[-1].startswith("station-"), engine
    else:  # dataset: the default recall; nuthatch's with engine='dask' and 'eager'
        call = cached(engine, dataset_value, os.path.join(root, "dataset"), "dataset")
        if what in ("dataset_dask", "dataset_eager"):
            seconds, value = timed(lambda: call(run, engine=what.split("_")[1]).load())
        else:
            seconds, value = timed(lambda: call(run).load())
        assert float(value["t2m"].isel(time=-1).mean()) > 200, engine
    return {"seconds": seconds, "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def local_path(url):
    return url[len("file://"):] if url.startswith("file://") else url


@contextlib.contextmanager
def no_numpy_huge_pages():
    """numpy's arrays allocated inside without its request for transparent huge pages
    (see "floor" in the module's docstring)."""
    try:
        from numpy._core import multiarray  # numpy 2
    except ImportError:
        from numpy.core import multiarray
    huge = multiarray._get_madvise_hugepage()
    multiarray._set_madvise_hugepage(False)
    try:
        yield
    finally:
        multiarray._set_madvise_hugepage(huge)


# One stored chunk, read into memory: its variable, blosc codec and bytes, its region of
# the variable, the chunk shape, the variable's shape, its path relative to the payload.
Chunk = collections.namedtuple("Chunk", "name blosc raw region chunk shape relative")


def stored_chunks(dataset_cached):
    """The stored dataset's chunks (run 0), each a Chunk."""
    import numcodecs
    path = local_path(dataset_cached(0, filepath_only=True))
    chunks = []
    for name in VARIABLES:
        with open(os.path.join(path, name, "zarr.json")) as f:
            meta = json.load(f)
        shape, chunk = meta["shape"], meta["chunk_grid"]["configuration"]["chunk_shape"]
        codec = next(c for c in meta["codecs"] if c["name"] == "blosc")["configuration"]
        blosc = numcodecs.Blosc(cname=codec["cname"], clevel=codec["clevel"],
                                shuffle={"noshuffle": 0, "shuffle": 1,
                                         "bitshuffle": 2}[codec["shuffle"]])
        for folder, _, files in os.walk(os.path.join(path, name, "c")):
            for file in files:
                relative = os.path.relpath(os.path.join(folder, file), path)
                index = [int(p) for p in relative.split("/")[2:]]
                with open(os.path.join(folder, file), "rb") as f:
                    raw = f.read()
                region = tuple(slice(i * c, min((i + 1) * c, s))
                               for i, c, s in zip(index, chunk, shape))
                chunks.append(Chunk(name, blosc, raw, region, chunk, shape, relative))
    return chunks


def on_all_cores(job, items, rounds):
    """Seconds of each of `rounds` runs of job over items, on one thread per core."""
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        return [timed(lambda: list(pool.map(job, items)))[0] for _ in range(rounds)]


@no_numpy_huge_pages()  # its buffers, fresh as a new process's, as the engine's are
def decompression_floor(chunks, repeat):
    """Seconds to decode the stored dataset's chunks (in memory) with their codec, on all
    cores, into one preallocated buffer per variable: best of `repeat`, and the first
    round (into fresh buffers)."""
    import numpy as np
    outs = {}
    for c in chunks:
        outs.setdefault(c.name, np.empty(c.shape, dtype=np.float32))

    def decode(c):
        blosc, raw, region, chunk = c.blosc, c.raw, c.region, c.chunk
        out = outs[c.name]
        full = [r.stop - r.start for r in region] == chunk
        target = out[region] if full else np.empty(chunk, dtype=np.float32)
        if full and target.flags.c_contiguous:
            blosc.decode(raw, out=target)
        else:
            target[...] = np.frombuffer(blosc.decode(raw), dtype=np.float32).reshape(chunk)
            out[region] = target[tuple(slice(0, r.stop - r.start) for r in region)]

    # The first round fills fresh buffers (every page faulted in, as a new process's
    # recall must); the best of the others reuses them.
    times = on_all_cores(decode, chunks, max(2, repeat))
    return min(times[1:]), times[0]


# --- what this machine allows: floors no cache can beat ---------------------------------
def compression_floor(chunks, dataset, repeat):
    """Seconds to encode the dataset's values, chunk by chunk, with the stored codec on all
    cores (no file written): best of `repeat`."""
    import numpy as np
    items = [(c.blosc, np.ascontiguousarray(dataset[c.name].values[c.region]))
             for c in chunks]
    return min(on_all_cores(lambda item: item[0].encode(item[1]), items, repeat))


def durable_write_floor(chunks, folder, repeat):
    """Seconds to write the stored dataset's chunk bytes (in memory) as files of a new
    folder tree, one thread per core, each file fsynced, then each folder: what a write
    that is on disk when it returns costs on this device, before any encoding; best of
    `repeat`."""
    times = []
    for run in range(repeat):
        root = os.path.join(folder, f"durable-{run}")
        # Every folder of the tree (as the engine makes a payload durable: each file,
        # then each folder up to the one holding it).
        parents = [c.relative.split("/")[:-1] for c in chunks]
        folders = sorted({os.path.join(root, *p[:depth])
                          for p in parents for depth in range(len(p) + 1)})
        os.sync()

        def write(c):
            fd = os.open(os.path.join(root, c.relative), os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            try:
                os.write(fd, c.raw)
                os.fsync(fd)
            finally:
                os.close(fd)

        def sync_folder(path):
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

        def run_once():
            for path in folders:
                os.makedirs(path, exist_ok=True)
            with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
                list(pool.map(write, chunks))
                list(pool.map(sync_folder, folders + [folder]))

        times.append(timed(run_once)[0])
        shutil.rmtree(root)
    return min(times)


def commit_floor(folder):
    """Median seconds of the least a small write that is atomic and durable when it
    returns costs on this file system, with no engine: a 700-byte temp file written and
    fsynced, renamed over its target, the folder fsynced (DESIGN's commit protocol, in a
    folder that exists)."""
    os.makedirs(folder, exist_ok=True)
    target, temp = os.path.join(folder, "basic.json"), os.path.join(folder, ".tmp")
    payload = b"x" * 700
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)

    def commit(_):
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        os.write(fd, payload)
        os.fsync(fd)
        os.close(fd)
        os.rename(temp, target)
        os.fsync(dir_fd)

    try:
        return statistics.median(repeat_for(MISS_SECONDS, MISS_MIN_CALLS, MISS_MAX_CALLS,
                                            commit))
    finally:
        os.close(dir_fd)


@no_numpy_huge_pages()
def fresh_pages_floor(mib):
    """Seconds to fault in `mib` MiB of new memory, one thread per core each writing one
    byte per 4 KiB page of its share (no huge-page request): what any recall into new
    memory pays in a fresh process, besides decoding."""
    import numpy as np
    pages = np.empty(mib * MIB, dtype=np.uint8)
    shares = np.array_split(pages, os.cpu_count())
    seconds = min(on_all_cores(lambda share: share[::4096].fill(1), shares, 1))
    del shares, pages
    return seconds


def stored_bytes(root):
    total = 0
    for folder, _, files in os.walk(root):
        for file in files:
            try:
                total += os.lstat(os.path.join(folder, file)).st_size
            except OSError:
                pass
    return total


# --- the parent ------------------------------------------------------------------------
def child_project(engine, workdir, remote=None):
    """The child's project folder and its root: a local folder inside it, or, with
    ``remote`` (an s3:// URL), that prefix (credentials and endpoint from AWS_*)."""
    root = remote or os.path.join(workdir, "root")
    with open(os.path.join(workdir, "pyproject.toml"), "w") as f:
        f.write(f'[tool.nuthatch]\nfilesystem = "{root}"\n')
        if remote:  # fsspec's (s3fs's) form, which this package reads too
            f.write("[tool.nuthatch.filesystem_options]\n"
                    f'key = "{S3_ENV["AWS_ACCESS_KEY_ID"]}"\n'
                    f'secret = "{S3_ENV["AWS_SECRET_ACCESS_KEY"]}"\n'
                    f'endpoint_url = "{S3_ENV["AWS_ENDPOINT_URL"]}"\n')
    if engine == "original":  # it reads the current git commit on every write
        git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
        subprocess.run(git + ["init", "-q"], cwd=workdir, check=True)
        subprocess.run(git + ["commit", "-q", "--allow-empty", "-m", "bench"], cwd=workdir,
                       check=True)
    return root


S3_ENV = {}  # with --s3: the AWS_* variables that point every child at the MinIO server
S3_BUCKET = "nh-python-bench"


def start_s3():
    """A MinIO server on loopback (s3_zarr_bench.MinioServer) with the benchmark's bucket;
    S3_ENV points the children at it (nuthatch's s3 driver and s3fs both read AWS_*)."""
    import s3fs
    import s3_zarr_bench as s3b
    binary = os.environ.get("NH_TEST_MINIO") or s3b.default_minio()
    if not os.access(binary, os.X_OK):
        sys.exit(f"no MinIO binary at {binary}: run scripts/test_servers.sh first")
    server = s3b.MinioServer(binary, None)
    S3_ENV.update(AWS_ENDPOINT_URL=server.endpoint, AWS_ACCESS_KEY_ID=s3b.ACCESS_KEY,
                  AWS_SECRET_ACCESS_KEY=s3b.SECRET_KEY, AWS_REGION=s3b.REGION,
                  AWS_DEFAULT_REGION=s3b.REGION,
                  # delta-rs (the original's DataFrame backend): plain http to MinIO, and
                  # no lock service on one machine
                  AWS_ALLOW_HTTP="true", AWS_S3_ALLOW_UNSAFE_RENAME="true")
    s3fs.S3FileSystem(**s3b.storage_options(server.endpoint)).mkdir(S3_BUCKET)
    return server


def run_child(python, workdir, engine, args, root):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("NUTHATCH_") and not k.startswith("AWS_")}
    env.update(S3_ENV)
    env["XDG_CACHE_HOME"] = os.path.join(workdir, "xdg")
    cmd = [python, os.path.abspath(__file__), "--child", engine, "--root", root] + args
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} {' '.join(args)} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_engine(engine, python, size_mib, repeat, recalls_only=False, remote=None):
    """One engine's measures at one size: a dict of seconds (and sizes); on a local root,
    or under the s3:// prefix ``remote``."""
    workdir = tempfile.mkdtemp(prefix=f"nh-python-bench-{engine}-")
    try:
        root = child_project(engine, workdir, remote)
        print(f"running {engine} at {size_mib} MiB ...", file=sys.stderr, flush=True)
        os.sync()  # the last engine's writes, still going to disk, must not slow this one's
        out = run_child(python, workdir, engine,
                        ["--phase", "write", "--size-mib", str(size_mib),
                         "--repeat", str(1 if recalls_only else repeat)], root)
        whats = ["frame", "dataset"]
        if engine == "nuthatch" and not recalls_only:
            whats += ["frame_arrow", "dataset_dask", "dataset_eager"]
        for what in whats:
            recalls = [run_child(python, workdir, engine,
                                 ["--phase", "recall", "--what", what, "--run", str(run)],
                                 root)
                       for run in range(1 if recalls_only else repeat)]
            best = min(recalls, key=lambda r: r["seconds"])
            out[f"{what}_read"] = best["seconds"]
            size = out["frame_mib" if what.startswith("frame") else "dataset_mib"]
            out[f"{what}_rss_ratio"] = best["max_rss_mib"] / size
        return out
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


ROWS = [("hit, small value", "hit", 1e6, "us"),
        ("miss + commit, small value", "miss", 1e3, "ms"),
        ("DataFrame write", "frame_write", 1, "s"),
        ("DataFrame read, fresh process", "frame_read", 1, "s"),
        ("DataFrame write, backend='arrow'", "frame_arrow_write", 1, "s", "frame_write"),
        ("DataFrame read, fresh, backend='arrow'", "frame_arrow_read", 1, "s", "frame_read"),
        ("Dataset write", "dataset_write", 1, "s"),
        ("Dataset read, warm (.load())", "dataset_read_warm", 1, "s"),
        ("Dataset read, fresh process", "dataset_read", 1, "s"),
        ("Dataset read, fresh, engine='dask'", "dataset_dask_read", 1, "s", "dataset_read"),
        ("Dataset read, fresh, engine='eager' (C++)", "dataset_eager_read", 1, "s",
         "dataset_read"),
        ("Dataset decompression floor", "floor", 1, "s"),
        ("  the same into fresh buffers", "floor_fresh", 1, "s"),
        ("floor: durable atomic small write", "floor_commit", 1e3, "ms"),
        ("floor: encode the Dataset (codec, all cores)", "floor_encode", 1, "s"),
        ("floor: write its stored bytes durably", "floor_durable_write", 1, "s"),
        ("floor: fault in the Dataset's size of memory", "floor_pages_dataset", 1, "s"),
        ("floor: fault in the DataFrame's size", "floor_pages_frame", 1, "s"),
        ("DataFrame bytes stored (nuthatch: parquet)", "frame_stored_mib", 1, "MiB"),
        ("DataFrame bytes stored, backend='arrow'", "frame_arrow_stored_mib", 1, "MiB"),
        ("Dataset bytes stored", "dataset_stored_mib", 1, "MiB"),
        ("peak RSS / size, DataFrame recall", "frame_rss_ratio", 1, "x"),
        ("peak RSS / size, DataFrame recall, arrow", "frame_arrow_rss_ratio", 1, "x"),
        ("peak RSS / size, Dataset recall", "dataset_rss_ratio", 1, "x")]


def print_table(results):
    engines = [e for e in ENGINES if results.get(e)]
    others = [e for e in engines if e != "nuthatch"]
    header = ["measure"] + engines + [f"{e} / nuthatch" for e in others if "nuthatch" in engines]
    table = [header]
    for label, key, scale, unit, *compared in ROWS:
        if not any(key in results[e] for e in engines):
            continue
        row = [label] + [f"{results[e][key] * scale:.3g} {unit}" if key in results[e] else "-"
                         for e in engines]
        if "nuthatch" in engines:
            # A row of nuthatch alone (another backend or engine=) is compared with the
            # others' measure of the same thing (`compared`).
            other_key = compared[0] if compared else key
            for e in others:
                ok = (other_key in results[e] and results["nuthatch"].get(key)
                      and unit in ("s", "ms", "us"))
                row.append(f"{results[e][other_key] / results['nuthatch'][key]:.3g}x"
                           if ok else "-")
        table.append(row)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def plot(sweep, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, what, title in ((axes[0], "frame_read", "DataFrame recall (fresh process)"),
                            (axes[1], "dataset_read", "Dataset recall, .load() (fresh process)")):
        for engine, points in sweep.items():
            sizes = [s for s, r in points if r and what in r]
            ax.plot(sizes, [r[what] for s, r in points if r and what in r], marker="o",
                    label=engine)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("size (MiB)")
        ax.set_ylabel("seconds")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=256,
                        help="size of the DataFrame and of the Dataset (default 256)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best is kept")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help="comma-separated subset of " + ",".join(ENGINES))
    parser.add_argument("--original-python", default=DEFAULT_ORIGINAL_PYTHON,
                        help="interpreter of the environment holding the original package")
    parser.add_argument("--json", help="write every measure to this file")
    parser.add_argument("--sweep", help="comma-separated sizes in MiB: also time the "
                                        "fresh-process recalls at each (one round each)")
    parser.add_argument("--plot", help="with --sweep: a PNG of recall time vs size")
    parser.add_argument("--s3", action="store_true",
                        help="roots on a MinIO server this script starts on loopback "
                             "(NH_TEST_MINIO or the test scripts' cached binary): nuthatch "
                             "and the original with s3fs, raw through s3fs; joblib has no "
                             "S3 store and is left out")
    parser.add_argument("--minio", help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=("write", "recall"), help=argparse.SUPPRESS)
    parser.add_argument("--what", choices=("frame", "frame_arrow", "dataset", "dataset_dask",
                                           "dataset_eager"), help=argparse.SUPPRESS)
    parser.add_argument("--run", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        logging.disable(logging.INFO)
        if args.phase == "write":
            result = child_write(args.child, args.root, args.size_mib, args.repeat)
        else:
            result = child_recall(args.child, args.root, args.what, args.run)
        print(json.dumps(result))
        return

    pythons = {}
    for engine in args.engines.split(","):
        python = os.path.abspath(args.original_python) if engine == "original" \
            else sys.executable
        if not os.path.exists(python):
            print(f"skipping {engine}: {python} not found (see DEVELOPERS.md, Python "
                  "benchmarks)", file=sys.stderr)
            continue
        pythons[engine] = python
    server = start_s3() if args.s3 else None
    if server:
        pythons.pop("joblib", None)
    results, failed = {}, False
    try:
        for engine, python in pythons.items():
            remote = f"s3://{S3_BUCKET}/{engine}" if server else None
            try:
                results[engine] = run_engine(engine, python, args.size_mib, args.repeat,
                                             remote=remote)
            except RuntimeError as e:
                print(e, file=sys.stderr)
                failed = True
    finally:
        if server:
            server.stop()
    sweep = {}
    if args.sweep:
        for engine, python in pythons.items():
            if engine == "raw":
                continue
            sweep[engine] = []
            for size in (int(s) for s in args.sweep.split(",")):
                try:
                    sweep[engine].append((size, run_engine(engine, python, size, 1, True)))
                except RuntimeError as e:
                    print(e, file=sys.stderr)
                    failed = True
    first = next(iter(results.values()), {})
    print(f"\nDataFrame {first.get('frame_mib', 0):.0f} MiB, Dataset "
          f"{first.get('dataset_mib', 0):.0f} MiB; best of {args.repeat}; "
          f"{os.cpu_count()} cores; root: "
          f"{'S3 (MinIO on 127.0.0.1, same machine)' if args.s3 else 'local directory'}")
    print_table(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"size_mib": args.size_mib, "repeat": args.repeat, "s3": args.s3,
                       "results": results, "sweep": sweep}, f, indent=1)
    if args.plot and sweep:
        plot(sweep, args.plot)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
