"""The NiFi components the generator emits, per target NiFi version.

Property keys are NiFi's canonical descriptor *names* (what a flow JSON stores),
never display names. They were checked against NiFi's source at each release
tag (see tests/fixtures/nifi-reference/component-properties-*.json, which the
test suite compares this table with). Where a key was renamed between releases
the per-version `renamed` table says so; none of the keys used here differ
between the supported releases.
"""
from __future__ import annotations

from dataclasses import dataclass, field

SUPPORTED_NIFI_VERSIONS = ("2.0.0", "2.11.0")
DEFAULT_NIFI_VERSION = "2.11.0"
BUNDLE_GROUP = "org.apache.nifi"


@dataclass(frozen=True)
class Prop:
    key: str
    display: str | None = None  # NiFi's display name when it differs from the key
    sensitive: bool = False
    service_api: str | None = None  # set when the property identifies a controller service


@dataclass(frozen=True)
class Component:
    type: str
    artifact: str
    props: tuple[Prop, ...] = ()
    relationships: tuple[str, ...] = ()
    # Interfaces a controller service implements, with the NAR that holds each API.
    apis: tuple[tuple[str, str], ...] = ()
    # Dynamic properties may be sensitive (@SupportsSensitiveDynamicProperties).
    sensitive_dynamic: bool = False

    def prop(self, key: str) -> Prop:
        for candidate in self.props:
            if candidate.key == key:
                return candidate
        raise KeyError(f"{self.type} has no property {key!r} in the catalog")


KAFKA_CONNECTION_API = "org.apache.nifi.kafka.service.api.KafkaConnectionService"

KAFKA3_CONNECTION_SERVICE = Component(
    type="org.apache.nifi.kafka.service.Kafka3ConnectionService",
    artifact="nifi-kafka-3-service-nar",
    props=(
        Prop("bootstrap.servers", "Bootstrap Servers"),
        Prop("security.protocol", "Security Protocol"),
        Prop("sasl.mechanism", "SASL Mechanism"),
        Prop("sasl.username", "SASL Username"),
        Prop("sasl.password", "SASL Password", sensitive=True),
    ),
    apis=((KAFKA_CONNECTION_API, "nifi-kafka-service-api-nar"),),
)

CONSUME_KAFKA = Component(
    type="org.apache.nifi.kafka.processors.ConsumeKafka",
    artifact="nifi-kafka-nar",
    props=(
        Prop("Kafka Connection Service", service_api=KAFKA_CONNECTION_API),
        Prop("Group ID"),
        Prop("Topics"),
        Prop("Processing Strategy"),
        Prop("Header Name Pattern"),
    ),
    relationships=("success", "parse failure"),
)

PUBLISH_KAFKA = Component(
    type="org.apache.nifi.kafka.processors.PublishKafka",
    artifact="nifi-kafka-nar",
    props=(
        Prop("Kafka Connection Service", service_api=KAFKA_CONNECTION_API),
        Prop("Topic Name"),
        Prop("FlowFile Attribute Header Pattern"),
    ),
    relationships=("success", "failure"),
)

INVOKE_HTTP = Component(
    type="org.apache.nifi.processors.standard.InvokeHTTP",
    artifact="nifi-standard-nar",
    props=(
        Prop("HTTP Method"),
        Prop("HTTP URL"),
        Prop("Request Content-Type"),
    ),
    relationships=("Original", "Response", "Retry", "No Retry", "Failure"),
    sensitive_dynamic=True,
)

UPDATE_ATTRIBUTE = Component(
    type="org.apache.nifi.processors.attributes.UpdateAttribute",
    artifact="nifi-update-attribute-nar",
    relationships=("success",),
)

EXECUTE_SCRIPT = Component(
    type="org.apache.nifi.processors.script.ExecuteScript",
    artifact="nifi-scripting-nar",
    props=(
        Prop("Script Engine"),
        Prop("Script File"),
        Prop("Module Directory"),
    ),
    relationships=("success", "failure"),
)

COMPONENTS = (
    KAFKA3_CONNECTION_SERVICE,
    CONSUME_KAFKA,
    PUBLISH_KAFKA,
    INVOKE_HTTP,
    UPDATE_ATTRIBUTE,
    EXECUTE_SCRIPT,
)

# Per target version: {component type: {key in this table: key at that version}}.
RENAMED: dict[str, dict[str, dict[str, str]]] = {version: {} for version in SUPPORTED_NIFI_VERSIONS}


@dataclass(frozen=True)
class Target:
    """A NiFi release the output is built for."""

    version: str
    renamed: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, version: str) -> "Target":
        return cls(version, RENAMED[version])

    def bundle(self, artifact: str) -> dict[str, str]:
        return {"artifact": artifact, "group": BUNDLE_GROUP, "version": self.version}

    def key(self, component: Component, key: str) -> str:
        return self.renamed.get(component.type, {}).get(key, key)
