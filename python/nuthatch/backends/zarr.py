"""The ``zarr`` backend: xarray Datasets / DataArrays and numpy arrays, through the
engine's zarr codec (CF encoding in ``nuthatch._xarray_encoding``). Dask-backed objects
stream into their payload block by block (``nuthatch._xarray_streaming``); stored ones
open lazily as dask-backed xarray objects read through the C++ codec
(``nuthatch._xarray_lazy``) unless engine= asks for an eager read.

The original Nuthatch's backend_kwargs are honoured:
- ``chunking`` ({dim: length}, dims the result lacks are dropped, or ``'auto'``): the
  stored chunks; ``chunk_by_arg`` ({arg: {value: {dim: length}}}) updates it from the
  call's arguments (the engine merges it: resolve.cpp). A stored chunk outside
  ``chunk_size_lower_limit_mb`` .. ``chunk_size_upper_limit_mb`` (30 .. 300 MB, by the
  original's estimate: get_chunk_size) is warned about, unless the result is one chunk.
- When ``chunking`` is given, a recalled result comes in the stored chunks (as the
  original's ``open_dataset(chunks={})``); otherwise this package groups stored chunks
  into dask tasks of about 128 MiB (faster; a difference from the original).
- ``target_read_chunk_size_mb``: read chunks grown from the stored ones towards that size
  by the original's rule (the first dimension alone when that is enough, else every one).
- ``auto_rechunk`` (needs a ``chunking`` dict): a recalled result comes rechunked to
  ``chunking`` when its stored chunks differ (lazily; the original rewrote the entry).
"""
import logging
import sys

from . import Adapter, module

logger = logging.getLogger("nuthatch")

EAGER_ENGINES = ("eager", "numpy", "xarray-eager")  # read whole by the engine


class ZarrAdapter(Adapter):
    name = "zarr"
    priority = 50
    stores = "it stores xarray Datasets / DataArrays and numpy arrays"

    def takes(self, obj):
        xr = module("xarray")
        if xr is not None and isinstance(obj, (xr.Dataset, xr.DataArray)):
            return True
        np = module("numpy")
        if np is None or not isinstance(obj, np.ndarray):
            return False
        from .._xarray_encoding import numpy_supported
        return numpy_supported(obj)

    def encode(self, obj):
        if not self.takes(obj):
            raise self.cannot(obj)
        from .._xarray_encoding import to_core
        return to_core(obj)

    def decode(self, plain, engine):
        from .._xarray_encoding import from_core
        return from_core(plain, engine)

    def write(self, obj, target, kwargs):
        xr = module("xarray")
        if xr is None or not isinstance(obj, (xr.Dataset, xr.DataArray)) or not target.shared:
            return None
        kwargs = kwargs or {}
        from .._xarray_streaming import is_dask_backed, stream
        chunking = kwargs.get("chunking")
        if chunking is not None:
            obj = obj.chunk(chunking if chunking == "auto" else prune_chunking(obj, chunking))
            _warn_chunk_size(obj, kwargs)
        if not is_dask_backed(obj):
            return None
        return stream(obj, target, kwargs)

    def open(self, target, engine):
        if engine in EAGER_ENGINES:
            return None
        try:
            import xarray  # noqa: F401
        except ImportError:
            return None
        from .._xarray_lazy import (open_lazy, stored_bytes_in_memory, stored_from_dask,
                                    stored_schema)
        kwargs = target.kwargs
        chunking = kwargs.get("chunking")
        target_mb = kwargs.get("target_read_chunk_size_mb")
        auto_rechunk = kwargs.get("auto_rechunk", False)
        if auto_rechunk and not isinstance(chunking, dict):
            raise ValueError("auto_rechunk=True needs a chunking dict in backend_kwargs")
        stored = chunking is not None or target_mb is not None
        schema = stored_schema(target)
        dask = _dask_backed(engine, stored or auto_rechunk, lambda: stored_from_dask(target),
                            lambda: stored_bytes_in_memory(schema))
        opened = self._remembered(
            open_lazy(target, stored_chunks=stored, dask=dask, schema=schema), target)
        if opened is None or not dask:
            return opened
        if target_mb is not None:
            return self._remembered(_grow_read_chunks(opened, float(target_mb)), target)
        if auto_rechunk:
            wanted = prune_chunking(opened, chunking)
            if {dim: sizes[0] for dim, sizes in _chunks(opened).items()} != wanted:
                logger.info("the stored chunks differ from chunking %s: rechunking the read",
                            wanted)
                return self._remembered(opened.chunk(wanted), target)
        return opened

    @staticmethod
    def _remembered(opened, target):
        """A lazily recalled object, recorded as its entry so that passing it on as an
        argument keys it by that entry, unread (``_object_keys``)."""
        entry = target.entry
        if opened is not None and entry.get("entry_id"):
            from .._object_keys import remember_recall
            remember_recall(opened, f"{entry['namespace']}/{entry['key']}/"
                                    f"zarr-{entry['entry_id']}")
        return opened

    def memory_size(self, obj):
        try:
            return int(obj.nbytes)
        except Exception:  # noqa: BLE001 - an estimate; lazy objects may not know
            return None


ADAPTER = ZarrAdapter()

DASK_ENGINES = ("dask", "dask.array")
INDEXED_ENGINES = ("lazy",)
DEFAULT_DASK_ABOVE = 4 << 30  # bytes in memory; the `dask_above` parameter sets it


