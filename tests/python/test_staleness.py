"""Staleness (README "Staleness"): Python processes run in turn over a real project
directory whose code is edited between them. Comments and formatting keep entries fresh;
a changed helper, constant or input makes them stale, with reasons naming it; each
on_stale policy acts as documented; bless and the command line see the same thing."""
import json
import logging
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

import nuthatch

HELPERS = '''
def rolling_mean(x):
    return x * 2
'''

AGG = '''
import json
import pathlib

import nuthatch
from pipeline.helpers import rolling_mean

THRESHOLD = 100


def count(name):
    path = pathlib.Path("counts.json")
    counts = json.loads(path.read_text()) if path.exists() else {}
    counts[name] = counts.get(name, 0) + 1
    path.write_text(json.dumps(counts))


@nuthatch.cache(cache_args=["n"])
def my_first_cache(n):
    count("my_first_cache")
    return list(range(n))


@nuthatch.cache(cache_args=["n"])
def agg_and_clip(n):
    # sums, then clips
    count("agg_and_clip")
    return min(rolling_mean(sum(my_first_cache(n))), THRESHOLD)
'''

RUN = '''
import json
import logging
import sys

import nuthatch
from pipeline import agg

warnings = []


class Collect(logging.Handler):
    def emit(self, record):
        if record.levelno >= logging.WARNING:
            warnings.append(record.getMessage())


logging.getLogger("nuthatch").addHandler(Collect())
policy, target = sys.argv[1], sys.argv[2]
func = getattr(agg, target)
extra = {"force_overwrite": True, "recompute": True} if policy == "overwrite" else (
    {} if policy == "default" else {"on_stale": policy})
out = {"value": None, "error": None}
try:
    out["value"] = func(4, **extra)
    out["value"] = func(4, **extra) if policy != "overwrite" else out["value"]
except nuthatch.StaleEntryError as e:
    out["error"] = str(e)
status = nuthatch.status(func, 4)
out.update(state=status.state, reasons=status.reasons, warnings=warnings)
print(json.dumps(out))
'''


@pytest.fixture
def pipeline_project(project):
    """The project directory (the working directory) with a package `pipeline`."""
    pkg = project.dir / "pipeline"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "helpers.py").write_text(HELPERS)
    (pkg / "agg.py").write_text(AGG)
    (project.dir / "run.py").write_text(RUN)
    return project


