"""Fixtures for the Zarr interoperability tests.

The tool under test is `nh_zarr_copy SRC DST [--zarr-format 2|3]
[--compressor zstd|blosc|gzip|none] [--no-consolidated]`, named by the environment
variable NUTHATCH_ZARR_COPY. A missing or non-executable tool fails every test: a test
that cannot run must not pass as skipped.
"""
import os
import subprocess

import pytest

TOOL_ENV = "NUTHATCH_ZARR_COPY"
TOOL_TIMEOUT_S = 300


@pytest.fixture(scope="session")
def copy_tool():
    path = os.environ.get(TOOL_ENV)
    if not path:
        pytest.fail(f"{TOOL_ENV} is not set: point it at the nh_zarr_copy binary")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"{TOOL_ENV}={path!r} is not an executable file")
    return path


@pytest.fixture
def nh_copy(copy_tool):
    """Runs the tool; fails the test with its stderr unless it exits 0."""

    def run(src, dst, *, zarr_format, compressor="zstd", consolidated=True):
        cmd = [copy_tool, str(src), str(dst), "--zarr-format", str(zarr_format),
               "--compressor", compressor]
        if not consolidated:
            cmd.append("--no-consolidated")
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
        if proc.returncode != 0:
            pytest.fail(f"{' '.join(cmd[1:])} exited {proc.returncode}:\n{proc.stderr.strip()}",
                        pytrace=False)
        return dst

    return run
