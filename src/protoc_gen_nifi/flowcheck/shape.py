"""Shape: a flow document against NiFi's own API model (nipyapi's models) and NiFi's import rules.

Structure is checked against the Registry's ``VersionedFlowSnapshot`` (``nipyapi.registry.models``) for
snapshots and NiFi's ``RegisteredFlowSnapshot`` (``nipyapi.nifi.models``) for flow definitions, walked
recursively by each model's ``swagger_types`` / ``attribute_map``: unknown keys (NiFi and the Registry
silently drop them), wrong JSON types and values the models' enum-validating setters reject. A few enums
NiFi enforces but the OpenAPI model leaves as plain strings come from a small table (``_EXTRA_ENUMS``, from
NiFi's Java enums as listed in FORMAT.md section 3). Import rules: unique identifiers, ``groupIdentifier``
scoping, ``componentType``, connection endpoints, bundles, controller-service scope, parameter-context
binding (no inheritance from parent groups), sensitive-property rules.
"""
from __future__ import annotations

import contextlib
import re
from typing import Any

from ..units import (
    JAVA_INT_MAX,
    JAVA_LONG_MAX,
    data_size_bytes,
    is_cron,
    is_data_size,
    is_long_count,
    is_time_period,
)
from .common import (
    PARAM_NAME_RE,
    Problem,
    as_list,
    dicts,
    exact_single_reference,
    jtype,
    key_path,
    label,
    load_catalog,
    parameter_references,
    simple_key,
)

#: Enums NiFi enforces on import that the OpenAPI model (and so nipyapi's setters) leaves as plain
#: strings. Values: FORMAT.md section 3 (FlowFileConcurrency, FlowFileOutboundPolicy,
#: SchedulingStrategy, ExecutionNode, BackoffMechanism, LoadBalanceStrategy, LoadBalanceCompression).
_EXTRA_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("VersionedProcessGroup", "flowFileConcurrency"): (
        "UNBOUNDED", "SINGLE_FLOWFILE_PER_NODE", "SINGLE_BATCH_PER_NODE"),
    ("VersionedProcessGroup", "flowFileOutboundPolicy"): ("STREAM_WHEN_AVAILABLE", "BATCH_OUTPUT"),
    ("VersionedProcessor", "schedulingStrategy"): ("TIMER_DRIVEN", "CRON_DRIVEN"),
    ("VersionedProcessor", "executionNode"): ("ALL", "PRIMARY"),
    ("VersionedProcessor", "backoffMechanism"): ("PENALIZE_FLOWFILE", "YIELD_PROCESSOR"),
    ("VersionedConnection", "loadBalanceStrategy"): (
        "DO_NOT_LOAD_BALANCE", "PARTITION_BY_ATTRIBUTE", "ROUND_ROBIN", "SINGLE_NODE"),
    ("VersionedConnection", "loadBalanceCompression"): (
        "DO_NOT_COMPRESS", "COMPRESS_ATTRIBUTES_ONLY", "COMPRESS_ATTRIBUTES_AND_CONTENT"),
}


# componentType expected for each list of a process group, and the "connectable" kinds
_PG_LISTS = (
    ("processors", "PROCESSOR"),
    ("inputPorts", "INPUT_PORT"),
    ("outputPorts", "OUTPUT_PORT"),
    ("funnels", "FUNNEL"),
    ("labels", "LABEL"),
    ("controllerServices", "CONTROLLER_SERVICE"),
    ("remoteProcessGroups", "REMOTE_PROCESS_GROUP"),
    ("connections", "CONNECTION"),
    ("processGroups", "PROCESS_GROUP"),
)
_CONNECTABLE = {"PROCESSOR", "INPUT_PORT", "OUTPUT_PORT", "FUNNEL"}
# processor fields that may hold parameter references besides properties
_PARAM_FIELDS = ("schedulingPeriod", "penaltyDuration", "yieldDuration")
_ENVELOPE = ("flowContents", "externalControllerServices", "parameterContexts", "parameterProviders",
             "flowEncodingVersion", "latest")


