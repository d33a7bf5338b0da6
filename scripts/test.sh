#!/usr/bin/env bash
# The whole test suite: set up, then build and run every test in the release build and
# in the sanitizer build (ASan + UBSan).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
for preset in release asan; do
  echo "== $preset: build"
  cmake --preset "$preset" > /dev/null
  cmake --build --preset "$preset"
  echo "== $preset: test"
  ctest --preset "$preset"
done
