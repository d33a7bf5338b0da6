"""Side-by-side benchmark of the delta and sql table backends: nuthatch (this engine) vs
the original Nuthatch from PyPI, writing and recalling the same pandas DataFrame (the one
python_bench.py uses) in one run, on one PostgreSQL server started on loopback for both
(tests/servers/postgres_server.py; NH_TEST_POSTGRES names its binaries, as
scripts/test_servers.sh prints).

    build/pyvenv/bin/python bench/python/table_backends_bench.py --size-mib 256 \\
        --original-python <python of a venv with nuthatch==0.4.11, deltalake, dask_deltatable,
        sqlalchemy, psycopg2-binary> [--repeat 2] [--backends delta,sql] [--json FILE]

Each engine works in child processes, in a fresh project per round whose pyproject.toml
names a local root and the database (the original's parameter names, in [tool.nuthatch],
which both packages read):
  write   the first call of a function returning the frame (built before the clock);
  read    its first recall in a fresh process (engine='pandas'), the function defined and
          pandas and pyarrow imported before the clock starts (the original imports them,
          and its backends' libraries, with the package; this package imports a
          backend's library at its first use, which the clock counts).
Best of --repeat. Ratios are the original's time divided by nuthatch's (> 1: nuthatch is
faster). A benchmark, not a test: it prints numbers and fails only if an engine fails.
"""
import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "tests" / "servers"))

CHILD = """
import json, logging, sys, time
sys.path.insert(0, {here!r})
logging.disable(logging.INFO)
from python_bench import FRAME_ROW_BYTES, MIB, make_frame
import pandas, pyarrow.dataset, pyarrow.parquet  # imported before the clock, as by the original
from nuthatch import cache
backend, phase, size = {backend!r}, {phase!r}, {size}
frame = make_frame(size) if phase == "write" else None

@cache(cache_args=["run"], backend=backend)
def frame_value(run):
    return frame

start = time.perf_counter()
out = frame_value(0, engine="pandas") if phase == "read" else frame_value(0)
seconds = time.perf_counter() - start
assert len(out) == max(1, size * MIB // FRAME_ROW_BYTES), len(out)  # a recall, not None
print(json.dumps({{"seconds": seconds}}))
"""


def project(workdir, db):
    from postgres_server import WRITER
    # One role that reads and writes, as the original's configuration has it.
    s = dict(db.settings(write_role=False), username=WRITER, password=db.passwords[WRITER],
             driver="postgresql+psycopg2")
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in s.items())
    (workdir / "pyproject.toml").write_text(
        f'[project]\nname = "bench"\nversion = "0"\n\n[tool.nuthatch]\n'
        f'filesystem = "{workdir / "root"}"\n{lines}\n\n[tool.nuthatch.local]\n'
        f'filesystem = "{workdir / "local"}"\n')
    # The original records the git commit of each write.
    subprocess.run(["git", "init", "-q", str(workdir)], check=True)


def run_child(python, workdir, backend, phase, size):
    code = CHILD.format(here=str(HERE), backend=backend, phase=phase, size=size)
    env = dict(os.environ, PYTHONPATH="")
    done = subprocess.run([python, "-c", code], cwd=workdir, capture_output=True, text=True,
                          env=env, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"{python} {backend} {phase} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--backends", default="delta,sql")
    parser.add_argument("--original-python", required=True)
    parser.add_argument("--json")
    args = parser.parse_args()
    from postgres_server import PostgresServer
    bindir = os.environ.get("NH_TEST_POSTGRES")
    if not bindir:
        sys.exit('set NH_TEST_POSTGRES (eval "$(./scripts/test_servers.sh --env)")')
    db = PostgresServer(bindir)
    engines = {"nuthatch": sys.executable, "original": args.original_python}
    results = {}
    try:
        for backend in args.backends.split(","):
            for engine, python in engines.items():
                best = {"write": float("inf"), "read": float("inf")}
                for _ in range(args.repeat):
                    workdir = pathlib.Path(tempfile.mkdtemp(prefix="nh-table-bench-"))
                    try:
                        project(workdir, db)
                        for phase in ("write", "read"):
                            seconds = run_child(python, workdir, backend, phase, args.size_mib)
                            best[phase] = min(best[phase], seconds)
                    finally:
                        shutil.rmtree(workdir, ignore_errors=True)
                results[f"{backend}/{engine}"] = best
                print(f"{backend:6} {engine:9} write {best['write']:8.3f} s   "
                      f"read {best['read']:8.3f} s", flush=True)
    finally:
        db.close()
    print(f"\n{args.size_mib} MiB DataFrame, best of {args.repeat}; ratio = original / nuthatch")
    for backend in args.backends.split(","):
        ours, theirs = results[f"{backend}/nuthatch"], results[f"{backend}/original"]
        print(f"{backend:6} write {theirs['write'] / ours['write']:6.1f}x   "
              f"read {theirs['read'] / ours['read']:6.1f}x")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(
            {"size_mib": args.size_mib, "repeat": args.repeat, "results": results}, indent=1))


if __name__ == "__main__":
    main()
