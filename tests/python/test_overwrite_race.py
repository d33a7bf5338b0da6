"""A lazily recalled dataset racing an overwrite in another process.

Process A recalls a ~64 MiB multi-chunk dataset lazily (both ways: xarray's lazily indexed
arrays, the default, and dask-backed with engine='dask'; read through the C++ codec on
demand); process B then recomputes and force-overwrites the same entry with other
values; only then does A load it. The payload A opened was retired, not deleted, so A must
read the old values entirely: never fill values (NaN / 0) and never a mix of old and new.
Every element is checked. When ``nuthatch gc --grace 0s --force`` has reclaimed the retired
payload before A loads, A must raise a nuthatch error naming the entry's key or URL, again
never returning fill values.
"""
import json
import os
import pathlib
import selectors
import subprocess
import sys
import textwrap

import pytest

TIMEOUT = 60  # seconds, for any one step

# Imported by every process of a scenario (the same function, so the same code fingerprint).
FUNCTIONS = textwrap.dedent('''
    import pathlib

    import numpy as np
    import xarray as xr

    from nuthatch import cache

    SHAPE = (1024, 4096)  # float64: 32 MiB a variable, 64 MiB in all
    CHUNKS = (256, 1024)  # 16 chunks a variable

    def expected(base):
        """Every element distinct, none 0 or NaN; ``base`` tells the versions apart."""
        a = base * 1e7 + np.arange(SHAPE[0] * SHAPE[1], dtype="float64").reshape(SHAPE) + 1
        return {"a": a, "b": -a}

    @cache()
    def race_dataset(base):
        with open("computed", "a") as f:  # counts computations (a recall computes nothing)
            f.write(f"{base}\\n")
        variables = {}
        for name, values in expected(base).items():
            var = xr.Variable(("y", "x"), values)
            var.encoding["chunks"] = CHUNKS
            variables[name] = var
        return xr.Dataset(variables)
''')

# Process A: recalls lazily, reports, waits for "load", loads and checks every element.
READER = textwrap.dedent('''
    import json
    import sys

    import numpy as np

    import nuthatch
    import race_functions as rf

    OLD, NEW = float(sys.argv[1]), float(sys.argv[2])
    ENGINE = sys.argv[3] or None  # "dask", or "" for the default recall

    def say(**kw):
        print(json.dumps(kw), flush=True)

    ds = rf.race_dataset(OLD, engine=ENGINE)
    url = rf.race_dataset(OLD, filepath_only=True)
    if ENGINE == "dask":
        lazy = {name: ds[name].chunks is not None for name in ds.data_vars}
    else:  # xarray's lazily indexed arrays: nothing loaded yet
        lazy = {name: type(ds[name].variable._data).__name__ == "MemoryCachedArray"
                for name in ds.data_vars}
    # One small piece read before the overwrite: the reader of the payload is open.
    first = float(ds["a"][0, 0].values)
    say(state="opened", url=url, lazy=lazy, first=first)

    if sys.stdin.readline().strip() != "load":
        sys.exit(2)
    try:
        loaded = ds.load()
    except nuthatch.NuthatchError as e:
        say(state="error", type=type(e).__name__, message=str(e))
        sys.exit(0)
    report = {}
    old, new = rf.expected(OLD), rf.expected(NEW)
    for name in old:
        values = loaded[name].values
        report[name] = {
            "shape": list(values.shape),
            "equal_old": int(np.count_nonzero(values == old[name])),
            "equal_new": int(np.count_nonzero(values == new[name])),
            "nan": int(np.count_nonzero(np.isnan(values))),
            "zero": int(np.count_nonzero(values == 0)),
        }
    say(state="loaded", report=report)
''')

OLD, NEW = 1.0, 2.0


def _python(project, code, *args):
    """Runs ``code`` in a fresh interpreter in the project directory; its stdout."""
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=project.dir,
                         env=_env(project), capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _env(project):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project.dir),
                                                      env.get("PYTHONPATH")]))
    return env


def _nuthatch(project, *args):
    """The ``nuthatch`` command installed with the package, in the project directory."""
    script = pathlib.Path(sys.executable).with_name("nuthatch")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "nuthatch._cli"]
    return subprocess.run(command + list(args), cwd=project.dir, env=_env(project),
                          capture_output=True, text=True, timeout=TIMEOUT)


