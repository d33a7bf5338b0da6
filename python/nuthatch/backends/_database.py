"""A location's database connection settings for a backend that keeps data in a database
(``sql``, ``terracotta``), read under the original Nuthatch's parameter names, and the
rules both share: which user reads and which writes, the PostgreSQL URL, and messages that
never name a password."""
import functools
import urllib.parse

from .. import _core

NAMES = ("driver", "host", "port", "database", "username", "password", "write_username",
         "write_password")


class DatabaseSettings:
    """The ``backend`` parameters of ``location`` (``NAMES``, plus ``extra`` ones)."""

    def __init__(self, backend, location, extra=()):
        self.backend = backend
        self.location = location or "root"
        self.settings = {name: _core.get_parameter(name, self.location, backend)
                         for name in NAMES + tuple(extra)}

    def get(self, name):
        return self.settings.get(name)

    def error(self, text):
        """A RuntimeError naming the backend and the location, then ``text``."""
        return RuntimeError(f"backend '{self.backend}' at {self.location}: {text}")

    def require(self, names, what):
        """Raises when any of ``names`` is unset, naming them and saying they are ``what``."""
        missing = [name for name in names if self.settings.get(name) in (None, "")]
        if missing:
            raise self.error(f"set {', '.join(missing)} ({what})")

    @property
    def server(self):
        """Where a PostgreSQL database is, for messages: no user, no password."""
        s = self.settings
        return f"database '{s['database']}' on {s['host']}:{s['port']}"

    def credentials(self, write):
        """(user, password): the writer's when writing and one is set, else the reader's."""
        s = self.settings
        if write and s.get("write_username"):
            return s["write_username"], s.get("write_password")
        return s["username"], s.get("password")

    def postgres_url(self, write, query=""):
        user, password = self.credentials(write)
        q = functools.partial(urllib.parse.quote, safe="")
        s = self.settings
        url = (f"postgresql://{q(str(user))}:{q(str(password or ''))}@{s['host']}:{s['port']}/"
               f"{q(str(s['database']))}")
        return f"{url}?{query}" if query else url

    def hide(self, error):
        """The text of ``error`` with the passwords, and any other secret, masked."""
        text = str(error)
        for secret in (self.settings.get("password"), self.settings.get("write_password")):
            if secret:
                text = text.replace(str(secret), "***")
        return _core.redact(text)
