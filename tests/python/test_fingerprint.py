"""Code fingerprints (nuthatch._fingerprint): a real project package written to disk and
fingerprinted in a fresh process each time; cosmetic edits (comments, docstrings,
formatting, line shifts, unrelated code, the cache decorator) keep the digest, and a change
of a helper, constant, class, closure cell or default changes exactly its component;
package versions are listed but not digested; the same in any hash seed; lambdas and
exec'd code do not fail."""
import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
import textwrap

from nuthatch._fingerprint import code_fingerprint

INIT = '''\
"""The pipeline package."""


def unit(x):
    return x
'''

SETTINGS = '''\
WINDOW = 3
FACTOR = 2
'''

HELPERS = '''\
import math

import nuthatch


def rolling_mean(values, window=3):
    """Mean of the last `window` values."""
    out = []
    for i in range(len(values)):
        part = values[max(0, i - window + 1):i + 1]
        out.append(sum(part) / len(part))
    return out


@nuthatch.cache(cache_args=["n"])
def cached_total(n):
    return math.fsum(range(n))
'''

AGG = '''\
"""Aggregation."""
import functools
import math

import numpy as np

import nuthatch
from pipeline import helpers, unit
from pipeline.helpers import rolling_mean
from pipeline.settings import FACTOR, WINDOW

THRESHOLD = 10.0
LABELS = {"north", "south", "east", "west", "up", "down"}
WEIGHTS = np.arange(4, dtype=np.float64)
square = lambda v: v * v  # noqa: E731


class Clipper:
    """Clips values to a limit."""

    def __init__(self, limit):
        self.limit = limit

    def apply(self, values):
        return [min(v, self.limit) for v in values]


def make_scaler(scale):
    def scaler(x):
        return x * scale
    return scaler


scaled = make_scaler(FACTOR)


@nuthatch.cache(cache_args=["values"])
def agg_and_clip(values, window=WINDOW):
    """Smooths and clips `values`."""
    # smooth first
    smoothed = rolling_mean(values, window)
    try:
        base = helpers.cached_total(3)
    except nuthatch.CacheMissError:
        base = 0.0
    total = math.sqrt(base) + float(np.dot(WEIGHTS, WEIGHTS)) + len(LABELS)
    clipped = Clipper(THRESHOLD).apply(smoothed)
    return [unit(square(scaled(v))) + total for v in clipped]
'''

SCRIPT = '''\
import json, sys
import pipeline.agg
from nuthatch._fingerprint import code_fingerprint
print(json.dumps(code_fingerprint(pipeline.agg.agg_and_clip, sys.argv[1])))
'''

FUNCTION = "function `agg_and_clip` in pipeline/agg.py"
HELPER = "helper `rolling_mean` in pipeline/helpers.py"


def write_project(root):
    pkg = root / "pipeline"
    pkg.mkdir(exist_ok=True)
    for name, text in [("__init__", INIT), ("settings", SETTINGS), ("helpers", HELPERS),
                       ("agg", AGG)]:
        (pkg / f"{name}.py").write_text(text)


def edit(root, module, old, new):
    path = root / "pipeline" / f"{module}.py"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def fingerprint(root, version="1", seed="0"):
    """(digest, components) computed in a fresh interpreter."""
    env = dict(os.environ, PYTHONPATH=str(root), PYTHONHASHSEED=seed,
               PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, "-c", SCRIPT, version], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    digest, components = json.loads(done.stdout.strip().splitlines()[-1])
    return digest, components


def changed(before, after):
    return {n for n in before[1].keys() | after[1].keys()
            if before[1].get(n) != after[1].get(n)}


def test_components_are_named_after_modules(tmp_path):
    write_project(tmp_path)
    digest, components = fingerprint(tmp_path)
    assert digest.startswith("py:") and len(digest) == 35
    assert set(components) == {
        FUNCTION, HELPER,
        "helper `cached_total` in pipeline/helpers.py",  # through the cache wrapper
        "helper `unit` in pipeline/__init__.py",
        "helper `<lambda>` in pipeline/agg.py",
        "helper `make_scaler.<locals>.scaler` in pipeline/agg.py",
        "class `Clipper` in pipeline/agg.py",
        "constant `THRESHOLD` in pipeline/agg.py",
        "constant `LABELS` in pipeline/agg.py",
        "constant `WEIGHTS` in pipeline/agg.py",
        "closure `scale` of `make_scaler.<locals>.scaler`",
        "defaults of `agg_and_clip`", "defaults of `rolling_mean`",
        "version", "package numpy"}
    hashes = [v for n, v in components.items() if n != "version" and not n.startswith("package")]
    assert all(len(v) == 32 and int(v, 16) >= 0 for v in hashes)


