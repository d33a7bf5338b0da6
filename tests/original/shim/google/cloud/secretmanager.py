"""Stands in for Google Secret Manager's client in the original Nuthatch's
tests/backends/test_sql.py, which reads its database password from the original team's
Google project. No Secret Manager runs on loopback, so tests/original/run.sh puts this
directory on the path: the client answers with the password of the PostgreSQL server the
run started on 127.0.0.1 (NH_ORIGINAL_SQL_PASSWORD). Nothing else is imitated."""
import os
import types


class SecretManagerServiceClient:
    def access_secret_version(self, request=None, **kwargs):
        data = os.environ["NH_ORIGINAL_SQL_PASSWORD"].encode()
        return types.SimpleNamespace(payload=types.SimpleNamespace(data=data))
