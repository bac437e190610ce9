"""Does a deployed process group still match a flow definition? Component by component, as NiFi compares flows.

Without a Registry NiFi keeps no "local modifications" for a group, so the harness compares itself: the group as
NiFi exports it (`GET /process-groups/{id}/download`: NiFiRegistryFlowMapper.mapNonVersionedProcessGroup with
FlowMappingOptions.DEFAULT_OPTIONS, nifi-framework-components) against the definition. The rules are NiFi's own
local-modification rules, so a group NiFi would call UP_TO_DATE matches here too (paths below
nifi-registry/nifi-registry-core/nifi-registry-flow-diff/.../StandardFlowComparator.java and
nifi-framework-components/.../util/FlowDifferenceFilters.java, rel/nifi-2.3.0 and rel/nifi-2.11.0):

- Components are paired by their versioned `identifier`. The export keeps each component's versioned id
  (ComponentIdLookup.VERSIONED_OR_GENERATE) and an upload or replace sets it from the definition
  (StandardVersionedComponentSynchronizer: `setVersionedComponentId(proposed.getIdentifier())`), except for the
  uploaded group itself: it has none, so the export names it `UUID.nameUUIDFromBytes(instance id)`; that one id is
  mapped back to the definition's.
- A field compares with NiFi's default standing in for a missing value (`addIfDifferent(..., defaultValue)`),
  relationship lists as sets, an empty `comments` as none.
- Properties (`compareProperties`): the export writes *every* property of the component, an unset one with its
  default value (`mapProperties`), so a property the definition leaves out matches when the export shows its
  default (`isNewPropertyWithDefaultValue`). A sensitive property is exported only when it holds a parameter
  reference (`isMappable`), and a component NiFi could not load (a ghost) counts every property as sensitive, so
  a ghost's property missing from the export is not a difference (`isPropertyMissingFromGhostComponent`).
- Environmental, not differences, as NiFi has them: bundle versions (NiFi picks the installed one on import:
  `discoverCompatibleBundles`; BUNDLE_CHANGED is `isEnvironmentalChange`), a service's enabled state and a
  processor's running state (`isLocalScheduleStateChange`; the export writes ENABLED or DISABLED only:
  VersionedComponentStateLookup.ENABLED_OR_DISABLED), property descriptors, instance ids.
- Layout is not compared (positions, bends, z-index, label sizes, colours): a replace request skips a difference
  that is only a position (StandardVersionedComponentSynchronizer.synchronize: `if POSITION_CHANGED continue`),
  so a moved box could never be put back and every later run would replace in vain.
- Unlike NiFi, a group bound to another parameter context is a difference (NiFi calls it environmental:
  `isParameterContextChange`): the harness owns the binding, and the flow would read other values.
"""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

SET = "set"  # compared as a set (relationship names)
# componentType -> (field, NiFi's default for a missing value | SET), after name and comments (compareComponents).
FIELDS: dict[str, tuple[tuple[str, object], ...]] = {
    "PROCESSOR": (("annotationData", None), ("autoTerminatedRelationships", SET), ("bulletinLevel", None),
                  ("concurrentlySchedulableTaskCount", None), ("executionNode", None), ("penaltyDuration", None),
                  ("runDurationMillis", None), ("schedulingPeriod", None), ("schedulingStrategy", None),
                  ("scheduledState", None), ("yieldDuration", None), ("retryCount", None),
                  ("retriedRelationships", SET), ("backoffMechanism", None), ("maxBackoffPeriod", None)),
    "CONTROLLER_SERVICE": (("annotationData", None), ("bulletinLevel", "WARN")),
    "INPUT_PORT": (("scheduledState", None), ("portFunction", "STANDARD")),
    "OUTPUT_PORT": (("scheduledState", None), ("portFunction", "STANDARD")),
    "FUNNEL": (),
    "LABEL": (("label", None),),
    "CONNECTION": (("backPressureDataSizeThreshold", None), ("backPressureObjectThreshold", None),
                   ("flowFileExpiration", None), ("prioritizers", None), ("selectedRelationships", SET),
                   ("loadBalanceStrategy", "DO_NOT_LOAD_BALANCE"), ("partitioningAttribute", ""),
                   ("loadBalanceCompression", "DO_NOT_COMPRESS")),
    "PROCESS_GROUP": (("flowFileConcurrency", "UNBOUNDED"), ("flowFileOutboundPolicy", "STREAM_WHEN_AVAILABLE"),
                      ("defaultBackPressureDataSizeThreshold", "1 GB"), ("defaultBackPressureObjectThreshold", 10000),
                      ("defaultFlowFileExpiration", "0 sec"), ("parameterContextName", None),
                      ("executionEngine", "INHERITED"), ("scheduledState", "ENABLED"), ("maxConcurrentTasks", 1),
                      ("statelessFlowTimeout", "1 min")),
}
CHILDREN = (("processors", "PROCESSOR"), ("controllerServices", "CONTROLLER_SERVICE"), ("inputPorts", "INPUT_PORT"),
            ("outputPorts", "OUTPUT_PORT"), ("funnels", "FUNNEL"), ("labels", "LABEL"), ("connections", "CONNECTION"),
            ("processGroups", "PROCESS_GROUP"))
