"""The Python package on object-store roots (a real MinIO, fake-gcs-server and Azurite on
127.0.0.1): dask results streamed to them block by block / partition by partition, from
this process and from dask worker processes, and read back lazily by the workers; worker
processes sharing an S3 root; partial recall of a timeseries from S3.

MinIO is the binary scripts/test_servers.sh builds, named by NH_TEST_MINIO; the emulators
are those scripts/test_servers_gcs_azure.sh installs (NH_TEST_FAKE_GCS, NH_TEST_AZURITE);
scripts/test.sh exports all three. Each server starts on a free loopback port, gets its
bucket (container), and stops after the module. With its variable unset a server's
tests are skipped; set, a server that does not start fails them. Reading back through
xarray.open_zarr uses s3fs when it is installed.

Zarr entries are recalled with engine='eager' (the engine reads them, partially where a
processor names a range) and lazily (the default: a dask-backed Dataset whose tasks read
through the C++ reader with the root's storage options, here and on workers).
"""
import base64
import datetime
import email.utils
import hashlib
import hmac
import json
import os
import pickle
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import nuthatch
from nuthatch import _core, cache, set_parameter
from nuthatch.processors import timeseries
from shared_root_scenario import KEYS, expected_dataset, workers_share_one_root

ACCESS_KEY = "nuthatch-py-key"
SECRET_KEY = "nuthatch-py-secret-Qw8z"
REGION = "us-east-1"
BUCKET = "nuthatch-py"
# Azurite's well-known development account (public, documented by Microsoft).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
               "KBHBeksoGMGw==")
