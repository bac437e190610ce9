"""Bad input gets one clear line (step, component, fix), touches nothing, and never shows a secret."""
import logging
import socket

import pytest

from protoc_gen_nifi.harness import cli
from protoc_gen_nifi.harness.errors import HarnessError, Redactor

from .conftest import ENV, FAST, SECRET
from .fakenifi import Fake, FakeServer
from .fakenifi.server import server_tls


def test_missing_secret_fails_before_any_request(harness, fake):
    assert harness(secrets=False) == 2
    assert fake.seen == []
    assert len(harness.err) == 1
    line = harness.err[0]
    assert line.startswith("error: [parameters] parameter context: no value for 'kafka.sasl.password' "
                           "(environment variable KAFKA_SASL_PASSWORD (no --secrets-dir given))")
    assert "Fix: export the environment variable(s), or mount the Secret and pass --secrets-dir DIR" in line


def test_wrong_credentials(harness, fake):
    env = dict(ENV, NIFI_PASSWORD="wrong-password-456")
    assert harness(env=env) == 2
    line = harness.err[0]
    assert "[registry-client] NiFi login: NiFi rejected the credentials of user 'admin'" in line
    assert "wrong-password-456" not in harness.text
    assert not [s for s in fake.mutations() if s.api == "nifi"]


def test_unreachable_nifi(artifacts, secrets_dir):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    err: list[str] = []
    rc = cli.main(["--nifi-url", f"http://127.0.0.1:{port}/nifi-api", "--registry-url",
                   f"http://127.0.0.1:{port}/nifi-registry-api", "--secrets-dir", str(secrets_dir), *FAST],
                  artifacts_dir=artifacts, env=ENV, out=lambda s: None, err=err.append)
    assert rc == 2
    assert err[0].startswith(f"error: [registry] bucket 'protoc-gen-nifi': cannot reach NiFi Registry at "
                             f"http://127.0.0.1:{port}/nifi-registry-api")
    assert "Fix: start NiFi Registry (see harness/README.md)" in err[0]


def test_missing_artifacts(tmp_path):
    err: list[str] = []
    assert cli.main([], artifacts_dir=tmp_path, env={}, out=print, err=err.append) == 2
    assert "[load]" in err[0] and "flow.snapshot.json" in err[0] and "Fix: run `buf generate` first" in err[0]


def test_nifi_error_text_echoing_a_secret_is_redacted(harness, fake):
    fake.failures[r"POST /parameter-contexts"] = (400, "Invalid request: {body}")
    assert harness() == 2
    assert "Invalid request" in harness.err[0]
    assert SECRET[:8] not in harness.err[0]


def test_truncated_error_text_cannot_leave_a_secret_prefix():
    import httpx

    from protoc_gen_nifi.harness.client import RestClient

    r = Redactor()
    r.add(SECRET)
    body = "x" * 495 + SECRET  # the 500-character cut falls inside the secret
    client = RestClient("NiFi", "http://nifi.invalid/nifi-api", redact=r,
                        transport=httpx.MockTransport(lambda req: httpx.Response(400, text=body)))
    with pytest.raises(HarnessError) as e:
        client.get("/flow/status", step="assert", component="NiFi")
    text = str(e.value)
    assert SECRET[:5] not in text
    assert text.count("<reda") == 1


def test_unknown_manifest_property_is_rejected_before_changes(harness, fake, artifacts):
    import json

    path = artifacts / "nifi" / "controller-services.json"
    doc = json.loads(path.read_text())
    doc["controllerServices"][0]["properties"]["Kafka Brokers"] = "x"
    path.write_text(json.dumps(doc))
    assert harness() == 2
    line = harness.err[0]
    assert "[services] controller service 'Kafka connection' (kafka) property 'Kafka Brokers'" in line
    assert not any(s.path.startswith("/controller-services/") and s.method == "PUT" for s in fake.seen)


def test_verbose_logging_never_shows_bodies_or_secrets(harness, caplog):
    with caplog.at_level(logging.DEBUG, logger="protoc_gen_nifi.harness"):
        assert harness("-v") == 0
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "POST /parameter-contexts" in logged
    assert SECRET not in logged and ENV["NIFI_PASSWORD"] not in logged


def test_redactor_and_error_line():
    r = Redactor()
    r.add('pa"ss')
    err = HarnessError("services", 'svc pa"ss', "NiFi said {\"v\": \"pa\\\"ss\"}\nsecond line", "rotate pa\"ss",
                       redact=r)
    assert "pa\"ss" not in str(err) and 'pa\\"ss' not in str(err)
    assert str(err).count("<redacted>") == 3 and "\n" not in str(err)
    assert str(err).startswith("[services] svc <redacted>: NiFi said")


def test_tls_is_verified_by_default_and_ca_cert_trusts_it(artifacts, secrets_dir, tls_files):
    fake = Fake(users={"admin": ENV["NIFI_PASSWORD"]})
    tls = server_tls(str(tls_files / "server.pem"), str(tls_files / "server.key"))
    with FakeServer(fake, tls=tls) as srv:
        base = ["--nifi-url", srv.nifi_url, "--registry-url", srv.registry_url, "--secrets-dir", str(secrets_dir),
                *FAST]
        err: list[str] = []
        assert cli.main(base, artifacts_dir=artifacts, env=ENV, out=lambda s: None, err=err.append) == 2
        assert "TLS certificate of NiFi Registry" in err[0] and "Fix: pass --ca-cert" in err[0]
        assert fake.seen == [] and fake.registry.seen == []
        out: list[str] = []
        rc = cli.main([*base, "--ca-cert", str(tls_files / "ca.pem")], artifacts_dir=artifacts, env=ENV,
                      out=out.append, err=out.append)
        assert rc == 0, out
    assert fake.model_errors == []