class Reader:
    """Process A, spoken to one line at a time (JSON answers), never waited on forever."""

    def __init__(self, project, engine):
        self.stderr = open(project.dir / "reader.err", "w+")
        self.proc = subprocess.Popen([sys.executable, "-c", READER, str(OLD), str(NEW),
                                      engine or ""],
                                     cwd=project.dir, env=_env(project), text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr)

    def answer(self):
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            ready = sel.select(TIMEOUT)
        line = self.proc.stdout.readline() if ready else ""
        assert line, f"process A said nothing (exit {self.proc.poll()}): {self.errors()}"
        return json.loads(line)

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def errors(self):
        self.stderr.seek(0)
        return self.stderr.read()[-4000:]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.stderr):
            f.close()


def _local_path(url):
    return pathlib.Path(url.removeprefix("file://"))


def _computed(project):
    path = project.dir / "computed"
    return path.read_text().split() if path.exists() else []


@pytest.fixture(params=[None, "dask"], ids=["lazily-indexed", "dask-backed"])
def scenario(project, request):
    """Commits the old entry, starts process A (which recalls it lazily, in the form the
    parameter names) and yields it; stops A whatever happens."""
    (project.dir / "race_functions.py").write_text(FUNCTIONS)
    _python(project, f"import race_functions as rf; rf.race_dataset({OLD})")
    assert _computed(project) == [str(OLD)]
    reader = Reader(project, request.param)
    try:
        opened = reader.answer()
        assert opened["state"] == "opened", opened
        assert opened["lazy"] == {"a": True, "b": True}, "the recall is not lazy"
        assert opened["first"] == OLD * 1e7 + 1
        assert _computed(project) == [str(OLD)], "process A computed instead of recalling"
        yield reader, opened["url"]
    finally:
        reader.close()


def _overwrite(project, old_url):
    """Process B: recomputes with other values and force-overwrites the entry."""
    new_url = _python(project, textwrap.dedent(f"""
        import race_functions as rf
        ds = rf.race_dataset({NEW}, cache_mode="overwrite", recompute=True,
                             force_overwrite=True)
        assert float(ds["a"][0, 0].values) == {NEW} * 1e7 + 1
        print(rf.race_dataset({NEW}, filepath_only=True))
    """)).strip()
    assert _computed(project) == [str(OLD), str(NEW)]
    assert new_url != old_url, "the overwrite reused the old payload's path"
    return new_url


def test_lazy_reader_keeps_the_old_values_after_an_overwrite(project, scenario):
    reader, old_url = scenario
    _overwrite(project, old_url)
    # Retired, not deleted: the payload A opened is still there.
    assert _local_path(old_url).exists()

    reader.send("load")
    result = reader.answer()
    assert result["state"] == "loaded", result
    n = 1024 * 4096
    for name, counts in result["report"].items():
        assert counts["shape"] == [1024, 4096], (name, counts)
        assert counts["nan"] == 0 and counts["zero"] == 0, f"fill values in {name}: {counts}"
        assert counts["equal_new"] == 0, f"new values mixed into {name}: {counts}"
        assert counts["equal_old"] == n, f"{name} is not entirely the old values: {counts}"

    # A fresh recall in another process sees the new entry.
    fresh = _python(project, "import race_functions as rf; "
                             f"print(float(rf.race_dataset({OLD})['b'][-1, -1].values))")
    assert float(fresh) == -(NEW * 1e7 + n)
    assert _computed(project) == [str(OLD), str(NEW)]


def test_lazy_reader_of_a_reclaimed_payload_gets_an_error_not_fill_values(project, scenario):
    reader, old_url = scenario
    new_url = _overwrite(project, old_url)
    gc = _nuthatch(project, "gc", "--grace", "0s", "--force")
    assert gc.returncode == 0, gc.stderr
    assert not _local_path(old_url).exists(), f"gc left the retired payload: {gc.stdout}"
    assert _local_path(new_url).exists(), "gc removed the current payload"

    reader.send("load")
    result = reader.answer()
    assert result["state"] == "error", f"A read a reclaimed payload without an error: {result}"
    message = result["message"]
    assert "race_dataset" in message or old_url.removeprefix("file://") in message, message
