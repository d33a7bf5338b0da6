"""backend='terracotta' (README, "Rasters"): xarray datasets on a latitude / longitude grid
stored as cloud-optimised GeoTIFFs in the entry's payload and registered in a terracotta
database, a SQLite file here and the PostgreSQL server on loopback once; a recall returns
what the original returns ([{key: metadata}]); all-NaN time steps are skipped; the
original's options act; `nuthatch gc` unregisters the rasters of a collected payload; bad
input says what is wrong, and a database emptied behind the engine's back is a miss."""
import glob
import json
import logging
import os
import pathlib
import sqlite3
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import nuthatch
from nuthatch import _core, cache

xr = pytest.importorskip("xarray")
pytest.importorskip("rioxarray")
pytest.importorskip("terracotta")

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "servers"))
from postgres_server import PostgresServer  # noqa: E402


def configure(project, settings):
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in settings.items())
    (project.dir / "nuthatch.toml").write_text(
        f'[nuthatch]\nfilesystem = "{project.root}"\n[nuthatch.terracotta]\n{lines}\n'
        f'[nuthatch.local]\nfilesystem = "{project.local}"\n')
    _core.reset_config()
    nuthatch.clear_memoizer()


@pytest.fixture
def sqlite_db(project):
    path = project.dir / "terracotta.sqlite"
    configure(project, {"driver": "sqlite", "database": str(path)})
    return path


def rows(path):
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT key, path FROM datasets").fetchall())


def grid(times=None, lon0=-180.0, seed=1, dims=("lat", "lon")):
    lat = np.arange(-89.5, 90, 1.0)
    lon = np.arange(lon0 + 0.5, lon0 + 360, 1.0)
    rng = np.random.default_rng(seed)
    if times is None:
        return xr.Dataset({"data": (dims, rng.random((lat.size, lon.size)))},
                          coords={dims[0]: lat, dims[1]: lon})
    values = rng.random((lat.size, lon.size, len(times)))
    return xr.Dataset({"data": (dims + ("time",), values)},
                      coords={dims[0]: lat, dims[1]: lon, "time": times})


def payload_files(project, key):
    return sorted(os.path.basename(p) for p in
                  glob.glob(str(project.root / "data" / "_" / key / "terracotta-*" / "*")))


def test_a_grid_is_one_raster_registered_and_recalled_as_the_original_returns(
        sqlite_db, project, counter):
    @cache(cache_args=[], backend="terracotta")
    def elevation():
        counter()
        return grid()

    computed = elevation()  # the call that computes returns the dataset computed
    assert isinstance(computed, xr.Dataset)
    recalled = elevation()
    assert counter.n == 1
    [item] = recalled
    [(key, metadata)] = item.items()
    assert key == "elevation"
    assert metadata["bounds"][0] == pytest.approx(-180, abs=0.1)  # west, in degrees
    assert metadata["bounds"][2] == pytest.approx(180, abs=2)  # east (reprojection trims a cell)
    assert 0 <= metadata["range"][0] <= metadata["range"][1] <= 1
    assert payload_files(project, "elevation") == ["_.tif", "_nuthatch_terracotta.json"]
    registered = rows(sqlite_db)
    assert list(registered) == ["elevation"]
    assert "/data/_/elevation/terracotta-" in registered["elevation"]
    assert os.path.exists(registered["elevation"])  # the path a tile server reads


def test_time_steps_are_rasters_of_their_own_and_all_nan_ones_are_skipped(
        sqlite_db, project, caplog):
    times = pd.date_range("2001-01-01", periods=3, freq="D")

    @cache(cache_args=["run"], backend="terracotta")
    def temperature(run):
        ds = grid(times)
        ds["data"][:, :, 0] = np.nan
        return ds

    with caplog.at_level(logging.WARNING, logger="nuthatch"):
        temperature(7)
    out = temperature(7)
    keys = [next(iter(item)) for item in out]
    # The original's keys: the cache key, "/" as "_", then "_" and the step's time text.
    assert [k[:len("temperature_run=7_2001-01-02T00:00:00")] for k in keys] == [
        "temperature_run=7_2001-01-02T00:00:00", "temperature_run=7_2001-01-03T00:00:00"]
    assert any("2001-01-01" in r.getMessage() and "no valid" in r.getMessage()
               for r in caplog.records)
    assert len(payload_files(project, "temperature/run=7")) == 3  # two rasters, the record
    assert sorted(rows(sqlite_db)) == keys


def test_a_time_text_with_slashes_or_dots_names_a_file_in_the_payload(sqlite_db, project):
    @cache(cache_args=["run"], backend="terracotta")
    def labelled(run):
        return grid(["../up", "a/b"])

    labelled(1)
    keys = sorted(next(iter(item)) for item in labelled(1))
    assert keys == ["labelled_run=1_../up", "labelled_run=1_a/b"]  # the original's keys
    assert payload_files(project, "labelled/run=1") == [
        "%2E.%2Fup.tif", "_nuthatch_terracotta.json", "a%2Fb.tif"]
    assert not glob.glob(str(project.root / "data" / "_" / "labelled" / "up*"))


def test_the_originals_pattern_publishes_a_stored_dataset(sqlite_db, project, counter):
    @cache(cache_args=[])
    def field():
        counter()
        return grid(pd.date_range("2001-01-01", periods=2, freq="D"))

    field(backend="zarr")
    field(backend="zarr", storage_backend="terracotta", cache_mode="overwrite")
    published = field(backend="terracotta")
    assert counter.n == 1
    assert len(published) == 2
    assert isinstance(field(backend="zarr"), xr.Dataset)


