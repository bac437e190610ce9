"""Data flow: what a FlowFile carries when it reaches each processor.

* Attributes (def-use): Expression Language gives an empty string for an attribute nothing set (BEHAVIOUR 17),
  so every attribute a processor reads must be written upstream on every path to it, or be one of NiFi's
  core attributes. A read that says it may be absent (`${a:replaceNull(...)}`, `${a:isEmpty()}` ...) is
  not a requirement. A RouteOnAttribute relationship whose expression is `${a:isEmpty():not()}` (and'ed)
  guarantees `a` on that relationship.
* Content: ExecuteSQL(Record) and FetchDistributedMapCache (without "Put Cache Value In Attribute") replace
  the content with their result (BEHAVIOUR 16): fed a payload, they lose it, unless they sit on a
  ForkEnrichment's `enrichment` branch that a JoinEnrichment joins back.
* SQL: a property holding SQL text or a table or column name must not read attributes; pasting a value into
  SQL is injection (BEHAVIOUR 18): bind it as a `?` parameter.
"""
from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from functools import lru_cache

from .. import nifi_catalog as nc
from .common import Problem, key_path
from .index import Graph, Node, config_of

# Functions that make a read optional: they test for, or replace, a missing value.
_OPTIONAL = ("replaceNull", "replaceEmpty", "isNull", "notNull", "isEmpty", "replaceEmpty")
_FAILUREISH = re.compile(r"failure|retry", re.IGNORECASE)
# What Expression Language reads like attributes although they are the FlowFile's own properties
# (ValueLookup.extractFlowFileProperties).
FLOWFILE_PROPERTIES = ("flowFileId", "fileSize", "entryDate", "lineageStartDate", "lastQueueDate", "queueDateIndex")
_ON_BRANCH = "\x00enrichment branch"  # pseudo-attribute: the FlowFile is on an enrichment branch


@lru_cache(maxsize=4096)  # a run of many integrations repeats the same few expressions
def attribute_reads(value: str) -> tuple[tuple[str, bool], ...]:
    """(attribute, optional) for every attribute an Expression Language value reads. `$${` is a literal
    `${` (an even run of `$` before `{`: BEHAVIOUR 19); a subject followed by `(` is a function, not an
    attribute."""
    reads = []
    for start in _expression_starts(value):
        subject, end = _subject(value, start)
        if subject is None:
            continue
        function = re.match(r":\s*([A-Za-z]+)\s*\(", value[end:])
        reads.append((subject, function is not None and function.group(1) in _OPTIONAL))
    return tuple(reads)


def _expression_starts(value: str) -> Iterator[int]:
    i = value.find("${")
    while i >= 0:
        run = 0
        while i - run >= 0 and value[i - run] == "$":
            run += 1
        if run % 2 == 1:
            yield i + 2
        i = value.find("${", i + 2)


def _subject(value: str, start: int) -> tuple[str | None, int]:
    """The attribute an expression starting at `start` reads (None: a function) and where its subject ends."""
    i = start
    while i < len(value) and value[i].isspace():
        i += 1
    if i < len(value) and value[i] in "'\"":
        quote, j, name = value[i], i + 1, []
        while j < len(value) and value[j] != quote:
            if value[j] == "\\" and j + 1 < len(value):
                j += 1
            name.append(value[j])
            j += 1
        return "".join(name), j + 1
    match = re.match(r"[^:}(\s]+", value[i:])
    if match is None:
        return None, i
    end = i + match.end()
    rest = value[end:].lstrip()
    if rest.startswith("("):
        return None, end
    return match.group(0), end


_PRESENT = r"\$\{\s*(?:'([^']*)'|\"([^\"]*)\"|([^:}'\"(\s]+))\s*:\s*(?:isEmpty\(\):not\(\)|notNull\(\))"


