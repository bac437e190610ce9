"""The flow as a graph: every connectable component of every group by its versioned id, and every connection
between them, each with the location a finding reports (the JSONPath-like paths of shape.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .common import as_list, dicts, label

# The lists of a process group that hold connectable components, and their connectable type.
CONNECTABLE_LISTS = (("processors", "PROCESSOR"), ("inputPorts", "INPUT_PORT"), ("outputPorts", "OUTPUT_PORT"),
                     ("funnels", "FUNNEL"))


@dataclass
class Node:
    id: str
    kind: str  # PROCESSOR, INPUT_PORT, OUTPUT_PORT or FUNNEL
    component: dict
    path: str
    group: dict
    group_path: str
    top_level: bool  # in the flow's own root group (a deployed flow's root is a child of NiFi's canvas)
    incoming: list[Edge] = field(default_factory=list)
    outgoing: list[Edge] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.component.get("type") if isinstance(self.component.get("type"), str) else ""

    @property
    def short_type(self) -> str:
        return self.type.rsplit(".", 1)[-1]


@dataclass
class Edge:
    connection: dict
    path: str
    source: Node
    destination: Node
    relationships: tuple[str, ...]


@dataclass
class Graph:
    nodes: dict[str, Node]
    edges: list[Edge]
    services: list[tuple[dict, str]]  # every controller service with its path

    @classmethod
    def of(cls, flow_contents: Any) -> Graph:
        nodes: dict[str, Node] = {}
        connections: list[tuple[dict, str]] = []
        services: list[tuple[dict, str]] = []

        def walk(group: dict, path: str, top: bool) -> None:
            for key, kind in CONNECTABLE_LISTS:
                for i, component in dicts(group.get(key)):
                    ident = component.get("identifier")
                    if isinstance(ident, str) and ident not in nodes:
                        nodes[ident] = Node(ident, kind, component, f"{path}.{key}{label(i, component)}", group,
                                            path, top)
            for i, service in dicts(group.get("controllerServices")):
                services.append((service, f"{path}.controllerServices{label(i, service)}"))
            for i, connection in dicts(group.get("connections")):
                connections.append((connection, f"{path}.connections{label(i, connection)}"))
            for i, child in dicts(group.get("processGroups")):
                walk(child, f"{path}.processGroups{label(i, child)}", False)

        if isinstance(flow_contents, dict):
            walk(flow_contents, "$.flowContents", True)
        edges = []
        for connection, path in connections:
            ends = [connection.get(end) if isinstance(connection.get(end), dict) else {}
                    for end in ("source", "destination")]
            source, destination = (nodes.get(end.get("id")) for end in ends)
            if source is None or destination is None:
                continue  # a dangling end: shape.py reports it
            relationships = tuple(r for r in as_list(connection.get("selectedRelationships")) if isinstance(r, str))
            edge = Edge(connection, path, source, destination, relationships)
            edges.append(edge)
            source.outgoing.append(edge)
            destination.incoming.append(edge)
        return cls(nodes, edges, services)

    def processors(self) -> list[Node]:
        return [node for node in self.nodes.values() if node.kind == "PROCESSOR"]
