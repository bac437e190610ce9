"""The transform table: per declarative mapping step kind, its check against the schema and the standard NiFi
record processors it compiles to.

Each entry names the `MappingStep` oneof member it reads, the check (checks.py: field paths and types against
the record's shape, which it updates for the next step) and the processors it becomes (build below). Adding a
step kind is one option message, one check and one entry here; reader.py and flow.py stay untouched.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import nifi_catalog as nc
from ..model import Port, Transform
from ..transports.base import ServiceUse, Step
from ..transports.data import JSON_READER
from ..transports.lookup import ENRICHED_WRITER
from . import checks
from .checks import Problem, State
from .shape import Field, Schema

__all__ = ["SERVICES", "TRANSFORMS", "Problem", "Schema", "State", "check_mapping", "steps"]

# Every record processor reads the mapping's JSON (schema inferred) and writes one JSON object per line, so a
# single message stays one object: the services the lookup enrichment already uses.
SERVICES: tuple[ServiceUse, ...] = (JSON_READER, ENRICHED_WRITER)
_IO = {"Record Reader": JSON_READER.key, "Record Writer": ENRICHED_WRITER.key}


# eq=False: an entry of a table is equal only to itself. Its generated __eq__ and __hash__ (fields that hold
# callables and dicts) were never called, yet compiling them cost every plugin process about 0.3 ms.
@dataclass(frozen=True, eq=False)
class TransformKind:
    """One kind of mapping step: how it is checked and which processors it becomes."""

    summary: str
    check: Callable[[State, object, str], Transform]  # (state, option message, attribute) -> transform
    build: Callable[[Port, Transform, str], tuple[Step, ...]]  # (port, transform, attribute) -> processors


def _comment(port: Port, t: Transform) -> str:
    return f"protoc-gen-nifi: mapping step {t.number} of port {port.name} ({port.origin}): {t.summary}."


def _record_step(port: Port, t: Transform, i: int, component: nc.Component, dynamic: tuple[tuple[str, str], ...],
                 properties: dict[str, str] | None = None, forward: tuple[str, ...] = ("success",),
                 done: tuple[str, ...] = (), what: str = "") -> Step:
    return Step(
        key=f"{port.slug}/{t.number}-{t.kind}-{i}",
        name=f"{port.slug} {t.number} {what or t.kind}"[:80],
        component=component,
        comments=_comment(port, t),
        properties=properties or {},
        services=_IO,
        dynamic={name: (value, False) for name, value in dynamic},
        forward=forward,
        done=done,
        failures=("failure",),
    )


def _what(t: Transform, i: int) -> str:
    """Processor names stay distinct when a step needs several (field_case: one per depth, deepest first)."""
    return f"{t.kind} {i + 1}" if len(t.stages) > 1 else t.kind


def _removes(port: Port, t: Transform, attribute: str) -> tuple[Step, ...]:
    return tuple(_record_step(port, t, i, nc.REMOVE_RECORD_FIELD, stage, what=_what(t, i))
                 for i, stage in enumerate(t.stages))


def _one_record_each(port: Port, t: Transform) -> Step:
    """RenameRecordField renames the field in the schema that every record of the FlowFile shares
    (MapRecord.rename -> RecordSchema.renameField), so from the second record on the values are lost (seen on
    NiFi 2.3.0): rename one record per FlowFile. An OUT port sends one message per FlowFile anyway."""
    return _record_step(port, t, 9, nc.SPLIT_RECORD, (), {"Records Per Split": "1"}, forward=("splits",),
                        done=("original",), what="records")


def _renames(port: Port, t: Transform, attribute: str) -> tuple[Step, ...]:
    if not t.stages:
        return ()
    return (_one_record_each(port, t), *(_record_step(port, t, i, nc.RENAME_RECORD_FIELD, stage, what=_what(t, i))
                                         for i, stage in enumerate(t.stages)))


def _update(strategy: str) -> Callable[[Port, Transform, str], tuple[Step, ...]]:
    def build(port: Port, t: Transform, attribute: str) -> tuple[Step, ...]:
        return tuple(_record_step(port, t, i, nc.UPDATE_RECORD, stage, {"Replacement Value Strategy": strategy},
                                  what=_what(t, i)) for i, stage in enumerate(t.stages))
    return build


def _test(port: Port, t: Transform, keep: str, other: str, done: tuple[str, ...]) -> tuple[Step, ...]:
    """PartitionRecord puts the compared value in an attribute (records with different values part ways), then
    RouteOnAttribute's property `keep` tests it (Expression Language; "Route to Property name")."""
    partition = _record_step(port, t, 0, nc.PARTITION_RECORD, t.stages[0], done=("original",), what="value")
    test = Step(
        key=f"{port.slug}/{t.number}-{t.kind}-1",
        name=f"{port.slug} {t.number} {t.kind}",
        component=nc.ROUTE_ON_ATTRIBUTE,
        comments=_comment(port, t),
        properties={"Routing Strategy": "Route to Property name"},
        dynamic={keep: (t.condition, False)},
        forward=(other,) if t.kind == "route" else (keep,),
        done=done,
        exits=(keep,) if t.kind == "route" else (),
    )
    return partition, test