START_TIMEOUT_S = 60
START_ATTEMPTS = 5  # ports tried when another server takes the free one first


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed_request(endpoint, method, path):
    """An AWS Signature V4 request without a body (enough to create a bucket)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    payload = hashlib.sha256(b"").hexdigest()
    headers = {"host": endpoint.split("://", 1)[1], "x-amz-content-sha256": payload,
               "x-amz-date": amz_date}
    names = ";".join(sorted(headers))
    canonical = "\n".join([method, path, "", *(f"{k}:{headers[k]}" for k in sorted(headers)),
                           "", names, payload])
    scope = f"{day}/{REGION}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + SECRET_KEY).encode()
    for part in (day, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{scope}, "
                                f"SignedHeaders={names}, Signature={signature}")
    request = urllib.request.Request(endpoint + path, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def shared_key_request(endpoint, method, path, query):
    """An Azure Shared Key request without a body, path-style as Azurite serves the
    account (enough to create a container)."""
    date = email.utils.formatdate(usegmt=True)
    headers = {"x-ms-date": date, "x-ms-version": "2021-08-06"}
    content_type = "application/octet-stream"  # urllib would send a form type otherwise
    # VERB, the eleven standard headers (Content-Type the only one set; a zero
    # Content-Length is signed as empty), the x-ms- headers and the resource (Azurite's
    # path already names the account, so it appears twice).
    standard = [""] * 11
    standard[4] = content_type
    to_sign = "\n".join([method] + standard) + "\n" + "".join(
        f"{k}:{headers[k]}\n" for k in sorted(headers)) + f"/{AZURITE_ACCOUNT}{path}" + "".join(
        f"\n{k}:{v}" for k, v in sorted(query.items()))
    signature = base64.b64encode(hmac.new(base64.b64decode(AZURITE_KEY), to_sign.encode(),
                                          hashlib.sha256).digest()).decode()
    headers["Authorization"] = f"SharedKey {AZURITE_ACCOUNT}:{signature}"
    headers["Content-Type"] = content_type
    request = urllib.request.Request(
        endpoint + path + "?" + urllib.parse.urlencode(query), data=b"", method=method,
        headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def probe(request):
    """(status, Server header) of a request, or None while nothing answers."""
    try:
        with urllib.request.urlopen(request, timeout=1) as r:
            return r.status, r.headers.get("Server", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Server", ""), b""
    except OSError:
        return None


class LoopbackServer:
    """A test server process on a free loopback port, with its own directory: started
    again on another port when what answers is not ours (another test's server may take
    the free port first), stopped with its process group."""

    name = ""

    def __init__(self, binary):
        self.dir = tempfile.mkdtemp(prefix=f"nh-py-{self.name}-")
        self.proc = self.log = self.endpoint = None
        errors = []
        for _ in range(START_ATTEMPTS):
            error = self._start(binary)
            if error is None:
                return
            errors.append(error)
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        raise RuntimeError(f"{self.name} did not start:\n" + "\n".join(errors))

    def command(self, binary, port):
        raise NotImplementedError

    def env(self):
        return dict(os.environ)

    def answers_as_ours(self):
        """None while nothing answers at self.endpoint; else whether it is ours."""
        raise NotImplementedError

    def create_bucket(self):
        raise NotImplementedError

    def _start(self, binary):
        port = free_port()
        self.endpoint = f"http://127.0.0.1:{port}"
        self.log = open(os.path.join(self.dir, "server.log"), "w+b")
        self.proc = subprocess.Popen(self.command(binary, port), env=self.env(),
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while (ours := self.answers_as_ours()) is None:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                return f"{self.endpoint}: {self.log.read().decode(errors='replace')[-2000:]}"
            time.sleep(0.2)
        if not ours:
            return f"{self.endpoint}: another server answers there"
        try:
            self.create_bucket()
        except OSError as e:  # e.g. another server of the kind, with other keys
            return f"{self.endpoint}: creating bucket {BUCKET}: {e}"
        return None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: the server's group
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        if self.log is not None:
            self.log.close()
            self.log = None

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class MinioServer(LoopbackServer):
    name = "minio"

    def command(self, binary, port):
        return [binary, "server", os.path.join(self.dir, "data"), "--quiet",
                "--address", f"127.0.0.1:{port}",
                "--console-address", f"127.0.0.1:{free_port()}"]

    def env(self):
        return dict(os.environ, MINIO_ROOT_USER=ACCESS_KEY, MINIO_ROOT_PASSWORD=SECRET_KEY,
                    MINIO_BROWSER="off", MINIO_UPDATE="off")

    def answers_as_ours(self):
        answer = probe(urllib.request.Request(self.endpoint, method="HEAD"))
        return None if answer is None else "MinIO" in answer[1]

    def create_bucket(self):
        signed_request(self.endpoint, "PUT", f"/{BUCKET}")


class FakeGcsServer(LoopbackServer):
    name = "fake-gcs-server"

    def command(self, binary, port):
        return [binary, "-scheme", "http", "-host", "127.0.0.1", "-port", str(port),
                "-backend", "memory", "-log-level", "warn"]

    def answers_as_ours(self):
        answer = probe(urllib.request.Request(self.endpoint + "/storage/v1/b"))
        return None if answer is None else b"storage#buckets" in answer[2]

    def create_bucket(self):
        request = urllib.request.Request(
            self.endpoint + "/storage/v1/b?project=nuthatch-py", method="POST",
            data=json.dumps({"name": BUCKET}).encode(),
            headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).close()


class AzuriteServer(LoopbackServer):
    name = "azurite"

    def command(self, binary, port):
        return [binary, "--blobHost", "127.0.0.1", "--blobPort", str(port),
                "--location", os.path.join(self.dir, "data"), "--skipApiVersionCheck",
                "--loose", "--silent"]

    def answers_as_ours(self):
        answer = probe(urllib.request.Request(self.endpoint + "/"))
        return None if answer is None else answer[1].startswith("Azurite")

    def create_bucket(self):
        shared_key_request(self.endpoint, "PUT", f"/{AZURITE_ACCOUNT}/{BUCKET}",
                           {"restype": "container"})


def start_server(server_class, variable, script):
    binary = os.environ.get(variable)
    if not binary:
        pytest.skip(f'{variable} is not set: run ./scripts/test.sh, or '
                    f'eval "$(./scripts/{script} --env)" first, to test against a real '
                    f'{server_class.name}')
    try:
        return server_class(binary)
    except RuntimeError as e:  # set but not starting: a failure, as in the C++ tests
        pytest.fail(str(e))


@pytest.fixture(scope="module")
def minio():
    server = start_server(MinioServer, "NH_TEST_MINIO", "test_servers.sh")
    yield server
    server.close()


@pytest.fixture(scope="module")
def fake_gcs():
    server = start_server(FakeGcsServer, "NH_TEST_FAKE_GCS", "test_servers_gcs_azure.sh")
    yield server
    server.close()


@pytest.fixture(scope="module")
def azurite():
    server = start_server(AzuriteServer, "NH_TEST_AZURITE", "test_servers_gcs_azure.sh")
    yield server
    server.close()


class ObjectRoot:
    """A root of its own on a test bucket; ``secret`` is the option no log may show."""

    def __init__(self, scheme, options, secret):
        self.url = f"{scheme}://{BUCKET}/{uuid.uuid4().hex}"
        self.options = options
        self.secret = secret

    def set_in_code(self):
        """Configures the root in this process only (workers keep the project's file)."""
        set_parameter({"filesystem": self.url, "filesystem_options": self.options})

    def write_toml(self, project):
        """Configures the root in the project's nuthatch.toml (read by worker processes)."""
        options = "\n".join(f'{k} = "{v}"' for k, v in self.options.items())
        (project.dir / "nuthatch.toml").write_text(
            f'[nuthatch]\nfilesystem = "{self.url}"\n[nuthatch.filesystem_options]\n{options}\n'
            f'[nuthatch.local]\nfilesystem = "{project.local}"\n')
        _core.reset_config()
        nuthatch.clear_memoizer()

    def fsspec_options(self):
        """storage_options for xarray.open_zarr, or None when fsspec cannot read it here."""
        return None


class S3Root(ObjectRoot):
    def __init__(self, endpoint):
        super().__init__("s3", {"endpoint_url": endpoint, "region": REGION, "key": ACCESS_KEY,
                                "secret": SECRET_KEY}, SECRET_KEY)

    def fsspec_options(self):
        try:
            import s3fs  # noqa: F401 - xarray reaches it through fsspec
        except ImportError:
            return None
        return {"key": ACCESS_KEY, "secret": SECRET_KEY,
                "client_kwargs": {"endpoint_url": self.options["endpoint_url"],
                                  "region_name": REGION}}

    def s3fs(self):
        """An s3fs filesystem on the server, or None without s3fs."""
        options = self.fsspec_options()
        if options is None:
            return None
        import s3fs
        return s3fs.S3FileSystem(**options)


class GcsRoot(ObjectRoot):
    TOKEN = "nuthatch-py-bearer-Lk3u"  # fake-gcs-server accepts any

    def __init__(self, endpoint):
        super().__init__("gs", {"endpoint_url": endpoint, "token": self.TOKEN}, self.TOKEN)


class AzureRoot(ObjectRoot):
    def __init__(self, endpoint):
        super().__init__("az", {"endpoint_url": f"{endpoint}/{AZURITE_ACCOUNT}",
                                "account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY},
                         AZURITE_KEY)


def without_credentials(monkeypatch, prefixes):
    """Credentials only from the configuration: nothing to fall back on in the
    environment (variables starting with any of prefixes are removed)."""
    for name in list(os.environ):
        if name.startswith(prefixes):
            monkeypatch.delenv(name)


@pytest.fixture
def s3_root(minio, project, monkeypatch):
    without_credentials(monkeypatch, ("AWS_",))
    return S3Root(minio.endpoint)


@pytest.fixture
def gcs_root(fake_gcs, project, monkeypatch):
    without_credentials(monkeypatch, ("STORAGE_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS",
                                      "CLOUDSDK_"))
    return GcsRoot(fake_gcs.endpoint)


@pytest.fixture
def az_root(azurite, project, monkeypatch):
    without_credentials(monkeypatch, ("AZURE_STORAGE_",))
    return AzureRoot(azurite.endpoint)


def dask_dataset():
    import dask.array as da
    rng = da.random.default_rng(0)
    time_ = pd.date_range("2001-01-01", periods=12, freq="D")
    return xr.Dataset(
        {"t2m": (("time", "x"), rng.random((12, 5), chunks=(4, 5)).astype("float32"),
                 {"units": "K"}),
         "count": (("time",), da.arange(12, chunks=4, dtype="int64"))},
        coords={"time": time_, "x": np.arange(5) * 0.5}, attrs={"title": "streamed to s3"})


def dask_frame():
    import dask.dataframe as dd
    df = pd.DataFrame({"a": np.arange(30, dtype="int64"), "b": np.linspace(0, 1, 30),
                       "name": [f"n{i}" for i in range(30)]})
    return dd.from_pandas(df, npartitions=3)


def refuse_whole_encoding(monkeypatch):
    """Makes storing a dask result through encode() (the whole value at once) fail, so a
    test passes only when it is streamed."""
    import dask.dataframe as dd
    from nuthatch import _types
    encode = _types.encode

    def streamed_only(obj, backend):
        if isinstance(obj, dd.DataFrame) or (isinstance(obj, (xr.Dataset, xr.DataArray))
                                             and _xarray_is_dask(obj)):
            raise AssertionError("a dask result was encoded whole instead of streamed")
        return encode(obj, backend)
    monkeypatch.setattr(_types, "encode", streamed_only)


def _xarray_is_dask(obj):
    from nuthatch import _xarray_streaming
    return _xarray_streaming.is_dask_backed(obj)


def assert_store_reads_back(root, url, expected):
    options = root.fsspec_options()
    if options is not None:  # xarray + zarr-python through fsspec, as any reader would
        xr.testing.assert_identical(xr.open_zarr(url, storage_options=options).load(), expected)


# --- streaming ------------------------------------------------------------------------

def test_dask_dataset_streams_to_an_s3_root(s3_root, monkeypatch):
    s3_root.set_in_code()
    refuse_whole_encoding(monkeypatch)
    ds = dask_dataset()

    @cache()
    def make():
        return ds

    make()
    url = make(filepath_only=True, engine="eager")
    assert url.startswith(s3_root.url + "/")
    expected = ds.load()
    xr.testing.assert_identical(make(engine="eager"), expected)
    lazy = make()  # opened with the root's options, read on demand
    assert lazy["t2m"].chunks is not None
    assert SECRET_KEY not in repr(lazy) and SECRET_KEY not in lazy["t2m"].data.name
    xr.testing.assert_identical(lazy.load(), expected)
    assert_store_reads_back(s3_root, url, expected)


def test_dask_dataframe_streams_to_an_s3_root(s3_root, monkeypatch):
    s3_root.set_in_code()
    refuse_whole_encoding(monkeypatch)
    frame = dask_frame()

    @cache()
    def make():
        return frame

    make()
    expected = frame.compute()
    pd.testing.assert_frame_equal(make(engine="pandas"), expected)
    recalled = make()  # written by dask, recalled as dask
    assert isinstance(recalled, dd.DataFrame)
    assert recalled.npartitions == 3  # one part.<i>.parquet per partition
    pd.testing.assert_frame_equal(recalled.compute(), expected)
    fs = s3_root.s3fs()
    if fs is not None:
        url = make(filepath_only=True)
        names = sorted(p.rsplit("/", 1)[1] for p in fs.ls(url.removeprefix("s3://")))
        assert names == ["_partitions.3", "part.0.parquet", "part.1.parquet", "part.2.parquet"]


def test_streamed_payload_target_hides_storage_options(project):
    from dask.base import tokenize

    from nuthatch import _storage
    root = S3Root("http://127.0.0.1:9")  # no request is sent
    url = root.url + "/data/x.zarr"
    target = _storage.Target(url, root.options)  # as the engine hands them over
    for text in (repr(target), str(target), tokenize(target)):
        assert SECRET_KEY not in text and ACCESS_KEY not in text
    assert url in repr(target)
    again = pickle.loads(pickle.dumps(target))  # what workers receive: options included
    assert (again.url, again.options) == (target.url, target.options)


# --- dask worker processes ------------------------------------------------------------

@pytest.mark.parametrize("root_fixture", ["s3_root", "gcs_root", "az_root"])
def test_dask_results_stream_to_object_stores_from_worker_processes(root_fixture, request,
                                                                    monkeypatch):
    """The root is configured in this process only: the workers' project file names a
    local root, so the blocks they write reach the object store only through the URL and
    options carried with the tasks."""
    import distributed
    root = request.getfixturevalue(root_fixture)
    root.set_in_code()
    refuse_whole_encoding(monkeypatch)
    ds, frame = dask_dataset(), dask_frame()

    @cache()
    def make_dataset():
        return ds

    @cache()
    def make_frame():
        return frame

    def open_writers():
        from nuthatch import _handles
        return sorted(_handles.writers)

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        make_dataset()
        make_frame()
        writers = client.run(open_writers)
        lazy = make_dataset()  # recalled here; its blocks are read by the workers
        assert root.secret not in repr(lazy) and root.secret not in lazy["t2m"].data.name
        loaded = lazy.compute()
        logs = [text for _, text in client.get_scheduler_logs()] + \
            [text for entries in client.get_worker_logs().values() for _, text in entries]

    url = make_dataset(filepath_only=True, engine="eager")
    assert url.startswith(root.url + "/")
    assert set().union(*writers.values()) == {url}  # the workers wrote its blocks
    assert not any(root.secret in text for text in logs)
    expected = ds.load()
    xr.testing.assert_identical(loaded, expected)
    xr.testing.assert_identical(make_dataset(engine="eager"), expected)
    assert_store_reads_back(root, url, expected)
    pd.testing.assert_frame_equal(make_frame().compute(), frame.compute())
    pd.testing.assert_frame_equal(make_frame(engine="pandas"), frame.compute())


def test_worker_processes_share_one_s3_root(s3_root, project, tmp_path):
    """test_runtime's scenario (shared_root_scenario) on S3: two worker processes,
    configured by the project's nuthatch.toml, call cached functions; each value is
    computed once and recalled by every other task (datasets read eagerly by the engine
    there), and the stores are complete: recalled here, lazily and eagerly, and read
    back by xarray."""
    s3_root.write_toml(project)
    marks = tmp_path / "marks"
    marks.mkdir()
    plain, dataset = workers_share_one_root(marks, recall_engine="eager")
    for k in KEYS:  # complete stores, recalled here without computing
        url = dataset(k, filepath_only=True, engine="eager")
        assert url.startswith(s3_root.url + "/")
        xr.testing.assert_identical(dataset(k, engine="eager"), expected_dataset(k))
        xr.testing.assert_identical(dataset(k).load(), expected_dataset(k))
        assert_store_reads_back(s3_root, url, expected_dataset(k))
        assert plain(k, cache_mode="read_only_strict")["square"] == k * k
    assert sum(1 for _ in marks.iterdir()) == 2 * len(KEYS)


# --- partial recall -------------------------------------------------------------------

def test_timeseries_recall_from_s3_reads_only_its_range(s3_root, counter):
    """A damaged chunk outside the range is not read by the timeseries recall, while a
    whole read finds it (a miss: recomputed)."""
    s3_root.set_in_code()
    time_ = pd.date_range("2000-01-01", "2002-12-31", freq="D")
    ds = xr.Dataset({"air": (("time", "x"), np.arange(len(time_) * 2, dtype="float32")
                             .reshape(len(time_), 2))}, coords={"time": time_})
    ds["air"].encoding["chunks"] = (30, 2)
    june = ("2001-06-01", "2001-06-30")

    @cache()
    def record(start_time, end_time):
        counter()
        return ds

    class whole(timeseries):  # noqa: N801
        def read_range(self):
            return None

    sliced = timeseries(validate_data=True)(record)
    expected = ds.sel(time=slice(*june))
    xr.testing.assert_identical(sliced(*june, engine="eager"), expected)
    url = sliced(*june, filepath_only=True, engine="eager")
    _core.write_object(url, "air/c/0/0", b"not a zstd frame", s3_root.options)

    xr.testing.assert_identical(sliced(*june, engine="eager"), expected)
    assert counter.n == 1
    xr.testing.assert_identical(whole(validate_data=True)(record)(*june, engine="eager"),
                                expected)
    assert counter.n == 2


def test_pandas_and_polars_tables_on_an_s3_root(s3_root, monkeypatch):
    """On an object store a table's slices go through the engine's storage (encoded
    in memory), and read back as the kind stored, or as engine= says."""
    pl = pytest.importorskip("polars")
    from nuthatch.backends import parquet
    monkeypatch.setattr(parquet, "SLICE_ROWS", 10)
    s3_root.set_in_code()
    df = pd.DataFrame({"a": np.arange(40, dtype="int64"), "s": [f"x{i % 3}" for i in range(40)]})
    calls = []

    @cache(cache_args=["kind"])
    def table(kind):
        calls.append(kind)
        return pl.from_pandas(df) if kind == "polars" else df

    for kind in ("pandas", "polars"):
        table(kind)
    nuthatch.clear_memoizer()
    recalled = table("pandas")
    pd.testing.assert_frame_equal(recalled, df)
    as_polars = table("polars")
    assert isinstance(as_polars, pl.DataFrame) and as_polars.equals(pl.from_pandas(df))
    assert isinstance(table("pandas", engine="polars"), pl.DataFrame)
    assert calls == ["pandas", "polars"]


def delta_round_trip(root, rows):
    """A delta entry written, recalled pinned to its version and upserted on `root`; the
    payload's URI."""
    root.set_in_code()
    df = pd.DataFrame({"id": np.arange(rows, dtype="int64"), "v": np.linspace(0, 1, rows)})
    calls = []

    @cache(cache_args=["n"], backend="delta", upsert_keys=["id"])
    def table(n, ids=None):
        calls.append(n)
        return df if ids is None else df.iloc[list(ids)].assign(v=-1.0)

    table(1)
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(table(1), df)
    assert calls == [1]
    merged = table(1, ids=[0, 1], upsert=True)
    want = pd.concat([df.iloc[2:], df.iloc[[0, 1]].assign(v=-1.0)], ignore_index=True)
    pd.testing.assert_frame_equal(merged, want)
    nuthatch.clear_memoizer()
    pd.testing.assert_frame_equal(table(1), want)
    assert root.secret not in repr(table)
    uri = table(1, filepath_only=True)
    assert uri.startswith(root.url.split("://")[0] + "://") and uri.endswith(".delta")
    return uri


@pytest.mark.parametrize("root_fixture", ["s3_root", "az_root"])
def test_delta_tables_on_object_store_roots(root_fixture, request):
    """backend='delta' on S3 and Azure: delta-rs reaches the bucket or container with the
    endpoint and credentials the engine's driver resolved (nothing in the environment),
    the table pinned to the version committed, upsert merging into it."""
    deltalake = pytest.importorskip("deltalake")
    root = request.getfixturevalue(root_fixture)
    uri = delta_round_trip(root, 50)
    options = _core.object_store_options(root.url, root.options)
    assert deltalake.DeltaTable(uri, storage_options=options).to_pandas().shape == (50, 2)


def test_delta_tables_on_a_gcs_root_go_through_the_engines_driver(gcs_root):
    """delta-rs speaks GCS through an API of its own, which the engine's driver does not
    hand it options for (the emulator lacks it): the table is written by delta-rs into a
    local staging directory and copied into the payload through the engine's GCS driver,
    and read back the same way, pinned to the version committed; upsert merges into it."""
    pytest.importorskip("deltalake")
    uri = delta_round_trip(gcs_root, 40)
    # The payload is a Delta table: its log and the record that pins its version.
    payload = uri[len(gcs_root.url.rstrip("/")) + 1:]
    log = _core.read_object(gcs_root.url, f"{payload}/_delta_log/{0:020d}.json",
                            gcs_root.options)
    assert log is not None and b'"add"' in log
    assert json.loads(_core.read_object(gcs_root.url, f"{payload}/_nuthatch_table.json",
                                        gcs_root.options))["version"] == 0
