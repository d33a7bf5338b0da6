"""S3 side-by-side Zarr benchmark: nuthatch's S3 driver vs xarray + zarr-python over s3fs.

Run from the repository root, after a release build:

    cmake --build --preset release --target nh_zarr_copy
    ./scripts/python_env.sh --bench        # build/venv (xarray, zarr-python, s3fs)
    eval "$(./scripts/test_servers.sh --env)"   # NH_TEST_MINIO: the MinIO binary
    build/venv/bin/python bench/python/s3_zarr_bench.py [--size-gib 1] [--repeat 2]

It starts its own MinIO on a free port of 127.0.0.1 (data in a temporary directory),
creates a bucket, and times the dataset of bench/python/zarr_bench.py (float32, 3
variables, chunks 16 x 256 x 341, zstd level 3, zarr v3), write and read separately:
  (a) xarray + zarr-python through s3fs: `Dataset.to_zarr("s3://...")` (write) and
      `xr.open_zarr("s3://...").load()` (read);
  (b) nuthatch: `nh_zarr_copy --time` from the xarray-written store on S3 to another
      prefix of the bucket, which reads it in full (`nh::zarr::read`) and writes it again
      (`nh::zarr::write`, same chunks and codec), each phase timed inside the process. The
      tool reaches MinIO through the AWS environment variables (AWS_ENDPOINT_URL,
      AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION), which the s3 driver reads.
Each write goes to an emptied prefix (emptied untimed). The engines run in turn, --repeat
rounds, and the best write and best read of each are kept. MinIO shares the machine's
cores with the client, so the numbers measure both; the load average is printed.

This is a benchmark, not a test: it prints numbers and fails only if an engine fails.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import s3fs
import xarray as xr

import zarr_bench as zb

ACCESS_KEY = "nuthatch-bench"
SECRET_KEY = "nuthatch-bench-secret"
REGION = "us-east-1"
BUCKET = "nh-bench"
START_TIMEOUT_S = 60
START_ATTEMPTS = 5  # ports tried when another process takes the free port first


def default_minio():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(cache, "nuthatch-test", "bin", "minio")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MinioServer:
    """A MinIO process on a free loopback port, its data in a temporary directory; stopped
    (its process group) by stop()."""

    def __init__(self, binary, workdir):
        self.base = tempfile.mkdtemp(prefix="minio-", dir=workdir)
        env = dict(os.environ, MINIO_ROOT_USER=ACCESS_KEY, MINIO_ROOT_PASSWORD=SECRET_KEY,
                   MINIO_BROWSER="off", MINIO_UPDATE="off")
        self.log = open(os.path.join(self.base, "minio.log"), "w+b")
        for _ in range(START_ATTEMPTS):
            port = free_port()
            self.endpoint = f"http://127.0.0.1:{port}"
            self.proc = subprocess.Popen(
                [binary, "server", os.path.join(self.base, "data"), "--quiet",
                 "--address", f"127.0.0.1:{port}",
                 "--console-address", f"127.0.0.1:{free_port()}"],
                env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
            if self._wait_until_ours():
                return
            self._kill()
        self.log.seek(0)
        tail = self.log.read().decode(errors="replace")[-2000:]
        self.stop()
        sys.exit(f"MinIO did not start:\n{tail}")

    def _wait_until_ours(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with urllib.request.urlopen(f"{self.endpoint}/minio/health/live",
                                            timeout=1) as answer:
                    return "MinIO" in answer.headers.get("Server", "")
            except OSError:
                time.sleep(0.2)
        return False

    def _kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()

    def stop(self):
        self._kill()
        self.log.close()
        shutil.rmtree(self.base, ignore_errors=True)


def storage_options(endpoint):
    """s3fs's options for the server (also what xarray passes to s3fs)."""
    return {"key": ACCESS_KEY, "secret": SECRET_KEY,
            "client_kwargs": {"endpoint_url": endpoint, "region_name": REGION}}