def _filter(port: Port, t: Transform, attribute: str) -> tuple[Step, ...]:
    # Records that do not match are dropped on purpose: `unmatched` is not a failure.
    return _test(port, t, "kept", "unmatched", ("unmatched",))


def _route(port: Port, t: Transform, attribute: str) -> tuple[Step, ...]:
    return _test(port, t, "routed", "unmatched", ())


def _flatten(port: Port, t: Transform, attribute: str) -> tuple[Step, ...]:
    split, hoist, removed = t.stages
    # One record per FlowFile from here on, as an OUT port sends one message per FlowFile.
    steps = [_record_step(port, t, 0, nc.FORK_RECORD, split, {"Mode": "split", "Include Parent Fields": "false"},
                          forward=("fork",), done=("original",), what="fork"),
             _record_step(port, t, 3, nc.SPLIT_RECORD, (), {"Records Per Split": "1"}, forward=("splits",),
                          done=("original",), what="split")]
    if hoist:
        steps.append(_record_step(port, t, 1, nc.UPDATE_RECORD, hoist,
                                  {"Replacement Value Strategy": "record-path-value"}, what="lift"))
    if removed:
        steps.append(_record_step(port, t, 2, nc.REMOVE_RECORD_FIELD, removed, what="drop"))
    return tuple(steps)


TRANSFORMS: dict[str, TransformKind] = {
    "select": TransformKind("keep only the listed fields (RemoveRecordField of every other field, from the schema)",
                            lambda s, o, a: checks.select(s, o), _removes),
    "remove": TransformKind("drop fields (RemoveRecordField)", lambda s, o, a: checks.remove(s, o), _removes),
    "rename": TransformKind("rename a field (RenameRecordField)", lambda s, o, a: checks.rename(s, o), _renames),
    "field_case": TransformKind("snake_case or camelCase every field name (RenameRecordField per depth, from the "
                                "schema)", lambda s, o, a: checks.field_case(s, o), _renames),
    "mask": TransformKind("hide a string value (UpdateRecord, RecordPath replaceRegex)",
                          lambda s, o, a: checks.mask(s, o), _update("record-path-value")),
    "filter": TransformKind("keep the records that match (PartitionRecord + RouteOnAttribute)",
                            checks.filter_, _filter),
    "route": TransformKind("send matching records to another OUT port (PartitionRecord + RouteOnAttribute)",
                           checks.route, _route),
    "timestamp": TransformKind("add the time as a field (UpdateRecord, Expression Language now())",
                               lambda s, o, a: checks.timestamp(s, o), _update("literal-value")),
    "flatten": TransformKind("one record per element of a repeated message, one per FlowFile (ForkRecord split, "
                             "SplitRecord, UpdateRecord, RemoveRecordField)", lambda s, o, a: checks.flatten(s, o), _flatten),
}


def attribute(port: Port, number: int) -> str:
    """The attribute a filter or route step partitions on."""
    return f"mapping.{port.slug}.{number}"


def check_mapping(state: State, port: Port, options, final: str | None) -> tuple[tuple[Transform, ...], list[str]]:
    """The port's steps checked in order against the shape each leaves; `final`: the OUT message the result
    must fit (None when a script runs after the steps: what it makes is not decidable)."""
    transforms: list[Transform] = []
    problems: list[str] = []
    for number, option in enumerate(options, start=1):
        kind = option.WhichOneof("kind")
        state.number = number
        if kind is None:
            problems.append(f"mapping step {number} sets no step; set one of {', '.join(TRANSFORMS)}")
            continue
        try:
            transforms.append(TRANSFORMS[kind].check(state, getattr(option, kind), attribute(port, number)))
        except Problem as problem:
            problems.append(f"mapping step {number} ({kind}) {problem}")
            return tuple(transforms), problems  # later steps would be checked against a wrong shape
    if final is not None:
        problem = checks.fits(state.schema, state.record, final)
        if problem is not None:
            problems.append(f"after its mapping steps, {problem}; select, remove or rename fields so that the "
                            f"records are {final}, or set mapping_script: true to finish them in the script")
    return tuple(transforms), problems


def route_problems(state: State, messages: dict[str, str]) -> list[str]:
    """Records a route sends on must fit the target port's message."""
    out = []
    for target, record in state.routes:
        problem = checks.fits(state.schema, record, messages[target])
        if problem is not None:
            out.append(f"the records it routes to {target} do not fit: {problem}; select, remove or rename "
                       "fields before the route step")
    return out


def steps(port: Port) -> tuple[Step, ...]:
    """The processors of a port's mapping, in data order."""
    return tuple(step for t in port.mapping for step in TRANSFORMS[t.kind].build(port, t, attribute(port, t.number)))


def input_record(schema: Schema, message: str, lookups: tuple[tuple[str, str, bool], ...]) -> tuple[Field, ...]:
    """What the mapping receives: the IN message's fields and each LOOKUP port's result beside them, under the
    port's snake_case name (a record of a table, the text of a cache entry)."""
    extra = tuple(Field(slug, "message" if is_record else "string", type_name=name if is_record else "")
                  for slug, name, is_record in lookups)
    return (*schema.fields(message), *extra)
