#!/usr/bin/env bash
# Installs the S3 servers the storage tests start on 127.0.0.1 (DESIGN §10), idempotently
# and cached, and prints where they are:
#   - MinIO, built once from its Go module with the machine's Go toolchain into
#     ${XDG_CACHE_HOME:-~/.cache}/nuthatch-test/bin (skipped when the binary is there);
#   - moto's server, from PyPI into build/venv (pinned in tests/servers/requirements.txt).
#     run by build/venv/bin/moto_atomic (tests/servers/moto_atomic.py: atomic conditional
#     writes);
#   - PostgreSQL, Debian's package (apt, only when missing), for the sql backend's tests,
#     which start their own cluster (tests/servers/postgres_server.py: initdb, pg_ctl);
#     NH_TEST_POSTGRES is the directory of its binaries;
#   - Chromium, Debian's package (apt, only when missing), headless, for the test that
#     draws the lineage page (`nuthatch lineage --format html`): NH_TEST_CHROMIUM.
#
#   ./scripts/test_servers.sh          # install; print NH_TEST_MINIO=..., NH_TEST_MOTO=...
#                                      # NH_TEST_POSTGRES=..., NH_TEST_CHROMIUM=...
#   eval "$(./scripts/test_servers.sh --env)"   # ... and export them into this shell
#
# scripts/test.sh exports both before ctest, so every server test runs there. A test whose
# variable is set but whose server does not start fails; unset, it is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

# A MinIO revision that builds with Go 1.26 (MinIO tags are not semver: a pseudo-version).
MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/nuthatch-test
BIN_DIR=$CACHE_DIR/bin
MINIO=$BIN_DIR/minio
MINIO_STAMP=$BIN_DIR/minio.version
MOTO_SERVER=$PWD/build/venv/bin/moto_server
# moto_server run with atomic conditional writes (tests/servers/moto_atomic.py says why).
MOTO=$PWD/build/venv/bin/moto_atomic

print_env=0
case "${1:-}" in
  "") ;;
  --env) print_env=1 ;;
  *) echo "usage: $0 [--env]" >&2; exit 2 ;;
esac

# Progress goes to stderr, so --env prints only the exports.
if [ ! -x "$MINIO" ] || [ "$(cat "$MINIO_STAMP" 2>/dev/null)" != "$MINIO_VERSION" ]; then
  if ! command -v go > /dev/null; then
    echo "test_servers: 'go' is not on PATH; install Go (1.24 or later) to build MinIO" >&2
    exit 1
  fi
  echo "test_servers: building MinIO $MINIO_VERSION with $(go version) (once; a few minutes)" >&2
  mkdir -p "$BIN_DIR"
  start=$(date +%s)
  GOBIN=$BIN_DIR GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
    go install "$MINIO_MODULE@$MINIO_VERSION" >&2
  echo "$MINIO_VERSION" > "$MINIO_STAMP"
  echo "test_servers: MinIO built in $(( $(date +%s) - start )) s" >&2
fi

./scripts/python_env.sh --servers >&2
if [ ! -x "$MOTO_SERVER" ]; then
  echo "test_servers: $MOTO_SERVER is missing after installing tests/servers/requirements.txt" >&2
  exit 1
fi
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$PWD/build/venv/bin/python" \
  "$PWD/tests/servers/moto_atomic.py" > "$MOTO"
chmod +x "$MOTO"

# Installs Debian packages that are not installed yet ($1: what they are, for the log).
apt_install_missing() {
  local what=$1 missing=()
  shift
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  echo "test_servers: installing $what (Debian's ${missing[*]})" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
}

apt_install_missing "PostgreSQL" postgresql
# Chromium, headless: the lineage page's test draws it in a browser.
apt_install_missing "Chromium" chromium
CHROMIUM=$(command -v chromium || true)
if [ -z "$CHROMIUM" ]; then
  echo "test_servers: chromium is missing after installing it" >&2
  exit 1
fi

# The newest installed major version's binaries (initdb and pg_ctl are not on PATH).
POSTGRES=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$POSTGRES" ] || [ ! -x "$POSTGRES/initdb" ]; then
  echo "test_servers: PostgreSQL's initdb is missing after installing postgresql" >&2
  exit 1
fi

if ((print_env)); then
  echo "export NH_TEST_MINIO='$MINIO'"
  echo "export NH_TEST_MOTO='$MOTO'"
  echo "export NH_TEST_POSTGRES='$POSTGRES'"
  echo "export NH_TEST_CHROMIUM='$CHROMIUM'"
else
  echo "NH_TEST_MINIO=$MINIO"
  echo "NH_TEST_MOTO=$MOTO"
  echo "NH_TEST_POSTGRES=$POSTGRES"
  echo "NH_TEST_CHROMIUM=$CHROMIUM"
fi
