"""The engine's messages reach Python's `logging` logger "nuthatch" (nuthatch/_logging.py),
as the original's messages do: pytest's caplog sees them, levels are logging's, and at
log_level "info" each call tells where its result came from."""
import logging
import threading

import nuthatch
from nuthatch import cache, set_parameter


def test_warnings_are_records_of_the_nuthatch_logger(project, caplog):
    @cache(cache_args=["fh"])
    def f(fh):
        return 1

    with open(project.dir / "x.txt", "w") as fh:
        f(fh)
    records = [r for r in caplog.records if "cannot be turned into a cache key" in r.message]
    assert len(records) == 1
    assert records[0].name == "nuthatch" and records[0].levelno == logging.WARNING


def test_at_info_a_call_tells_where_its_result_came_from(project, caplog):
    caplog.set_level(logging.INFO, logger="nuthatch")
    set_parameter("info", "log_level")

    @cache(cache_args=["n"])
    def story(n):
        return n

    story(1)
    assert "no cache for 'story/n=1' (namespace _): running story" in caplog.text
    assert "cached 'story/n=1' (namespace _) with backend basic in root" in caplog.text
    caplog.clear()
    nuthatch.clear_memoizer()
    story(1)
    assert "found cache for 'story/n=1' (namespace _) with backend basic in root" in caplog.text
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == "nuthatch")


def test_the_default_level_keeps_info_out(project, caplog):
    caplog.set_level(logging.DEBUG, logger="nuthatch")

    @cache()
    def quiet():
        return 1

    quiet()
    assert [r for r in caplog.records if r.name == "nuthatch"] == []


def test_messages_from_other_threads_arrive(project, caplog):
    set_parameter("info", "log_level")
    caplog.set_level(logging.INFO, logger="nuthatch")

    @cache(cache_args=["n"])
    def threaded(n):
        return n

    threads = [threading.Thread(target=threaded, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    running = [r for r in caplog.records if "running threaded" in r.message]
    assert len(running) == 4


def test_secrets_are_masked_before_python_sees_them(project, caplog):
    set_parameter({"secret": "hunter2-secret-value"}, "filesystem_options")

    @cache(cache_args=["fh"])
    def g(fh):
        return 1

    with open(project.dir / "y.txt", "w") as fh:
        g(fh)
    assert "hunter2-secret-value" not in caplog.text
