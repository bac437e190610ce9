"""definitions.py: upload, export and replace of a flow definition, as ProcessGroupResource does them; ghosts."""
import json

import pytest

from .conftest import CLIENT, FIXTURES, rev

DEFINITION = (FIXTURES / "order_to_erp" / "nifi" / "flow-definition.json").read_bytes()
FORM = {"groupName": "uploaded", "positionX": "0", "positionY": "0", "clientId": CLIENT}


def upload(api, form=None, data=DEFINITION, status=201):
    return api("POST", "/process-groups/root/process-groups/upload", status, form=dict(FORM if form is None else form),
               files={"file": ("flow.json", data, "application/json")})


@pytest.mark.parametrize("missing, message", [
    ("groupName", "The process group name is required."),
    ("positionX", "The x coordinate of the proposed position must be specified."),
    ("positionY", "The y coordinate of the proposed position must be specified."),
    ("clientId", "The client id must be specified"),
])
def test_upload_needs_every_form_field(api, fake, missing, message):
    assert upload(api, {k: v for k, v in FORM.items() if k != missing}, status=400) == message
    assert list(fake.groups) == ["root"]


def test_upload_of_something_that_is_not_a_flow_is_400(api):
    assert upload(api, data=b"{not json", status=400) == "Deserialization of uploaded JSON failed"


def test_upload_creates_the_group_under_the_form_name_bound_to_the_context_by_name(api, fake):
    existing = api("POST", "/parameter-contexts", 201, json_body={
        "revision": {"version": 0}, "component": {"name": "order_to_erp", "parameters": []}})
    group = upload(api)
    assert group["component"]["name"] == "uploaded" and group["revision"]["version"] == 1
    assert group["component"]["versionedComponentId"] is None  # only what the import adds gets one
    assert group["component"]["parameterContext"]["id"] == existing["id"] and len(fake.contexts) == 1
    assert fake.group_by_name("mapping")["versionedId"] is not None


def test_the_export_names_components_as_nifi_does(api, fake):
    gid = upload(api)["id"]
    export = api.get(f"/process-groups/{gid}/download")
    root = export["flowContents"]
    definition = json.loads(DEFINITION)
    # The uploaded group has no versioned id: NiFi names it from its instance id (UUID.nameUUIDFromBytes).
    assert root["identifier"] != definition["flowContents"]["identifier"] and root["instanceIdentifier"] == gid
    assert root["name"] == "uploaded" and "groupIdentifier" not in root
    assert {g["identifier"] for g in root["processGroups"]} == {g["identifier"] for g in
                                                                 definition["flowContents"]["processGroups"]}
    assert {g["groupIdentifier"] for g in root["processGroups"]} == {root["identifier"]}
    egress = next(g for g in root["processGroups"] if g["name"].startswith("egress"))
    invoke = egress["processors"][0]
    # Every property, an unset one with its default; a service reference as the versioned id.
    assert invoke["properties"]["HTTP Method"] == "POST" and invoke["properties"]["Socket Read Timeout"] == "15 secs"
    assert [c["selectedRelationships"] for c in root["connections"]] == [[""], [""], [""]]  # anonymous relationship
    consume = next(g for g in root["processGroups"] if g["name"].startswith("ingress"))["processors"][0]
    service = root["controllerServices"][0]
    assert consume["properties"]["Kafka Connection Service"] == service["identifier"]
    # A sensitive property is exported only when it references a parameter.
    assert service["properties"]["sasl.password"] == "#{kafka.sasl.password}"
    fake.services[service["instanceIdentifier"]]["properties"]["sasl.password"] = "literal"
    assert "sasl.password" not in api.get(f"/process-groups/{gid}/download")["flowContents"]["controllerServices"][0][
        "properties"]


