#!/usr/bin/env bash
# The whole test suite: set up, then build and run every test in the release build and
# in the sanitizer build (ASan + UBSan), then (when enabled) the Zarr interoperability
# tests against xarray and zarr-python.
set -euo pipefail
cd "$(dirname "$0")/.."

# Zarr interoperability tests (tests/interop: pytest against xarray and zarr-python in
# build/venv). On by default; RUN_INTEROP=0 skips them for a quick C++-only run.
RUN_INTEROP=${RUN_INTEROP:-1}

./scripts/setup.sh
for preset in release asan; do
  echo "== $preset: build"
  cmake --preset "$preset" > /dev/null
  cmake --build --preset "$preset"
  echo "== $preset: test"
  ctest --preset "$preset"
done

if [ "$RUN_INTEROP" = 1 ]; then
  echo "== interop: zarr with xarray and zarr-python"
  ./scripts/python_env.sh
  # Any non-zero pytest status fails the suite under `set -e`, including 5 (no tests
  # collected): an interop run that tests nothing is a failure.
  NUTHATCH_ZARR_COPY=build/release/tests/cpp/nh_zarr_copy \
    build/venv/bin/python -m pytest tests/interop -q
fi
