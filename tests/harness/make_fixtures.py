"""Regenerates the hand-built stand-ins for generator output (following docs/artifacts.md):

fixtures/order_to_erp/nifi/*          a flow NiFi accepts as valid (flow.snapshot.json for the Registry,
                                      flow-definition.json, the same without snapshotMetadata, for --no-registry): failures end in a funnel at the root,
                                      where they wait for an operator (a funnel without an outgoing
                                      connection is never triggered and is always valid)
fixtures/dangling_failure_port/nifi/* the same flow shaped as the generator writes it today: failures go to
                                      a root `failure` output port that nothing takes from, which NiFi
                                      reports invalid (BEHAVIOUR 13)

Run: python tests/harness/make_fixtures.py"""
import hashlib
import json
import uuid
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
NS = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
V = "2.11.0"
SVC = "acme.integration.order_to_erp.v1.OrderToErp"


def vid(path):
    return str(uuid.uuid3(NS, f"{SVC}/{path}"))


def bundle(artifact):
    return {"group": "org.apache.nifi", "artifact": artifact, "version": V}


def pg(path, name, parent, **kw):
    g = {"identifier": vid(path), "name": name, "comments": f"protoc-gen-nifi: {path}", "position": {"x": 0.0, "y": 0.0},
         "processGroups": [], "remoteProcessGroups": [], "processors": [], "inputPorts": [], "outputPorts": [],
         "connections": [], "labels": [], "funnels": [], "controllerServices": [], "parameterContextName": "order_to_erp",
         "defaultFlowFileExpiration": "0 sec", "defaultBackPressureObjectThreshold": 10000,
         "defaultBackPressureDataSizeThreshold": "1 GB", "scheduledState": "ENABLED", "executionEngine": "INHERITED",
         "maxConcurrentTasks": 1, "statelessFlowTimeout": "1 min", "flowFileConcurrency": "UNBOUNDED",
         "flowFileOutboundPolicy": "STREAM_WHEN_AVAILABLE", "componentType": "PROCESS_GROUP"}
    if parent:
        g["groupIdentifier"] = parent
    g.update(kw)
    return g


def port(path, name, group, kind):
    return {"identifier": vid(path), "name": name, "position": {"x": 0.0, "y": 0.0}, "type": kind,
            "concurrentlySchedulableTaskCount": 1, "scheduledState": "ENABLED", "allowRemoteAccess": False,
            "portFunction": "STANDARD", "componentType": kind, "groupIdentifier": group}


def desc(name, sensitive=False, cs=False):
    return {"name": name, "displayName": name, "identifiesControllerService": cs, "sensitive": sensitive, "dynamic": False}


def proc(path, name, group, type_, artifact, props, autoterm=(), cs_props=()):
    return {"identifier": vid(path), "name": name, "comments": f"protoc-gen-nifi: {path}", "position": {"x": 0.0, "y": 0.0},
            "type": type_, "bundle": bundle(artifact), "properties": props,
            "propertyDescriptors": {k: desc(k, cs=k in cs_props) for k in props}, "style": {},
            "schedulingPeriod": "0 sec", "schedulingStrategy": "TIMER_DRIVEN", "executionNode": "ALL",
            "penaltyDuration": "30 sec", "yieldDuration": "1 sec", "bulletinLevel": "WARN", "runDurationMillis": 0,
            "concurrentlySchedulableTaskCount": 1, "autoTerminatedRelationships": list(autoterm),
            "scheduledState": "ENABLED", "retryCount": 10, "retriedRelationships": [],
            "backoffMechanism": "PENALIZE_FLOWFILE", "maxBackoffPeriod": "10 mins", "componentType": "PROCESSOR",
            "groupIdentifier": group}


def conn(path, group, src, src_type, src_group, dst, dst_type, dst_group, rels):
    return {"identifier": vid(path), "name": "", "source": {"id": src, "type": src_type, "groupId": src_group},
            "destination": {"id": dst, "type": dst_type, "groupId": dst_group}, "labelIndex": 0, "zIndex": 1,
            "selectedRelationships": rels, "backPressureObjectThreshold": 10000,
            "backPressureDataSizeThreshold": "1 GB", "flowFileExpiration": "0 sec", "prioritizers": [], "bends": [],
            "loadBalanceStrategy": "DO_NOT_LOAD_BALANCE", "partitioningAttribute": "",
            "loadBalanceCompression": "DO_NOT_COMPRESS", "componentType": "CONNECTION", "groupIdentifier": group}


