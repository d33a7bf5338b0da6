"""Merging new rows into a stored table (``upsert=True`` with ``upsert_keys``).

The engine reads the table an entry holds now, asks for the merge here and commits the
merged table as the entry's next version (conditionally: when another writer committed
meanwhile it reads theirs and merges again), so readers see the old table or the merged
one, never a partial merge.

The rule, for pandas, polars and dask DataFrames alike: a stored row whose key columns
equal those of a new row is replaced by it, the other stored rows are kept in their
order, and the new rows with keys not stored yet follow. Among new rows with equal keys
the last wins. Both tables must have the same columns; the new rows take the stored
column order and, where they convert, the stored dtypes.
"""
from .backends.parquet import _is_dask, _is_pandas, _is_polars


def _check_columns(stored_columns, new_columns, keys):
    stored_columns, new_columns = list(stored_columns), list(new_columns)
    for key in keys:
        if key not in new_columns:
            raise ValueError(f"upsert: the new rows have no column {key!r} (upsert_keys "
                             f"{list(keys)!r}; their columns: {new_columns})")
        if key not in stored_columns:
            raise ValueError(f"upsert: the stored table has no column {key!r} (upsert_keys "
                             f"{list(keys)!r}; its columns: {stored_columns})")
    if set(stored_columns) != set(new_columns):
        extra = sorted(set(new_columns) - set(stored_columns), key=str)
        missing = sorted(set(stored_columns) - set(new_columns), key=str)
        raise ValueError(f"upsert: the new rows' columns differ from the stored table's "
                         f"(only in the new rows: {extra}; only in the stored table: {missing})")


def _pandas(stored, rows, keys):
    import pandas as pd
    _check_columns(stored.columns, rows.columns, keys)
    rows = rows[list(stored.columns)]
    try:
        rows = rows.astype(stored.dtypes.to_dict())
    except (TypeError, ValueError):
        pass  # concat promotes what does not convert
    rows = rows[~rows.duplicated(subset=keys, keep="last")]
    replaced = pd.MultiIndex.from_frame(stored[keys]).isin(pd.MultiIndex.from_frame(rows[keys]))
    kept = stored[~replaced]
    plain_index = isinstance(stored.index, pd.RangeIndex) and isinstance(rows.index, pd.RangeIndex)
    return pd.concat([kept, rows], ignore_index=plain_index)


def _polars(stored, rows, keys):
    import polars as pl
    if isinstance(rows, pl.LazyFrame):
        rows = rows.collect()
    if isinstance(stored, pl.LazyFrame):
        stored = stored.collect()
    _check_columns(stored.columns, rows.columns, keys)
    rows = rows.select(stored.columns)
    try:
        rows = rows.cast(dict(stored.schema))
    except Exception:  # noqa: BLE001 - concat says what does not fit
        pass
    rows = rows.unique(subset=keys, keep="last", maintain_order=True)
    kept = stored.join(rows.select(keys), on=keys, how="anti", maintain_order="left",
                       nulls_equal=True)
    return pl.concat([kept, rows], how="vertical_relaxed")


def _dask(stored, rows, keys):
    import dask.dataframe as dd
    _check_columns(stored.columns, rows.columns, keys)
    rows = rows[list(stored.columns)]
    marker = "__nuthatch_upsert_new__"
    # A left join against the new rows' keys marks the stored rows they replace.
    flagged = stored.merge(rows[keys].drop_duplicates().assign(**{marker: True}), on=keys,
                           how="left")
    kept = flagged[flagged[marker].isna()].drop(columns=[marker])
    return dd.concat([kept, rows], ignore_index=True)


def merge_rows(stored, rows, keys):
    """``rows`` merged into ``stored`` (see the module's rule); the result has the kind of
    ``rows`` (a stored table of another kind is converted first)."""
    keys = list(keys)
    if _is_polars(rows):
        import polars as pl
        if _is_pandas(stored):
            stored = pl.from_pandas(stored)
        elif _is_dask(stored):
            stored = pl.from_pandas(stored.compute())
        return _polars(stored, rows, keys)
    if _is_dask(rows):
        import dask.dataframe as dd
        if _is_pandas(stored):
            stored = dd.from_pandas(stored, npartitions=max(1, rows.npartitions))
        elif _is_polars(stored):
            stored = dd.from_pandas(stored.to_pandas(), npartitions=max(1, rows.npartitions))
        return _dask(stored, rows, keys)
    if _is_pandas(rows):
        if _is_dask(stored):
            stored = stored.compute()
        elif _is_polars(stored):
            stored = stored.to_pandas()
        return _pandas(stored, rows, keys)
    raise TypeError(f"upsert merges pandas, polars or dask DataFrames, not "
                    f"{type(rows).__module__}.{type(rows).__qualname__}")
