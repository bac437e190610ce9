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


def test_url_encoded_password_echoed_by_a_server_error_is_redacted(harness, fake):
    """Defect 11: the login form carries the password URL-encoded; an error that echoes the request shows it so."""
    from urllib.parse import quote_plus

    password = "p@ss w0rd!&=1-longer"
    env = dict(ENV, NIFI_PASSWORD=password)
    fake.users["admin"] = password
    fake.failures[r"POST /access/token"] = (500, "Internal error processing {body}")
    assert harness(env=env) == 2
    line = harness.err[0]
    assert "Internal error processing username=admin&password=<redacted>" in line
    assert quote_plus(password) not in harness.text and password not in harness.text


def test_a_short_secret_does_not_mangle_words():
    """Defect 11: a short secret ("le") turned "File" into "Fi<redacted>"; it is redacted where it stands alone."""
    r = Redactor()
    r.add("le")
    r.add("a-long-secret-value")
    assert r("File le: 'le' xa-long-secret-valuex") == "File <redacted>: '<redacted>' x<redacted>x"


def test_credentials_never_go_over_plain_http_to_another_machine(artifacts, secrets_dir):
    """Defect 11: plain http is refused before anything is sent when credentials or sensitive values would
    travel, unless the host is this machine."""
    for url in ("http://nifi.example.test:8080/nifi-api", "http://10.1.2.3:8080/nifi-api"):
        err: list[str] = []
        rc = cli.main(["--nifi-url", url, "--registry-url", "http://127.0.0.1:9/nifi-registry-api",
                       "--secrets-dir", str(secrets_dir), *FAST], artifacts_dir=artifacts,
                      env={k: v for k, v in ENV.items() if not k.startswith("NIFI_")}, out=lambda s: None,
                      err=err.append)
        assert rc == 2
        assert err == [(f"error: [connection] NiFi at {url}: credentials or sensitive values would travel unencrypted "
                       "(plain http to a host other than this machine). Fix: use an https:// URL (plain http is "
                       "accepted only for 127.0.0.1, localhost and ::1)")]


def test_an_unsecured_nifi_on_loopback_works_over_plain_http(artifacts, secrets_dir):
    """How the live NiFi may run: plain HTTP on 127.0.0.1, no authentication."""
    fake = Fake()
    with FakeServer(fake) as srv:
        out: list[str] = []
        env = {k: v for k, v in ENV.items() if not k.startswith("NIFI_")}
        rc = cli.main(["--nifi-url", srv.nifi_url, "--registry-url", srv.registry_url, "--secrets-dir",
                       str(secrets_dir), *FAST], artifacts_dir=artifacts, env=env, out=out.append, err=out.append)
        assert rc == 0, out
        assert srv.nifi_url.startswith("http://127.0.0.1:")
    assert fake.requests.open() == [] and fake.model_errors == []


def test_request_timeout_is_a_deadline_for_the_whole_call(artifacts, secrets_dir):
    """Defect 11: --request-timeout bounded each socket read, so a server trickling a byte at a time held a 2 s
    call for 21 s. Now the whole call ends at the timeout."""
    import threading
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def trickle() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
                for _ in range(40):  # a byte every 0.1 s: each read is quick, the whole answer takes 4 s
                    if stop.wait(0.1):
                        return
                    try:
                        conn.sendall(b" ")
                    except OSError:
                        break

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    err: list[str] = []
    start = time.monotonic()
    try:
        rc = cli.main(["--nifi-url", f"http://127.0.0.1:{port}/nifi-api", "--registry-url",
                       f"http://127.0.0.1:{port}/nifi-registry-api", "--secrets-dir", str(secrets_dir), *FAST,
                       "--request-timeout", "0.5"], artifacts_dir=artifacts,
                      env={k: v for k, v in ENV.items() if not k.startswith("NIFI_")}, out=lambda s: None,
                      err=err.append)
        elapsed = time.monotonic() - start
    finally:
        stop.set()
        listener.close()
    assert rc == 2
    assert err[0].startswith(f"error: [registry] bucket 'protoc-gen-nifi': NiFi Registry at http://127.0.0.1:{port}/"
                             "nifi-registry-api did not answer GET /buckets within 0.5s (ReadTimeout)")
    assert elapsed < 3  # the trickle alone would take 4 s