def test_cosmetic_edits_keep_the_digest(tmp_path):
    write_project(tmp_path)
    base = fingerprint(tmp_path)
    edits = [
        ("agg", "# smooth first", "# smooth the values first, then clip"),
        ("agg", '"""Smooths and clips `values`."""', '"""Clips `values`, smoothed."""'),
        ("helpers", '    """Mean of the last `window` values."""\n', ""),
        ("agg", '"""Clips values to a limit."""', '"""A clipper."""'),
        ("agg", '"""Aggregation."""', '"""Aggregation of values."""'),
        ("agg", "    clipped = Clipper(THRESHOLD).apply(smoothed)",
         "    clipped = Clipper(\n        THRESHOLD\n    ).apply( smoothed )  # clip"),
        ("helpers", "        out.append(sum(part) / len(part))",
         "        out.append(sum(part)/len(part))"),
        ("agg", "THRESHOLD = 10.0\n", "\n\n\nTHRESHOLD = 10.0\n\n\n"),  # every line shifts
        ("agg", "class Clipper:", "def unrelated(a):\n    return a + 1\n\n\nclass Clipper:"),
        ("helpers", "import math\n", "import math\n\n\ndef other():\n    return 2\n"),
        ("agg", '@nuthatch.cache(cache_args=["values"])',
         '@nuthatch.cache(cache_args=["values"], version="7")'),  # not part of its code
    ]
    for module, old, new in edits:
        edit(tmp_path, module, old, new)
        after = fingerprint(tmp_path)
        assert after == base, (old, changed(base, after))


def test_a_helper_change_changes_only_its_component(tmp_path):
    write_project(tmp_path)
    base = fingerprint(tmp_path)
    edit(tmp_path, "helpers", "sum(part) / len(part)", "sum(part) / max(len(part), 1)")
    after = fingerprint(tmp_path)
    assert after[0] != base[0]
    assert changed(base, after) == {HELPER}


def test_a_constant_is_hashed_by_value(tmp_path):
    write_project(tmp_path)
    base = fingerprint(tmp_path)
    edit(tmp_path, "agg", "THRESHOLD = 10.0", "THRESHOLD = 12.5")
    after = fingerprint(tmp_path)
    assert after[0] != base[0]
    assert changed(base, after) == {"constant `THRESHOLD` in pipeline/agg.py"}
    edit(tmp_path, "agg", "THRESHOLD = 12.5", "THRESHOLD = 10.0")
    assert fingerprint(tmp_path) == base
    edit(tmp_path, "agg", "np.arange(4, dtype=np.float64)", "np.arange(5, dtype=np.float64)")
    assert changed(base, fingerprint(tmp_path)) == {"constant `WEIGHTS` in pipeline/agg.py"}


def test_a_method_change_changes_the_class(tmp_path):
    write_project(tmp_path)
    base = fingerprint(tmp_path)
    edit(tmp_path, "agg", "min(v, self.limit)", "max(min(v, self.limit), 0)")
    after = fingerprint(tmp_path)
    assert after[0] != base[0]
    assert changed(base, after) == {"class `Clipper` in pipeline/agg.py"}


def test_closure_and_default_values_are_detected(tmp_path):
    write_project(tmp_path)
    base = fingerprint(tmp_path)
    # agg.py is untouched: the values come from another module
    edit(tmp_path, "settings", "FACTOR = 2", "FACTOR = 3")
    closure = fingerprint(tmp_path)
    assert closure[0] != base[0]
    assert changed(base, closure) == {"closure `scale` of `make_scaler.<locals>.scaler`"}
    edit(tmp_path, "settings", "WINDOW = 3", "WINDOW = 4")
    defaults = fingerprint(tmp_path)
    assert defaults[0] != closure[0]
    assert changed(closure, defaults) == {"defaults of `agg_and_clip`"}


