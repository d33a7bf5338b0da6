#!/usr/bin/env bash
# The whole test suite: set up (including the S3, GCS and Azure test servers:
# scripts/test_servers.sh, scripts/test_servers_gcs_azure.sh),
# then build and run every test in the release build and in the sanitizer build (ASan +
# UBSan), then (when enabled) the Zarr interoperability tests against xarray and
# zarr-python.
set -euo pipefail
cd "$(dirname "$0")/.."

# Zarr interoperability tests (tests/interop: pytest against xarray and zarr-python in
# build/venv). On by default; RUN_INTEROP=0 skips them for a quick C++-only run.
RUN_INTEROP=${RUN_INTEROP:-1}

./scripts/setup.sh
# The S3 servers the storage tests start (MinIO, moto): built / installed once, cached.
# Exported so that every server test runs; one that cannot start its server fails.
server_env=$(./scripts/test_servers.sh --env)  # a failure stops the suite (set -e)
eval "$server_env"
# The GCS and Azure emulators (fake-gcs-server from its Go module, Azurite from npm).
server_env=$(./scripts/test_servers_gcs_azure.sh --env)
eval "$server_env"
for preset in release asan; do
  echo "== $preset: build"
  cmake --preset "$preset" > /dev/null
  cmake --build --preset "$preset"
  echo "== $preset: test"
  ctest --preset "$preset"
done

# libFuzzer targets for every parser of stored bytes (fuzz/): built with clang in
# build/fuzz, each run for a bounded time (about a minute in all); any finding fails.
echo "== fuzz"
./scripts/fuzz.sh

if [ "$RUN_INTEROP" = 1 ]; then
  echo "== interop: zarr with xarray and zarr-python"
  ./scripts/python_env.sh
  # Any non-zero pytest status fails the suite under `set -e`, including 5 (no tests
  # collected): an interop run that tests nothing is a failure.
  NUTHATCH_ZARR_COPY=build/release/tests/cpp/nh_zarr_copy \
    build/venv/bin/python -m pytest tests/interop -q
fi

# The Python package (tests/python): pip builds and installs it (the engine,
# nuthatch._core and the `nuthatch` command) into build/pyvenv, then pytest runs; the
# cross-language tests use the release build's nh_cross_lang. RUN_PYTHON=0 skips them.
if [ "${RUN_PYTHON:-1}" = 1 ]; then
  echo "== python: the nuthatch package"
  ./scripts/python_env.sh --package
  CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
    build/pyvenv/bin/python -m pip install --quiet --disable-pip-version-check \
    --no-build-isolation --no-deps .
  NUTHATCH_CROSS_TOOL=build/release/tests/cpp/nh_cross_lang \
    build/pyvenv/bin/python -m pytest tests/python -q
  # The original Nuthatch's own test suite, unchanged, against this package: every test
  # passes except those listed, with the reason, in tests/original/expected.txt.
  echo "== python: the original Nuthatch's tests"
  tests/original/run.sh
fi
