"""The ``terracotta`` backend: an xarray Dataset (or DataArray) on a latitude / longitude
grid, optionally with a time dimension, stored as cloud-optimised GeoTIFFs (one per time
step) and registered in a terracotta database, which a terracotta tile server then
serves, as the original Nuthatch does. Ask for it by name (``backend='terracotta'``, or
``storage_backend='terracotta'`` to publish a result read from another backend). Needs the
``terracotta`` and ``rioxarray`` packages (``nuthatch[terracotta]``).

What: the data are reprojected from EPSG:4326 to web mercator (EPSG:3857) with the
``resampling_method`` (``nearest``, the default, ``average``, ``bilinear`` or ``cubic``),
longitudes above 180 turned into -180..180 first. Each time step is written as
``<time>.tif`` (the time's text, percent-encoded; ``_.tif`` without a time dimension) in the entry's payload,
``terracotta-<entry_id>.terracotta/``, and registered under the terracotta key
``<cache key with / as _>`` (``_<time>`` appended per time step), the original's keys, so
tile URLs stay the same. Time steps without a valid value are skipped with a warning
(terracotta cannot describe an all-nodata raster). ``_nuthatch_terracotta.json``, written
last, lists the keys the entry registered. A recall returns what the original returns:
the list ``[{key: metadata}]`` of those keys, their metadata read from the database.

Where: the database is the location's ``terracotta`` parameters, named as the original
names them: ``driver`` (``postgresql``, the default, or ``sqlite``), ``host``, ``port``,
``database`` (for SQLite the database file), ``username`` / ``password`` and
``write_username`` / ``write_password``. ``override_path`` is the base the database
records a raster's path under (where the tile server reads the location's files; by
default the payload's own path or URL). Dimension names: ``latitude_dimension``,
``longitude_dimension`` and ``time_dimension`` (``lat``, ``lon``, ``time``) in
``backend_kwargs``. When ``nuthatch gc`` collects a payload, the engine's ``terracotta``
codec removes the database rows that point into it.
"""
import json
import logging
import os
import urllib.parse

from .. import _core
from . import Adapter
from ._database import DatabaseSettings

RECORD = "_nuthatch_terracotta.json"
_RESAMPLING = ("nearest", "average", "bilinear", "cubic")

logger = logging.getLogger("nuthatch")


def _packages():
    try:
        import rioxarray  # noqa: F401 - registers the .rio accessor
        import terracotta
        from rasterio.enums import Resampling
        from rasterio.io import MemoryFile
    except ImportError:
        raise RuntimeError("backend 'terracotta' needs the terracotta and rioxarray packages "
                           "(pip install terracotta rioxarray, or nuthatch[terracotta])") from None
    return terracotta, Resampling, MemoryFile


class _Database(DatabaseSettings):
    """The terracotta database of a location, opened for reading or writing."""

    def __init__(self, location):
        super().__init__("terracotta", location, extra=("override_path",))
        self.driver_name = str(self.get("driver") or "postgresql")
        if not self.get("database"):
            raise self.error("set 'database' (and for PostgreSQL host, port, username and "
                             "password), e.g. in [tool.nuthatch.terracotta]")
        if self.driver_name.startswith("sqlite"):
            self.where = f"SQLite database {self.get('database')}"
        elif self.driver_name.startswith("postgres"):
            self.require(("host", "port", "username"), "the database's connection settings")
            self.where = self.server
        else:
            raise self.error(f"driver '{self.driver_name}' is not supported (postgresql or "
                             f"sqlite)")

    def open(self, write):
        """A terracotta driver on the database, created when it does not exist yet and the
        caller writes."""
        tc, _, _ = _packages()
        try:
            if self.driver_name.startswith("sqlite"):
                driver = tc.get_driver(str(self.get("database")), provider="sqlite")
            else:
                driver = _postgres_driver(self.postgres_url(write))
            try:
                driver.get_keys()
            except Exception:  # noqa: BLE001 - no metastore there yet
                if not write:
                    return None
                logger.info("creating the terracotta metastore in %s", self.where)
                if self.driver_name.startswith("sqlite"):
                    driver.create(["key"])
                else:
                    # terracotta's create() also creates the PostgreSQL database, which
                    # exists here (its owner is the write user): its tables alone.
                    driver.meta_store._initialize_database(["key"])
            return driver
        except RuntimeError:
            raise
        except Exception as e:  # noqa: BLE001 - reworded without the password
            raise self.error(f"cannot open {self.where}: {self.hide(e)}") from None


