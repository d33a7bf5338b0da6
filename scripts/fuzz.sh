#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (-fsanitize=fuzzer,address,undefined;
# the library with fuzzer-no-link instrumentation) in build/fuzz, then runs each target
# on its seed corpus (fuzz/corpus/<target>/) for a bounded time: FUZZ_SECONDS in all
# (default 60), shared evenly. Fails (non-zero) on any finding and prints the path of the
# input that caused it. New inputs a run discovers go to build/fuzz/corpus/<target>/,
# never into the checked-in seeds.
#
#   scripts/fuzz.sh                 # build, then fuzz every target (about a minute)
#   scripts/fuzz.sh fuzz_msgpack    # only the named targets
#   FUZZ_SECONDS=600 scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${FUZZ_BUILD_DIR:-build/fuzz}
TOTAL=${FUZZ_SECONDS:-60}
ALL_TARGETS=(fuzz_manifest fuzz_msgpack fuzz_zarr_v2 fuzz_zarr_v3 fuzz_shard_index fuzz_key_render)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL_TARGETS[@]}")

CLANG=${CLANG:-clang++}
if ! command -v "$CLANG" > /dev/null; then
  echo "fuzz: $CLANG not found (Debian: apt-get install clang)" >&2
  exit 1
fi
CC_FOR_CLANG=${CLANG/clang++/clang}

launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$CLANG" -DCMAKE_C_COMPILER="$CC_FOR_CLANG" "${launcher[@]}" \
  "-DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  -DNUTHATCH_FUZZ=ON -DNUTHATCH_BUILD_TESTS=OFF -DNUTHATCH_BUILD_BENCH=OFF \
  -DNUTHATCH_BUILD_EXAMPLES=OFF > "$BUILD.configure.log" 2>&1 || {
  cat "$BUILD.configure.log" >&2
  exit 1
}
cmake --build "$BUILD" --target "${TARGETS[@]}"

per_target=$(( TOTAL / ${#TARGETS[@]} ))
[ "$per_target" -lt 1 ] && per_target=1
# Leaks are findings too; a parser that allocates more than this for one input is one.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for target in "${TARGETS[@]}"; do
  seeds=fuzz/corpus/$target
  found=$BUILD/corpus/$target
  artifacts=$BUILD/artifacts/$target/
  mkdir -p "$found" "$artifacts"
  echo "== fuzz $target (${per_target}s)"
  log=$BUILD/$target.log
  if "$BUILD/fuzz/$target" -max_total_time="$per_target" -timeout=10 -rss_limit_mb=2560 \
       -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts" \
       "$found" "$seeds" > "$log" 2>&1; then
    grep -E "^(stat::number_of_executed_units|stat::new_units_added)" "$log" | tr '\n' ' '
    echo
  else
    status=1
    echo "fuzz: $target found a failure; the input that caused it:" >&2
    grep -E "Test unit written to|artifact_prefix" "$log" >&2 || true
    ls -1 "$artifacts"* 2>/dev/null | sed 's/^/  /' >&2
    tail -n 60 "$log" >&2
  fi
done
exit $status
