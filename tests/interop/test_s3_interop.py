"""Zarr stores on S3, both ways: nuthatch's C++ codec and xarray + zarr-python through s3fs.

A real MinIO (the binary scripts/test_servers.sh builds, named by NH_TEST_MINIO) is
started on 127.0.0.1 on a free port for the module and stopped afterwards. The copy tool
reaches it through the standard AWS environment variables (credentials, region,
AWS_ENDPOINT_URL); xarray through s3fs with the same endpoint. NH_TEST_MINIO unset or a
server that does not start fails the tests: an S3 interop run that tests nothing must not
pass as skipped.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import numpy as np
import pandas as pd
import pytest
import xarray as xr

ACCESS_KEY = "nuthatch-interop"
SECRET_KEY = "nuthatch-interop-secret"
BUCKET = "interop"
START_TIMEOUT_S = 60


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def minio():
    binary = os.environ.get("NH_TEST_MINIO")
    if not binary:
        pytest.fail("NH_TEST_MINIO is not set: run scripts/test_servers.sh (scripts/test.sh does)")
    port = free_port()
    base = tempfile.mkdtemp(prefix="nh-minio-")
    data = os.path.join(base, "data")
    env = dict(os.environ, MINIO_ROOT_USER=ACCESS_KEY, MINIO_ROOT_PASSWORD=SECRET_KEY,
               MINIO_BROWSER="off")
    log = open(os.path.join(base, "minio.log"), "w+b")
    proc = subprocess.Popen([binary, "server", "--address", f"127.0.0.1:{port}",
                             "--console-address", f"127.0.0.1:{free_port()}", data],
                            env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/minio/health/live", timeout=1)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    tail = log.read().decode(errors="replace")[-2000:]
                    pytest.fail(f"MinIO did not start on {endpoint}:\n{tail}")
                time.sleep(0.2)
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def s3(minio):
    s3fs = pytest.importorskip("s3fs")  # pinned in requirements.txt: always there
    fs = s3fs.S3FileSystem(key=ACCESS_KEY, secret=SECRET_KEY,
                           client_kwargs={"endpoint_url": minio, "region_name": "us-east-1"})
    fs.mkdir(BUCKET)
    return fs


@pytest.fixture
def aws_env(minio, monkeypatch):
    """The environment the copy tool reads its S3 settings from."""
    for name, value in {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                        "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": minio}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def storage_options(s3):
    return {"key": ACCESS_KEY, "secret": SECRET_KEY,
            "client_kwargs": dict(s3.client_kwargs)}


def dataset():
    rng = np.random.default_rng(7)
    time_ = pd.date_range("2001-01-01", periods=40, freq="D")
    t2m = rng.normal(280, 5, (40, 6, 9)).astype("f4")
    t2m[3, 2, 1] = np.nan
    ds = xr.Dataset(
        {"t2m": (("time", "lat", "lon"), t2m, {"units": "K"}),
         "mask": (("lat", "lon"), rng.random((6, 9)) > 0.5),
         "count": (("time",), np.arange(40, dtype="i2"))},
        coords={"time": time_, "lat": np.linspace(-50, 50, 6), "lon": np.arange(9) * 40.0,
                "station": ("lon", [f"S{i}" for i in range(9)])},
        attrs={"title": "s3 interop"})
    ds["t2m"].encoding["chunks"] = (16, 6, 5)  # uneven edge chunks
    return ds


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_nuthatch_writes_to_s3_and_xarray_reads_through_s3fs(tmp_path, s3, aws_env, nh_copy,
                                                             zarr_format):
    src = tmp_path / "src.zarr"
    dataset().to_zarr(src, zarr_format=zarr_format, consolidated=True)
    dst = f"s3://{BUCKET}/nh-{zarr_format}.zarr"
    nh_copy(src, dst, zarr_format=zarr_format)
    assert s3.exists(f"{BUCKET}/nh-{zarr_format}.zarr/zarr.json" if zarr_format == 3
                     else f"{BUCKET}/nh-{zarr_format}.zarr/.zgroup")
    got = xr.open_zarr(dst, storage_options=storage_options(s3)).load()
    xr.testing.assert_identical(got, xr.open_zarr(src).load())


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_xarray_writes_to_s3_and_nuthatch_reads_it(tmp_path, s3, aws_env, nh_copy, zarr_format):
    src = f"s3://{BUCKET}/xr-{zarr_format}.zarr"
    expected = dataset()
    expected.to_zarr(src, zarr_format=zarr_format, consolidated=True,
                     storage_options=storage_options(s3), mode="w")
    dst = tmp_path / "copy.zarr"
    nh_copy(src, dst, zarr_format=zarr_format)
    xr.testing.assert_identical(xr.open_zarr(dst).load(),
                                xr.open_zarr(src, storage_options=storage_options(s3)).load())
