"""Run by tests/original/legacy_caches.sh with the REAL original Nuthatch: writes caches of
every kind it stores into the root given as the only argument, and prints one JSON line
per call (function, namespace, cache arguments, backend, what the result was) so tests
can find each entry and compare what they read."""
import json
import logging
import os
import sys

import dask.dataframe as dd
import numpy as np
import pandas as pd
import xarray as xr
from nuthatch import cache, set_parameter

logging.disable(logging.CRITICAL)  # the original logs every call at INFO
root = sys.argv[1]
set_parameter(root, 'filesystem', location='root')
set_parameter(root + '-local', 'filesystem', location='local')


@cache(cache_args=['n', 'label'])
def plain(n, label='a'):
    return [n, label, 1.5]


@cache(cache_args=['xs', 'box'])
def structured(xs, box):
    return {'xs': list(xs), 'box': box}


@cache(cache_args=['n'])
def dataset(n):
    return xr.Dataset({'v': ('x', np.arange(n, dtype='float32'))}, coords={'x': np.arange(n)})


@cache(cache_args=['n'], backend='parquet')
def table(n):
    return pd.DataFrame({'a': np.arange(n), 'b': [str(i) for i in range(n)]})


@cache(cache_args=['n'], backend='parquet')
def dask_table(n):
    return dd.from_pandas(pd.DataFrame({'a': np.arange(n)}), npartitions=3)


@cache(cache_args=['n'], backend='parquet')
def parted_table(n):
    df = pd.DataFrame({'a': np.arange(n), 'g': np.arange(n) // 3})
    df.cache_partition = ['g']  # Hive folders g=0/, g=1/ (pandas' partition_cols)
    return df


@cache(cache_args=['n'])
def delta_table(n):
    return pd.DataFrame({'a': np.arange(n)})


@cache(cache_args=['n'])
def nothing(n):
    return None


@cache(cache_args=['n'], namespace='exp1')
def spaced(n):
    return {'n': n}


def record(fn, backend, result, namespace=None, **kwargs):
    fn(**kwargs)
    print(json.dumps({'function': fn.__name__, 'namespace': namespace, 'args': kwargs,
                      'backend': backend, 'result': result}), flush=True)


record(plain, 'basic', [3, 'b', 1.5], n=3, label='b')
record(plain, 'basic', [4, 'a', 1.5], n=4, label='a')
record(plain, 'basic', [3.0, 'x y', 1.5], n=3.0, label='x y')
record(plain, 'basic', [True, 'None', 1.5], n=True, label='None')
record(structured, 'basic', {'xs': ['b', 10, 'a'], 'box': {'lon': 5, 'lat': 1.5}},
       xs=['b', 10, 'a'], box={'lon': 5, 'lat': 1.5})
record(dataset, 'zarr', 'dataset', n=5)
# The original's parquet backend writes a pandas DataFrame with pandas.to_parquet, which
# needs the function's folder to exist already (a fresh root has none).
os.makedirs(os.path.join(root, 'table'), exist_ok=True)
record(table, 'parquet', 'table', n=6)
os.makedirs(os.path.join(root, 'dask_table'), exist_ok=True)
record(dask_table, 'parquet', 'table', n=7)
os.makedirs(os.path.join(root, 'parted_table'), exist_ok=True)
record(parted_table, 'parquet', 'table', n=6)
record(delta_table, 'delta', 'table', n=4)
record(nothing, None, None, n=1)
record(spaced, 'basic', {'n': 2}, namespace='exp1', n=2)