root = pg("order_to_erp", "order_to_erp", None)
R = root["identifier"]
svc = {"identifier": vid("order_to_erp/kafka"), "name": "Kafka connection", "comments": "protoc-gen-nifi: kafka",
       "type": "org.apache.nifi.kafka.service.Kafka3ConnectionService", "bundle": bundle("nifi-kafka-3-service-nar"),
       "properties": {"bootstrap.servers": "#{kafka.bootstrap.servers}", "security.protocol": "SASL_SSL",
                      "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "#{kafka.sasl.username}",
                      "sasl.password": "#{kafka.sasl.password}"},
       "propertyDescriptors": {k: desc(k, sensitive=(k == "sasl.password")) for k in
                               ("bootstrap.servers", "security.protocol", "sasl.mechanism", "sasl.username", "sasl.password")},
       "controllerServiceApis": [{"type": "org.apache.nifi.kafka.service.api.KafkaConnectionService",
                                  "bundle": bundle("nifi-kafka-service-api-nar")}],
       "scheduledState": "DISABLED", "bulletinLevel": "WARN", "componentType": "CONTROLLER_SERVICE", "groupIdentifier": R}
root["controllerServices"] = [svc]

ing = pg("order_to_erp/ingress orders_in", "ingress orders_in", R)
I = ing["identifier"]
consume = proc("order_to_erp/ingress orders_in/ConsumeKafka", "ConsumeKafka", I,
               "org.apache.nifi.kafka.processors.ConsumeKafka", "nifi-kafka-nar",
               {"Kafka Connection Service": svc["identifier"], "Group ID": "#{kafka.orders_in.group.id}",
                "Topics": "#{kafka.orders_in.topics}", "Processing Strategy": "FLOW_FILE"},
               autoterm=["parse failure"], cs_props=["Kafka Connection Service"])
ing["processors"] = [consume]
ing_out = port("order_to_erp/ingress orders_in/out", "out", I, "OUTPUT_PORT")
ing["outputPorts"] = [ing_out]
ing["connections"] = [conn("order_to_erp/ingress orders_in/c1", I, consume["identifier"], "PROCESSOR", I,
                           ing_out["identifier"], "OUTPUT_PORT", I, ["success"])]

mp = pg("order_to_erp/mapping", "mapping", R)
M = mp["identifier"]
m_in, m_out = port("order_to_erp/mapping/in", "in", M, "INPUT_PORT"), port("order_to_erp/mapping/out", "out", M, "OUTPUT_PORT")
mp["inputPorts"], mp["outputPorts"] = [m_in], [m_out]
mp["connections"] = [conn("order_to_erp/mapping/c1", M, m_in["identifier"], "INPUT_PORT", M, m_out["identifier"],
                          "OUTPUT_PORT", M, [""])]

eg = pg("order_to_erp/egress erp_http_out", "egress erp_http_out", R)
E = eg["identifier"]
e_in = port("order_to_erp/egress erp_http_out/in", "in", E, "INPUT_PORT")
e_fail = port("order_to_erp/egress erp_http_out/failure", "failure", E, "OUTPUT_PORT")
invoke = proc("order_to_erp/egress erp_http_out/InvokeHTTP", "InvokeHTTP", E,
              "org.apache.nifi.processors.standard.InvokeHTTP", "nifi-standard-nar",
              {"HTTP Method": "POST", "HTTP URL": "#{http.erp_orders.url}"},
              autoterm=["Original", "Response", "No Retry"])
eg["inputPorts"], eg["outputPorts"], eg["processors"] = [e_in], [e_fail], [invoke]
eg["connections"] = [
    conn("order_to_erp/egress erp_http_out/c1", E, e_in["identifier"], "INPUT_PORT", E, invoke["identifier"], "PROCESSOR", E, [""]),
    conn("order_to_erp/egress erp_http_out/c2", E, invoke["identifier"], "PROCESSOR", E, e_fail["identifier"], "OUTPUT_PORT", E,
         ["Failure", "Retry"]),
]


