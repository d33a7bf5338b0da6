#!/usr/bin/env bash
# The main job: set up, build, and run the example pipelines twice on the zero-config
# default (entries in .nuthatch/ of a fresh working directory): the C++ one
# (examples/pipeline.cpp), then the original Nuthatch README's example on the Python
# package (examples/seed_example.py). The second run recalls instead of recomputing.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake --preset release > /dev/null
cmake --build build/release --target nuthatch_example_pipeline nuthatch_cli
# Each example runs in a fresh project of its own: an empty nuthatch.toml marks the run
# directory as the project, so its entries go to its own .nuthatch/ (the zero-config
# default) and not to the repository's, which the pyproject.toml above would make the
# project. (Both examples name a function my_first_cache, one returning a dict, the other
# a dataset: one root shared by both would hand one the other's entry.)
run_dir=build/example-run
rm -rf "$run_dir" && mkdir -p "$run_dir" && cd "$run_dir" && : > nuthatch.toml
for run in first second; do
  echo "== $run run"
  start=$(date +%s%N)
  ../release/examples/nuthatch_example_pipeline
  echo "($run run: $(( ($(date +%s%N) - start) / 1000000 )) ms including process start)"
done
echo "== what is cached (nuthatch list -v)"
../release/src/nuthatch list -v
cd ../..

echo "== Python: the original Nuthatch README's example (examples/seed_example.py)"
./scripts/python_package.sh
run_dir=build/example-run-python
rm -rf "$run_dir" && mkdir -p "$run_dir" && cd "$run_dir" && : > nuthatch.toml
for run in first second; do
  echo "== $run run"
  start=$(date +%s%N)
  ../pyvenv/bin/python ../../examples/seed_example.py
  echo "($run run: $(( ($(date +%s%N) - start) / 1000000 )) ms including interpreter start)"
done
echo "== what is cached (nuthatch list -v)"
../pyvenv/bin/nuthatch list -v