def _dask_backed(engine, chunks_asked, stored_dask, size):
    """Whether a recalled dataset is dask-backed (else its variables are xarray's lazily
    indexed arrays, as ``xarray.open_dataset`` gives them without ``chunks``): with
    engine='dask', a read chunking in backend_kwargs (``chunks_asked``), a dask-backed
    value stored (``stored_dask()``, one stat, asked only when nothing else decides) or a
    dask.distributed Client active in this process, yes; with engine='lazy', no; otherwise yes only when the data (``size()``
    bytes once loaded) is above ``dask_above`` (4 GiB by default), where computing on it
    whole could exhaust memory. Below it, a recall imports no dask (about half a second
    in a new process) and ``.load()`` reads each variable in one parallel read straight
    into its array."""
    if engine in INDEXED_ENGINES:
        return False
    if engine in DASK_ENGINES or chunks_asked or _distributed_client_active() or stored_dask():
        return _dask_available()
    from .. import _core
    limit = _core.get_size_parameter("dask_above", "root", "zarr")
    return size() > (DEFAULT_DASK_ABOVE if limit is None else limit) and _dask_available()


def _distributed_client_active():
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return False
    try:
        distributed.default_client()
        return True
    except ValueError:  # no client
        return False


def _dask_available():
    import importlib.util
    return importlib.util.find_spec("dask") is not None

_SIZE_UNITS = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_ASSUMED_ITEM_BYTES = 4  # the original's estimate, whatever the dtype


def get_chunk_size(ds, size_in="MB"):
    """The original package's chunk-size estimate of a dask-backed Dataset or DataArray:
    ``(size, [(dim, median chunk length), ...])``, size being the product of the median
    chunk lengths times 4 bytes, in ``size_in`` (``'KB'``, ``'MB'``, ``'GB'``, ``'TB'``)."""
    import numpy as np
    xr = module("xarray")
    if xr is not None and isinstance(ds, xr.DataArray):
        ds = ds.to_dataset(name=ds.name if ds.name is not None else "data")
    groups = [(dim, np.median(lengths)) for dim, lengths in ds.chunks.items()]
    divisor = _SIZE_UNITS[size_in]
    return np.prod([median for _, median in groups]) * _ASSUMED_ITEM_BYTES / divisor, groups


def prune_chunking(ds, chunking):
    """``chunking`` without the dimensions ``ds`` does not have."""
    return {dim: n for dim, n in chunking.items() if dim in ds.dims}


def _chunks(ds):
    xr = module("xarray")
    return ds.to_dataset().chunks if isinstance(ds, xr.DataArray) else ds.chunks


def _warn_chunk_size(ds, kwargs):
    upper = kwargs.get("chunk_size_upper_limit_mb", 300)
    lower = kwargs.get("chunk_size_lower_limit_mb", 30)
    try:
        size, groups = get_chunk_size(ds)
    except ValueError:
        logger.warning("could not estimate the zarr chunk size; continuing with unknown chunking")
        return
    if size > upper or (size < lower and not is_single_chunk(ds)):
        logger.warning("zarr chunk size is %sMB, outside the recommended bounds (%s .. %s MB), "
                       "which hurts performance; target about 100MB: %s", size, lower, upper,
                       groups)


def _grow_read_chunks(ds, target_mb):
    """The original's rule for target_read_chunk_size_mb: read chunks grown from the
    stored ones by a whole multiplier, on the first dimension alone when it is at most
    2**ndim, else on every dimension (its ndim-th root). They never shrink below the
    stored chunks."""
    size, groups = get_chunk_size(ds)
    if target_mb < size:
        logger.warning("target_read_chunk_size_mb %s is smaller than the stored chunks (%sMB): "
                       "read chunks cannot be smaller than stored ones", target_mb, size)
        return ds
    if target_mb < size * 2:
        return ds
    multiplier = int(target_mb / size)
    if multiplier <= 2 ** len(groups):
        chunks = {dim: int(n * multiplier) if i == 0 else int(n)
                  for i, (dim, n) in enumerate(groups)}
        wanted = size * multiplier
    else:
        each = round(multiplier ** (1 / len(groups)))
        chunks = {dim: int(n * each) for dim, n in groups}
        wanted = size * each ** len(groups)
    grown = ds.chunk(chunks)
    new_size, new_groups = get_chunk_size(grown)
    if new_size < wanted:
        logger.warning("could only grow read chunks to %.0fMB (%s), not %sMB: the stored array "
                       "is too small along the grown dimensions", new_size, new_groups, target_mb)
    else:
        logger.info("read chunks %s of about %.0fMB for target_read_chunk_size_mb %s", chunks,
                    new_size, target_mb)
    return grown


def is_single_chunk(ds):
    """Whether every dimension of ``ds`` is one chunk: True for None and for arrays that are
    not dask-backed, False for what is not an xarray object."""
    if ds is None:
        return True
    xr = module("xarray")
    if xr is None or not isinstance(ds, (xr.Dataset, xr.DataArray)):
        return False
    chunks = ds.chunks
    if not chunks:
        return True
    lengths = chunks.values() if isinstance(ds, xr.Dataset) else chunks
    return all(len(per_dim) == 1 for per_dim in lengths)