def test_options_dimension_names_longitudes_and_the_registered_path(project, counter):
    db = project.dir / "tc.sqlite"
    configure(project, {"driver": "sqlite", "database": str(db),
                        "override_path": "s3://tiles/published"})

    @cache(cache_args=[], backend="terracotta",
           backend_kwargs={"latitude_dimension": "y_deg", "longitude_dimension": "x_deg",
                           "resampling_method": "bilinear"})
    def shifted():
        return grid(lon0=0.0, dims=("y_deg", "x_deg"))  # 0..360 longitudes

    shifted()
    [item] = shifted()
    metadata = item["shifted"]
    assert metadata["bounds"][0] == pytest.approx(-180, abs=0.1)
    assert metadata["bounds"][2] == pytest.approx(180, abs=2)
    path = rows(db)["shifted"]
    assert path.startswith("s3://tiles/published/data/_/shifted/terracotta-")
    assert path.endswith(".terracotta/_.tif")


def test_bad_input_says_what_is_wrong(sqlite_db, project):
    @cache(cache_args=["case"], backend="terracotta")
    def bad(case):
        if case == "dims":
            return grid(dims=("row", "col"))
        if case == "4d":
            return xr.Dataset({"v": (("a", "b", "c", "d"), np.zeros((1, 1, 1, 1)))})
        return grid()

    with pytest.raises(RuntimeError, match="latitude_dimension"):
        bad("dims")
    with pytest.raises(RuntimeError, match="2-D .* 3-D"):
        bad("4d")
    with pytest.raises(ValueError, match="resampling_method 'sharpest'"):
        bad("fine", backend_kwargs={"resampling_method": "sharpest"})
    def three():
        return 3

    with pytest.raises(TypeError, match="backend 'terracotta'"):
        cache(cache_args=[], backend="terracotta")(three)()
    assert not sqlite_db.exists() or rows(sqlite_db) == {}  # nothing registered
    configure(project, {"driver": "sqlite"})
    with pytest.raises(RuntimeError, match="set 'database'"):
        bad("fine")


def test_a_database_emptied_behind_the_engines_back_is_a_miss(sqlite_db, project, counter):
    @cache(cache_args=[], backend="terracotta")
    def layer():
        counter()
        return grid()

    layer()
    with sqlite3.connect(sqlite_db) as conn:
        conn.execute("DELETE FROM metadata")
        conn.execute("DELETE FROM datasets")
    nuthatch.clear_memoizer()
    layer()  # a miss: computed and registered again
    assert counter.n == 2
    assert next(iter(layer()[0])) == "layer"
    assert list(rows(sqlite_db)) == ["layer"]


def nuthatch_cli(project, *args):
    return subprocess.run([sys.executable, "-m", "nuthatch._cli", *args], cwd=project.dir,
                          capture_output=True, text=True, timeout=120)


def test_gc_unregisters_the_rasters_of_collected_payloads(sqlite_db, project):
    @cache(cache_args=["n"], backend="terracotta")
    def tiles(n):
        return grid(seed=n)

    tiles(1)
    tiles(2)
    first = rows(sqlite_db)["tiles_n=1"]
    tiles(1, recompute=True, force_overwrite=True)  # the same key, a new payload
    second = rows(sqlite_db)["tiles_n=1"]
    assert second != first
    done = nuthatch_cli(project, "gc", "--grace", "0s", "--force")
    assert done.returncode == 0, done.stderr
    assert rows(sqlite_db)["tiles_n=1"] == second  # the replacement's row stays
    assert not os.path.exists(first) and os.path.exists(second)
    # A deleted entry's rows go when gc collects its payload.
    assert nuthatch_cli(project, "delete", "tiles/n=2", "--force").returncode == 0
    assert "tiles_n=2" in rows(sqlite_db)
    done = nuthatch_cli(project, "gc", "--grace", "0s", "--force")
    assert done.returncode == 0, done.stderr
    assert list(rows(sqlite_db)) == ["tiles_n=1"]
    with sqlite3.connect(sqlite_db) as conn:
        assert [k for (k,) in conn.execute("SELECT key FROM metadata")] == ["tiles_n=1"]


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


def test_a_postgresql_database(postgres, project, counter):
    pytest.importorskip("psycopg2")
    configure(project, postgres.settings())

    @cache(cache_args=["n"], backend="terracotta")
    def rain(n):
        counter()
        return grid(pd.date_range("2002-01-01", periods=2, freq="D"), seed=n)

    rain(1)
    keys = [next(iter(item)) for item in rain(1)]
    assert [k[:len("rain_n=1_2002-01-01")] for k in keys] == ["rain_n=1_2002-01-01",
                                                              "rain_n=1_2002-01-02"]
    assert counter.n == 1
    password = postgres.settings()["password"]
    listed = postgres.psql("SELECT key, path FROM datasets ORDER BY key")
    assert "rain_n=1_2002-01-01" in listed and password not in listed
    assert nuthatch_cli(project, "delete", "rain", "--force").returncode == 0
    done = nuthatch_cli(project, "gc", "--grace", "0s", "--force")
    assert done.returncode == 0, done.stderr
    assert "rain_n=1" not in postgres.psql("SELECT key FROM datasets")
    assert "rain_n=1" not in postgres.psql("SELECT key FROM metadata")
    # A wrong password: the location and database named, never the password.
    configure(project, dict(postgres.settings(), write_password="wrong-secret"))
    with pytest.raises(RuntimeError) as failed:
        rain(2)
    assert "cannot open database" in str(failed.value) and "wrong-secret" not in str(failed.value)
