"""The harness against the fake NiFi + Registry: sequences, bodies, idempotency, repair."""
import json

from .conftest import ENV, SECRET


def calls(fake, since=0):
    return [f"{s.method} {s.path}" for s in fake.mutations(since)]


def test_fresh_deploy_sends_the_documented_sequence(harness, fake):
    assert harness() == 0, harness.text
    seq = calls(fake)
    assert seq[:4] == ["POST /buckets", "POST /buckets/{}/flows".format(seq[1].split("/")[2]),
                       seq[2], "POST /controller/registry-clients"]
    assert seq[2].endswith("/versions/import")
    kinds = [c.split(" ")[0] + " " + c.split("/")[1] for c in seq[4:]]
    assert kinds == ["POST parameter-contexts", "POST process-groups", "PUT controller-services",
                     "PUT flow"]
    assert "Ready             True    AllConditionsHold" in harness.text
    # The registry client points NiFi at the Registry, and the group is deployed from that version.
    create_pg = next(s for s in fake.seen if s.method == "POST" and s.path == "/process-groups/root/process-groups")
    vci = create_pg.body["component"]["versionControlInformation"]
    assert vci["version"] == "1" and isinstance(vci["version"], str)
    assert create_pg.body["revision"]["version"] == 0


def test_service_bundle_is_looked_up_by_implementation_class(harness, fake):
    """Defect 1: `serviceType` without the API's bundle is 400 on NiFi; `typeFilter` names the class."""
    assert harness() == 0, harness.text
    lookups = [s.query for s in fake.seen if s.path == "/flow/controller-service-types"]
    assert lookups == [{"typeFilter": "org.apache.nifi.kafka.service.Kafka3ConnectionService"}]


def test_secret_is_sent_to_nifi_only_through_the_parameter_context(harness, fake):
    assert harness() == 0
    carrying = [s for s in fake.seen if SECRET in json.dumps(s.body)]
    assert [f"{s.method} {s.path}" for s in carrying] == ["POST /parameter-contexts"]
    param = next(p["parameter"] for p in carrying[0].body["component"]["parameters"]
                 if p["parameter"]["name"] == "kafka.sasl.password")
    assert param == {"name": "kafka.sasl.password", "sensitive": True, "value": SECRET,
                     "description": "Kafka SASL password"}
    # The registry never sees a secret.
    assert not any(SECRET in json.dumps(s.body) for s in fake.seen if s.api == "registry")


def test_second_run_makes_no_mutating_calls(harness, fake):
    """Defect 3: NiFi shows the service's sensitive property as `********` although it holds `#{kafka.sasl.
    password}`; counting that as a difference stopped the group and rewrote the service on every run."""
    assert harness() == 0
    n = len(fake.seen)
    assert harness() == 0, harness.text
    assert calls(fake, n) == []
    assert "version 1 is current" in harness.text
    assert len(next(iter(fake.registry.snapshots.values()))) == 1


def test_changed_snapshot_imports_a_new_version_and_updates_in_place(harness, fake, artifacts):
    assert harness() == 0
    snap_path = artifacts / "nifi" / "flow.snapshot.json"
    snap = json.loads(snap_path.read_text())
    snap["flowContents"]["comments"] = "protoc-gen-nifi: changed"
    snap["snapshotMetadata"]["comments"] = "protoc-gen-nifi order_to_erp sha256:" + "ab" * 32
    snap_path.write_text(json.dumps(snap))
    n = len(fake.seen)
    assert harness() == 0, harness.text
    seq = calls(fake, n)
    assert seq[0].endswith("/versions/import")
    assert any(c.startswith("POST /versions/update-requests/process-groups/") for c in seq)
    assert any(c.startswith("DELETE /versions/update-requests/") for c in seq)
    pg = fake.group_by_name("order_to_erp")
    assert pg["vci"]["version"] == "2"
    req = next(s for s in fake.seen if s.path.startswith("/versions/update-requests/process-groups/"))
    assert req.body["versionControlInformation"]["groupId"] == pg["id"]
    assert "FlowSynced        True    UpToDate             version 2 (UP_TO_DATE)" in harness.text


def test_drift_is_reverted_and_reported(harness, fake):
    assert harness() == 0
    invoke = fake.component_by_name("egress erp_http_out", "InvokeHTTP")
    invoke["properties"]["HTTP Method"] = "PUT"  # a hand edit in the UI
    n = len(fake.seen)
    assert harness() == 0, harness.text
    assert [f"{s.method} {s.path.split('/')[2]}" for s in fake.mutations(n)] == ["POST revert-requests",
                                                                                 "DELETE revert-requests"]
    assert "[deploy] drift: processor 'InvokeHTTP': Property 'HTTP Method' was changed" in harness.text
    assert "reverted local changes (drift) in process group 'order_to_erp' to version 1" in harness.text
    assert invoke["properties"]["HTTP Method"] == "POST"