def test_version_and_packages(tmp_path):
    write_project(tmp_path)
    digest, components = fingerprint(tmp_path, version="1")
    assert components["version"] == "1"
    assert components["package numpy"] == importlib.metadata.version("numpy")
    code = sorted((n, v) for n, v in components.items() if not n.startswith("package "))
    assert digest == "py:" + hashlib.sha256(json.dumps(code).encode()).hexdigest()[:32]
    everything = sorted(components.items())
    assert digest != "py:" + hashlib.sha256(json.dumps(everything).encode()).hexdigest()[:32]
    other = fingerprint(tmp_path, version="2")
    assert other[0] != digest and changed((digest, components), other) == {"version"}
    # without numpy in the code, no package component
    edit(tmp_path, "agg", " + float(np.dot(WEIGHTS, WEIGHTS))", "")
    assert not any(n.startswith("package ") for n in fingerprint(tmp_path)[1])


def test_stdlib_and_nuthatch_are_never_components(tmp_path):
    write_project(tmp_path)
    components = fingerprint(tmp_path)[1]
    for name in components:
        assert "math" not in name and "functools" not in name
        assert "nuthatch" not in name, name  # referenced: nuthatch.cache, CacheMissError
    assert [n for n in components if n.startswith("package ")] == ["package numpy"]


def test_the_same_in_any_hash_seed(tmp_path):
    write_project(tmp_path)
    first = fingerprint(tmp_path, seed="1")
    second = fingerprint(tmp_path, seed="12345")
    assert first == second
    assert "constant `LABELS` in pipeline/agg.py" in first[1]  # a set: iterated by seed


def test_a_script_is_named_by_its_file(tmp_path):
    (tmp_path / "job.py").write_text(textwrap.dedent('''\
        import json
        from nuthatch._fingerprint import code_fingerprint
        LIMIT = 4
        def helper(x):
            return min(x, LIMIT)
        def job(x):
            return helper(x) * 2
        print(json.dumps(code_fingerprint(job)))
    '''))
    done = subprocess.run([sys.executable, "job.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    _, components = json.loads(done.stdout)
    assert set(components) == {"function `job` in job.py", "helper `helper` in job.py",
                               "constant `LIMIT` in job.py", "version"}
    assert components["version"] == ""


LIMIT = 3


def test_lambdas_and_exec_code_do_not_fail():
    add_one = lambda x: x + 1  # noqa: E731
    add_two = lambda x: x + 2  # noqa: E731
    digest, components = code_fingerprint(add_one)
    assert list(components)[0].startswith("function `") and "<lambda>" in list(components)[0]
    assert code_fingerprint(lambda x: x + 1)[0] == digest  # code, not identity
    assert code_fingerprint(add_two)[0] != digest

    def built(body):
        scope = {"__name__": __name__, "LIMIT": LIMIT}
        exec(f"def helper(x):\n    return {body}\n\ndef f(x):\n    return helper(x) + 1\n",
             scope)
        return code_fingerprint(scope["f"], version=2)

    digest, components = built("x * LIMIT")
    assert {n.split(" ")[0] for n in components} == {"function", "helper", "constant",
                                                     "version"}
    assert components["version"] == "2"
    assert built("x * LIMIT")[0] == digest
    assert built("x * LIMIT * 2")[0] != digest


def test_a_function_pickled_by_value_carries_its_fingerprint(project, monkeypatch):
    """A dask task receives a local cached function by value (cloudpickle): the components
    made by the process that called it travel with it, and are not made again per task."""
    import cloudpickle

    import nuthatch
    cache_module = sys.modules["nuthatch.cache"]

    def helper(x):
        return x + 1

    @nuthatch.cache(cache_args=["x"])
    def local(x):
        return helper(x)

    assert local(1) == 2
    made = []
    monkeypatch.setattr(cache_module, "code_fingerprint",
                        lambda *a, **k: made.append(a) or code_fingerprint(*a, **k))
    copy = cloudpickle.loads(cloudpickle.dumps(local))
    assert copy is not local
    assert copy._core.code == local._core.code and copy._core.code.startswith("py:")
    assert copy(1) == 2
    assert made == []
    # A function never called before it is pickled is fingerprinted where it is called.
    @nuthatch.cache(cache_args=["x"])
    def fresh(x):
        return helper(x)

    assert cloudpickle.loads(cloudpickle.dumps(fresh))(2) == 3
    assert len(made) == 1
