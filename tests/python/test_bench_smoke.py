"""The side-by-side benchmark (bench/python/python_bench.py) still runs: a tiny run of
this package against the raw libraries, every measure and floor present and its table
printed. It times nothing here; the numbers are the benchmark's, not the tests'."""
import json
import pathlib
import subprocess
import sys

BENCH = pathlib.Path(__file__).resolve().parents[2] / "bench" / "python" / "python_bench.py"

NUTHATCH_MEASURES = (
    "hit", "miss", "frame_write", "frame_read", "frame_arrow_write", "frame_arrow_read",
    "dataset_write", "dataset_read_warm", "dataset_read", "dataset_dask_read",
    "dataset_eager_read", "floor", "floor_fresh", "floor_commit", "floor_encode",
    "floor_durable_write", "floor_pages_dataset", "floor_pages_frame")
FLOOR_ROWS = ("floor: durable atomic small write", "floor: encode the Dataset",
              "floor: write its stored bytes durably", "floor: fault in the Dataset's size",
              "floor: fault in the DataFrame's size")


def test_the_benchmark_runs_and_reports_every_measure_and_floor(tmp_path):
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, str(BENCH), "--size-mib", "4", "--repeat", "1",
         "--engines", "nuthatch,raw", "--json", str(out)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(out.read_text())["results"]
    mine = results["nuthatch"]
    for key in NUTHATCH_MEASURES:
        assert mine.get(key, 0) > 0, f"nuthatch measure {key!r} missing or not positive"
    # Parquet (compressed, delta-encoded) stores the frame in fewer bytes than Arrow IPC.
    assert 0 < mine["frame_stored_mib"] < mine["frame_arrow_stored_mib"]
    # Bytes stored per result, for each engine that stores on the local root.
    assert mine["dataset_stored_mib"] > 0
    for key in ("frame_write", "frame_read", "dataset_write", "dataset_read",
                "frame_stored_mib", "dataset_stored_mib"):
        assert results["raw"].get(key, 0) > 0, f"raw measure {key!r} missing"
    for row in FLOOR_ROWS:
        assert row in run.stdout, f"the table has no row {row!r}:\n{run.stdout}"
