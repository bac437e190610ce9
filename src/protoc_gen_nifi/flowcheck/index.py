"""The flow as a graph: every connectable component of every group by its versioned id, and every connection
between them, each with the location a finding reports (the JSONPath-like paths of shape.py).

A connection names its ends by id, not by node: a node lists its connections, so references both ways would
make every graph a reference cycle, which (with the whole flow it holds) only the cycle collector frees."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import nifi_catalog as nc
from .common import dicts, label

# The lists of a process group that hold connectable components, and their connectable type.
CONNECTABLE_LISTS = (("processors", "PROCESSOR"), ("inputPorts", "INPUT_PORT"), ("outputPorts", "OUTPUT_PORT"),
                     ("funnels", "FUNNEL"))


@dataclass(slots=True)
class Node:
    id: str
    kind: str  # PROCESSOR, INPUT_PORT, OUTPUT_PORT or FUNNEL
    component: dict
    where: tuple[str, str, int]  # (path of its group, list key, index): its path, built only for a finding
    group: dict
    top_level: bool  # in the flow's own root group (a deployed flow's root is a child of NiFi's canvas)
    type: str = ""
    config: nc.Config | None = None  # a processor's configuration (None for ports and funnels)
    incoming: list[Edge] = field(default_factory=list)
    outgoing: list[Edge] = field(default_factory=list)

    @property
    def path(self) -> str:
        group_path, key, index = self.where
        return f"{group_path}.{key}{label(index, self.component)}"

    @property
    def short_type(self) -> str:
        return self.type.rsplit(".", 1)[-1]


def config_of(component: dict) -> nc.Config:
    """A processor's or service's configuration as the catalog's behaviour functions read it."""
    properties = component.get("properties")
    if not isinstance(properties, dict):
        properties = {}
    descriptors = component.get("propertyDescriptors")
    if not isinstance(descriptors, dict):
        return nc.Config(properties, ())
    # A loop, not a comprehension (a function of its own in Python 3.11): the plugin reads every processor.
    dynamic = []
    for name, d in descriptors.items():
        if isinstance(d, dict) and d.get("dynamic"):
            dynamic.append(name)
    if not dynamic:
        return nc.Config(properties, ())
    dynamic.sort()
    return nc.Config(properties, tuple(dynamic))


@dataclass(slots=True)
class Edge:
    connection: dict
    where: tuple[str, int]  # (path of its group, index)
    source: str  # id of the source node (Graph.nodes)
    destination: str  # id of the destination node
    relationships: tuple[str, ...]

    @property
    def path(self) -> str:
        group_path, index = self.where
        return f"{group_path}.connections{label(index, self.connection)}"


@dataclass
class Graph:
    nodes: dict[str, Node]
    edges: list[Edge]
    services: list[tuple[dict, str]]  # every controller service with its path
    # Analyses of this graph that more than one reader asks for (dataflow.set_attributes): computed once.
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, flow_contents: Any) -> Graph:
        # Loops written out (no helper generators): the plugin builds the graph of every flow it generates.
        nodes: dict[str, Node] = {}
        connection_lists: list[tuple[list, str]] = []  # (a group's connections, the group's path)
        services: list[tuple[dict, str]] = []

        # Groups in depth-first pre-order, children in their order: a stack, not a recursive closure (a closure
        # that calls itself is a reference cycle, which would keep the whole graph for the cycle collector).
        pending: list[tuple[dict, str, bool]] = [(flow_contents, "$.flowContents", True)] \
            if isinstance(flow_contents, dict) else []
        while pending:
            group, path, top = pending.pop()
            for key, kind in CONNECTABLE_LISTS:
                components = group.get(key)
                if not isinstance(components, list):
                    continue
                processors = kind == "PROCESSOR"
                for i, component in enumerate(components):
                    if not isinstance(component, dict):
                        continue
                    ident = component.get("identifier")
                    if isinstance(ident, str) and ident not in nodes:
                        type_ = component.get("type")
                        nodes[ident] = Node(ident, kind, component, (path, key, i), group, top,
                                            type_ if isinstance(type_, str) else "",
                                            config_of(component) if processors else None, [], [])
            for i, service in dicts(group.get("controllerServices")):
                services.append((service, f"{path}.controllerServices{label(i, service)}"))
            members = group.get("connections")
            if isinstance(members, list):
                connection_lists.append((members, path))
            children = group.get("processGroups")
            if isinstance(children, list):
                for i in range(len(children) - 1, -1, -1):
                    child = children[i]
                    if isinstance(child, dict):
                        pending.append((child, f"{path}.processGroups{label(i, child)}", False))

        edges = []
        for members, path in connection_lists:
            for i, connection in enumerate(members):
                if not isinstance(connection, dict):
                    continue
                end = connection.get("source")
                source = nodes.get(end.get("id")) if isinstance(end, dict) else None
                end = connection.get("destination")
                destination = nodes.get(end.get("id")) if isinstance(end, dict) else None
                if source is None or destination is None:
                    continue  # a dangling end: shape.py reports it
                selected = connection.get("selectedRelationships")
                relationships = tuple(selected) if isinstance(selected, list) else ()
                for relationship in relationships:  # a loop, not a comprehension: nearly always all names
                    if not isinstance(relationship, str):
                        relationships = tuple([r for r in relationships if isinstance(r, str)])
                        break
                edge = Edge(connection, (path, i), source.id, destination.id, relationships)
                edges.append(edge)
                source.outgoing.append(edge)
                destination.incoming.append(edge)
        return cls(nodes, edges, services)

    def processors(self) -> list[Node]:
        return [node for node in self.nodes.values() if node.kind == "PROCESSOR"]