def guaranteed(expression: str) -> frozenset[str]:
    """The attributes a RouteOnAttribute expression proves set when it holds: `${a:isEmpty():not()}` or
    `${a:notNull()}`, optionally and'ed with more of the same; anything else proves nothing."""
    single = _PRESENT + r"\s*"
    whole = rf"{single}(?::and\({single}\}}\))*\}}"
    if re.fullmatch(whole, expression.strip()) is None:
        return frozenset()
    return frozenset(next(g for g in m.groups() if g is not None) for m in re.finditer(_PRESENT, expression))


# ---- must-be-set analysis ------------------------------------------------------------------------

_TOP = None  # not reached yet: the neutral element of the intersection


_NOTHING: frozenset[str] = frozenset()
_BRANCH_ONLY = frozenset({_ON_BRANCH})


@lru_cache(maxsize=1024)  # a flow has a few relationship names, on many connections
def _failureish(relationship: str) -> bool:
    return _FAILUREISH.search(relationship) is not None


def _writes(node: Node, relationships: tuple[str, ...]) -> frozenset[str]:
    """What a FlowFile that leaves `node` on any of `relationships` carries that it did not before."""
    if node.kind != "PROCESSOR":
        return _NOTHING
    component = nc.BY_TYPE.get(node.type)
    if component is None:
        return _NOTHING
    cfg = node.config
    writes = None  # what the component writes on every relationship that is not a failure: asked once
    common: set[str] | None = None  # written on every relationship so far
    for relationship in relationships or ("",):
        if _failureish(relationship):
            written = set()
        else:
            if writes is None:
                writes = component.writes_for(cfg)
            written = set(writes)
        if component.guards:
            expression = cfg.properties.get(relationship)
            if relationship in cfg.dynamic and isinstance(expression, str):
                written |= guaranteed(expression)
        if component is nc.FORK_ENRICHMENT and relationship == "enrichment":
            written.add(_ON_BRANCH)
        common = written if common is None else common & written
    return frozenset(common) if common else _NOTHING


def set_attributes(graph: Graph) -> dict[str, frozenset[str] | None]:
    """For each component, the attributes set on every path that reaches it (None: no path reaches it).

    A forward must-analysis: what reaches a component is the intersection, over its incoming connections, of
    what their source had plus what it writes on the connection's relationships. Components are visited in
    data order (sources first), so each settles after one visit unless a loop sends something back."""
    if "set_attributes" not in graph.memo:
        graph.memo["set_attributes"] = _set_attributes(graph)
    return graph.memo["set_attributes"]


def _set_attributes(graph: Graph) -> dict[str, frozenset[str] | None]:
    into: dict[str, frozenset[str] | None] = {
        node.id: (_NOTHING if not node.incoming else _TOP) for node in graph.nodes.values()
    }
    nodes = graph.nodes
    written = {id(edge): _writes(nodes[edge.source], edge.relationships) for edge in graph.edges}
    order = _acyclic_order(graph)
    if len(order) == len(graph.nodes):
        # No loop: whatever feeds a component is settled before it is visited, so one visit each is the
        # fixed point the worklist below would reach (a generated flow has no loop).
        for node in order:
            if node.incoming:
                into[node.id] = _reaching(node, nodes, into, written)
        return into

    placed = {node.id for node in order}
    pending = deque(order + [node for node in graph.nodes.values() if node.id not in placed])
    queued = {node.id for node in pending}
    while pending:
        node = pending.popleft()
        queued.discard(node.id)
        if not node.incoming:
            continue
        value = _reaching(node, nodes, into, written)
        if value != into[node.id]:
            into[node.id] = value
            for edge in node.outgoing:
                if edge.destination not in queued:
                    queued.add(edge.destination)
                    pending.append(nodes[edge.destination])
    return into


def _reaching(node: Node, nodes: dict[str, Node], into: dict[str, frozenset[str] | None],
              written: dict[int, frozenset[str]]) -> frozenset[str] | None:
    """The intersection, over the incoming connections that something reaches (_TOP: none does), of what their
    source had plus what it writes on the connection's relationships; a JoinEnrichment ends the branch."""
    value: frozenset[str] | None = _TOP
    for edge in node.incoming:
        before = into[edge.source]
        if before is _TOP:
            continue
        if nodes[edge.source].type == nc.JOIN_ENRICHMENT.type:
            before = before - _BRANCH_ONLY
        added = written[id(edge)]
        leaving = before | added if added else before
        value = leaving if value is _TOP else value & leaving
    return value