def test_a_ghost_is_invalid_shows_everything_sensitive_and_exports_only_parameter_references(api, fake):
    fake.missing_nars = frozenset({"nifi-kafka-nar", "nifi-kafka-3-service-nar"})
    gid = upload(api)["id"]
    consume = fake.component_by_name("ingress orders_in", "ConsumeKafka")
    api.wait()  # past VALIDATING
    entity = api.get(f"/processors/{consume['id']}")["component"]
    assert entity["extensionMissing"] is True and entity["validationStatus"] == "INVALID"
    assert set(entity["config"]["properties"].values()) == {"********"}
    assert all(d["sensitive"] for d in entity["config"]["descriptors"].values())
    service = api.get(f"/flow/process-groups/{gid}/controller-services")["controllerServices"][0]["component"]
    assert service["extensionMissing"] is True and service["validationStatus"] == "INVALID"
    exported = api.get(f"/process-groups/{gid}/download")["flowContents"]
    kafka = next(g for g in exported["processGroups"] if g["name"].startswith("ingress"))["processors"][0]
    assert all(v.startswith("#{") for v in kafka["properties"].values())
    assert "Kafka Connection Service" not in kafka["properties"]
    assert exported["controllerServices"][0]["controllerServiceApis"] == []
    assert api.get("/flow/processor-types", query={"type": "org.apache.nifi.kafka.processors.ConsumeKafka"})[
        "processorTypes"] == []


def test_a_ghost_with_a_non_sensitive_parameter_reference_says_so():
    from . import Fake

    fake = Fake(missing_nars=frozenset({"nifi-kafka-nar"}))
    fake.contexts["c"] = {"id": "c", "name": "x", "rev": {"version": 1}, "description": "",
                          "params": {"kafka.orders_in.topics": {"sensitive": False, "value": "t", "description": ""}}}
    p = {"id": "p", "group": "g", "type": "T", "properties": {"Topics": "#{kafka.orders_in.topics}"}}
    fake.groups["g"] = {"id": "g", "parent": "root", "context": "c", "name": "g"}
    assert fake.ghost_errors(p, "Processor") == [
        ("'Topics' is invalid because The property 'Topics' cannot reference Parameter 'kafka.orders_in.topics' because "
        "the Sensitivity of the parameter does not match the Sensitivity of the property.")]
    p["properties"] = {}
    assert fake.ghost_errors(p, "Processor") == [
        ("'Missing Processor' validated against 'Any Property' is invalid because Processor is of type T, but this is "
        "not a valid Processor type")]


def test_replace_lifecycle(api, fake):
    gid = upload(api)["id"]
    group = api.get(f"/process-groups/{gid}")
    snapshot = json.loads(DEFINITION)
    stale = api("POST", f"/process-groups/{gid}/replace-requests", 400, json_body={
        "processGroupRevision": {"version": 99, "clientId": "nobody"}, "versionedFlowSnapshot": snapshot})
    assert "is not the most up-to-date revision" in stale
    assert api("POST", f"/process-groups/{gid}/replace-requests", 400, json_body={
        "processGroupRevision": rev(group)}) == "Versioned Flow Snapshot must be supplied"
    invoke = fake.component_by_name("egress erp_http_out", "InvokeHTTP")
    invoke["properties"]["HTTP Method"] = "PUT"
    started = api("POST", f"/process-groups/{gid}/replace-requests", json_body={
        "processGroupRevision": rev(group), "versionedFlowSnapshot": snapshot})
    rid = started["request"]["requestId"]
    assert started["request"]["complete"] is False and "versionedFlowSnapshot" not in started
    api.wait()
    done = api.get(f"/process-groups/replace-requests/{rid}")
    assert done["request"]["complete"] is True and done["request"]["failureReason"] is None
    assert done["versionedFlowSnapshot"]["flowContents"]["name"] == "order_to_erp"  # updateSettings: the flow's name
    assert fake.components[invoke["id"]]["properties"]["HTTP Method"] == "POST"  # the same instance, put back
    assert fake.requests.open() == [f"replace {rid}"]
    api("DELETE", f"/process-groups/replace-requests/{rid}")
    assert api.status("GET", f"/process-groups/replace-requests/{rid}")[0] == 404


def test_a_versioned_group_cannot_be_replaced(api, fake):
    from .conftest import deploy

    gid = deploy(fake)
    group = api.get(f"/process-groups/{gid}")
    message = api("POST", f"/process-groups/{gid}/replace-requests", 409, json_body={
        "processGroupRevision": rev(group), "versionedFlowSnapshot": json.loads(DEFINITION)})
    assert message.startswith("Cannot replace a Process Group via import while it or its descendants are under Version")
