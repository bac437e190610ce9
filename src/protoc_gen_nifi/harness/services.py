"""Step (d): reconcile controller services from controller-services.json (seed 002).

For each manifest entry: find the live service in the deployed group (by versioned id,
then by name; recreate it if someone deleted it), resolve its bundle against what this
NiFi has installed, fetch its property descriptors, translate display names, slugs and
allowable-value display strings to canonical keys and values, and only when something
differs: stop what runs, disable, update, then enable and wait (bounded). NiFi's
validation errors are reported by service and property.

A service NiFi could not load (a ghost: its NAR is not installed; ghosts.py) shows every property as sensitive and
can never be enabled, so it is left as it is, and so is every service that references one (directly or through
another): enabling those would wait for ever. Each is said, and FlowRunning names what cannot run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from . import schedule
from .client import CLIENT_ID, revision
from .context import Run
from .errors import HarnessError

PARAM_REF = re.compile(r"^#\{[^}]+\}$")
MASK = "********"  # how NiFi shows a sensitive property that has a value (DtoFactory.SENSITIVE_VALUE_MASK)
TRANSIENT = {"ENABLING", "DISABLING"}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")


@dataclass
class Descriptors:
    by_name: dict[str, dict]
    dynamic: bool

    def aliases(self) -> dict[str, str]:
        """canonical key, display name and slugs of both -> canonical key."""
        out: dict[str, str] = {}
        for name, d in self.by_name.items():
            for alias in (d.get("displayName"), slug(name), slug(d.get("displayName") or "")):
                if alias:
                    out.setdefault(alias, name)
        out.update({name: name for name in self.by_name})  # canonical names always win
        return out

    def display(self, key: str) -> str:
        return (self.by_name.get(key) or {}).get("displayName") or key

    def sensitive(self, key: str, entry: dict) -> bool:
        return bool((self.by_name.get(key) or {}).get("sensitive")) or key in (entry.get("sensitiveProperties") or ())


def differs(live: str | None, desired: str | None, sensitive: bool) -> bool:
    """Whether a property must be written. NiFi shows a sensitive property that has a value as `********`, even
    when the value is a `#{parameter}` reference (DtoFactory.createControllerServiceDto; BEHAVIOUR 3), so a
    masked value cannot be compared: it counts as set. A change of reference by hand in a versioned service is
    still caught, by NiFi's local-modification check, and reverted by the deploy step."""
    if sensitive and live == MASK:
        return desired is None
    return live != desired


def _svc(entry: dict) -> str:
    return f"controller service '{entry.get('name')}' ({entry.get('key')})"


def resolve_bundle(run: Run, entry: dict) -> dict:
    """The manifest's bundle if installed, else the only installed bundle providing the type (NiFi does the
    same on import), else a clear error. `typeFilter` selects by implementation class; `serviceType` would mean
    "implements this API" and is 400 without the API's bundle (FlowResource.getControllerServiceTypes; BEHAVIOUR 1)."""
    comp = _svc(entry)
    types = run.nifi.get("/flow/controller-service-types", params={"typeFilter": entry["type"]},
                         step="services", component=comp) or {}
    offered = [t.get("bundle") or {} for t in types.get("controllerServiceTypes") or [] if t.get("type") == entry["type"]]
    want = entry.get("bundle") or {}
    for b in offered:
        if (b.get("group"), b.get("artifact"), b.get("version")) == (want.get("group"), want.get("artifact"), want.get("version")):
            return b
    if len(offered) == 1:
        run.say("services", f"{comp}: bundle {want.get('version')} not installed, using {offered[0].get('version')}")
        return offered[0]
    if not offered:
        raise HarnessError("services", comp, f"type {entry['type']} is not installed in this NiFi",
                           f"use a NiFi {run.art.manifest.get('nifiVersion', '2.x')} image with its NAR, or regenerate "
                           "for this NiFi's version")
    versions = ", ".join(sorted(b.get("version", "?") for b in offered))
    raise HarnessError("services", comp, f"bundle version {want.get('version')} not installed and several are "
                       f"({versions})", "regenerate for one of the installed NiFi versions")


def fetch_descriptors(run: Run, entry: dict, bundle: dict) -> Descriptors:
    path = "/flow/controller-service-definition/" + "/".join(
        quote(str(x), safe="") for x in (bundle["group"], bundle["artifact"], bundle["version"], entry["type"]))
    d = run.nifi.get(path, step="services", component=_svc(entry)) or {}
    return Descriptors(d.get("propertyDescriptors") or {}, bool(d.get("supportsDynamicProperties")))