def _acyclic_order(graph: Graph) -> list[Node]:
    """The components outside any loop, each after all that feed it (Kahn's algorithm); the components of a
    loop, and those downstream of one, are left out."""
    waiting = {node.id: len(node.incoming) for node in graph.nodes.values()}
    ready = deque([node for node in graph.nodes.values() if not node.incoming])
    order: list[Node] = []
    nodes = graph.nodes
    while ready:
        node = ready.popleft()
        order.append(node)
        for edge in node.outgoing:
            destination = edge.destination
            left = waiting[destination] - 1
            waiting[destination] = left
            if left == 0:
                ready.append(nodes[destination])
    return order


def check(graph: Graph) -> list[Problem]:
    into = set_attributes(graph)
    problems: list[Problem] = []
    for node in graph.processors():
        component = nc.BY_TYPE.get(node.type)
        available = into[node.id]
        if available is not _TOP:
            properties = node.config.properties if node.config is not None else {}
            # The values that read attributes (Expression Language), in key order.
            reading = []
            for key, value in properties.items():  # a loop, not a comprehension: this runs for every processor
                if isinstance(value, str) and "${" in value:
                    reading.append((key, value))
            reading.sort()
            for key, value in reading:
                for attribute, optional in attribute_reads(value):
                    if not optional and attribute not in available and attribute not in nc.CORE_ATTRIBUTES \
                            and attribute not in FLOWFILE_PROPERTIES:
                        problems.append(Problem(
                            f"{node.path}.properties{key_path(key)}",
                            f"reads attribute '{attribute}', which nothing upstream sets on every path (Expression "
                            "Language gives '' for it); set it upstream, or say the read is optional (e.g. "
                            ":replaceNull('')) if it may be absent"))
            for attribute in component.reads if component is not None else ():
                if attribute not in available:
                    problems.append(Problem(node.path, f"{node.short_type} needs attribute '{attribute}', which "
                                                       "nothing upstream sets on every path"))
        if component is not None and component.replaces_content is not None and component.replaces_content(
                node.config) and node.incoming and (available is _TOP or _ON_BRANCH not in available):
            problems.append(Problem(node.path, f"{node.short_type} replaces the FlowFile content with its result, so "
                                               "the payload it is given is lost; enrich with LookupRecord and a lookup "
                                               "service, or fork with ForkEnrichment and join with JoinEnrichment"))
    problems += _sql(graph)
    return problems


def _sql(graph: Graph) -> list[Problem]:
    found = [(node.path, key, attributes) for node in graph.processors() if node.type in _SQL_TYPES
             for key, attributes in _sql_reads(node.component)]
    found += [(path, key, attributes) for service, path in graph.services for key, attributes in _sql_reads(service)]
    return [Problem(f"{path}.properties{key_path(key)}",
                    f"builds SQL from the FlowFile attribute(s) {', '.join(attributes)}: a value pasted into SQL is "
                    "injection; bind it as a ? parameter (sql.args.N.type and sql.args.N.value) or look it up "
                    "through a lookup service")
            for path, key, attributes in found]


_SQL_TYPES = frozenset(type_ for type_, known in nc.BY_TYPE.items() if known.sql)  # what _sql_reads reads


def _sql_reads(component: dict) -> Iterator[tuple[str, list[str]]]:
    """(property, attributes) for every property of `component` that holds SQL text or a table or column name
    and reads attributes."""
    known = nc.BY_TYPE.get(component.get("type"))
    if known is None or not known.sql:
        return
    properties = config_of(component).properties
    for key in known.sql:
        value = properties.get(key)
        attributes = sorted({attribute for attribute, _ in attribute_reads(value)}) if isinstance(value, str) else []
        if attributes:
            yield key, attributes