def test_a_failure_mid_deploy_says_what_it_changed_and_a_rerun_converges(harness, fake):
    """Defect 13: a failure mid-deploy left a half-deployed state with no word of it."""
    fake.failures[r"PUT /controller-services/[^/]+/run-status"] = (500, "NiFi is unwell")
    assert harness() == 2
    assert harness.err[0].startswith("error: [services] controller service 'Kafka connection' (kafka): NiFi answered "
                                     "HTTP 500")
    assert harness.err[1].startswith(
        "error: [partial] before it stopped, this run: created bucket 'protoc-gen-nifi'; created flow 'order_to_erp' "
        "in bucket 'protoc-gen-nifi'; imported flow 'order_to_erp' as version 1 (sha256:")
    assert harness.err[1].endswith(
        "; created registry client 'protoc-gen-nifi' -> " + harness.server.base + "; created parameter context "
        "'order_to_erp' with 6 parameter(s); created process group 'order_to_erp' at registry version 1. Everything "
        "else is as it was; a rerun continues from here, --undeploy removes what the harness created")
    fake.failures.clear()
    assert harness() == 0, harness.text
    assert "Ready             True    AllConditionsHold" in harness.text and "created" not in harness.text.replace("[registry]", "")


def test_a_failure_before_any_change_is_one_line(harness, fake):
    assert harness() == 0
    fake.failures[r"GET /controller/registry-clients"] = (500, "NiFi is unwell")
    assert harness() == 2
    assert len(harness.err) == 1 and harness.err[0].startswith("error: [registry-client] ")


def test_undeploy_removes_what_the_harness_created_and_then_finds_nothing(harness, fake):
    assert harness() == 0
    fake.enqueue(next(c for c in fake.connections.values()
                      if fake.components[c["dst"]]["kind"] == "FUNNEL")["id"], 3)
    assert harness("--undeploy") == 2
    assert harness.err[0] == ("error: [undeploy] process group 'order_to_erp': 3 FlowFile(s) are queued; removing the "
                              "group would lose them. Fix: let the flow empty them first (rerun the deploy with --drain "
                              "on an upgrade, or start it and wait), or pass --discard-queued to drop them")
    assert harness.err[1] == ("error: [partial] before it stopped, this run: stopped process group 'order_to_erp'. "
                              "Everything else is as it was; a rerun continues from here, --undeploy removes what the "
                              "harness created")
    assert harness("--undeploy", "--discard-queued", secrets=False) == 0, harness.text
    assert harness.out == [
        "[undeploy] stopped process group 'order_to_erp'",
        "[undeploy] dropped 3 queued FlowFile(s) of process group 'order_to_erp'",
        "[undeploy] disabled controller service 'Kafka connection'",
        "[undeploy] removed process group 'order_to_erp'",
        "[undeploy] removed parameter context 'order_to_erp'",
        "[undeploy] removed registry client 'protoc-gen-nifi'",
        "[undeploy] removed flow 'order_to_erp' in bucket 'protoc-gen-nifi' (every version)",
        "[undeploy] removed bucket 'protoc-gen-nifi' (it held no other flow)"]
    assert list(fake.groups) == ["root"] and not fake.contexts and not fake.clients and not fake.services
    assert not fake.registry.buckets and not fake.registry.flows
    n = len(fake.seen)
    assert harness("--undeploy", secrets=False) == 0
    assert harness.out == ["[undeploy] nothing of integration 'order_to_erp' found: nothing to remove"]
    assert fake.mutations(n) == []


def test_undeploy_keeps_what_something_else_still_uses(harness, fake):
    assert harness() == 0
    other = fake.ids()
    fake.groups[other] = {"id": other, "name": "someone else's", "parent": "root", "versionedId": None,
                          "vci": None, "context": next(iter(fake.contexts)), "rev": {"version": 1}}
    assert harness("--undeploy", secrets=False) == 0, harness.text
    assert any(x.startswith("[undeploy] kept parameter context 'order_to_erp': still in use (Cannot delete Parameter "
                            "Context order_to_erp because it is bound to 1 Process Group(s): someone else's")
               for x in harness.out)
    assert len(fake.contexts) == 1 and "removed registry client 'protoc-gen-nifi'" in harness.text
