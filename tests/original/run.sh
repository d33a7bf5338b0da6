#!/usr/bin/env bash
# Runs the original Nuthatch's own test suite, unchanged, against this package.
#
# The test files come from the original's source distribution at a pinned version
# (NUTHATCH_ORIGINAL_VERSION, MIT licensed), downloaded from PyPI into build/original/ and
# never checked in. They run with build/pyvenv's Python, where this package is installed
# (scripts/test.sh installs it before calling this script), from a scratch project whose
# pyproject.toml points the root and the local cache at temporary directories: the
# original's own pyproject names a cloud bucket and a database.
#
# tests/original/expected.txt lists, each with its reason (the README's "Coming from
# Nuthatch" repeats them), the tests that are not run because they need the original
# team's servers (`not-run`), and the tests that run but are known to fail (`fails`).
# Its test_sql.py runs against PostgreSQL on loopback, with a stand-in for the Google
# Secret Manager client it reads the password from (tests/original/shim).
# The script fails when any other test fails, and when a test listed as failing passes
# (the list must shrink with the code). It ends with a one-line count.
#
# No test reaches past loopback. The tests that write to the original team's GCS bucket
# (gs://sheerwater-datalake) run against fake-gcs-server on 127.0.0.1 (installed by
# scripts/test_servers_gcs_azure.sh, started here, stopped at the end), in which this
# script creates that bucket: STORAGE_EMULATOR_HOST sends every gs:// URL there, so a
# bucket that does not exist (a test's unreadable mirror) is a quick "not found". The S3
# endpoint points at a closed local port.
#
#   tests/original/run.sh              # the whole suite
#   tests/original/run.sh -k memoizer  # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=${NUTHATCH_ORIGINAL_VERSION:-0.4.11}
PYTHON=${NUTHATCH_PYTHON:-build/pyvenv/bin/python}
WORK=build/original/$VERSION
EXPECTED=tests/original/expected.txt

if ! "$PYTHON" -c "import nuthatch._core" 2> /dev/null; then
  echo "original: $PYTHON cannot import nuthatch; install the package first" \
       "(scripts/test.sh does)" >&2
  exit 1
fi

if [ ! -d "$WORK/src/tests" ]; then
  rm -rf "$WORK"
  mkdir -p "$WORK/download"
  # The original needs Python >= 3.12; its source distribution is only read, never
  # installed, so ask pip for the sdist as a 3.12 interpreter would.
  "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps \
    --no-binary :all: --python-version 3.12 "nuthatch==$VERSION" -d "$WORK/download"
  mkdir -p "$WORK/src"
  tar -xzf "$WORK/download/nuthatch-$VERSION.tar.gz" -C "$WORK/src" --strip-components=1 \
    "nuthatch-$VERSION/tests"
fi

# A scratch project: the tests import `tests.*` and read the configuration of the
# project they run in, as the original's CI runs them from its checkout.
run=$(mktemp -d "${TMPDIR:-/tmp}/nuthatch-original.XXXXXX")
trap 'rm -rf "$run"' EXIT
cp -r "$WORK/src/tests" "$run/tests"
cat > "$run/pyproject.toml" << EOF
[project]
name = "original-tests"
version = "0"

[tool.nuthatch]
filesystem = "$run/root"

[tool.nuthatch.local]
filesystem = "$run/local"
EOF

deselect=()
while read -r test kind _; do
  case "$test" in ''|'#'*) continue ;; esac
  # A whole file is ignored (its imports may need a cloud SDK); a test is deselected.
  if [ "$kind" = not-run ]; then
    case "$test" in
      *::*) deselect+=("--deselect" "$test") ;;
      *) deselect+=("--ignore" "$test") ;;
    esac
  fi
done < "$EXPECTED"

# fake-gcs-server, with the bucket the original's tests use.
gcs_env=$(./scripts/test_servers_gcs_azure.sh --env)
eval "$gcs_env"
port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$NH_TEST_FAKE_GCS" -scheme http -host 127.0.0.1 -port "$port" -backend memory \
  -log-level warn > "$run/fake-gcs.log" 2>&1 &
gcs_pid=$!
trap 'kill "$gcs_pid" 2> /dev/null || true; rm -rf "$run"' EXIT
gcs=http://127.0.0.1:$port
for _ in $(seq 100); do
  curl -sf "$gcs/storage/v1/b" > /dev/null 2>&1 && break
  sleep 0.1
done
curl -sf -X POST -H 'Content-Type: application/json' -d '{"name": "sheerwater-datalake"}' \
  "$gcs/storage/v1/b?project=original-tests" > /dev/null || {
  echo "original: fake-gcs-server did not start on $gcs:" >&2
  cat "$run/fake-gcs.log" >&2
  exit 1
}

# PostgreSQL on loopback for the original's test_sql.py (tests/original/postgres_conftest.py
# starts and stops it), and the stand-in for the Secret Manager client it reads its
# password from (tests/original/shim).
if [ -z "${NH_TEST_POSTGRES:-}" ]; then
  pg_env=$(./scripts/test_servers.sh --env)
  eval "$pg_env"
fi
cp tests/original/postgres_conftest.py "$run/conftest.py"
export NH_SERVERS_DIR=$PWD/tests/servers NH_TEST_POSTGRES

# HOME too: the original's ~/.nuthatch.toml (global configuration) must not leak in.
mkdir -p "$run/home"
status=0
closed=http://127.0.0.1:9
(cd "$run" && HOME="$run/home" STORAGE_EMULATOR_HOST=$gcs AWS_ENDPOINT_URL=$closed \
   PYTHONPATH="$OLDPWD/tests/original/shim${PYTHONPATH:+:$PYTHONPATH}" \
   AZURE_STORAGE_CONNECTION_STRING="" "$OLDPWD/$PYTHON" -m pytest tests -q \
   -p no:cacheprovider -o addopts="" -rfE --junitxml="$run/report.xml" \
   "${deselect[@]}" "$@") || status=$?

# Count from the report, and hold the expected-failure list to account.
if [ ! -f "$run/report.xml" ]; then
  echo "original: pytest wrote no report (exit status $status)" >&2
  exit 1
fi
"$PYTHON" - "$run/report.xml" "$EXPECTED" << 'PY'
import sys
import xml.etree.ElementTree as ET

report, expected_path = sys.argv[1], sys.argv[2]
failing, not_run = set(), set()
for line in open(expected_path):
    fields = line.split(None, 2)
    if fields and not fields[0].startswith('#'):
        (not_run if fields[1] == 'not-run' else failing).add(fields[0])
passed, failed = [], []
for case in ET.parse(report).iter('testcase'):
    path = case.get('classname', '').replace('.', '/') + '.py::' + case.get('name')
    if case.find('skipped') is not None:
        failed.append(path + ' (skipped)')
    elif case.find('failure') is not None or case.find('error') is not None:
        failed.append(path)
    else:
        passed.append(path)
unexpected = [t for t in failed if t not in failing]
now_passing = [t for t in passed if t in failing]
total = len(passed) + len(failed)
print(f"original: {len(passed)} of {total} of the original's tests run here pass; "
      f"{len(failing)} are listed as failing and {len(not_run)} files as not run "
      f"(they need the original team's servers) in {expected_path}")
for t in unexpected:
    print(f"original: unexpected failure: {t}")
for t in now_passing:
    print(f"original: listed as failing but passes (remove it from the list): {t}")
sys.exit(1 if unexpected or now_passing else 0)
PY
