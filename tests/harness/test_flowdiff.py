"""flowdiff: a deployed group's export against its flow definition, with NiFi's local-modification rules."""
import copy

from protoc_gen_nifi.harness.flowdiff import Live, compare, count, name_uuid

ROOT, CHILD, PROC, SVC, CONN, PORT = "root-v", "child-v", "proc-v", "svc-v", "conn-v", "port-v"


def definition() -> dict:
    proc = {"identifier": PROC, "name": "post", "componentType": "PROCESSOR", "type": "T", "groupIdentifier": CHILD,
            "properties": {"Method": "POST", "Service": SVC, "Secret": "#{p.secret}"},
            "propertyDescriptors": {"Secret": {"name": "Secret", "sensitive": True}},
            "autoTerminatedRelationships": ["Original", "Response"], "retriedRelationships": [],
            "bulletinLevel": "WARN", "concurrentlySchedulableTaskCount": 1, "executionNode": "ALL",
            "penaltyDuration": "30 sec", "runDurationMillis": 0, "schedulingPeriod": "0 sec",
            "schedulingStrategy": "TIMER_DRIVEN", "scheduledState": "ENABLED", "yieldDuration": "1 sec",
            "retryCount": 0, "backoffMechanism": "PENALIZE_FLOWFILE", "maxBackoffPeriod": "10 mins",
            "position": {"x": 0.0, "y": 0.0}, "style": {}, "comments": "",
            "bundle": {"group": "g", "artifact": "a", "version": "2.3.0"}}
    port = {"identifier": PORT, "name": "out", "componentType": "OUTPUT_PORT", "scheduledState": "ENABLED",
            "position": {"x": 0.0, "y": 0.0}}
    conn = {"identifier": CONN, "name": "", "componentType": "CONNECTION", "selectedRelationships": ["Failure", "Retry"],
            "source": {"id": PROC, "groupId": CHILD, "type": "PROCESSOR"},
            "destination": {"id": PORT, "groupId": CHILD, "type": "OUTPUT_PORT"},
            "backPressureObjectThreshold": 10000, "backPressureDataSizeThreshold": "1 GB", "bends": [], "zIndex": 0}
    child = {"identifier": CHILD, "name": "egress", "componentType": "PROCESS_GROUP", "processors": [proc],
             "outputPorts": [port], "connections": [conn], "parameterContextName": "ctx",
             "position": {"x": 10.0, "y": 0.0}}
    svc = {"identifier": SVC, "name": "pool", "componentType": "CONTROLLER_SERVICE", "properties": {"Url": "#{p.url}"},
           "scheduledState": "DISABLED", "bundle": {"group": "g", "artifact": "s", "version": "2.3.0"}}
    return {"flowContents": {"identifier": ROOT, "name": "flow", "componentType": "PROCESS_GROUP", "comments": "c",
                             "processGroups": [child], "controllerServices": [svc], "parameterContextName": "ctx"}}


def exported(instance: str = "instance-of-root") -> dict:
    """What NiFi's export of the uploaded definition looks like: the root named from its instance id, every
    property with its default, instance ids added, a sensitive reference kept, the service enabled."""
    doc = copy.deepcopy(definition())
    root = doc["flowContents"]
    root["identifier"], root["instanceIdentifier"] = name_uuid(instance), instance
    child = root["processGroups"][0]
    child["groupIdentifier"] = root["identifier"]
    child["processors"][0]["properties"]["Timeout"] = "15 secs"
    child["processors"][0]["instanceIdentifier"] = "i-proc"
    child["processors"][0]["autoTerminatedRelationships"] = ["Response", "Original"]
    child["connections"][0]["selectedRelationships"] = ["Retry", "Failure"]
    root["controllerServices"][0]["scheduledState"] = "ENABLED"
    return doc


LIVE = Live(defaults={PROC: {"Timeout": "15 secs", "Method": "GET"}})


def test_name_uuid_is_javas_name_uuid_from_bytes():
    # UUID.nameUUIDFromBytes("test".getBytes(UTF_8)) in Java
    assert name_uuid("test") == "098f6bcd-4621-3373-8ade-4e832627b4f6"