def write(out: Path, sink: str) -> None:
    """The whole integration, with failures ending in a root funnel or a root `failure` output port."""
    if sink == "funnel":
        end = {"identifier": vid("order_to_erp/failure"), "position": {"x": 0.0, "y": 0.0}, "componentType": "FUNNEL",
               "groupIdentifier": R}
        root["funnels"], root["outputPorts"], end_type = [end], [], "FUNNEL"
    else:
        end = port("order_to_erp/failure", "failure", R, "OUTPUT_PORT")
        root["funnels"], root["outputPorts"], end_type = [], [end], "OUTPUT_PORT"
    root["processGroups"] = [ing, mp, eg]
    root["connections"] = [
        conn("order_to_erp/c-ingress-mapping", R, ing_out["identifier"], "OUTPUT_PORT", I, m_in["identifier"],
             "INPUT_PORT", M, [""]),
        conn("order_to_erp/c-mapping-egress", R, m_out["identifier"], "OUTPUT_PORT", M, e_in["identifier"],
             "INPUT_PORT", E, [""]),
        conn("order_to_erp/c-egress-failure", R, e_fail["identifier"], "OUTPUT_PORT", E, end["identifier"], end_type,
             R, [""]),
    ]
    ctx = {"name": "order_to_erp", "description": "Parameters of integration order_to_erp",
           "parameters": [{"name": n, "description": d, "sensitive": s, "provided": False} for n, s, _, d in PARAMS],
           "inheritedParameterContexts": [], "componentType": "PARAMETER_CONTEXT"}
    content = {"flowContents": root, "parameterContexts": {"order_to_erp": ctx}}
    sha = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    snap = {**content, "externalControllerServices": {}, "parameterProviders": {}, "flowEncodingVersion": "1.0",
            "latest": False, "snapshotMetadata": {"version": -1, "comments": f"protoc-gen-nifi order_to_erp sha256:{sha}"}}

    def dump(name, obj):
        (out / name).write_text(json.dumps(obj, sort_keys=True, indent=2) + "\n")

    out.mkdir(parents=True, exist_ok=True)
    dump("flow.snapshot.json", snap)
    dump("flow-definition.json", {k: v for k, v in snap.items() if k != "snapshotMetadata"})  # as the generator does
    dump("controller-services.json", {
        "integration": "order_to_erp", "nifiVersion": V, "processGroup": R,
        "controllerServices": [{"key": "kafka", "identifier": svc["identifier"], "name": svc["name"], "type": svc["type"],
                                "bundle": svc["bundle"], "apis": svc["controllerServiceApis"],
                                "properties": svc["properties"], "sensitiveProperties": ["sasl.password"],
                                "referencedBy": [consume["identifier"]], "autoEnable": True}]})
    lines = ["# Generated by protoc-gen-nifi. Do not edit; regenerate.", "name: order_to_erp",
             'description: "Parameters of integration order_to_erp"', "parameters:"]
    for n, s, e, d in PARAMS:
        lines += [f"  - name: {n}", f'    description: "{d}"', f"    sensitive: {str(s).lower()}", '    placeholder: ""',
                  f"    env: {e}"]
    (out / "parameter-context.yaml").write_text("\n".join(lines) + "\n")


PARAMS = [
    ("http.erp_orders.url", False, "ERP_ORDERS_URL", "ERP endpoint for port ErpHttpOut"),
    ("kafka.bootstrap.servers", False, "KAFKA_BOOTSTRAP_SERVERS", "Kafka bootstrap servers"),
    ("kafka.orders_in.group.id", False, "KAFKA_ORDERS_IN_GROUP_ID", "Consumer group of port OrdersIn"),
    ("kafka.orders_in.topics", False, "KAFKA_ORDERS_IN_TOPICS", "Topic(s) of port OrdersIn"),
    ("kafka.sasl.password", True, "KAFKA_SASL_PASSWORD", "Kafka SASL password"),
    ("kafka.sasl.username", False, "KAFKA_SASL_USERNAME", "Kafka SASL username"),
]

if __name__ == "__main__":
    write(FIXTURES / "order_to_erp" / "nifi", "funnel")
    write(FIXTURES / "dangling_failure_port" / "nifi", "port")
