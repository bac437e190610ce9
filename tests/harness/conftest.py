import logging
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from protoc_gen_nifi.harness import cli

from .fakenifi import Fake, FakeServer
from .fakenifi.server import server_tls

FIXTURE = Path(__file__).parent / "fixtures" / "order_to_erp"
SECRET = "s3cr3t-Pa55word!"  # the sensitive value every test checks never leaks

ENV = {
    "ERP_ORDERS_URL": "https://erp.example.test/orders",
    "KAFKA_BOOTSTRAP_SERVERS": "kafka-1:9093,kafka-2:9093",
    "KAFKA_ORDERS_IN_GROUP_ID": "order_to_erp",
    "KAFKA_ORDERS_IN_TOPICS": "orders.v1",
    "KAFKA_SASL_USERNAME": "order_to_erp",
    "NIFI_USERNAME": "admin",
    "NIFI_PASSWORD": "nifi-admin-password-123",
}
FAST = ["--poll-interval", "0.01", "--state-timeout", "2", "--settle-timeout", "0.3", "--drain-timeout", "0.5",
        "--request-timeout", "5"]


@pytest.fixture
def artifacts(tmp_path):
    dst = tmp_path / "order_to_erp"
    shutil.copytree(FIXTURE, dst)
    return dst


@pytest.fixture
def secrets_dir(tmp_path):
    d = tmp_path / "secrets"
    d.mkdir()
    (d / "kafka.sasl.password").write_text(SECRET + "\n")
    return d



def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate (CN=harness), all PEM."""
    d = tmp_path_factory.mktemp("tls")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test CA",
             "-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem"))
    for name, subject, ext in (("server", "/CN=localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
                               ("client", "/CN=harness", "extendedKeyUsage=clientAuth")):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", str(d / f"{name}.key"),
                 "-out", str(d / f"{name}.csr"))
        (d / f"{name}.ext").write_text(ext + "\n")
        _openssl("x509", "-req", "-in", str(d / f"{name}.csr"), "-CA", str(d / "ca.pem"), "-CAkey", str(d / "ca.key"),
                 "-CAcreateserial", "-days", "2", "-extfile", str(d / f"{name}.ext"), "-out", str(d / f"{name}.pem"))
    return d


@pytest.fixture
def fake():
    return Fake(users={"admin": ENV["NIFI_PASSWORD"]}, client_cns={"harness"})


@pytest.fixture
def server(fake, tls_files):
    """The fake on HTTPS, as a secured NiFi (login needs HTTPS; client certificates are accepted)."""
    tls = server_tls(str(tls_files / "server.pem"), str(tls_files / "server.key"), str(tls_files / "ca.pem"))
    with FakeServer(fake, tls=tls) as srv:
        srv.ca = str(tls_files / "ca.pem")
        yield srv
    assert fake.model_errors == [], "harness sent bodies NiFi's model does not accept"
    assert fake.response_errors == [], "the fake answered with shapes NiFi does not have"
    assert fake.registry.model_errors == [] and fake.registry.response_errors == []
    assert fake.requests.open() == [], "asynchronous requests were left behind (never DELETEd)"


class Harness:
    """Runs cli.main against the fake and captures stdout/stderr lines."""

    def __init__(self, server, artifacts, secrets_dir):
        self.server, self.artifacts, self.secrets_dir = server, artifacts, secrets_dir
        self.out: list[str] = []
        self.err: list[str] = []
        self.everything: list[str] = []  # all output of all runs, checked for secrets at teardown

    def __call__(self, *extra, env=None, secrets=True):
        self.out.clear()
        self.err.clear()
        argv = ["--nifi-url", self.server.nifi_url, "--registry-url", self.server.registry_url, *FAST,
                *(["--ca-cert", self.server.ca] if getattr(self.server, "ca", None) else []), *extra]
        if secrets:
            argv += ["--secrets-dir", str(self.secrets_dir)]
        rc = cli.main(argv, artifacts_dir=self.artifacts, env=dict(ENV if env is None else env),
                      out=self.out.append, err=self.err.append)
        self.everything.extend(self.out + self.err)
        return rc

    @property
    def text(self) -> str:
        return "\n".join(self.out + self.err)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def harness(server, artifacts, secrets_dir):
    """Runs the harness against the fake; at the end no secret may be in its stdout, stderr or logs."""
    h = Harness(server, artifacts, secrets_dir)
    records = _Records()
    logger = logging.getLogger("protoc_gen_nifi")
    level = logger.level
    logger.addHandler(records)
    logger.setLevel(logging.DEBUG)
    try:
        yield h
    finally:
        logger.removeHandler(records)
        logger.setLevel(level)
    text = "\n".join(h.everything + records.lines)
    for secret in (SECRET, ENV["NIFI_PASSWORD"]):
        assert secret not in text, "a secret reached the harness output or logs"


class Listener:
    """A loopback TCP port that accepts connections (and closes them): what an HTTP IN listener of NiFi looks like
    to the harness's EndpointReachable probe, which connects to NiFi's host (the fake's: 127.0.0.1)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._changed = threading.Condition()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._changed:
                self.accepted += 1
                self._changed.notify_all()
            conn.close()

    def accepted_after(self, before: int, timeout: float = 5.0) -> bool:
        """Whether a connection was accepted since the count was `before`. The kernel completes a client's connect
        before this thread's accept() returns, so a probe that already succeeded may not be counted yet: wait."""
        with self._changed:
            return self._changed.wait_for(lambda: self.accepted > before, timeout)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="session")
def listener():
    srv = Listener()
    yield srv
    srv.close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


def generated_integration(source: Path, tmp_path: Path, password: str,
                          listen_port: int | None = None) -> tuple[Path, Path, dict]:
    """A copy of a generated integration's nifi/ folder, a secrets dir with every sensitive parameter, and an
    environment with every other one (plausible Kafka settings, placeholders elsewhere; HTTP IN listen ports:
    `listen_port`)."""
    import yaml

    art = tmp_path / source.name
    shutil.copytree(source / "nifi", art / "nifi")
    params = yaml.safe_load((art / "nifi" / "parameter-context.yaml").read_text())["parameters"]
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    env = {"NIFI_USERNAME": "admin", "NIFI_PASSWORD": password}
    known = {"kafka.bootstrap.servers": "kafka:9092", "kafka.security.protocol": "SASL_SSL",
             "kafka.sasl.mechanism": "SCRAM-SHA-512"}
    for p in params:
        if p["sensitive"]:
            (secrets / p["name"]).write_text(SECRET)
        else:
            listen = listen_port is not None and p["name"].startswith("http.") and p["name"].endswith(".listen.port")
            env[p["env"]] = str(listen_port) if listen else known.get(p["name"], f"value-of-{p['name']}")
    return art, secrets, env
