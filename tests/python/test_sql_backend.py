"""backend='sql' (README, "PostgreSQL tables") against a real PostgreSQL on loopback
(tests/servers/postgres_server.py: initdb + pg_ctl, a write role and a read-only role):
tables loaded and read with COPY, one per entry, named by the payload's record; pandas,
polars and dask; a namespace is a schema; the reader reads, the writer writes; a replaced
table is dropped by `nuthatch gc`; bad settings, a wrong password, an unreachable server and
a table dropped behind the engine's back each say what is wrong (never the password) or
are a miss."""
import glob
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import nuthatch
from nuthatch import _core, cache

pytest.importorskip("adbc_driver_postgresql")
pl = pytest.importorskip("polars")
dd = pytest.importorskip("dask.dataframe")

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "servers"))
from postgres_server import PostgresServer, wait_gone  # noqa: E402


@pytest.fixture(scope="module")
def postgres():
    bindir = os.environ.get("NH_TEST_POSTGRES")
    if not bindir:
        pytest.skip('NH_TEST_POSTGRES is not set: run ./scripts/test.sh, or eval "$('
                    './scripts/test_servers.sh --env)" first, to test against a real PostgreSQL')
    try:
        server = PostgresServer(bindir)
    except RuntimeError as e:  # set but not starting: a failure
        pytest.fail(str(e))
    yield server
    server.close()


def configure(project, settings):
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in settings.items())
    (project.dir / "nuthatch.toml").write_text(
        f'[nuthatch]\nfilesystem = "{project.root}"\n[nuthatch.sql]\n{lines}\n'
        f'[nuthatch.local]\nfilesystem = "{project.local}"\n')
    _core.reset_config()
    nuthatch.clear_memoizer()


@pytest.fixture
def db(postgres, project):
    configure(project, postgres.settings())
    return postgres


def frame(rows=200):
    rng = np.random.default_rng(11)
    return pd.DataFrame({
        "id": np.arange(rows, dtype=np.int64),
        "value": rng.standard_normal(rows),
        "site": [f"site-{i % 3}" for i in range(rows)],
        "kind": pd.Categorical([("a", "b")[i % 2] for i in range(rows)]),
        "time": pd.Timestamp("2001-01-01") + pd.to_timedelta(np.arange(rows), "min"),
    }, index=pd.RangeIndex(3, 3 + rows, name="row"))


def record(project):
    [path] = glob.glob(os.path.join(project.root, "data", "**", "_nuthatch_table.json"),
                       recursive=True)
    return json.loads(open(path).read())


def nuthatch_cli(project, *args):
    script = pathlib.Path(sys.executable).with_name("nuthatch")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "nuthatch._cli"]
    return subprocess.run(command + list(args), cwd=project.dir, capture_output=True, text=True,
                          timeout=120)


def test_a_frame_round_trips_through_a_table_of_its_own(db, project):
    df = frame()
    calls = []

    @cache(cache_args=["n"], backend="sql")
    def table(n):
        calls.append(n)
        return df

    table(1)
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(table(1), df)  # dtypes, categoricals and index kept
    assert calls == [1]
    rec = record(project)
    assert rec["schema"] == "public" and rec["table"].startswith("table/n=1@")
    assert f'public.{rec["table"]}' in db.tables()
    # Any PostgreSQL client reads it: the writer's COPY made a plain table.
    assert db.psql(f'SELECT count(*), sum(id) FROM "public"."{rec["table"]}"') == \
        f"{len(df)}|{int(df['id'].sum())}"
    assert table(1, filepath_only=True).endswith(".sql")


def test_engines_and_kinds(db, project):
    df = frame(30)

    @cache(cache_args=["kind"], backend="sql")
    def table(kind):
        if kind == "polars":
            return pl.from_pandas(df.reset_index(drop=True).drop(columns=["kind"]))
        if kind == "dask":
            return dd.from_pandas(df, npartitions=2)
        return df

    for kind in ("pandas", "polars", "dask"):
        table(kind)
    nuthatch.clear_memoizer()
    assert isinstance(table("polars"), pl.DataFrame)
    assert isinstance(table("dask"), dd.DataFrame)
    pd.testing.assert_frame_equal(table("dask").compute(), df, check_dtype=False)
    assert isinstance(table("pandas", engine="polars"), pl.DataFrame)
    assert isinstance(table("pandas", engine="dask"), dd.DataFrame)


def test_a_namespace_is_a_schema_and_kwargs_name_and_shape_the_table(db, project):
    df = frame(20)

    @cache(cache_args=["n"], backend="sql", namespace="exp1",
           backend_kwargs={"hash_table_name": True, "write_index": False, "chunk_size": 7})
    def table(n):
        return df

    table(1)
    rec = record(project)
    assert rec["schema"] == "exp1"
    assert len(rec["table"].split("@")[0]) == 32  # the key's MD5
    assert f'exp1.{rec["table"]}' in db.tables("exp1")
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(table(1), df.reset_index(drop=True))  # index dropped


