"""Where a payload lives: its URL and the storage options of the level that holds it,
handed to the dask tasks that write or read it, in this process or a worker's.

The engine gives ``write_payload`` / ``open_payload`` the payload's URL and the
``filesystem_options`` of its level (root, local or a mirror, per backend where
configured so), resolved in the calling process (secret providers included). They are
carried with the tasks, so workers need no configuration of their own: inside the
pickled task graph, as fsspec's ``storage_options`` are; no repr, token or log line
shows them.
"""
from . import _core

# Schemes whose storage lives inside one process: tasks elsewhere cannot reach it.
_PROCESS_LOCAL_SCHEMES = ("memory",)


class Target:
    """A payload URL, the storage options to open it with, and what a missing chunk means
    when reading it: ``"fill"`` (the Zarr rule) or ``"error"`` (the engine's payloads,
    whose writer wrote every chunk: an absent one was removed or damaged, and reading it
    raises instead of returning fill values). Pickles whole (options included) for dask
    workers; its repr and dask token hold the URL (and the missing-chunk rule) only."""

    __slots__ = ("url", "options", "missing_chunks")

    def __init__(self, url, options=None, missing_chunks="fill"):
        self.url = url
        self.options = options or {}
        self.missing_chunks = missing_chunks

    def __repr__(self):
        return f"<nuthatch payload {self.url} ({len(self.options)} storage options, hidden)>"

    def __reduce__(self):
        return (Target, (self.url, self.options, self.missing_chunks))

    def __dask_tokenize__(self):
        return ("nuthatch.Target", self.url, self.missing_chunks)


def _scheme(url):
    head, sep, _ = url.partition("://")
    return head.lower() if sep else "file"


def local_path(url):
    """The filesystem path of a local (file://) URL or plain path, else None."""
    path = url[len("file://"):] if url.startswith("file://") else url
    return path if path.startswith("/") else None


def writable_by_tasks(url):
    """Whether dask tasks in any process can write under ``url``."""
    return _scheme(url) not in _PROCESS_LOCAL_SCHEMES


def stored_bytes(target):
    """The bytes of every object under the target (a written payload's size)."""
    return _core.stored_bytes(target.url, target.options)
