#!/usr/bin/env bash
# Installs the GCS and Azure emulators the storage tests start on 127.0.0.1 (DESIGN §10),
# idempotently and cached, and prints where they are:
#   - fake-gcs-server, built once from its Go module with the machine's Go toolchain into
#     ${XDG_CACHE_HOME:-~/.cache}/nuthatch-test/bin (skipped when the binary is there);
#   - Azurite (blob service only), from npm into ${XDG_CACHE_HOME:-~/.cache}/nuthatch-test/azurite,
#     pinned to 3.35.0 (3.36 and later need Node 21 or 22; Debian 12 ships Node 18/20).
#
#   ./scripts/test_servers_gcs_azure.sh          # install; print NH_TEST_FAKE_GCS=... and NH_TEST_AZURITE=...
#   eval "$(./scripts/test_servers_gcs_azure.sh --env)"   # ... and export them into this shell
#
# A test whose variable is set but whose server does not start fails; unset, it is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

FAKE_GCS_MODULE=github.com/fsouza/fake-gcs-server
FAKE_GCS_VERSION=v1.56.1
AZURITE_VERSION=3.35.0

CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/nuthatch-test
BIN_DIR=$CACHE_DIR/bin
FAKE_GCS=$BIN_DIR/fake-gcs-server
FAKE_GCS_STAMP=$BIN_DIR/fake-gcs-server.version
AZURITE_DIR=$CACHE_DIR/azurite
AZURITE=$AZURITE_DIR/node_modules/.bin/azurite-blob
AZURITE_STAMP=$AZURITE_DIR/azurite.version

print_env=0
case "${1:-}" in
  "") ;;
  --env) print_env=1 ;;
  *) echo "usage: $0 [--env]" >&2; exit 2 ;;
esac

# Progress goes to stderr, so --env prints only the exports.
if [ ! -x "$FAKE_GCS" ] || [ "$(cat "$FAKE_GCS_STAMP" 2>/dev/null)" != "$FAKE_GCS_VERSION" ]; then
  if ! command -v go > /dev/null; then
    echo "test_servers_gcs_azure: 'go' is not on PATH; install Go to build fake-gcs-server" >&2
    exit 1
  fi
  echo "test_servers_gcs_azure: building fake-gcs-server $FAKE_GCS_VERSION with $(go version) (once; about a minute)" >&2
  mkdir -p "$BIN_DIR"
  start=$(date +%s)
  GOBIN=$BIN_DIR GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
    go install "$FAKE_GCS_MODULE@$FAKE_GCS_VERSION" >&2
  echo "$FAKE_GCS_VERSION" > "$FAKE_GCS_STAMP"
  echo "test_servers_gcs_azure: fake-gcs-server built in $(( $(date +%s) - start )) s" >&2
fi

if [ ! -x "$AZURITE" ] || [ "$(cat "$AZURITE_STAMP" 2>/dev/null)" != "$AZURITE_VERSION" ]; then
  if ! command -v npm > /dev/null || ! command -v node > /dev/null; then
    echo "test_servers_gcs_azure: 'node' and 'npm' must be on PATH to install Azurite (apt-get install nodejs npm)" >&2
    exit 1
  fi
  echo "test_servers_gcs_azure: installing Azurite $AZURITE_VERSION with npm (once)" >&2
  mkdir -p "$AZURITE_DIR"
  npm install --prefix "$AZURITE_DIR" --no-audit --no-fund --loglevel=error \
    "azurite@$AZURITE_VERSION" >&2
  echo "$AZURITE_VERSION" > "$AZURITE_STAMP"
fi
if [ ! -x "$AZURITE" ]; then
  echo "test_servers_gcs_azure: $AZURITE is missing after installing Azurite" >&2
  exit 1
fi

if ((print_env)); then
  echo "export NH_TEST_FAKE_GCS='$FAKE_GCS'"
  echo "export NH_TEST_AZURITE='$AZURITE'"
else
  echo "NH_TEST_FAKE_GCS=$FAKE_GCS"
  echo "NH_TEST_AZURITE=$AZURITE"
fi