def normalise(entry: dict, desc: Descriptors) -> dict[str, str | None]:
    """Manifest properties -> canonical keys and values; unknown keys and disallowed values are errors."""
    aliases = desc.aliases()
    out: dict[str, str | None] = {}
    for raw_key, value in (entry.get("properties") or {}).items():
        key = aliases.get(raw_key.strip()) or aliases.get(slug(raw_key))
        if key is None:
            if desc.dynamic:
                key = raw_key.strip()
            else:
                raise HarnessError("services", f"{_svc(entry)} property '{raw_key}'",
                                   "is not a property of this service type in this NiFi version",
                                   "regenerate for this NiFi version (property names changed during 2.x) or "
                                   "remove the property from the manifest")
        allowed = (desc.by_name.get(key) or {}).get("allowableValues") or []
        if value is not None and allowed and not PARAM_REF.match(value.strip()):
            # ControllerServiceDefinition lists {value, displayName}; entity DTOs wrap it in allowableValue.
            pairs = [(a.get("allowableValue") or a) for a in allowed]
            canon = {p["value"]: p["value"] for p in pairs}
            canon.update({(p.get("displayName") or "").lower(): p["value"] for p in pairs if p.get("displayName")})
            v = value.strip()
            if v not in canon and v.lower() not in canon:
                choices = ", ".join(p["value"] for p in pairs)
                raise HarnessError("services", f"{_svc(entry)} property '{key}'", f"value {v!r} is not allowed",
                                   f"use one of: {choices}")
            value = canon.get(v) or canon[v.lower()]
        out[key] = value
    return out


def validation_errors(entity: dict, desc: Descriptors, entry: dict) -> list[str]:
    """NiFi's validation errors, each prefixed with the service and the canonical property key."""
    errs = (entity.get("component") or {}).get("validationErrors") or []
    display_to_key = {d.get("displayName"): k for k, d in desc.by_name.items()}
    out = []
    for e in errs:
        m = re.match(r"^'([^']+)'", e)
        prop = m and (display_to_key.get(m.group(1)) or (m.group(1) if m.group(1) in desc.by_name else None))
        where = f"{_svc(entry)} property '{prop}'" if prop else _svc(entry)
        out.append(f"{where}: {e}")
    return out


def _find_live(run: Run, entry: dict) -> dict | None:
    listing = run.nifi.get(f"/flow/process-groups/{run.pg_id}/controller-services",
                           params={"includeAncestorGroups": "false", "includeDescendantGroups": "false"},
                           step="services", component=_svc(entry)) or {}
    services = listing.get("controllerServices") or []
    for s in services:
        if (s.get("component") or {}).get("versionedComponentId") == entry.get("identifier"):
            return s
    for s in services:
        if (s.get("component") or {}).get("name") == entry.get("name"):
            return s
    return None


