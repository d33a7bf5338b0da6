"""This process's open readers and writers of Zarr payloads, by URL: the dask tasks of a
process (in this process or a worker's) share one per payload instead of reading its
metadata again for every block."""
import threading


class Handles:
    """This process's open readers or writers of stores, by URL: dask tasks on a worker
    share one per store. Thread-safe (dask runs tasks on several threads); at most
    `limit`, the oldest dropped first (and reopened when needed)."""

    def __init__(self, limit):
        self._limit = limit
        self._by_url = {}
        self._lock = threading.Lock()

    def get(self, url, open_handle, fresh=False):
        """The handle of url, from open_handle() when there is none (or fresh is set)."""
        with self._lock:
            handle = None if fresh else self._by_url.get(url)
        if handle is not None:
            return handle
        handle = open_handle()  # outside the lock: it reads storage
        with self._lock:
            if not fresh and url in self._by_url:  # another thread opened it meanwhile
                return self._by_url[url]
            self._insert(url, handle)
        return handle

    def put(self, url, handle):
        with self._lock:
            self._insert(url, handle)

    def _insert(self, url, handle):  # the lock held
        self._by_url.pop(url, None)
        while len(self._by_url) >= self._limit:
            self._by_url.pop(next(iter(self._by_url)))
        self._by_url[url] = handle

    def drop(self, url):
        with self._lock:
            self._by_url.pop(url, None)

    def __iter__(self):
        with self._lock:
            return iter(list(self._by_url))


writers = Handles(8)  # stores written by this process's dask tasks: a few at most
readers = Handles(256)  # metadata only; unpickled arrays on a worker share them