def tool_env(endpoint):
    """The environment nh_zarr_copy's s3 driver reads its endpoint and credentials from."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("AWS_") and not name.startswith("NUTHATCH_")}
    env.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID=ACCESS_KEY,
               AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_REGION=REGION)
    return env


def empty(fs, path):
    if fs.exists(path):
        fs.rm(path, recursive=True)
    fs.invalidate_cache()


def xarray_engine(ds, fs, endpoint):
    """One (write, read) run of xarray + zarr-python through s3fs; the store it writes is
    nuthatch's source."""
    url = f"s3://{BUCKET}/xarray.zarr"
    options = storage_options(endpoint)

    def run():
        empty(fs, url)
        write = zb.timed(lambda: ds.to_zarr(url, mode="w", zarr_format=3, consolidated=True,
                                            encoding=zb.xarray_encoding(ds),
                                            storage_options=options))
        read = zb.timed(lambda: xr.open_zarr(url, consolidated=True,
                                             storage_options=options).load())
        return write, read

    return url, run


def nuthatch_engine(tool, source, fs, endpoint):
    """One (write, read) run of `nh_zarr_copy --time` from S3 to S3."""
    dest = f"s3://{BUCKET}/nuthatch.zarr"
    cmd = [tool, source, dest, "--zarr-format", "3", "--compressor", "zstd", "--time"]
    env = tool_env(endpoint)

    def run():
        empty(fs, dest)
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            sys.exit(f"nh_zarr_copy failed ({proc.returncode}): {proc.stderr.strip()}")
        times = json.loads(proc.stdout.strip().splitlines()[-1])
        return times["write_s"], times["read_s"]

    def check():
        """Not timed: the copy must be the same data, or the time means nothing."""
        options = storage_options(endpoint)
        got = xr.open_zarr(dest, storage_options=options).isel(time=slice(0, 2)).load()
        want = xr.open_zarr(source, storage_options=options).isel(time=slice(0, 2)).load()
        xr.testing.assert_equal(got, want)

    return run, check


def load_average():
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def print_table(size_bytes, xr_times, nh_times):
    zb.print_engine_times(size_bytes, " on S3 (MinIO, 127.0.0.1)",
                          [("xarray + zarr-python + s3fs", xr_times),
                           ("nuthatch (nh_zarr_copy --time)", nh_times)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-gib", type=float, default=1.0, help="total size (default 1)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement, best kept")
    parser.add_argument("--tool", default=os.environ.get("NUTHATCH_ZARR_COPY", zb.DEFAULT_TOOL),
                        help=f"nh_zarr_copy binary (default $NUTHATCH_ZARR_COPY or "
                             f"{zb.DEFAULT_TOOL})")
    parser.add_argument("--minio", default=os.environ.get("NH_TEST_MINIO") or default_minio(),
                        help="MinIO binary (default $NH_TEST_MINIO, else where "
                             "scripts/test_servers.sh builds it)")
    parser.add_argument("--workdir", help="where MinIO keeps its data (default: a temp dir)")
    args = parser.parse_args()
    if not os.access(args.minio, os.X_OK):
        sys.exit(f"no MinIO binary at {args.minio}: run scripts/test_servers.sh, or pass --minio")

    print(f"before: {load_average()}")
    server = MinioServer(args.minio, args.workdir)
    try:
        fs = s3fs.S3FileSystem(**storage_options(server.endpoint))
        fs.mkdir(BUCKET)
        ds = zb.build_dataset(args.size_gib)
        size = sum(v.nbytes for v in ds.data_vars.values())
        xr_url, xr_run = xarray_engine(ds, fs, server.endpoint)
        xr_run()  # untimed: writes the store nuthatch copies, and warms up the server
        engines = {"xarray": xr_run}
        nh_check = None
        if os.access(args.tool, os.X_OK):
            engines["nuthatch"], nh_check = nuthatch_engine(args.tool, xr_url, fs,
                                                            server.endpoint)
        else:
            print(f"nuthatch column skipped: {args.tool} is not built", file=sys.stderr)
        best = zb.best_of_rounds(engines, args.repeat)
        if nh_check is not None:
            nh_check()
        print_table(size, best["xarray"], best.get("nuthatch"))
        print(f"after: {load_average()}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