def run(project, policy="default", target="agg_and_clip"):
    """One fresh Python process calling `target(4)` twice with the policy."""
    env = dict(os.environ, PYTHONPATH=str(project.dir))
    done = subprocess.run([sys.executable, "run.py", policy, target], cwd=project.dir, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def counts(project):
    path = project.dir / "counts.json"
    return json.loads(path.read_text()) if path.exists() else {}


def edit(project, name, old, new):
    path = project.dir / "pipeline" / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_comments_and_formatting_keep_entries_fresh(pipeline_project):
    first = run(pipeline_project)
    assert first["value"] == 12 and first["state"] == "fresh"
    edit(pipeline_project, "agg.py", "# sums, then clips", "# adds everything up, then clips")
    edit(pipeline_project, "agg.py", "def count(name):", "\n\n\ndef count(name):  # moved")
    edit(pipeline_project, "helpers.py", "def rolling_mean(x):",
         'def rolling_mean(x):\n    """Doubles."""')
    again = run(pipeline_project)
    assert again == dict(first, warnings=[])
    assert counts(pipeline_project) == {"agg_and_clip": 1, "my_first_cache": 1}


def test_a_changed_helper_warns_by_name_and_changing_it_back_is_fresh(pipeline_project):
    run(pipeline_project)
    edit(pipeline_project, "helpers.py", "return x * 2", "return x * 3")
    stale = run(pipeline_project)
    assert stale["value"] == 12  # warn: the entry is returned
    assert stale["state"] == "stale"
    assert stale["reasons"] == ["helper `rolling_mean` in pipeline/helpers.py changed"]
    # One warning for two hits, naming the helper.
    assert len(stale["warnings"]) == 1
    assert "helper `rolling_mean` in pipeline/helpers.py changed" in stale["warnings"][0]
    assert "agg_and_clip/n=4" in stale["warnings"][0]
    edit(pipeline_project, "helpers.py", "return x * 3", "return x * 2")
    back = run(pipeline_project)
    assert back["state"] == "fresh" and back["warnings"] == []
    assert counts(pipeline_project)["agg_and_clip"] == 1


def test_each_policy_on_a_changed_constant(pipeline_project):
    run(pipeline_project)
    edit(pipeline_project, "agg.py", "THRESHOLD = 100", "THRESHOLD = 10")
    reason = "constant `THRESHOLD` in pipeline/agg.py changed"
    failed = run(pipeline_project, "fail")
    assert failed["value"] is None and reason in failed["error"]
    ignored = run(pipeline_project, "ignore")
    assert ignored["value"] == 12 and ignored["warnings"] == []
    assert ignored["state"] == "stale" and ignored["reasons"] == [reason]
    assert counts(pipeline_project)["agg_and_clip"] == 1
    recomputed = run(pipeline_project, "recompute")
    assert recomputed["value"] == 10 and recomputed["state"] == "fresh"
    # Only the stale entry was computed again: its input was fresh.
    assert counts(pipeline_project) == {"agg_and_clip": 2, "my_first_cache": 1}


def test_a_recomputed_input_makes_its_reader_stale_and_recompute_redoes_only_the_reader(
        pipeline_project):
    run(pipeline_project)
    run(pipeline_project, "overwrite", "my_first_cache")  # the input recomputed
    assert counts(pipeline_project) == {"agg_and_clip": 1, "my_first_cache": 2}
    stale = run(pipeline_project, "ignore")
    assert stale["state"] == "stale"
    assert stale["reasons"] == ["input 'my_first_cache/n=4' at root was recomputed since"]
    fresh = run(pipeline_project, "recompute")
    assert fresh["state"] == "fresh"
    assert counts(pipeline_project) == {"agg_and_clip": 2, "my_first_cache": 2}


def test_bless_records_the_current_code_as_equivalent(pipeline_project):
    run(pipeline_project)
    edit(pipeline_project, "helpers.py", "return x * 2", "return x + x")  # a refactor
    assert run(pipeline_project, "ignore")["state"] == "stale"
    env = dict(os.environ, PYTHONPATH=str(pipeline_project.dir))
    bless = ("import nuthatch\nfrom pipeline import agg\n"
             "print(nuthatch.bless(agg.agg_and_clip, 4), nuthatch.bless(agg.agg_and_clip, 99))")
    done = subprocess.run([sys.executable, "-c", bless], cwd=pipeline_project.dir, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["True", "False"], done.stderr
    after = run(pipeline_project, "fail")
    assert after["error"] is None and after["state"] == "fresh"
    manifest = json.loads(next((pipeline_project.root / "meta").rglob("agg_and_clip/n=4/*.json"))
                          .read_text())
    assert len(manifest["code_history"]) == 1
    assert manifest["code_history"][0]["code_components"] != manifest["code_components"]
    assert counts(pipeline_project)["agg_and_clip"] == 1


def test_the_policy_from_the_configuration(pipeline_project):
    run(pipeline_project)
    edit(pipeline_project, "helpers.py", "return x * 2", "return x * 4")
    pipeline_project.write_toml('on_stale = "fail"')
    assert "helper `rolling_mean`" in run(pipeline_project)["error"]
    pipeline_project.write_toml('on_stale = "sometimes"')
    env = dict(os.environ, PYTHONPATH=str(pipeline_project.dir))
    done = subprocess.run([sys.executable, "run.py", "default", "agg_and_clip"],
                          cwd=pipeline_project.dir, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0 and "on_stale" in done.stderr


def test_in_process_warning_is_logged_once(project, caplog):
    calls = []

    @nuthatch.cache(cache_args=["x"], version="1")
    def square(x):
        calls.append(x)
        return x * x

    assert square(3) == 9
    # The same function with another body (as after an edit and a new process).
    def other_square(x):
        calls.append(x)
        return x ** 2
    other_square.__name__ = "square"
    changed = nuthatch.cache(cache_args=["x"], version="1")(other_square)
    with caplog.at_level(logging.WARNING, logger="nuthatch"):
        assert changed(3) == 9
        assert changed(3) == 9
    stale = [r for r in caplog.records if "is stale" in r.getMessage()]
    assert len(stale) == 1
    assert "square/x=3" in stale[0].getMessage()
    with pytest.raises(nuthatch.StaleEntryError):
        changed(3, on_stale="fail")
    assert isinstance(nuthatch.StaleEntryError("x"), nuthatch.NuthatchError)
    assert calls == [3]
    with pytest.raises(nuthatch.ConfigError, match="on_stale"):
        nuthatch.cache(on_stale="later")(other_square)


def test_status_of_a_missing_entry_and_of_a_non_cached_function(project):
    @nuthatch.cache(cache_args=["x"])
    def f(x):
        return x

    assert nuthatch.status(f, 1).state == "missing"
    f(1)
    s = nuthatch.status(f, 1)
    assert (s.state, s.reasons, s.location, s.key) == ("fresh", [], "root", "f/x=1")
    with pytest.raises(TypeError, match="not a function decorated"):
        nuthatch.status(len, 1)


def cli(*args):
    return subprocess.run([sys.executable, "-m", "nuthatch._cli", *args],
                          capture_output=True, text=True, timeout=120)


def test_the_command_line_tells_the_same(pipeline_project):
    run(pipeline_project)
    run(pipeline_project, "overwrite", "my_first_cache")
    done = cli("status", "--json")
    assert done.returncode == 0, done.stderr
    states = {row["key"]: row["state"] for row in json.loads(done.stdout)}
    assert states == {"agg_and_clip/n=4": "stale", "my_first_cache/n=4": "fresh"}
    # A later run of the function with other code: the older entry is stale by code.
    edit(pipeline_project, "helpers.py", "return x * 2", "return x * 5")
    env = dict(os.environ, PYTHONPATH=str(pipeline_project.dir))
    subprocess.run([sys.executable, "-c", "from pipeline import agg; agg.agg_and_clip(1)"],
                   cwd=pipeline_project.dir, env=env, check=True, timeout=120)
    rows = {row["key"]: row for row in json.loads(cli("status", "agg_and_clip", "--json").stdout)}
    assert rows["agg_and_clip/n=1"]["state"] == "fresh"
    assert any("helper `rolling_mean` in pipeline/helpers.py changed" in r
               for r in rows["agg_and_clip/n=4"]["reasons"])
    lineage = json.loads(cli("lineage", "agg_and_clip/n=4", "--format", "json").stdout)
    assert {n["key"] for n in lineage["nodes"]} == {"agg_and_clip/n=4", "my_first_cache/n=4"}
    dry = cli("delete", "my_first_cache", "--downstream", "--dry-run")
    assert "agg_and_clip/n=4" in dry.stdout and "agg_and_clip/n=1" in dry.stdout


def test_the_seed_examples_lineage_page_is_drawn_in_a_browser(project, tmp_path):
    chromium = os.environ.get("NH_TEST_CHROMIUM")
    if not chromium:
        pytest.skip("NH_TEST_CHROMIUM is not set (scripts/test_servers.sh installs Chromium)")
    # The seed's example: my_first_cache -> agg_and_clip (daily and weekly); its last call
    # recomputes my_first_cache, so the daily aggregate read an input replaced since.
    example = pathlib.Path(__file__).resolve().parents[2] / "examples" / "seed_example.py"
    done = subprocess.run([sys.executable, str(example)], cwd=project.dir, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    page = tmp_path / "lineage.html"
    done = cli("lineage", "agg_and_clip", "--format", "html", "-o", str(page))
    assert done.returncode == 0, done.stderr
    assert "http://" not in page.read_text().replace("http://www.w3.org/2000/svg", "")
    drawn = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", "--virtual-time-budget=5000",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    dom = drawn.stdout
    assert 'data-ready="1"' in dom, drawn.stderr[-2000:]
    assert 'data-nodes="3"' in dom
    assert dom.count('class="node"') == 3
    assert dom.count('class="edge"') == 2
    assert dom.count('data-state="stale"') == 1
    for key in ("my_first_cache", "agg_and_clip/agg_days=1", "agg_and_clip/agg_days=7"):
        assert key in dom
    # The SVG form needs no browser: written as it is.
    svg = cli("lineage", "agg_and_clip", "--format", "svg")
    assert svg.returncode == 0 and svg.stdout.count('class="node"') == 3


PACKAGES = '''
import sys

import numpy

import nuthatch

numpy.__version__ = sys.argv[1]  # as if another numpy were installed


@nuthatch.cache(cache_args=["n"], stale_on_packages=sys.argv[2] == "tracked")
def total(n):
    return int(numpy.arange(n).sum())


print(nuthatch.status(total, 5).reasons if total(5) == 10 else "wrong")
'''


def test_package_versions_are_listed_and_count_only_when_asked(project):
    (project.dir / "packages.py").write_text(PACKAGES)

    def reasons(version, tracked):
        done = subprocess.run([sys.executable, "packages.py", version, tracked], cwd=project.dir,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert reasons("1.0", "listed") == "[]"
    manifest = json.loads(next((project.root / "meta").rglob("total/n=5/*.json")).read_text())
    assert manifest["code_components"]["package numpy"] == "1.0"
    assert reasons("2.0", "listed") == "[]"  # listed, not compared
    assert reasons("2.0", "tracked") == "['package numpy changed (1.0 -> 2.0)']"
    project.write_toml("stale_on_packages = true")
    assert reasons("3.0", "listed") == "['package numpy changed (1.0 -> 3.0)']"
