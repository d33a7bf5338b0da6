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
