"""The original Nuthatch README's example, run as is on this package.

The code between the two "seed" markers is the original's (`my_first_cache` and
`agg_and_clip` with every call it shows), with one change: `xr.tutorial.open_dataset(
"air_temperature")` needs the internet, so `air_temperature()` below generates a dataset
of the same shape, dimensions, coordinates, dtypes and attributes. The `computed`
counter and the `report(...)` lines only print what each call did.

Run it twice in a directory without configuration: entries go to the zero-config default
(.nuthatch/ in the working directory). The second run recalls every call except the two
that ask to recompute.
"""
import collections
import time

import numpy as np
import pandas as pd

computed = collections.Counter()  # function name -> how many times its body ran


def air_temperature():
    """A stand-in for xr.tutorial.open_dataset("air_temperature") (NCEP reanalysis, 4x
    daily surface air temperature over North America, 2013-2014), deterministic."""
    import xarray as xr

    time_ = pd.date_range("2013-01-01", "2014-12-31T18:00", freq="6h")
    lat = np.arange(75.0, 14.9, -2.5, dtype=np.float32)
    lon = np.arange(200.0, 330.1, 2.5, dtype=np.float32)
    days = (time_ - time_[0]) / pd.Timedelta(days=1)
    season = -np.cos(2 * np.pi * days.to_numpy() / 365.25)[:, None, None]
    gradient = ((75.0 - lat) / 60.0)[None, :, None]
    noise = np.random.default_rng(2013).standard_normal((time_.size, lat.size, lon.size))
    air = 250.0 + 40.0 * gradient + 12.0 * season * (1.2 - gradient) + 3.0 * noise
    return xr.Dataset(
        {"air": (("time", "lat", "lon"), np.round(air, 2).astype(np.float32), {
            "long_name": "4xDaily Air temperature at sigma level 995",
            "units": "degK",
            "precision": 2,
            "GRIB_id": 11,
            "GRIB_name": "TMP",
            "var_desc": "Air temperature",
            "dataset": "NMC Reanalysis",
            "level_desc": "Surface",
            "statistic": "Individual Obs",
            "parent_stat": "Other",
            "actual_range": np.array([185.16, 322.1], dtype=np.float32),
        })},
        coords={
            "lat": ("lat", lat, {"standard_name": "latitude", "long_name": "Latitude",
                                 "units": "degrees_north", "axis": "Y"}),
            "lon": ("lon", lon, {"standard_name": "longitude", "long_name": "Longitude",
                                 "units": "degrees_east", "axis": "X"}),
            "time": ("time", time_, {"standard_name": "time", "long_name": "Time"}),
        },
        attrs={
            "Conventions": "COARDS",
            "title": "4x daily NMC reanalysis (1948)",
            "description": "Data is from NMC initialized reanalysis\n(4x/day).  These are the "
                           "0.9950 sigma level values.",
            "platform": "Model",
            "references": "http://www.esrl.noaa.gov/psd/data/gridded/data.ncep.reanalysis.html",
        },
    )


_last = collections.Counter()
_started = time.perf_counter()


def report(call, function="agg_and_clip"):
    """Prints which functions ran since the previous report: a cached function whose body
    did not run was recalled (from the store, or from memory with memoize=True)."""
    global _started
    ran = computed - _last
    _last.update(ran)
    if function == "my_first_cache":
        what = "my_first_cache " + ("computed" if ran["my_first_cache"] else "recalled")
    elif ran["agg_and_clip"]:
        what = "agg_and_clip computed, my_first_cache " + (
            "computed" if ran["my_first_cache"] else "recalled")
    else:
        what = "agg_and_clip recalled"
    elapsed = time.perf_counter() - _started
    print(f"{call:<58} {what} ({elapsed:.2f} s)", flush=True)
    _started = time.perf_counter()


# ---- seed: the original README, with the dataset generated and the counter added ----
from nuthatch import cache
from nuthatch.processors import timeseries
import xarray as xr

@cache()
def my_first_cache():
    computed["my_first_cache"] += 1
    ds = air_temperature()

    # Data will automatically be saved in a zarr store and recalled
    return ds

my_first_cache()
report("my_first_cache()", "my_first_cache")

@timeseries(timeseries='time')
@cache(cache_args=['agg_days'])
def agg_and_clip(start_time, end_time, agg_days=1):
    computed["agg_and_clip"] += 1
    ds = my_first_cache()

    # aggregate based on time
    ds = ds.rolling({'time': agg_days}).mean()

    return ds

# Daily aggregate
agg_and_clip("2013-01-01", "2014-01-01", agg_days=1)
report("daily aggregate")

# Daily aggregate recalled, persisted in memory, and clipped to 2013-06
agg_and_clip("2013-01-01", "2013-06-01", agg_days=1, memoize=True)
report("daily aggregate, memoize=True, clipped to 2013-06")

# Daily aggregate recalled from memory and clipped to 2013-06
agg_and_clip("2013-01-01", "2013-06-01", agg_days=1, memoize=True)
report("daily aggregate, memoize=True again")

# Weekly aggregate computed fresh
agg_and_clip("2013-01-01", "2014-01-01", agg_days=7)
report("weekly aggregate")

# Weekly aggregate recomputed and overwrite existing cache
agg_and_clip("2013-01-01", "2014-01-01", agg_days=7, recompute=True, force_overwrite=True)
report("weekly aggregate, recompute=True, force_overwrite=True")

# Weekly aggregate with both functions recomputed and overwritten
agg_and_clip("2013-01-01", "2014-01-01", agg_days=7, recompute=['agg_and_clip', 'my_first_cache'], force_overwrite=True)
report("weekly aggregate, recompute=[both], force_overwrite=True")
# ---- end of seed ----
