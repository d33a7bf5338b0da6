#!/usr/bin/env bash
# Creates (or reuses) the Python environment for the Zarr interoperability tests and the
# Python benchmarks: a virtual environment at build/venv holding the exact versions pinned
# in tests/interop/requirements.txt. Idempotent: when the environment already matches the
# pins, it installs nothing and prints one line.
#
#   ./scripts/python_env.sh           # test environment
#   ./scripts/python_env.sh --servers # also the test servers (tests/servers/requirements.txt:
#                                     # moto); used by scripts/test_servers.sh
#   ./scripts/python_env.sh --bench   # also the benchmark extras (bench/python/requirements.txt);
#                                     # a package that does not install is a warning, not a failure
#   ./scripts/python_env.sh --package # build/pyvenv for the Python package's tests
#                                     # (tests/python/requirements.txt: build backend, pyarrow, distributed)
#   ./scripts/python_env.sh --package --bench   # flags combine: the package's environment
#                                               # with the benchmark extras
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=build/venv
TEST_REQUIREMENTS=tests/interop/requirements.txt
BENCH_REQUIREMENTS=bench/python/requirements.txt
SERVER_REQUIREMENTS=tests/servers/requirements.txt

with_bench=0
with_servers=0
for arg in "$@"; do  # any of them, together: e.g. --package --bench
  case "$arg" in
    --bench) with_bench=1 ;;
    --servers) with_servers=1 ;;
    --package) VENV=build/pyvenv; TEST_REQUIREMENTS=tests/python/requirements.txt ;;
    *) echo "usage: $0 [--package] [--bench] [--servers]" >&2; exit 2 ;;
  esac
done

if [ ! -x "$VENV/bin/python" ]; then
  if ! python3 -m venv "$VENV"; then
    echo "python_env: 'python3 -m venv' failed; install Python 3.11 with venv support" \
         "(Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
fi

# Installs requirements file $1 (stamp name $2) unless the stamp says this exact file is already installed.
install_pinned() {
  local requirements=$1 stamp=$VENV/.installed-$2.sha256
  local want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" || return 1
  echo "$want" > "$stamp"
}

install_pinned "$TEST_REQUIREMENTS" tests
if ((with_servers)); then
  install_pinned "$SERVER_REQUIREMENTS" servers
fi
if ((with_bench)); then
  install_pinned "$BENCH_REQUIREMENTS" bench ||
    echo "python_env: warning: $BENCH_REQUIREMENTS did not install; its benchmark columns are skipped" >&2
fi
echo "python env ready"
