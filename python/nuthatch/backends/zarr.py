"""The ``zarr`` backend: xarray Datasets / DataArrays and numpy arrays, through the
engine's zarr codec (CF encoding in ``nuthatch._xarray_encoding``). Dask-backed objects
stream into their payload block by block (``nuthatch._xarray_streaming``); stored ones
open lazily as dask-backed xarray objects read through the C++ codec
(``nuthatch._xarray_lazy``) unless engine= asks for an eager read."""
from . import Adapter, module

EAGER_ENGINES = ("eager", "numpy", "xarray-eager")


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
        from .._xarray_streaming import is_dask_backed, stream
        if not is_dask_backed(obj):
            return None
        return stream(obj, target, kwargs or {})

    def open(self, target, engine):
        if engine in EAGER_ENGINES:
            return None
        try:
            import dask  # noqa: F401 - lazily loaded results are dask-backed
            import xarray  # noqa: F401
        except ImportError:
            return None
        from .._xarray_lazy import open_lazy
        return open_lazy(target)

    def memory_size(self, obj):
        try:
            return int(obj.nbytes)
        except Exception:  # noqa: BLE001 - an estimate; lazy objects may not know
            return None


ADAPTER = ZarrAdapter()

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
