"""The ``pickle`` backend: any value pickle can serialise; the default of values no other
adapter takes."""
import pickle

from . import Adapter


class PickleAdapter(Adapter):
    name = "pickle"
    priority = 0  # the fallback

    def takes(self, obj):
        return True

    def encode(self, obj):
        try:
            return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:  # noqa: BLE001 - any pickling failure means the same
            raise self.cannot(obj, f"no backend stores this type and pickle fails "
                              f"({type(e).__name__}: {e})") from e

    def decode(self, plain, engine):
        # Unpickling runs code: the engine hands over pickle payloads only from locations
        # that trust them (``trust_pickle``; the rule is the C++ engine's, one place for
        # both languages), so this adapter decides nothing about trust.
        return pickle.loads(plain)


ADAPTER = PickleAdapter()