LABELS = {"PROCESSOR": "processor", "CONTROLLER_SERVICE": "controller service", "INPUT_PORT": "input port",
          "OUTPUT_PORT": "output port", "FUNNEL": "funnel", "LABEL": "label", "CONNECTION": "connection",
          "PROCESS_GROUP": "process group"}
SHOWN = 60  # characters of a value a difference line shows


def name_uuid(text: str) -> str:
    """Java's UUID.nameUUIDFromBytes (an MD5, version 3 UUID of the bytes): how NiFi's export names a component
    that has no versioned id (ComponentIdLookup.DEFAULT_VERSIONED_UUID_GENERATOR)."""
    return str(uuid.UUID(bytes=hashlib.md5(text.encode("utf-8")).digest(), version=3))


@dataclass(frozen=True)
class Live:
    """What only NiFi's component entities say (the export does not): which components NiFi could not load
    (`extensionMissing`), and each property's default value (the descriptors' `defaultValue`). Keyed by
    versioned id."""

    ghosts: frozenset[str] = frozenset()
    defaults: dict[str, dict[str, str | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class Difference:
    component: str  # e.g. "processor 'POST erp-orders' in 'order_to_erp/egress erp_http_out'"
    what: str  # e.g. "property 'HTTP Method' is 'PUT'; the definition has 'POST'"

    def __str__(self) -> str:
        return f"{self.component}: {self.what}"


@dataclass
class _Node:
    kind: str
    doc: dict
    path: str  # the group path it sits in

    @property
    def label(self) -> str:
        name = self.doc.get("name") or (self.doc.get("label") if self.kind == "LABEL" else None) or ""
        text = f"{LABELS[self.kind]} '{name}'" if name else LABELS[self.kind]
        return f"{text} in '{self.path}'" if self.path else text


def _index(root: dict, root_id: str) -> dict[str, _Node]:
    """versioned id -> node, for every component of the tree; the root filed under `root_id`."""
    out = {root_id: _Node("PROCESS_GROUP", root, "")}

    def walk(group: dict, path: str) -> Iterator[tuple[str, _Node]]:
        for key, kind in CHILDREN:
            for doc in group.get(key) or []:
                yield doc["identifier"], _Node(kind, doc, path)
                if kind == "PROCESS_GROUP":
                    yield from walk(doc, f"{path}/{doc.get('name')}")

    out.update(walk(root, root.get("name") or ""))
    return out


def _value(doc: dict, name: str, default: object) -> object:
    value = doc.get(name)
    if default is SET:
        return sorted(set(value or ()))
    if name == "prioritizers":
        return list(value or ())
    return default if value is None else value


def _show(value: object, sensitive: bool) -> str:
    if sensitive:
        return "a sensitive value"
    if value is None:
        return "unset"
    if not isinstance(value, str):
        return repr(value)  # a number or a list, as it is
    return repr(value if len(value) <= SHOWN else value[:SHOWN] + "...")


class _Comparison:
    def __init__(self, wanted: dict[str, _Node], have: dict[str, _Node], live: Live, roots: dict[str, str]):
        self.wanted, self.have, self.live, self.roots = wanted, have, live, roots
        self.out: list[Difference] = []

    def add(self, node: _Node, what: str) -> None:
        self.out.append(Difference(node.label, what))

    def same_group(self, gid: str | None) -> str | None:
        return self.roots.get(gid, gid)

    def fields(self, vid: str, want: _Node, have: _Node) -> None:
        if want.kind != "PROCESS_GROUP" or want.path:  # NiFi does not compare the top group's name
            self.scalar(have, "name", want.doc.get("name"), have.doc.get("name"))
        # A missing and an empty comment are the same (addIfDifferent(..., differentiateNullAndEmptyString=false)).
        self.scalar(have, "comments", want.doc.get("comments") or None, have.doc.get("comments") or None)
        for name, default in FIELDS[want.kind]:
            self.scalar(have, name, _value(want.doc, name, default), _value(have.doc, name, default))
        if want.kind == "CONNECTION":
            for end in ("source", "destination"):
                a, b = want.doc.get(end) or {}, have.doc.get(end) or {}
                if (a.get("id"), self.same_group(a.get("groupId"))) != (b.get("id"), self.same_group(b.get("groupId"))):
                    self.add(have, f"{end} is {b.get('name') or b.get('id')!r}; the definition has "
                                   f"{a.get('name') or a.get('id')!r}")
        if want.kind in ("PROCESSOR", "CONTROLLER_SERVICE"):
            self.properties(vid, want, have)

    def scalar(self, node: _Node, name: str, want: object, have: object) -> None:
        if want != have:
            self.add(node, f"{name} is {_show(have, False)}; the definition has {_show(want, False)}")

    def properties(self, vid: str, want: _Node, have: _Node) -> None:
        a, b = want.doc.get("properties") or {}, have.doc.get("properties") or {}
        ghost = vid in self.live.ghosts
        defaults = self.live.defaults.get(vid) or {}
        descriptors = {**(want.doc.get("propertyDescriptors") or {}), **(have.doc.get("propertyDescriptors") or {})}
        for key in sorted(set(a) | set(b)):
            va, vb = a.get(key), b.get(key)
            if va == vb:
                continue
            if va is None and (ghost or (key in defaults and vb == defaults[key])):
                continue  # exported with its default value, or a ghost's (all-sensitive) property
            if vb is None and ghost:
                continue  # a ghost's property NiFi does not export
            sensitive = bool((descriptors.get(key) or {}).get("sensitive"))
            wanted = _show(va, sensitive) if va is not None else \
                "it unset" + (f" (default {_show(defaults[key], sensitive)})" if defaults.get(key) is not None else "")
            self.add(have, f"property '{key}' is {_show(vb, sensitive)}; the definition has {wanted}")

    def run(self) -> list[Difference]:
        for vid, want in self.wanted.items():
            have = self.have.get(vid)
            if have is None:
                self.add(want, "removed (the definition has it)")
            else:
                self.fields(vid, want, have)
        for vid, have in self.have.items():
            if vid not in self.wanted:
                self.add(have, "added (the definition does not have it)")
        return sorted(self.out, key=lambda d: (d.component, d.what))


def compare(definition: dict, export: dict, live: Live | None = None) -> list[Difference]:
    """The differences between the flow NiFi exported for a group and the definition it should match, in a
    stable order; [] when they match."""
    want_root, have_root = definition["flowContents"], export["flowContents"]
    root_id = want_root["identifier"]
    roots = {have_root.get("identifier"): root_id}
    wanted = _index(want_root, root_id)
    have = _index(have_root, root_id)
    return _Comparison(wanted, have, live or Live(), roots).run()


def count(definition: dict) -> int:
    """How many components a definition has (its groups included)."""
    root = definition["flowContents"]
    return len(_index(root, root["identifier"]))
