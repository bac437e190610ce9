"""Graph: connections, ports and relationships as a running NiFi judges them.

A processor is valid only when every relationship its configuration gives it is connected or auto-terminated,
and when it has an upstream connection if it needs one (StandardProcessorNode.computeValidationErrors); a local
port needs an incoming and an outgoing connection (LocalPort.getValidationErrors, BEHAVIOUR 13). NiFi never
starts an invalid component and counts it in the group's invalidCount. What a component's relationships are,
and what input it requires, comes from the catalog (nifi_catalog), read from NiFi's source.
"""
from __future__ import annotations

import re

from .. import nifi_catalog as nc
from .common import Problem, as_list
from .index import Graph, Node

_FAILUREISH = re.compile(r"failure|retry", re.IGNORECASE)  # covers "no retry" too


def check(graph: Graph) -> list[Problem]:
    problems: list[Problem] = []
    for node in graph.nodes.values():
        if node.kind == "PROCESSOR":
            component = nc.BY_TYPE.get(node.type)
            if component is not None:  # a processor the catalog does not know: its relationships are not in the flow JSON
                problems.extend(_relationships(node, component))
                problems.extend(_input(node, component))
            if node.component.get("executionNode") == "PRIMARY":
                problems.extend(_load_balanced(node))
        elif node.kind in ("INPUT_PORT", "OUTPUT_PORT") and (not node.incoming or not node.outgoing) \
                and node.component.get("allowRemoteAccess") is not True:
            problems.extend(_port(node))
    return problems


def _relationships(node: Node, component: nc.Component) -> list[Problem]:
    rels = component.relationships_for(node.config)
    problems = []
    # Loops, not comprehensions (each a function call of its own in Python 3.11): this runs for every processor
    # of every flow the plugin writes.
    connected = set()
    for edge in node.outgoing:
        connected.update(edge.relationships)
    connected.discard("")
    auto = []
    for r in as_list(node.component.get("autoTerminatedRelationships")):
        if isinstance(r, str):
            auto.append(r)
    for r in sorted(set(auto) | connected):
        if r not in rels:
            problems.append(Problem(node.path, f"'{r}' is not a relationship of {node.short_type} as configured (names are "
                                       f"case-sensitive: {list(rels)})"))
    for r in rels:
        if r in auto and _FAILUREISH.search(r):
            problems.append(Problem(f"{node.path}.autoTerminatedRelationships",
                                    f"failure relationship '{r}' is auto-terminated; route it somewhere visible"))
        # NiFi auto-terminates a relationship built with autoTerminateDefault unless it is connected.
        if r not in auto and r not in connected and r not in component.auto_terminated:
            problems.append(Problem(node.path, f"relationship '{r}' is neither connected nor auto-terminated (processor is "
                                       "invalid)"))
    return problems


def _input(node: Node, component: nc.Component) -> list[Problem]:
    if component.input == "ALLOWED":
        return []
    upstream = [edge for edge in node.incoming if edge.source != node.id]
    if component.input == "REQUIRED" and not upstream:
        return [Problem(node.path, f"{node.short_type} requires an upstream connection but has none (processor is "
                                   "invalid)")]
    if component.input == "FORBIDDEN" and upstream:
        return [Problem(node.path, f"{node.short_type} allows no upstream connection but has {len(upstream)} "
                                   "(processor is invalid)")]
    return []


def _load_balanced(node: Node) -> list[Problem]:
    """On the primary node only, a source lists or fetches for the whole cluster: what follows it should
    spread over every node (BEHAVIOUR 15)."""
    if node.component.get("executionNode") != "PRIMARY":
        return []
    return [Problem(f"{edge.path}.loadBalanceStrategy",
                    f"follows {node.short_type} on the primary node without load balancing, so one node does all the "
                    "work it starts; set loadBalanceStrategy ROUND_ROBIN")
            for edge in node.outgoing if edge.connection.get("loadBalanceStrategy") in (None, "DO_NOT_LOAD_BALANCE")]


def _port(node: Node) -> list[Problem]:
    where = " (a port of the flow's root group: nothing outside the flow connects to it once it is deployed)" \
        if node.top_level else ""
    problems = []
    if not node.incoming:
        problems.append(Problem(node.path, f"port has no incoming connection{where}; NiFi finds it invalid and never "
                                           "starts it"))
    if not node.outgoing:
        problems.append(Problem(node.path, f"port has no outgoing connection{where}; NiFi finds it invalid and never "
                                           "starts it"))
    return problems