def _nipyapi():
    try:
        import nipyapi.nifi.models as nifi_models
        import nipyapi.registry.models as registry_models
        from nipyapi.nifi.configuration import Configuration as NifiConfiguration
        from nipyapi.registry.configuration import (
            Configuration as RegistryConfiguration,
        )
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "checking NiFi flows needs nipyapi (NiFi's API model): pip install 'protoc-gen-nifi[check]'"
        ) from e
    return registry_models, nifi_models, (RegistryConfiguration(), NifiConfiguration())


@contextlib.contextmanager
def _validation_on(configs):
    saved = [c.client_side_validation for c in configs]
    try:
        for c in configs:
            c.client_side_validation = True
        yield
    finally:
        for c, s in zip(configs, saved):
            c.client_side_validation = s


class ShapeChecker:
    def __init__(self, kind: str, generated: bool, catalog: dict | None):
        self.kind = kind
        self.generated = generated
        self.catalog = load_catalog(catalog) if catalog is not None else {}
        registry_models, nifi_models, self._configs = _nipyapi()
        self.models = registry_models if kind == "snapshot" else nifi_models
        self.problems: set[Problem] = set()
        self.ids: dict[str, str] = {}
        self.external: set[str] = set()
        self.contexts: dict = {}

    def err(self, path: str, message: str) -> None:
        self.problems.add(Problem(path, message))

    # ---- structure ------------------------------------------------------------------------------
    def typed(self, value: Any, typ: str, path: str) -> bool:
        """Check ``value`` against a swagger type string; True when the JSON type fits."""
        if typ.startswith("list["):
            if not isinstance(value, list):
                self.err(path, f"expected a list, got {jtype(value)}")
                return False
            for i, item in enumerate(value):
                if item is None:
                    self.err(f"{path}{label(i, item)}", "null list element")
                else:
                    self.typed(item, typ[5:-1], f"{path}{label(i, item)}")
            return True
        if typ.startswith("dict("):
            inner = typ[typ.index(",") + 1:-1].strip()
            if not isinstance(value, dict):
                self.err(path, f"expected an object, got {jtype(value)}")
                return False
            self._dups(value, path)
            for k, v in value.items():
                if v is not None:  # 2.x downloads write unset properties as null
                    self.typed(v, inner, f"{path}{key_path(k)}")
            return True
        if typ == "str" and not self.generated and isinstance(value, (int, float)) \
                and not isinstance(value, bool):
            # Jackson's default scalar coercion reads a JSON number into a String field (2.0-era
            # snapshots write versionedFlowCoordinates.version as a number); our own output must not
            return True
        ok = {
            "str": lambda v: isinstance(v, str),
            "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "bool": lambda v: isinstance(v, bool),
            "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "object": lambda v: True,
        }.get(typ)
        if ok is not None:
            if not ok(value):
                want = {"str": "a string", "int": "an integer", "bool": "a boolean",
                        "float": "a number"}[typ]
                self.err(path, f"expected {want}, got {jtype(value)}")
                return False
            return True
        self.model(value, typ, path)
        return isinstance(value, dict)

    def model(self, value: Any, clsname: str, path: str) -> None:
        cls = getattr(self.models, clsname, None)
        if cls is None:  # pragma: no cover - a type the installed nipyapi does not have
            return
        if not isinstance(value, dict):
            self.err(path, f"expected a {clsname} object, got {jtype(value)}")
            return
        self._dups(value, path)
        by_json = {j: a for a, j in cls.attribute_map.items()}
        bare = cls.__new__(cls)
        for k, v in value.items():
            attr = by_json.get(k)
            if attr is None:
                self.err(f"{path}.{k}" if simple_key(k) else f"{path}{key_path(k)}",
                         f"unknown key '{k}' for {clsname} (NiFi silently ignores it)")
                continue
            if v is None:
                continue
            typ = cls.swagger_types[attr]
            fits = self.typed(v, typ, f"{path}.{k}")
            if not fits or not (typ in ("str", "int", "bool", "float") or typ == "list[str]"):
                continue
            prop = getattr(cls, attr, None)
            if isinstance(prop, property) and prop.fset is not None:
                try:
                    with _validation_on(self._configs):
                        prop.fset(bare, v)
                except ValueError as e:
                    self.err(f"{path}.{k}", str(e).replace("`", "'"))
            allowed = _EXTRA_ENUMS.get((clsname, k))
            if allowed and v not in allowed:
                self.err(f"{path}.{k}", f"'{v}' is not one of NiFi 2.x's values {list(allowed)}")

    def _dups(self, value: dict, path: str) -> None:
        for k in getattr(value, "duplicates", ()):
            self.err(path, f"key '{k}' appears more than once (only the last one counts)")

    # ---- semantics ------------------------------------------------------------------------------
    def register(self, ident: Any, path: str) -> None:
        if not isinstance(ident, str) or not ident:
            self.err(path, "missing identifier")
            return
        if ident in self.ids:
            self.err(path, f"duplicate identifier {ident} (also used at {self.ids[ident]})")
        else:
            self.ids[ident] = path

    def run(self, doc: Any) -> None:
        top = "VersionedFlowSnapshot" if self.kind == "snapshot" else "RegisteredFlowSnapshot"
        if not isinstance(doc, dict):
            self.err("$", f"expected a JSON object ({top}), got {jtype(doc)}")
            return
        self.model(doc, top, "$")
        if self.generated:
            self.generated_envelope(doc)
        fc = doc.get("flowContents")
        if not isinstance(fc, dict):
            if fc is None:
                self.err("$", "missing flowContents")
            return
        ext = doc.get("externalControllerServices")
        if isinstance(ext, dict):
            for k, v in ext.items():
                self.external.add(k)
                if isinstance(v, dict) and v.get("identifier") not in (None, k):
                    self.err(f"$.externalControllerServices{key_path(k)}",
                             f"identifier {v.get('identifier')} differs from its key")
        contexts = doc.get("parameterContexts")
        self.contexts = contexts if isinstance(contexts, dict) else {}
        self.check_contexts(doc)
        if self.generated:
            self.no_instance_identifiers(doc, "$")
        self.group(fc, "$.flowContents", None, {})

    def generated_envelope(self, doc: dict) -> None:
        for k in _ENVELOPE:
            if k not in doc:
                self.err("$", f"missing envelope key '{k}'")
        if "flowEncodingVersion" in doc and doc["flowEncodingVersion"] != "1.0":
            self.err("$.flowEncodingVersion", "must be \"1.0\"")
        if "latest" in doc and doc["latest"] is not False:
            self.err("$.latest", "must be false")
        if self.kind == "snapshot":
            meta = doc.get("snapshotMetadata")
            if not isinstance(meta, dict) or "version" not in meta:
                self.err("$", "snapshot needs snapshotMetadata.version (-1 means next version)")

    def no_instance_identifiers(self, node: Any, path: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                p = f"{path}.{k}" if simple_key(k) else f"{path}{key_path(k)}"
                if k == "instanceIdentifier":
                    self.err(path, "instanceIdentifier must be omitted (NiFi mints instance ids on import)")
                if k in ("properties", "parameterContexts", "style"):
                    # maps keyed by user names; descend into values only
                    if isinstance(v, dict):
                        for kk, vv in v.items():
                            self.no_instance_identifiers(vv, f"{p}{key_path(kk)}")
                    continue
                self.no_instance_identifiers(v, p)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                self.no_instance_identifiers(item, f"{path}{label(i, item)}")

    def check_contexts(self, doc: dict) -> None:
        providers = doc.get("parameterProviders")
        providers = providers if isinstance(providers, dict) else {}
        for name, ctx in self.contexts.items():
            p = f"$.parameterContexts{key_path(name)}"
            if not isinstance(ctx, dict):
                continue
            if ctx.get("name") != name:
                self.err(p, f"map key '{name}' differs from the context's name '{ctx.get('name')}' "
                            "(NiFi looks contexts up by name)")
            for inh in as_list(ctx.get("inheritedParameterContexts")):
                if inh not in self.contexts:
                    self.err(f"{p}.inheritedParameterContexts",
                             f"inherits context '{inh}' that is not in parameterContexts")
            prov = ctx.get("parameterProvider")
            if prov is not None and prov not in providers:
                self.err(f"{p}.parameterProvider", f"parameter provider '{prov}' is not in parameterProviders")
            if self._cycle(name):
                self.err(p, "inheritedParameterContexts form a cycle")
            seen: set = set()
            for i, prm in dicts(ctx.get("parameters")):
                pp = f"{p}.parameters{label(i, prm)}"
                n = prm.get("name")
                if not isinstance(n, str) or not PARAM_NAME_RE.match(n):
                    self.err(pp, f"parameter name {n!r} does not match [A-Za-z0-9 ._-]+")
                if n in seen:
                    self.err(pp, f"duplicate parameter '{n}'")
                seen.add(n)
                if self.generated and prm.get("sensitive") and prm.get("value") is not None:
                    self.err(pp, "sensitive parameter carries a value (secrets are set after import)")

    def _cycle(self, start: str) -> bool:
        stack, seen = [start], set()
        while stack:
            name = stack.pop()
            ctx = self.contexts.get(name)
            for inh in as_list(ctx.get("inheritedParameterContexts")) if isinstance(ctx, dict) else ():
                if inh == start:
                    return True
                if inh not in seen:
                    seen.add(inh)
                    stack.append(inh)
        return False

    def context_parameters(self, name: str) -> dict[str, dict]:
        """Parameters visible through context ``name``: its own, then inherited ones (earlier listed
        inherited contexts win, own parameters win over all)."""
        params: dict[str, dict] = {}
        order, stack, seen = [], [name], set()
        while stack:  # depth-first in declaration order
            n = stack.pop(0)
            if n in seen or not isinstance(self.contexts.get(n), dict):
                continue
            seen.add(n)
            order.append(n)
            stack[0:0] = [x for x in as_list(self.contexts[n].get("inheritedParameterContexts"))
                          if isinstance(x, str)]
        for n in order:
            for _, prm in dicts(self.contexts[n].get("parameters")):
                if isinstance(prm.get("name"), str):
                    params.setdefault(prm["name"], prm)
        return params

    def group(self, pg: dict, path: str, parent: str | None, services_in_scope: dict) -> None:
        pid = pg.get("identifier")
        self.register(pid, path)
        if parent is not None and pg.get("groupIdentifier") != parent:
            self.err(path, f"groupIdentifier {pg.get('groupIdentifier')} is not the containing group {parent}")
        self._component_type(pg, "PROCESS_GROUP", path)

        ctx_name = pg.get("parameterContextName")
        params: dict | None = None
        ctx_problem = None
        if ctx_name is not None:
            if ctx_name in self.contexts:
                params = self.context_parameters(ctx_name)
            else:
                self.err(f"{path}.parameterContextName",
                         f"context '{ctx_name}' is not in parameterContexts (NiFi leaves the group unbound)")
                ctx_problem = True

        scope = dict(services_in_scope)
        for _, cs in dicts(pg.get("controllerServices")):
            if isinstance(cs.get("identifier"), str):
                scope[cs["identifier"]] = cs

        members: dict[str, str] = {}  # connectable id -> kind, inside this group
        rpg_ports: dict[str, tuple[str, Any]] = {}  # remote port id -> (kind, rpg id)
        for key, kind in _PG_LISTS:
            if key in ("connections", "processGroups"):
                continue
            for i, c in dicts(pg.get(key)):
                p = f"{path}.{key}{label(i, c)}"
                self.register(c.get("identifier"), p)
                self._component_type(c, kind, p)
                if c.get("groupIdentifier") != pid:
                    self.err(p, f"groupIdentifier {c.get('groupIdentifier')} is not the containing group {pid}")
                if kind in ("INPUT_PORT", "OUTPUT_PORT") and c.get("type") not in (None, kind):
                    self.err(f"{p}.type", f"port type {c.get('type')} in {key} must be {kind}")
                if kind in _CONNECTABLE and isinstance(c.get("identifier"), str):
                    members[c["identifier"]] = kind
                if kind in ("PROCESSOR", "CONTROLLER_SERVICE"):
                    self.extension(c, p, kind, scope, params, ctx_name, ctx_problem)
                if kind == "REMOTE_PROCESS_GROUP":
                    for pkey, pkind in (("inputPorts", "REMOTE_INPUT_PORT"), ("outputPorts", "REMOTE_OUTPUT_PORT")):
                        for j, port in dicts(c.get(pkey)):
                            pp = f"{p}.{pkey}{label(j, port)}"
                            self.register(port.get("identifier"), pp)
                            self._component_type(port, pkind, pp)
                            if port.get("remoteGroupId") not in (None, c.get("identifier")):
                                self.err(pp, f"remoteGroupId {port.get('remoteGroupId')} is not its remote "
                                             f"process group {c.get('identifier')}")
                            if isinstance(port.get("identifier"), str):
                                rpg_ports[port["identifier"]] = (pkind, c.get("identifier"))

        child_ports: dict[str, tuple[str, Any]] = {}
        for _, child in dicts(pg.get("processGroups")):
            for key, kind in (("inputPorts", "INPUT_PORT"), ("outputPorts", "OUTPUT_PORT")):
                for _, port in dicts(child.get(key)):
                    if isinstance(port.get("identifier"), str):
                        child_ports[port["identifier"]] = (kind, child.get("identifier"))

        for i, conn in dicts(pg.get("connections")):
            p = f"{path}.connections{label(i, conn)}"
            self.register(conn.get("identifier"), p)
            self._component_type(conn, "CONNECTION", p)
            if conn.get("groupIdentifier") != pid:
                self.err(p, f"groupIdentifier {conn.get('groupIdentifier')} is not the containing group {pid}")
            self.connection(conn, p, pid, members, child_ports, rpg_ports)

        for i, child in dicts(pg.get("processGroups")):
            self.group(child, f"{path}.processGroups{label(i, child)}", pid, scope)

    def _component_type(self, c: dict, kind: str, path: str) -> None:
        ct = c.get("componentType")
        if ct is None:
            if self.generated:
                self.err(path, f"missing componentType (expected {kind})")
        elif ct != kind:
            self.err(f"{path}.componentType", f"{ct} in a list of {kind}")

    def connection(self, conn, p, pid, members, child_ports, rpg_ports) -> None:
        for end in ("source", "destination"):
            e = conn.get(end)
            if not isinstance(e, dict):
                self.err(p, f"missing {end}")
                continue
            eid, etype, egroup = e.get("id"), e.get("type"), e.get("groupId")
            ep = f"{p}.{end}"
            if eid in members:
                if members[eid] != etype:
                    self.err(ep, f"type {etype} but {eid} is a {members[eid]}")
                if egroup != pid:
                    self.err(ep, f"groupId {egroup} is not {pid}, the group containing {eid}")
            elif eid in child_ports:
                kind, cg = child_ports[eid]
                want = "OUTPUT_PORT" if end == "source" else "INPUT_PORT"
                if kind != want:
                    self.err(ep, f"{eid} is a child group's {kind}; a connection {end} in a child "
                                 f"group must be its {want}")
                elif etype != kind:
                    self.err(ep, f"type {etype} but {eid} is a {kind}")
                if egroup != cg:
                    self.err(ep, f"groupId {egroup} is not {cg}, the child group containing {eid}")
            elif eid in rpg_ports:
                kind, rg = rpg_ports[eid]
                if etype != kind:
                    self.err(ep, f"type {etype} but {eid} is a {kind}")
                if egroup != rg:
                    self.err(ep, f"groupId {egroup} is not {rg}, the remote process group of {eid}")
            else:
                self.err(ep, f"{eid} is neither a component of this group nor a port of a direct child group")
        src = conn.get("source") if isinstance(conn.get("source"), dict) else {}
        rels = conn.get("selectedRelationships")
        if src.get("type") == "PROCESSOR":
            names = [r for r in as_list(rels) if isinstance(r, str) and r]
            if not names:
                self.err(f"{p}.selectedRelationships",
                         "a connection from a processor needs at least one relationship")
            if any(r == "" for r in as_list(rels)):
                self.err(f"{p}.selectedRelationships", "empty relationship name from a processor")
        bpo, bps = conn.get("backPressureObjectThreshold"), conn.get("backPressureDataSizeThreshold")
        # The same value checks as the generator's (units.py): what one accepts, the other accepts.
        if bpo is not None and not is_long_count(bpo):
            self.err(f"{p}.backPressureObjectThreshold", f"{str(bpo)[:40]!r} is not a count NiFi can load "
                     "(a whole number from 0 to 2^63-1)")
        if isinstance(bps, str) and bps and not is_data_size(bps):
            self.err(f"{p}.backPressureDataSizeThreshold", f"{bps[:40]!r} is not a data size NiFi can load "
                     "(ASCII digits and B, KB, MB, GB or TB, at most 2^63-1 bytes)")
        if self.generated:
            if bpo is None:
                self.err(p, "missing explicit backPressureObjectThreshold")
            elif bpo == 0:
                self.err(f"{p}.backPressureObjectThreshold", "0 disables object backpressure")
            if bps is None or bps == "":
                self.err(p, "missing explicit backPressureDataSizeThreshold")
            elif isinstance(bps, str) and is_data_size(bps) and data_size_bytes(bps) == 0:
                self.err(f"{p}.backPressureDataSizeThreshold", f"'{bps}' disables data-size backpressure")

    def extension(self, c, p, kind, scope, params, ctx_name, ctx_problem) -> None:
        typ = c.get("type")
        bundle = c.get("bundle") if isinstance(c.get("bundle"), dict) else {}
        if not all(isinstance(bundle.get(k), str) and bundle.get(k) for k in ("group", "artifact", "version")):
            self.err(p, "bundle needs group, artifact and version")
        python = bundle.get("artifact") == "python-extensions"
        if not isinstance(typ, str) or not typ:
            self.err(p, "missing type")
        elif python:
            if "." in typ:
                self.err(f"{p}.type", f"a Python processor's type is its bare class name, not '{typ}'")
        elif not re.fullmatch(r"[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+", typ):
            self.err(f"{p}.type", f"'{typ}' is not a fully-qualified class name")

        props = c.get("properties") if isinstance(c.get("properties"), dict) else {}
        descs = c.get("propertyDescriptors") if isinstance(c.get("propertyDescriptors"), dict) else {}
        known = self.catalog.get(typ) if isinstance(typ, str) else None

        for name, d in descs.items() if self.generated else ():
            # NiFi ignores a descriptor's name (a real 2.x fixture has a stale one); ours must agree
            if isinstance(d, dict) and d.get("name") not in (None, name):
                self.err(f"{p}.propertyDescriptors{key_path(name)}",
                         f"descriptor name '{d.get('name')}' differs from its key")

        if known:
            by_display = {v.get("displayName"): n for n, v in known.items()
                          if v.get("displayName") and v.get("displayName") != n}
            for key in props:
                if key not in known and key in by_display:
                    self.err(f"{p}.properties{key_path(key)}",
                             f"display name used as property key; NiFi's key is '{by_display[key]}'")

        for key, value in props.items():
            if value is None or not isinstance(value, str):
                continue
            pp = f"{p}.properties{key_path(key)}"
            d = descs.get(key) if isinstance(descs.get(key), dict) else {}
            cat = known.get(key, {}) if known else {}
            # True / False when the descriptor or the catalog says so, None when nothing does
            flags = [x.get("sensitive") for x in (d, cat) if isinstance(x.get("sensitive"), bool)]
            sensitive = True if True in flags else (False if flags else None)
            is_cs = bool(d.get("identifiesControllerService")) or bool(cat.get("controllerService"))
            refs = parameter_references(value)
            if self.generated and key not in descs:
                self.err(pp, "property set without a propertyDescriptors entry")
            self.references(refs, pp, params, ctx_name, ctx_problem)
            if sensitive:
                single = exact_single_reference(value)
                if refs or self.generated:
                    if single is None:
                        self.err(pp, "sensitive property must be exactly one #{parameter} reference"
                                 if refs else "sensitive property carries a literal value")
                    elif params is not None and single in params and not params[single].get("sensitive"):
                        self.err(pp, f"sensitive property references non-sensitive parameter '{single}' "
                                     "(NiFi rejects it)")
            elif sensitive is False and refs and params is not None:
                for r in refs:
                    if r in params and params[r].get("sensitive"):
                        self.err(pp, f"non-sensitive property references sensitive parameter '{r}'")
            if is_cs and not refs and value and value not in scope and value not in self.external:
                self.err(pp, f"controller service {value} is neither in this group or an ancestor "
                                 "nor in externalControllerServices")
        if kind == "PROCESSOR":
            for f in _PARAM_FIELDS:
                v = c.get(f)
                if isinstance(v, str):
                    self.references(parameter_references(v), f"{p}.{f}", params, ctx_name, ctx_problem)
            self.scheduling_values(c, p)

    def scheduling_values(self, c: dict, p: str) -> None:
        """A processor's periods and counts as NiFi loads them (the generator's checks, units.py)."""
        periods = ["penaltyDuration", "yieldDuration", "maxBackoffPeriod"]
        strategy = c.get("schedulingStrategy")
        if strategy == "TIMER_DRIVEN":
            periods.append("schedulingPeriod")
        for f in periods:
            v = c.get(f)
            if isinstance(v, str) and "#{" not in v and not is_time_period(v):
                self.err(f"{p}.{f}", f"{v[:40]!r} is not a time period NiFi can load (ASCII digits and a unit, "
                         "at most 2^63-1 nanoseconds)")
        v = c.get("schedulingPeriod")
        if strategy == "CRON_DRIVEN" and isinstance(v, str) and "#{" not in v and not is_cron(v):
            self.err(f"{p}.schedulingPeriod", f"{v[:40]!r} is not a Quartz cron expression")
        for f, maximum in (("runDurationMillis", JAVA_LONG_MAX), ("retryCount", JAVA_INT_MAX),
                           ("concurrentlySchedulableTaskCount", JAVA_INT_MAX)):
            v = c.get(f)
            if v is not None and not is_long_count(v, 0, maximum):
                self.err(f"{p}.{f}", f"{str(v)[:40]!r} is not a whole number from 0 to {maximum}")

    def references(self, refs, path, params, ctx_name, ctx_problem) -> None:
        for r in refs:
            if ctx_problem:
                continue  # already reported once at the group
            if params is None:
                self.err(path, f"references #{{{r}}} but its process group binds no parameter context "
                               "(contexts are not inherited from parent groups)")
            elif r not in params:
                self.err(path, f"references undefined parameter #{{{r}}} (context '{ctx_name}')")