def test_hand_edits_plus_a_new_version_revert_then_update(harness, fake, artifacts):
    """Defect 4: NiFi refuses (409) to update a group with local modifications; the harness reports the drift,
    reverts it, then updates."""
    assert harness() == 0
    fake.component_by_name("egress erp_http_out", "InvokeHTTP")["name"] = "renamed by hand"
    snap_path = artifacts / "nifi" / "flow.snapshot.json"
    snap = json.loads(snap_path.read_text())
    snap["flowContents"]["processGroups"][1]["name"] = "mapping v2"
    snap["snapshotMetadata"]["comments"] = "protoc-gen-nifi order_to_erp sha256:" + "cd" * 32
    snap_path.write_text(json.dumps(snap))
    n = len(fake.seen)
    assert harness() == 0, harness.text
    versions = [f"{s.method} {s.path.split('/')[2]} {s.status}" for s in fake.mutations(n) if s.path.startswith("/versions/")]
    assert versions == ["POST revert-requests 200", "DELETE revert-requests 200", "POST update-requests 200",
                        "DELETE update-requests 200"]
    assert "drift: processor 'renamed by hand': name changed from 'InvokeHTTP' to 'renamed by hand'" in harness.text
    assert fake.group_by_name("mapping v2") and "FlowSynced        True    UpToDate             version 2 (UP_TO_DATE)" in harness.text


def test_changed_value_updates_only_that_parameter_and_keeps_secrets(harness, fake):
    assert harness() == 0
    n = len(fake.seen)
    env = dict(ENV, KAFKA_ORDERS_IN_TOPICS="orders.v2")
    assert harness(env=env) == 0, harness.text
    upd = [s for s in fake.mutations(n) if s.path.endswith("/update-requests") and s.method == "POST"]
    assert len(upd) == 1
    assert [p["parameter"]["name"] for p in upd[0].body["component"]["parameters"]] == ["kafka.orders_in.topics"]
    # --rotate-secrets rewrites the sensitive ones (NiFi cannot tell us whether they changed).
    n = len(fake.seen)
    assert harness("--rotate-secrets", env=env) == 0
    upd = [s for s in fake.mutations(n) if s.path.endswith("/update-requests") and s.method == "POST"]
    assert [p["parameter"]["name"] for p in upd[0].body["component"]["parameters"]] == ["kafka.sasl.password"]


def test_secret_from_environment_wins_over_secret_dir(harness, fake):
    env = dict(ENV, KAFKA_SASL_PASSWORD="from-env-" + SECRET)
    assert harness(env=env) == 0
    body = next(s.body for s in fake.seen if s.path == "/parameter-contexts")
    values = {p["parameter"]["name"]: p["parameter"]["value"] for p in body["component"]["parameters"]}
    assert values["kafka.sasl.password"] == "from-env-" + SECRET


def test_single_user_login_then_bearer_and_no_cookie(harness, fake):
    """Defect 6: NiFi's login sets the bearer cookie (the fake does, for 127.0.0.1 over HTTPS); a client that sends
    it back is CSRF-checked and every write is 403. The harness keeps no cookie."""
    assert harness() == 0, harness.text
    login = [s for s in fake.seen if s.path == "/access/token"]
    assert len(login) == 1 and login[0].body == {"username": "admin", "password": ENV["NIFI_PASSWORD"]}
    others = [s for s in fake.seen if s.api == "nifi" and s.path != "/access/token"]
    assert all(s.headers["authorization"].startswith("Bearer eyJ.") for s in others)
    assert not any("cookie" in s.headers for s in fake.seen)


def test_bearer_token_skips_login(harness, fake):
    fake.tokens_ok.add("oidc-access-token-xyz")
    env = {k: v for k, v in ENV.items() if not k.startswith("NIFI_")} | {"NIFI_TOKEN": "oidc-access-token-xyz"}
    assert harness(env=env) == 0, harness.text
    assert not any(s.path == "/access/token" for s in fake.seen)
    assert "oidc-access-token-xyz" not in harness.text


def test_revision_conflicts_are_retried(harness, fake):
    """Defect 5: another client changed the service just before; NiFi answers the stale revision with 400 (not
    409), and the harness re-reads the revision and retries."""
    fake.conflicts[r"PUT /controller-services/[^/]+/run-status"] = 2
    assert harness() == 0, harness.text
    runs = [s for s in fake.seen if s.method == "PUT" and s.path.endswith("/run-status")]
    assert [s.status for s in runs] == [400, 400, 200]
    assert runs[-1].body["revision"]["version"] > runs[0].body["revision"]["version"]


def test_persistent_conflict_gives_one_clear_line(harness, fake):
    fake.conflicts[r"PUT /controller-services/[^/]+/run-status"] = 99
    assert harness() == 2
    assert len(harness.err) == 2  # the error, and what the run had changed before it
    line = harness.err[0]
    assert line.startswith("error: [services] controller service 'Kafka connection' (kafka): NiFi answered HTTP 400")
    assert "is not the most up-to-date revision" in line
    assert line.endswith("Fix: another client keeps changing this component; rerun when it is left alone")