_drivers = {}  # PostgreSQL URL (user and password in it) -> driver, for this process


def _postgres_driver(url):
    """A terracotta driver connecting with ``url``'s user. terracotta's own ``get_driver``
    keeps one driver per database whatever the credentials, so the reader and the writer
    would share the first one's: drivers are made here, one per user."""
    from terracotta.drivers import TerracottaDriver
    from terracotta.drivers.geotiff_raster_store import GeoTiffRasterStore
    from terracotta.drivers.postgresql_meta_store import PostgreSQLMetaStore
    if url not in _drivers:
        _drivers[url] = TerracottaDriver(meta_store=PostgreSQLMetaStore(url),
                                         raster_store=GeoTiffRasterStore())
    return _drivers[url]


def _dims(kwargs):
    return (kwargs.get("latitude_dimension", "lat"), kwargs.get("longitude_dimension", "lon"),
            kwargs.get("time_dimension", "time"))


def _to_web_mercator(ds, kwargs, resampling):
    """``ds`` checked, renamed to y/x, in -180..180 and reprojected to EPSG:3857."""
    import numpy as np
    lat, lon, time = _dims(kwargs)
    if len(ds.dims) == 2:
        if lat not in ds.dims or lon not in ds.dims:
            raise RuntimeError(f"backend 'terracotta': the dataset has dimensions "
                               f"{list(ds.dims)}, not '{lat}' and '{lon}'; name them with "
                               f"latitude_dimension and longitude_dimension in backend_kwargs")
    elif len(ds.dims) == 3:
        if lat not in ds.dims or lon not in ds.dims or time not in ds.dims:
            raise RuntimeError(f"backend 'terracotta': the dataset has dimensions "
                               f"{list(ds.dims)}, not '{lat}', '{lon}' and '{time}'; name them "
                               f"with latitude_dimension, longitude_dimension and "
                               f"time_dimension in backend_kwargs")
    else:
        raise RuntimeError("backend 'terracotta' stores 2-D (latitude, longitude) and 3-D "
                           f"(latitude, longitude, time) datasets, not {len(ds.dims)}-D ones")
    ds = ds.rename({lat: "y", lon: "x"})
    if bool((ds["x"] > 180.0).any()):
        ds = ds.assign_coords(x=np.where(ds["x"] >= 180.0, ds["x"] - 360.0, ds["x"]))
        ds = ds.sortby("x")
    ds = ds.transpose(time, "y", "x") if time in ds.dims else ds.transpose("y", "x")
    ds = ds.rio.write_crs("epsg:4326")
    ds = ds.rio.reproject("EPSG:3857", resampling=resampling, nodata=np.nan)
    return ds.rio.write_crs("epsg:3857")


def _time_text(value):
    return str(value.values if hasattr(value, "values") else value)


def _file_name(time_text):
    """The payload file of one time step: its text percent-encoded (no `/`, so no
    folder, and no leading `.`, so no hidden file, whatever the time coordinate holds),
    then `.tif`."""
    name = urllib.parse.quote(time_text, safe="-_:")
    return ("%2E" + name[1:] if name.startswith(".") else name) + ".tif"