def test_an_export_of_the_definition_matches_it():
    assert compare(definition(), exported(), LIVE) == []
    assert count(definition()) == 6


def test_a_property_at_its_default_matches_only_when_it_is_the_default():
    export = exported()
    export["flowContents"]["processGroups"][0]["processors"][0]["properties"]["Timeout"] = "20 secs"
    assert [str(d) for d in compare(definition(), export, LIVE)] == [
        ("processor 'post' in 'flow/egress': property 'Timeout' is '20 secs'; the definition has it unset "
        "(default '15 secs')")]
    assert [str(d) for d in compare(definition(), exported(), Live())] == [
        "processor 'post' in 'flow/egress': property 'Timeout' is '15 secs'; the definition has it unset"]


def test_hand_edits_are_named_component_by_component_without_sensitive_values():
    export = exported()
    child = export["flowContents"]["processGroups"][0]
    proc = child["processors"][0]
    proc["properties"].update({"Method": "PUT", "Secret": "#{other.secret}"})
    proc["name"] = "renamed"
    proc["concurrentlySchedulableTaskCount"] = 4
    child["connections"][0]["destination"] = {"id": "elsewhere", "groupId": CHILD, "name": "x"}
    child["funnels"] = [{"identifier": "added-v", "componentType": "FUNNEL"}]
    del child["outputPorts"][0]
    assert [str(d) for d in compare(definition(), export, LIVE)] == [
        "connection in 'flow/egress': destination is 'x'; the definition has 'port-v'",
        "funnel in 'flow/egress': added (the definition does not have it)",
        "output port 'out' in 'flow/egress': removed (the definition has it)",
        "processor 'renamed' in 'flow/egress': concurrentlySchedulableTaskCount is 4; the definition has 1",
        "processor 'renamed' in 'flow/egress': name is 'renamed'; the definition has 'post'",
        "processor 'renamed' in 'flow/egress': property 'Method' is 'PUT'; the definition has 'POST'",
        ("processor 'renamed' in 'flow/egress': property 'Secret' is a sensitive value; the definition has a sensitive "
        "value")]


def test_environmental_and_layout_changes_are_not_differences():
    """NiFi's isEnvironmentalChange: bundles, a service's enabled state; and layout, which a replace never puts back
    (the synchronizer skips POSITION_CHANGED)."""
    export = exported()
    child = export["flowContents"]["processGroups"][0]
    child["position"] = {"x": 999.0, "y": 1.0}
    child["processors"][0]["bundle"]["version"] = "2.3.1"
    child["processors"][0]["style"] = {"background-color": "#ff0000"}
    child["connections"][0]["bends"] = [{"x": 1.0, "y": 2.0}]
    child["connections"][0]["zIndex"] = 7
    export["flowContents"]["controllerServices"][0]["scheduledState"] = "DISABLED"
    export["flowContents"]["name"] = "renamed top group"  # NiFi does not compare the top group's name either
    assert compare(definition(), export, LIVE) == []


def test_a_ghost_exports_only_parameter_references():
    """A component NiFi could not load counts every property as sensitive, so only references are exported
    (NiFiRegistryFlowMapper.isMappable; FlowDifferenceFilters.isPropertyMissingFromGhostComponent)."""
    export = exported()
    proc = export["flowContents"]["processGroups"][0]["processors"][0]
    proc["properties"] = {"Secret": "#{p.secret}"}
    assert len(compare(definition(), export, LIVE)) == 2  # 'Method' and 'Service' gone
    assert compare(definition(), export, Live(ghosts=frozenset({PROC}))) == []


def test_a_group_bound_to_another_context_differs():
    export = exported()
    export["flowContents"]["processGroups"][0]["parameterContextName"] = "someone else's"
    assert [str(d) for d in compare(definition(), export, LIVE)] == [
        "process group 'egress' in 'flow': parameterContextName is \"someone else's\"; the definition has 'ctx'"]