class ServiceReconciler:
    def __init__(self, run: Run, manifest: list[dict] | None = None) -> None:
        self.run = run
        self.stopped_group = False
        self.unusable: dict[str, str] = {}  # versioned id -> why it is left alone (a ghost, or it uses one)
        # A service property that names another service holds that service's versioned id in the
        # manifest; the deployed instance has its own id, which is what NiFi must be given.
        self.by_versioned_id = {e.get("identifier"): e for e in manifest or []}

    def _instance_ids(self, desired: dict[str, str | None]) -> dict[str, str | None]:
        out = {}
        for key, value in desired.items():
            referenced = self.by_versioned_id.get(value)
            if referenced is not None:
                live = _find_live(self.run, referenced)
                value = live["id"] if live is not None else value
            out[key] = value
        return out

    def _get(self, sid: str, entry: dict) -> dict:
        return self.run.nifi.get(f"/controller-services/{sid}", step="services", component=_svc(entry))

    def _wait_stable(self, sid: str, entry: dict) -> dict:
        return self.run.nifi.poll(lambda: self._get(sid, entry),
                                  lambda e: e["component"].get("state") not in TRANSIENT,
                                  step="services", component=_svc(entry), what="leaving ENABLING/DISABLING",
                                  fix="check the service's bulletins in NiFi; rerun when it is stable")

    def _set_state(self, sid: str, entry: dict, state: str, desc: Descriptors) -> dict:
        nifi = self.run.nifi
        nifi.update_with_revision(f"/controller-services/{sid}", "PUT", f"/controller-services/{sid}/run-status",
                                  lambda e: {"revision": revision(e), "state": state},
                                  step="services", component=_svc(entry))
        last: dict = {}

        def fetch() -> dict:
            nonlocal last
            last = self._get(sid, entry)
            return last

        try:
            return nifi.poll(fetch, lambda e: e["component"].get("state") == state, step="services",
                             component=_svc(entry), what=f"reaching {state}",
                             fix="fix the properties/parameters NiFi reports and rerun")
        except HarnessError:
            errs = validation_errors(last, desc, entry) if last else []
            if errs:
                raise HarnessError("services", _svc(entry), f"stuck in {last['component'].get('state')}: "
                                   + "; ".join(errs), "fix the reported properties (or the parameters they "
                                   "reference) and rerun", redact=self.run.redact) from None
            raise

    def _stop_group(self) -> None:
        """Disabling a service that a running processor references, or one still finishing a task, is refused
        by NiFi (409; BEHAVIOUR 6): stop the group once and wait for its threads; the start step restarts it."""
        if self.stopped_group:
            return
        schedule.group(self.run, self.run.pg_id, "STOPPED", step="services", name=self.run.art.flow_name)
        self.stopped_group = True

    def _unusable(self, entry: dict, live: dict | None) -> str | None:
        """Why this service cannot be reconciled here, if it cannot: NiFi lacks its NAR, or it references a
        service that is unusable (services come in dependency order, so those are known)."""
        comp = (live or {}).get("component") or {}
        if comp.get("extensionMissing"):
            b = comp.get("bundle") or {}
            return f"NiFi cannot load {comp.get('type')} ({b.get('artifact')} {b.get('version')} is not installed)"
        for value in (entry.get("properties") or {}).values():
            if value in self.unusable:
                return f"it uses controller service '{self.by_versioned_id[value].get('name')}', which NiFi cannot run"
        return None

    def reconcile(self, entry: dict) -> None:
        run, nifi, comp = self.run, self.run.nifi, _svc(entry)
        live = _find_live(run, entry)
        why = self._unusable(entry, live)
        if why:
            self.unusable[entry.get("identifier")] = why
            run.say("services", f"{comp} left as it is: {why}")
            return
        bundle = resolve_bundle(run, entry)
        desc = fetch_descriptors(run, entry, bundle)
        desired = self._instance_ids(normalise(entry, desc))
        want_state = "ENABLED" if entry.get("autoEnable", True) else "DISABLED"
        if live is None:
            body = {"revision": {"version": 0, "clientId": CLIENT_ID},
                    "component": {"name": entry["name"], "type": entry["type"], "bundle": bundle,
                                  "properties": desired}}
            live = nifi.request("POST", f"/process-groups/{run.pg_id}/controller-services", step="services",
                                component=comp, json=body)
            run.change("services", f"recreated missing {comp}")
        sid = live["id"]
        live = self._wait_stable(sid, entry) if live["component"].get("state") in TRANSIENT else live
        have = live["component"].get("properties") or {}
        changes = {k: v for k, v in desired.items() if differs(have.get(k), v, desc.sensitive(k, entry))}
        if not desc.dynamic:  # clear keys NiFi no longer knows (renamed in 2.x) so they stop failing validation
            changes.update({k: None for k, v in have.items() if k not in desc.by_name and v is not None})
        if changes:
            if live["component"].get("state") != "DISABLED":
                self._stop_group()
                live = self._set_state(sid, entry, "DISABLED", desc)
            live = nifi.update_with_revision(
                f"/controller-services/{sid}", "PUT", f"/controller-services/{sid}",
                lambda e: {"revision": revision(e), "component": {"id": sid, "properties": changes}},
                step="services", component=comp)
            run.change("services", f"{comp}: updated {', '.join(sorted(changes))}")
        if live["component"].get("state") == want_state:
            if not changes:
                run.say("services", f"{comp} is current ({want_state})")
            return
        if want_state == "ENABLED":
            errs = validation_errors(live, desc, entry) if live["component"].get("validationStatus") == "INVALID" else []
            if errs:
                raise HarnessError("services", comp, "NiFi reports it invalid: " + "; ".join(errs),
                                   "fix the reported properties (or the parameters they reference) and rerun",
                                   redact=run.redact)
        else:
            self._stop_group()
        self._set_state(sid, entry, want_state, desc)
        run.change("services", f"{comp}: {want_state}")


def dependency_order(entries: list[dict]) -> list[dict]:
    """Services that others reference come first: NiFi enables a service only once those it uses are enabled."""
    by_id = {e.get("identifier"): e for e in entries}
    ordered: list[dict] = []

    def visit(entry: dict, path: tuple[str, ...]) -> None:
        if entry in ordered or entry.get("identifier") in path:  # done, or a cycle (NiFi would refuse it anyway)
            return
        for value in (entry.get("properties") or {}).values():
            if value in by_id:
                visit(by_id[value], (*path, entry.get("identifier")))
        ordered.append(entry)

    for entry in entries:
        visit(entry, ())
    return ordered


def run_services(run: Run) -> None:
    manifest = run.art.manifest.get("controllerServices") or []
    rec = ServiceReconciler(run, manifest)
    for entry in dependency_order(manifest):
        rec.reconcile(entry)
