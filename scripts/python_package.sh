#!/usr/bin/env bash
# Builds and installs the Python package (the engine, nuthatch._core and the `nuthatch`
# command) into build/pyvenv, made by scripts/python_env.sh --package. Idempotent: the
# install is skipped while a hash of the sources it is built from matches the stamp of the
# last install; otherwise pip rebuilds incrementally in build/<wheel tag>/.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/python_env.sh --package
stamp=build/pyvenv/.installed-package.sha256
want=$(find CMakeLists.txt pyproject.toml cmake include src python -type f \
         ! -name '*.pyc' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] &&
   build/pyvenv/bin/python -c "import nuthatch._core" 2>/dev/null; then
  echo "nuthatch package up to date"
  exit 0
fi
echo "building and installing the nuthatch package into build/pyvenv (minutes the first time)"
CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
  build/pyvenv/bin/python -m pip install --quiet --disable-pip-version-check \
  --no-build-isolation --no-deps .
echo "$want" > "$stamp"