def test_replaced_tables_are_dropped_by_gc_after_the_grace(db, project):
    @cache(cache_args=["n"], backend="sql", namespace="gctest")
    def table(n):
        return frame(10)

    table(1)
    first = record(project)["table"]
    table(1, recompute=True, force_overwrite=True)
    tables = db.tables("gctest")
    assert f"gctest.{first}" in tables and len(tables) == 2  # retired, readable
    done = nuthatch_cli(project, "gc", "--grace", "0s", "--force")
    assert done.returncode == 0, done.stderr
    assert wait_gone(db, f"gctest.{first}")
    assert len(db.tables("gctest")) == 1
    # delete retires the entry; gc drops its table.
    done = nuthatch_cli(project, "delete", "table/n=1", "--namespace", "gctest", "--backend",
                        "sql", "--force")
    assert done.returncode == 0, done.stderr
    done = nuthatch_cli(project, "gc", "--grace", "0s", "--force")
    assert done.returncode == 0, done.stderr
    assert db.tables("gctest") == []


def test_a_table_dropped_behind_the_engines_back_is_a_miss(db, project):
    calls = []

    @cache(cache_args=["n"], backend="sql")
    def table(n):
        calls.append(n)
        return frame(5)

    table(1)
    db.psql(f'DROP TABLE "public"."{record(project)["table"]}"')
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(table(1), frame(5))
    assert calls == [1, 1]
    # A damaged record is a miss too, never a crash.
    path = os.path.join(table(1, filepath_only=True), "_nuthatch_table.json")
    with open(path, "w") as f:
        f.write('{"schema": "public"}')
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(table(1), frame(5))
    assert calls == [1, 1, 1]


def test_a_record_naming_another_entrys_table_is_a_miss(db, project):
    calls = []

    @cache(cache_args=["n"], backend="sql", namespace="foreign")
    def table(n):
        calls.append(n)
        return frame(5)

    table(1)
    table(2)
    path = os.path.join(table(1, filepath_only=True), "_nuthatch_table.json")
    other = json.loads(open(os.path.join(table(2, filepath_only=True),
                                         "_nuthatch_table.json")).read())
    with open(path, "w") as f:
        f.write(json.dumps(other))  # n=2's table, named by n=1's record
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(table(1), frame(5))
    assert calls == [1, 2, 1]
    assert f'foreign.{other["table"]}' in db.tables("foreign")  # and nothing dropped it


def test_upsert_merges_into_a_new_table(db, project):
    @cache(cache_args=["n"], backend="sql", upsert_keys=["id"])
    def table(n, ids=(0, 1, 2), value=1.0):
        return pd.DataFrame({"id": np.array(ids, dtype=np.int64),
                             "v": np.full(len(ids), value)})

    table(1)
    merged = table(1, ids=(2, 3), value=2.0, upsert=True)
    want = pd.DataFrame({"id": np.array([0, 1, 2, 3], dtype=np.int64),
                         "v": [1.0, 1.0, 2.0, 2.0]})
    pd.testing.assert_frame_equal(merged, want)
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(table(1), want)


def test_the_reader_cannot_write_and_nothing_is_committed(postgres, project):
    configure(project, postgres.settings(write_role=False))

    @cache(cache_args=["n"], backend="sql")
    def table(n):
        return frame(5)

    with pytest.raises(RuntimeError, match="cannot create table") as e:
        table(1)
    assert postgres.passwords["nh_reader"] not in str(e.value)
    assert project.manifests() == []


def test_a_wrong_password_names_the_location_not_the_password(postgres, project):
    settings = postgres.settings()
    settings["write_password"] = "wrong-Secret-9x"
    configure(project, settings)

    @cache(cache_args=["n"], backend="sql")
    def table(n):
        return frame(5)

    with pytest.raises(RuntimeError, match="backend 'sql' at root: cannot connect") as e:
        table(1)
    assert "wrong-Secret-9x" not in str(e.value)
    assert project.manifests() == []


def test_an_unreachable_server_and_missing_settings_are_clear_errors(postgres, project):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    settings = postgres.settings()
    settings["port"] = closed
    configure(project, settings)

    @cache(cache_args=["n"], backend="sql")
    def table(n):
        return frame(5)

    with pytest.raises(RuntimeError, match=f"cannot connect to database 'nh_test' on "
                                           f"127.0.0.1:{closed}"):
        table(1)
    configure(project, {"host": "127.0.0.1"})
    with pytest.raises(RuntimeError, match="set port, database, username, password"):
        table(2)
    assert project.manifests() == []
