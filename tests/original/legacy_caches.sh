#!/usr/bin/env bash
# Writes caches with the REAL original Nuthatch into a directory, for the tests that read
# or migrate them (tests/python/test_legacy_caches.py).
#
#   tests/original/legacy_caches.sh DIR
#
# The original needs Python >= 3.12: this script makes a virtual environment for it,
# build/original/venv-<version> (once; idempotent), from the first of $NUTHATCH_PYTHON312,
# `python3.12` on PATH, or pyenv's newest 3.12, with `pip install nuthatch==<version>`
# (NUTHATCH_ORIGINAL_VERSION, default 0.4.11). Then it runs
# tests/original/write_legacy_caches.py there, which prints, one JSON object per line,
# each call it made (function, namespace, cache arguments, backend, result kind), for
# the tests to compare against. Fails (non-zero, with the reason) when the environment
# cannot be built: the tests that need it fail, they do not skip.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=${1:?usage: $0 DIR}
VERSION=${NUTHATCH_ORIGINAL_VERSION:-0.4.11}
VENV=build/original/venv-$VERSION

find_python312() {
  if [ -n "${NUTHATCH_PYTHON312:-}" ]; then echo "$NUTHATCH_PYTHON312"; return; fi
  if command -v python3.12 > /dev/null && python3.12 -c '' 2> /dev/null; then
    command -v python3.12; return
  fi
  if command -v pyenv > /dev/null; then
    local v
    v=$(pyenv versions --bare 2> /dev/null | grep -E '^3\.12(\.|$)' | sort -V | tail -1)
    [ -n "$v" ] && { echo "$(pyenv root)/versions/$v/bin/python"; return; }
  fi
  return 1
}

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import nuthatch' 2> /dev/null; then
  python312=$(find_python312) || {
    echo "legacy_caches: no Python 3.12 found (set NUTHATCH_PYTHON312, or install" \
         "python3.12); the original Nuthatch needs it" >&2
    exit 1
  }
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  "$python312" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "nuthatch==$VERSION"
fi

mkdir -p "$out"
# A scratch HOME and working directory: the original reads ~/.nuthatch.toml and the
# pyproject.toml of the directory it runs in.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/nuthatch-legacy.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
script=$PWD/tests/original/write_legacy_caches.py
(cd "$scratch" && HOME=$scratch "$OLDPWD/$VENV/bin/python" "$script" "$(cd "$out" && pwd)")
