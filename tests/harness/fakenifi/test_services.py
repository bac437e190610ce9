"""services.py: type lookup (BEHAVIOUR 1), masks and defaults (BEHAVIOUR 3), the enable/disable life cycle and
NiFi's refusals (BEHAVIOUR 6)."""
from .conftest import CLIENT, deploy, rev
from .services import KAFKA_SVC

KAFKA_API = {"serviceType": "org.apache.nifi.kafka.service.api.KafkaConnectionService",
             "serviceBundleGroup": "org.apache.nifi", "serviceBundleArtifact": "nifi-kafka-service-api-nar",
             "serviceBundleVersion": "2.11.0"}


def test_service_type_lookup(api):
    status, text = api.status("GET", "/flow/controller-service-types", query={"serviceType": KAFKA_SVC})
    assert status == 400 and text.startswith("When specifying the serviceType the serviceBundleGroup")
    by_api = api.get("/flow/controller-service-types", query=KAFKA_API)["controllerServiceTypes"]
    assert [t["type"] for t in by_api] == [KAFKA_SVC]  # the implementations of that API
    by_class = api.get("/flow/controller-service-types", query={"typeFilter": KAFKA_SVC})["controllerServiceTypes"]
    assert [(t["type"], t["bundle"]["artifact"]) for t in by_class] == [(KAFKA_SVC, "nifi-kafka-3-service-nar")]
    assert api.get("/flow/controller-service-types", query={"typeFilter": "Kafka3ConnectionService"}) == \
        {"controllerServiceTypes": []}


def test_a_sensitive_property_shows_the_mask_even_for_a_parameter_reference_and_defaults_show(api, fake):
    deploy(fake)
    sid = next(iter(fake.services))
    props = api.get(f"/controller-services/{sid}")["component"]["properties"]
    assert fake.services[sid]["properties"]["sasl.password"] == "#{kafka.sasl.password}"
    assert props["sasl.password"] == "********"
    assert props["max.poll.records"] == "10000"  # unset: its default
    assert props["bootstrap.servers"] == "#{kafka.bootstrap.servers}"


def test_enable_waits_and_only_a_disabled_service_can_be_configured(api, fake):
    deploy(fake)
    sid = next(iter(fake.services))
    entity = api.get(f"/controller-services/{sid}")
    fake.contexts[next(iter(fake.contexts))]["params"]["kafka.bootstrap.servers"]["value"] = "k:9092"
    entity = api("PUT", f"/controller-services/{sid}/run-status", json_body={"revision": rev(entity),
                                                                              "state": "ENABLED"})
    assert entity["component"]["state"] == "ENABLING"
    status, text = api.status("PUT", f"/controller-services/{sid}", json_body={
        "revision": rev(entity), "component": {"id": sid, "properties": {"sasl.username": "x"}}})
    assert status == 409 and "cannot be updated because it is not disabled - it has a state of ENABLING" in text
    api.wait()
    assert api.get(f"/controller-services/{sid}")["component"]["state"] == "ENABLED"


def test_an_invalid_service_stays_enabling(api, fake):
    deploy(fake)
    sid = next(iter(fake.services))  # its bootstrap.servers parameter has no value
    entity = api.get(f"/controller-services/{sid}")
    api("PUT", f"/controller-services/{sid}/run-status", json_body={"revision": rev(entity), "state": "ENABLED"})
    api.wait(10)
    entity = api.get(f"/controller-services/{sid}")
    assert entity["component"]["state"] == "ENABLING"
    assert entity["component"]["validationErrors"] == [("'Bootstrap Servers' is invalid because Bootstrap Servers is "
                                                       "required")]


def test_disabling_a_service_used_by_a_stopping_processor_is_409(api, fake):
    """verifyCanDisable: a referencing processor that is running or still has an active thread."""
    gid = deploy(fake)
    sid = next(iter(fake.services))
    fake.services[sid]["state"] = "ENABLED"
    api.wait()
    api("PUT", f"/flow/process-groups/{gid}", json_body={"id": gid, "state": "RUNNING"})
    api.wait()
    fake.stopping_ticks = 3
    api("PUT", f"/flow/process-groups/{gid}", json_body={"id": gid, "state": "STOPPED"})
    entity = api.get(f"/controller-services/{sid}")
    status, text = api.status("PUT", f"/controller-services/{sid}/run-status",
                              json_body={"revision": rev(entity), "state": "DISABLED"})
    assert status == 409 and "referenced by 1 components that are currently running" in text
    api.wait(3)
    api("PUT", f"/controller-services/{sid}/run-status", json_body={"revision": rev(entity), "state": "DISABLED"})
    api.wait()
    assert fake.services[sid]["state"] == "DISABLED"


def test_stale_service_revision_is_400(api, fake):
    deploy(fake)
    sid = next(iter(fake.services))
    entity = api.get(f"/controller-services/{sid}")
    fake.services[sid]["rev"] = {"version": 9, "clientId": "someone-else"}
    status, text = api.status("PUT", f"/controller-services/{sid}", json_body={
        "revision": {"version": entity["revision"]["version"], "clientId": CLIENT}, "component": {"id": sid}})
    assert status == 400 and "is not the most up-to-date revision" in text
