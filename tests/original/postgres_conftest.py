"""conftest.py of the scratch project tests/original/run.sh runs the original Nuthatch's
tests in: starts PostgreSQL on 127.0.0.1 (tests/servers/postgres_server.py) for its
tests/backends/test_sql.py and test_terracotta.py, points the project's `sql` and
`terracotta` parameters at it, as the original's own pyproject points them at its team's
server, and stops it at the end. The password is
not in the file: the test registers a provider for it (`@config_parameter('password')`),
which reads it from the Secret Manager stand-in (shim/google/cloud/secretmanager.py)."""
import atexit
import os
import pathlib
import sys

sys.path.insert(0, os.environ["NH_SERVERS_DIR"])
from postgres_server import WRITER, PostgresServer  # noqa: E402

_server = PostgresServer(os.environ["NH_TEST_POSTGRES"])
atexit.register(_server.close)
os.environ["NH_ORIGINAL_SQL_PASSWORD"] = _server.passwords[WRITER]
_settings = _server.settings(write_role=False)
_pyproject = pathlib.Path(__file__).with_name("pyproject.toml")
with _pyproject.open("a") as f:
    # The sql backend's tables and the terracotta backend's database (its rasters' rows),
    # as the original's pyproject configures both on its team's server.
    for backend in ("sql", "terracotta"):
        f.write(f"\n[tool.nuthatch.{backend}]\n"
                f'driver = "postgresql"\nhost = "{_settings["host"]}"\n'
                f'port = {_settings["port"]}\ndatabase = "{_settings["database"]}"\n'
                f'username = "{WRITER}"\n')