class TerracottaAdapter(Adapter):
    name = "terracotta"
    priority = None  # only when asked for by name
    stores = "it stores xarray Datasets and DataArrays on a latitude / longitude grid"

    def takes(self, obj):
        import sys
        xr = sys.modules.get("xarray")
        return xr is not None and isinstance(obj, (xr.Dataset, xr.DataArray))

    def encode(self, obj):
        if not self.takes(obj):
            raise self.cannot(obj)
        raise self.cannot(obj, "its rasters are written beside the manifest, which this "
                               "location's storage cannot hold for them")

    def write(self, obj, target, kwargs):
        if not self.takes(obj) or not target.entry.get("key"):
            return None  # encode() names what is wrong
        kwargs = kwargs or {}
        _, Resampling, MemoryFile = _packages()
        method = kwargs.get("resampling_method", "nearest")
        if method not in _RESAMPLING:
            raise ValueError(f"backend 'terracotta': resampling_method '{method}' is not one of "
                             f"{', '.join(_RESAMPLING)}")
        ds = obj.to_dataset(name=obj.name or "data") if not hasattr(obj, "data_vars") else obj
        ds = _to_web_mercator(ds, kwargs, getattr(Resampling, method))
        _, _, time = _dims(kwargs)
        db = _Database(target.entry.get("location"))
        base = target.entry["key"].replace("/", "_")
        slices = [(base + "_" + _time_text(t), _file_name(_time_text(t)),
                   ds.sel({time: t}).reset_coords(time, drop=True)) for t in ds[time]] \
            if time in ds.dims else [(base, "_.tif", ds)]
        registered = []
        driver = db.open(write=True)
        with driver.connect(verify=False):
            for key, name, raster in slices:
                if not any(bool(raster[v].notnull().any()) for v in raster.data_vars):
                    logger.warning("terracotta: skipping %s, which has no valid (non-NaN) value",
                                   key)
                    continue
                with MemoryFile() as memory:
                    raster.rio.to_raster(memory.name, driver="COG")
                    memory.seek(0)
                    target.write_object(name, memory.read())
                    try:
                        driver.insert({"key": key}, memory.name, skip_metadata=False,
                                      override_path=self._raster_path(target, db, name))
                    except Exception as e:  # noqa: BLE001 - reworded without the password
                        raise RuntimeError(f"backend 'terracotta' at {db.location}: cannot "
                                           f"register {key} in {db.where}: {db.hide(e)}") from None
                registered.append(key)
        record = {"keys": registered, "database": db.where}
        target.write_object(RECORD, json.dumps(record).encode())
        return target.stored_bytes()

    @staticmethod
    def _raster_path(target, db, name):
        """The path the database records for raster ``name``: under ``override_path`` (the
        payload's place relative to the location), else the payload's own path or URL."""
        override = db.get("override_path")
        if override:
            entry = target.entry
            payload = (f"data/{entry.get('namespace') or '_'}/{entry['key']}/"
                       f"terracotta-{entry['entry_id']}.terracotta")
            return f"{str(override).rstrip('/')}/{payload}/{name}"
        base = target.local_path or target.url
        return os.path.join(base, name) if target.local_path else f"{base.rstrip('/')}/{name}"

    def open(self, target, engine):
        raw = _core.read_object(target.url, RECORD, target.options)
        if raw is None:
            return None  # its writer did not finish: the engine recomputes
        base = target.entry["key"].replace("/", "_")
        try:
            keys = json.loads(raw)["keys"]
            # Only this entry's own keys: the key itself, or it with a time step appended.
            if not (isinstance(keys, list) and all(
                    isinstance(k, str) and (k == base or k.startswith(base + "_")) for k in keys)):
                raise ValueError("the record names keys of another entry")
        except (ValueError, KeyError, TypeError):
            logger.warning("the terracotta record %s/%s cannot be read; computing the entry "
                           "again", target.url, RECORD)
            return None
        db = _Database(target.entry.get("location"))
        driver = db.open(write=False)
        if driver is None:
            logger.warning("the terracotta database %s of %s is gone; computing the entry again",
                           db.where, db.location)
            return None
        out = []
        try:
            with driver.connect():
                for key in keys:
                    out.append({key: driver.get_metadata({"key": key})})
        except Exception as e:  # noqa: BLE001 - a row gone behind the engine's back is a miss
            logger.warning("terracotta: %s of the entry at %s cannot be read from %s (%s); "
                           "computing the entry again", key, target.url, db.where, db.hide(e))
            return None
        return out


ADAPTER = TerracottaAdapter()