def test_slow_enabling_is_waited_for(harness, fake):
    fake.enabling_ticks = 5
    assert harness() == 0, harness.text
    gets = [s for s in fake.seen if s.method == "GET" and s.path.startswith("/controller-services/")]
    assert len(gets) >= 5


def test_enabling_timeout_is_bounded(harness, fake):
    import time

    fake.enabling_ticks = 10**6
    t0 = time.monotonic()
    assert harness("--state-timeout", "0.3") == 2
    assert time.monotonic() - t0 < 5
    assert "[services] controller service 'Kafka connection' (kafka): reaching ENABLED did not happen within 0.3s" \
        in harness.err[0]


def test_rejected_property_names_service_and_property_then_next_run_repairs(harness, fake):
    bad = dict(ENV, KAFKA_BOOTSTRAP_SERVERS="no-port-here")
    assert harness(env=bad) == 2
    line = harness.err[0]
    assert "[services] controller service 'Kafka connection' (kafka): NiFi reports it invalid" in line
    assert "property 'bootstrap.servers'" in line and "host:port" in line
    assert "Fix: fix the reported properties" in line
    svc = next(iter(fake.services.values()))
    assert svc["state"] == "DISABLED"  # not left ENABLING forever
    assert harness() == 0, harness.text
    assert svc["state"] == "ENABLED"


def test_service_property_drift_is_reverted_with_the_flow(harness, fake):
    """A hand edit of a versioned service is a local modification (BEHAVIOUR 4): the deploy step reverts it, and
    the services step then has nothing to change."""
    assert harness() == 0
    svc = next(iter(fake.services.values()))
    svc["properties"]["security.protocol"] = "PLAINTEXT"
    n = len(fake.seen)
    assert harness() == 0, harness.text
    assert [f"{s.method} {s.path.split('/')[1]}" for s in fake.mutations(n)] == ["POST versions", "DELETE versions"]
    assert svc["properties"]["security.protocol"] == "SASL_SSL"
    assert "FlowSynced        True" in harness.text


def test_a_service_is_disabled_only_once_the_stopped_group_has_no_thread(harness, fake, artifacts):
    """Defect 7: a group stop returns while processors finish their tasks; disabling a service one of them uses is
    409 until the threads end (BEHAVIOUR 6). The harness waits for them, as nipyapi does."""
    assert harness() == 0
    path = artifacts / "nifi" / "controller-services.json"
    manifest = json.loads(path.read_text())
    manifest["controllerServices"][0]["autoEnable"] = False
    path.write_text(json.dumps(manifest))
    fake.stopping_ticks = 5
    n = len(fake.seen)
    assert harness("--settle-timeout", "0") == 1, harness.text  # ConsumeKafka is invalid without its service
    seq = [f"{s.method} {s.path.split('/')[1]} {(s.body or {}).get('state', '')} {s.status}".strip()
           for s in fake.mutations(n)]
    assert seq == ["PUT flow STOPPED 200", "PUT controller-services DISABLED 200", "PUT flow RUNNING 200"]
    assert next(iter(fake.services.values()))["state"] == "DISABLED"
    pg = fake.group_by_name("order_to_erp")["id"]
    waited = [s for s in fake.seen[n:] if s.method == "GET" and s.path == f"/process-groups/{pg}"]
    assert len(waited) >= 3  # polled until the threads ended


def test_deleted_service_is_recreated_by_the_revert(harness, fake):
    """Deleting a versioned service is a local modification: the revert recreates it, the services step enables
    the new instance."""
    assert harness() == 0
    sid = next(iter(fake.services))
    del fake.services[sid]
    n = len(fake.seen)
    assert harness() == 0, harness.text
    assert "drift: controller service 'Kafka connection': Controller Service was removed" in harness.text
    (new_sid, svc), = fake.services.items()
    assert new_sid != sid and svc["state"] == "ENABLED"
    assert any(s.path == f"/controller-services/{new_sid}/run-status" for s in fake.mutations(n))


def test_client_certificate_authenticates_without_login(harness, fake, tls_files):
    """mTLS, as NiFiKop and operators authenticate (and the live NiFi may run): no login, no token."""
    env = {k: v for k, v in ENV.items() if not k.startswith("NIFI_")}
    assert harness("--client-cert", str(tls_files / "client.pem"), "--client-key", str(tls_files / "client.key"),
                   env=env) == 0, harness.text
    assert not any(s.path == "/access/token" for s in fake.seen)
    assert not any("authorization" in s.headers for s in fake.seen if s.api == "nifi")
    assert "Ready             True    AllConditionsHold" in harness.text


def test_an_unreadable_client_certificate_is_one_line(harness, fake, tmp_path):
    (tmp_path / "bad.pem").write_text("not a certificate")
    assert harness("--client-cert", str(tmp_path / "bad.pem")) == 2
    assert len(harness.err) == 1 and harness.err[0].startswith("error: [connection] NiFi TLS: cannot load "
                                                               "--client-cert/--client-key (")
    assert fake.seen == []
