"""The memoizer as the original Nuthatch keeps it: xarray objects and dask DataFrames
count against `remote_cache_size`, other results against `local_cache_size`, each a
size as the original's configuration writes them ("100KB"); `nuthatch.memoizer`'s
`local_object_size` / `remote_object_size` show what each pool holds. Also: any location
named `mirror...` is a mirror."""
import numpy as np
import pytest
import xarray as xr

import nuthatch
import nuthatch.memoizer as memoizer
from nuthatch import cache, set_parameter


def test_each_pool_keeps_its_own_budget(project):
    set_parameter("100KB", "remote_cache_size")
    set_parameter("1KB", "local_cache_size")

    @cache(cache_args=["n"], memoize=True)
    def grid(n):
        return xr.Dataset({"v": ("x", np.zeros(2500))}, coords={"x": np.arange(2500)})  # 40 KB

    @cache(cache_args=["n"], memoize=True)
    def small(n):
        return [n] * 10

    for n in range(3):
        grid(n)
        small(n)
    remote = memoizer.get_cache_usage(memoizer.remote_object_size)
    local = memoizer.get_cache_usage(memoizer.local_object_size)
    assert 0 < remote <= 100_000 and len(memoizer.remote_object_size) == 2  # the third evicted the first
    assert 0 < local <= 1000 and len(memoizer.local_object_size) == 3
    assert grid(2) is grid(2)  # memoized
    memoizer.clear_memoizer()
    assert memoizer.get_cache_usage(memoizer.remote_object_size) == 0
    assert dict(memoizer.local_object_size) == {}


def test_sizes_are_checked(project):
    with pytest.raises(nuthatch.ConfigError, match="'lots' is not a size"):
        set_parameter("lots", "local_cache_size")


def test_any_location_named_mirror_is_a_mirror(project, tmp_path):
    mirror = tmp_path / "plain-mirror"
    calls = []

    @cache()
    def value():
        calls.append(1)
        return 5

    set_parameter(str(mirror), "filesystem", location="root")
    value()
    set_parameter(str(mirror), "filesystem", location="mirror")
    set_parameter(str(project.root), "filesystem", location="root")
    nuthatch.clear_memoizer()
    assert value() == 5 and calls == [1]  # recalled from the location named `mirror`
    assert nuthatch.get_parameter("filesystem", location="mirror2") is None  # a mirror name
