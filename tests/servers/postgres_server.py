"""A PostgreSQL server for the tests (DESIGN §10): Debian's PostgreSQL binaries (the
directory in NH_TEST_POSTGRES, set by scripts/test_servers.sh), a cluster made by initdb in
a temporary directory, started by pg_ctl on 127.0.0.1 and a free port, with a database
owned by a write role and a read-only role that may only read what the writer creates;
stopped and removed by close().

    server = PostgresServer(os.environ["NH_TEST_POSTGRES"])
    server.settings()     # the sql parameters of the original Nuthatch (host, port, ...)
    server.psql("select 1")
    server.close()

PostgreSQL refuses to run as root: under root, the cluster belongs to the `postgres` user
(created by Debian's package) and its commands run as that user.
"""
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time

DATABASE = "nh_test"
ADMIN = "nh_admin"
WRITER = "nh_writer"
READER = "nh_reader"
START_ATTEMPTS = 3


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, bindir):
        self.bindir = bindir
        for tool in ("initdb", "pg_ctl", "psql"):
            if not os.access(os.path.join(bindir, tool), os.X_OK):
                raise RuntimeError(f"PostgreSQL: {tool} is not in {bindir}")
        self.dir = tempfile.mkdtemp(prefix="nh-py-postgres-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.passwords = {role: secrets.token_hex(12) for role in (ADMIN, WRITER, READER)}
        self._as = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self.port = None
        pwfile = os.path.join(self.dir, "admin.pw")
        with open(pwfile, "w") as f:
            f.write(self.passwords[ADMIN] + "\n")
        if self._as:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        self._run("initdb", "-D", self.data, "-U", ADMIN, f"--pwfile={pwfile}",
                  "--auth-local=trust", "--auth-host=scram-sha-256", "--no-locale",
                  "-E", "UTF8")
        errors = []
        for _ in range(START_ATTEMPTS):
            self.port = _free_port()
            done = self._run("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"),
                             "-w", "-t", "60", "-o",
                             f"-p {self.port} -h 127.0.0.1 -k {self.dir}", "start", check=False)
            if done.returncode == 0:
                break
            errors.append(done.stdout + done.stderr + self.log_tail())
        else:
            self.close()
            raise RuntimeError("PostgreSQL did not start:\n" + "\n".join(errors))
        self.psql(f"CREATE ROLE {WRITER} LOGIN PASSWORD '{self.passwords[WRITER]}'",
                  f"CREATE ROLE {READER} LOGIN PASSWORD '{self.passwords[READER]}'",
                  f"CREATE DATABASE {DATABASE} OWNER {WRITER}", database="postgres")
        # The reader reads what the writer creates, and creates nothing.
        self.psql("REVOKE CREATE ON SCHEMA public FROM PUBLIC",
                  f"GRANT USAGE ON SCHEMA public TO {READER}",
                  f"ALTER DEFAULT PRIVILEGES FOR ROLE {WRITER} GRANT SELECT ON TABLES TO {READER}",
                  f"ALTER DEFAULT PRIVILEGES FOR ROLE {WRITER} GRANT USAGE ON SCHEMAS TO {READER}")

    def _run(self, tool, *args, check=True):
        done = subprocess.run(self._as + [os.path.join(self.bindir, tool), *args],
                              capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise RuntimeError(f"PostgreSQL: {tool} failed: {done.stdout}{done.stderr}")
        return done

    def log_tail(self):
        try:
            with open(os.path.join(self.dir, "server.log")) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def psql(self, *statements, database=DATABASE):
        """Runs statements as the administrator (over the Unix socket); returns the rows
        as text, one line each, fields separated by '|'."""
        args = ["-h", self.dir, "-p", str(self.port), "-U", ADMIN, "-d", database, "-X", "-A",
                "-t", "-v", "ON_ERROR_STOP=1"]
        for statement in statements:
            args += ["-c", statement]
        return self._run("psql", *args).stdout.strip()

    def tables(self, schema=None):
        """Every table of the test database outside the catalogs, as 'schema.table'."""
        rows = self.psql("SELECT schemaname || '.' || tablename FROM pg_tables "
                         "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
                         "ORDER BY 1")
        found = [r for r in rows.splitlines() if r]
        return [t for t in found if schema is None or t.startswith(schema + ".")]

    def settings(self, write_role=True):
        """The sql parameters (the original Nuthatch's names) of the test database."""
        out = {"driver": "postgresql", "host": "127.0.0.1", "port": self.port,
               "database": DATABASE, "username": READER, "password": self.passwords[READER]}
        if write_role:
            out["write_username"] = WRITER
            out["write_password"] = self.passwords[WRITER]
        return out

    def close(self):
        if self.port is not None and os.path.isdir(self.data):
            self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False)
        self.port = None
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_gone(server, table, timeout=10):
    """Polls until `table` ('schema.table') is not listed (gc drops it)."""
    deadline = time.monotonic() + timeout
    while table in server.tables() and time.monotonic() < deadline:
        time.sleep(0.1)
    return table not in server.tables()
