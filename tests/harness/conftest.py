import shutil
from pathlib import Path

import pytest

from protoc_gen_nifi.harness import cli

from .fake_nifi import Fake, FakeServer

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


@pytest.fixture
def fake():
    return Fake(users={"admin": ENV["NIFI_PASSWORD"]})


@pytest.fixture
def server(fake):
    with FakeServer(fake) as srv:
        yield srv
    assert fake.model_errors == [], "harness sent bodies NiFi's model does not accept"
    assert fake.response_errors == [], "the fake answered with shapes NiFi does not have"


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
        argv = ["--nifi-url", self.server.nifi_url, "--registry-url", self.server.registry_url, *FAST, *extra]
        if secrets:
            argv += ["--secrets-dir", str(self.secrets_dir)]
        rc = cli.main(argv, artifacts_dir=self.artifacts, env=dict(ENV if env is None else env),
                      out=self.out.append, err=self.err.append)
        self.everything.extend(self.out + self.err)
        return rc

    @property
    def text(self) -> str:
        return "\n".join(self.out + self.err)


@pytest.fixture
def harness(server, artifacts, secrets_dir):
    h = Harness(server, artifacts, secrets_dir)
    yield h
    text = "\n".join(h.everything)
    for secret in (SECRET, ENV["NIFI_PASSWORD"]):
        assert secret not in text, "a secret reached the harness output"


def generated_integration(source: Path, tmp_path: Path, password: str) -> tuple[Path, Path, dict]:
    """A copy of a generated integration's nifi/ folder, a secrets dir with every sensitive parameter, and an
    environment with every other one (plausible Kafka settings, placeholders elsewhere)."""
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
            env[p["env"]] = known.get(p["name"], f"value-of-{p['name']}")
    return art, secrets, env
