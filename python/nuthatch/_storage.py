"""Where a payload lives: its URL and the storage options of the level that holds it,
handed to the dask tasks that write or read it, in this process or a worker's.

The engine gives ``write_payload`` / ``open_payload`` the payload's URL and the
``filesystem_options`` of its level (root, local or a mirror, per backend where
configured so), resolved in the calling process (secret providers included). They are
carried with the tasks, so workers need no configuration of their own: inside the
pickled task graph, as fsspec's ``storage_options`` are; no repr, token or log line
shows them.

Storage facts (is the payload local, can other processes reach it, its objects' names)
come from the engine through ``nuthatch._core``; nothing here parses a URL.
"""
from . import _core


class Target:
    """A payload URL, the storage options to open it with, and what a missing chunk means
    when reading it: ``"fill"`` (the Zarr rule) or ``"error"`` (the engine's payloads,
    whose writer wrote every chunk: an absent one was removed or damaged, and reading it
    raises instead of returning fill values). When it is opened for a call, ``kwargs`` are
    the call's backend_kwargs (read options such as zarr's ``chunking``). Pickles whole
    (options included) for dask workers; its repr and dask token hold the URL (and the
    missing-chunk rule) only."""

    __slots__ = ("url", "options", "missing_chunks", "kwargs", "entry")

    def __init__(self, url, options=None, missing_chunks="fill", kwargs=None, entry=None):
        self.url = url
        self.options = options or {}
        self.missing_chunks = missing_chunks
        self.kwargs = kwargs or {}
        # Which entry the payload is: {"location", "namespace", "key", "entry_id"} (the
        # location's settings are resolved by its name), or {} when unknown.
        self.entry = entry or {}

    def __repr__(self):
        return f"<nuthatch payload {self.url} ({len(self.options)} storage options, hidden)>"

    def __reduce__(self):
        return (Target, (self.url, self.options, self.missing_chunks, self.kwargs, self.entry))

    def __dask_tokenize__(self):
        return ("nuthatch.Target", self.url, self.missing_chunks)


    @property
    def local_path(self):
        """The payload's directory when it is on the local filesystem, else None (the
        engine's storage registry decides)."""
        return _core.payload_local_path(self.url, self.options)

    @property
    def shared(self):
        """Whether dask tasks in other processes can reach the payload (false for storage
        that lives inside this process)."""
        return _core.payload_shared(self.url)

    def part_name(self, backend, index):
        """The object name of partition ``index`` of a ``backend`` payload (the engine's
        layout)."""
        return _core.payload_part_name(backend, index)

    def parts_written_name(self, backend, count):
        """The object a writer of ``count`` partitions writes last (the engine's record
        of how many there are), or "" when the backend records none."""
        return _core.payload_parts_written_name(backend, count)

    def write_object(self, name, data):
        """Writes one object of the payload (e.g. a partition) through the engine's storage."""
        _core.write_object(self.url, name, data, self.options)

    def has_object(self, name):
        """Whether the payload holds the object ``name`` (e.g. a writer's marker)."""
        return _core.object_exists(self.url, name, self.options)

    def stored_bytes(self):
        """The bytes of every object of the payload (a written payload's size)."""
        return _core.stored_bytes(self.url, self.options)
