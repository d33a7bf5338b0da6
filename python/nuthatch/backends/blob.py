"""The ``blob`` backend: bytes, stored as they are (only when asked for by name: bytes
are ``basic`` values by default)."""
from . import Adapter


class BlobAdapter(Adapter):
    name = "blob"
    priority = None
    stores = "it stores bytes"

    def takes(self, obj):
        return isinstance(obj, (bytes, bytearray, memoryview))

    def encode(self, obj):
        if not self.takes(obj):
            raise self.cannot(obj)
        return bytes(obj)


ADAPTER = BlobAdapter()
