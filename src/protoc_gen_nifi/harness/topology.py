"""Where a golden case enters the generated flow and where it is observed, read offline from the snapshot.

The generator's contract (docs/artifacts.md): `ingress <port>` groups hold the transport processor that
receives data; `egress <port>` groups start at input port `in` and end in the transport processor that sends
it; every group's `failure` output port collects what failed. Components are named by versioned
`identifier`s here; the driver maps them to live instance ids.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """Where an injected FlowFile goes: the component the port's transport normally feeds."""

    group: str  # versioned id of the `ingress <port>` / `egress <port>` group
    group_name: str
    target: str  # versioned id of the component to connect to
    target_type: str  # PROCESSOR | OUTPUT_PORT | INPUT_PORT | FUNNEL
    target_name: str


@dataclass(frozen=True)
class Observed:
    """A processor whose provenance events a case expects."""

    processor: str  # versioned id
    name: str
    group_name: str


def _children(snapshot: dict) -> list[dict]:
    return snapshot["flowContents"].get("processGroups") or []


def _names(group: dict) -> dict[str, str]:
    """versioned id -> name of every component in the group (connections' ends)."""
    out = {}
    for kind in ("processors", "inputPorts", "outputPorts", "funnels"):
        for c in group.get(kind) or []:
            out[c["identifier"]] = c.get("name") or kind[:-1]
    return out


def port_slugs(snapshot: dict, direction: str) -> list[str]:
    prefix = "ingress " if direction == "IN" else "egress "
    return sorted(g["name"][len(prefix):] for g in _children(snapshot) if g.get("name", "").startswith(prefix))


def _group(snapshot: dict, name: str) -> dict | None:
    return next((g for g in _children(snapshot) if g.get("name") == name), None)


def _failure_ports(group: dict) -> set[str]:
    return {p["identifier"] for p in group.get("outputPorts") or [] if p.get("name") == "failure"}


INGRESS_CONTEXT = "trace context"


def entry(snapshot: dict, slug: str) -> Entry:
    """IN port: the ingress group's `trace context` step, where the transport hands its data over (older
    flows: where the group's only source processor's `success` goes). OUT port: where input port `in` leads (the mapping is bypassed).
    Raises ValueError with the reason when the flow does not have that shape."""
    ingress, egress = _group(snapshot, f"ingress {slug}"), _group(snapshot, f"egress {slug}")
    group = ingress or egress
    if group is None:
        raise ValueError(f"no port {slug!r} in this integration")
    conns = group.get("connections") or []
    names = _names(group)
    context = [p for p in (ingress or {}).get("processors") or [] if p.get("name") == INGRESS_CONTEXT]
    if len(context) == 1:
        # Every transport's ingress ends in `trace context`, whatever precedes it (a listing and a fetch,
        # a request and its reply): the injected content is what that step receives.
        return Entry(group["identifier"], group["name"], context[0]["identifier"], "PROCESSOR", INGRESS_CONTEXT)
    if ingress is not None:
        fed = {c["destination"]["id"] for c in conns}
        sources = [p for p in group.get("processors") or [] if p["identifier"] not in fed]
        if len(sources) != 1:
            raise ValueError(f"group {group['name']!r} has {len(sources)} source processors, expected one")
        outs = [c for c in conns if c["source"]["id"] == sources[0]["identifier"]
                and "success" in (c.get("selectedRelationships") or [])]
    else:
        ins = {p["identifier"] for p in group.get("inputPorts") or [] if p.get("name") == "in"}
        outs = [c for c in conns if c["source"]["id"] in ins]
    if len(outs) != 1:
        raise ValueError(f"group {group['name']!r}: cannot tell where its input goes ({len(outs)} connections)")
    dst = outs[0]["destination"]
    return Entry(group["identifier"], group["name"], dst["id"], dst["type"], names.get(dst["id"], dst["id"]))


def transport(snapshot: dict, slug: str) -> Observed:
    """The processor that sends for OUT port `slug`: the one whose outputs lead only to `failure` ports."""
    group = _group(snapshot, f"egress {slug}")
    if group is None:
        raise ValueError(f"no OUT port {slug!r} in this integration")
    failure = _failure_ports(group)
    leads = {}
    for c in group.get("connections") or []:
        leads.setdefault(c["source"]["id"], set()).add(c["destination"]["id"])
    last = [p for p in group.get("processors") or [] if leads.get(p["identifier"], set()) <= failure]
    if len(last) != 1:
        raise ValueError(f"group {group['name']!r} has {len(last)} candidate transport processors, expected one")
    return Observed(last[0]["identifier"], last[0]["name"], group["name"])


def processor(snapshot: dict, path: str) -> Observed:
    """`<group name>/<processor name>`, e.g. `mapping/map erp_http_out`."""
    group_name, _, name = path.partition("/")
    group = _group(snapshot, group_name)
    found = [p for p in (group or {}).get("processors") or [] if p.get("name") == name]
    if len(found) != 1:
        raise ValueError(f"{len(found)} processors named {path!r}")
    return Observed(found[0]["identifier"], name, group_name)


def processor_paths(snapshot: dict) -> list[str]:
    return sorted(f"{g['name']}/{p['name']}" for g in _children(snapshot) for p in g.get("processors") or [])


def failure_connections(snapshot: dict) -> dict[str, str]:
    """versioned id -> label of every connection into or out of a `failure` output port, in any group: a failed
    FlowFile waits in one of them, in front of whatever holds failures (a port or funnel nothing takes from,
    or a stopped port; BEHAVIOUR 13), e.g. "'egress erp_http_out/failure' -> 'order_to_erp/funnel'"."""
    out = {}
    stack = [snapshot["flowContents"]]
    while stack:
        g = stack.pop()
        children = g.get("processGroups") or []
        stack.extend(children)
        where = {cid: f"{g.get('name')}/{name}" for cid, name in _names(g).items()}
        failure = _failure_ports(g)
        for child in children:
            where.update({cid: f"{child.get('name')}/{name}" for cid, name in _names(child).items()})
            failure |= _failure_ports(child)
        for c in g.get("connections") or []:
            src, dst = c["source"]["id"], c["destination"]["id"]
            if src in failure or dst in failure:
                out[c["identifier"]] = f"'{where.get(src, src)}' -> '{where.get(dst, dst)}'"
    return out
