"""Graph: connections, ports and relationships as a running NiFi judges them.

A processor is valid only when every relationship its configuration has is connected or auto-terminated
(StandardProcessorNode.computeValidationErrors); a local port needs an incoming and an outgoing connection
(LocalPort.getValidationErrors, BEHAVIOUR 13): an invalid component is never started and counts as invalid.
"""
from __future__ import annotations

import re

from .common import Problem, as_list
from .index import Graph, Node

#: Relationships of the processors protoc-gen-nifi emits (FORMAT.md section 9). Processors not listed here
#: are not relationship-checked (their relationships are not in the JSON). Names are case-sensitive, as in NiFi.
RELATIONSHIPS: dict[str, tuple[str, ...]] = {
    "org.apache.nifi.kafka.processors.ConsumeKafka": ("success", "parse failure"),
    "org.apache.nifi.kafka.processors.PublishKafka": ("success", "failure"),
    "org.apache.nifi.processors.standard.InvokeHTTP": ("Original", "Response", "Retry", "No Retry", "Failure"),
    "org.apache.nifi.processors.attributes.UpdateAttribute": ("success",),
    "org.apache.nifi.processors.script.ExecuteScript": ("success", "failure"),
}

_FAILUREISH = re.compile(r"failure|retry", re.IGNORECASE)  # covers "no retry" too


def check(graph: Graph) -> list[Problem]:
    problems: list[Problem] = []
    for node in graph.processors():
        problems += _relationships(node)
    return problems


def _relationships(node: Node) -> list[Problem]:
    rels = RELATIONSHIPS.get(node.type)
    if rels is None:
        return []
    problems = []
    p = node.path
    connected = {r for edge in node.outgoing for r in edge.relationships if r}
    auto = [r for r in as_list(node.component.get("autoTerminatedRelationships")) if isinstance(r, str)]
    for r in sorted(set(auto) | connected):
        if r not in rels:
            problems.append(Problem(p, f"'{r}' is not a relationship of {node.short_type} (names are case-sensitive: "
                                       f"{list(rels)})"))
    for r in rels:
        if r in auto and _FAILUREISH.search(r):
            problems.append(Problem(f"{p}.autoTerminatedRelationships",
                                    f"failure relationship '{r}' is auto-terminated; route it somewhere visible"))
        if r not in auto and r not in connected:
            problems.append(Problem(p, f"relationship '{r}' is neither connected nor auto-terminated (processor is "
                                       "invalid)"))
    return problems
