"""Each mapping step kind's check against the record's shape: a problem is a sentence saying what is wrong and how
to fix it; a good step becomes a `Transform` (the processors' properties, computed from the schema) and the shape
the next step sees."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..model import Transform
from .shape import Field, Found, Schema, record_path, resolve, update

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NUMBER = re.compile(r"^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
DEFAULT_MASK = "*"
FIXED_MASK_LENGTH = 8
DEFAULT_TIME_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
# Steps that read one value of a record: field kinds they compare, and the proto3 default a missing value has
# (protobuf's JSON mapping leaves default values out, so an absent field holds its default).
COMPARABLE = {"string": "", "number": "0", "bool": "false", "enum": None, "timestamp": ""}
EL_OPS = {"LT": "lt", "LE": "le", "GT": "gt", "GE": "ge"}


class Problem(Exception):
    """A step that cannot be compiled: the message says what is wrong and how to fix it."""


@dataclass
class State:
    """What the steps of one port see: the record's shape so far and the integration's OUT ports."""

    schema: Schema
    record: tuple[Field, ...]
    scope: str  # what the record is, for messages
    out_ports: dict[str, str]  # rpc name -> slug
    port: str  # this port's rpc name
    number: int = 0
    routes: tuple[tuple[str, tuple[Field, ...]], ...] = ()  # (target rpc name, shape routed there)

    def find(self, path: str) -> Found:
        found = resolve(self.schema, self.record, path, self.scope)
        if isinstance(found, str):
            raise Problem(found)
        return found


def _fields(option) -> list[str]:
    if not option.fields:
        raise Problem("lists no fields; add fields: [\"...\"]")
    return list(option.fields)


def _ancestors(names: tuple[str, ...]) -> set[tuple[str, ...]]:
    return {names[:i] for i in range(1, len(names))}


def select(state: State, option) -> Transform:
    keep = {state.find(path).names for path in _fields(option)}
    inner = set().union(*(_ancestors(names) for names in keep))
    removed: list[str] = []

    def walk(fields: tuple[Field, ...], prefix: tuple[str, ...]) -> tuple[Field, ...]:
        out = []
        for field in fields:
            names = (*prefix, field.name)
            if names in keep:
                out.append(field)
            elif names in inner:
                out.append(replace(field, children=walk(state.schema.children(field), names)))
            else:
                removed.append(record_path(names))
        return tuple(out)

    state.record = walk(state.record, ())
    return Transform("select", state.number, f"keep {', '.join(option.fields)}", _stage(removed))


def remove(state: State, option) -> Transform:
    paths = []
    for path in _fields(option):
        found = state.find(path)
        state.record = update(state.schema, state.record, found.names, lambda f: None)
        paths.append(record_path(found.names))
    return Transform("remove", state.number, f"remove {', '.join(option.fields)}", _stage(paths))


def _stage(paths: list[str]) -> tuple[tuple[tuple[str, str], ...], ...]:
    """One RemoveRecordField: each dynamic property's value is a RecordPath to remove (named after it)."""
    return (tuple((path, path) for path in sorted(paths)),) if paths else ()


def _siblings(state: State, names: tuple[str, ...]) -> tuple[Field, ...]:
    fields = state.record
    for name in names[:-1]:
        fields = state.schema.children(next(f for f in fields if f.name == name))
    return fields


def rename(state: State, option) -> Transform:
    if not option.field:
        raise Problem("has no field; set field: \"<field path>\" and to: \"<new name>\"")
    found = state.find(option.field)
    if not NAME.match(option.to):
        raise Problem(f"to {option.to!r} is not a field name; write a name of letters, digits and _ (not a path: "
                      "a renamed field keeps its place)")
    clash = [f for f in _siblings(state, found.names) if f.name == option.to and f.name != found.names[-1]]
    if clash:
        raise Problem(f"to {option.to!r} is already a field beside {option.field!r}; remove or rename that one "
                      "first, or pick another name")
    state.record = update(state.schema, state.record, found.names, lambda f: replace(f, name=option.to))
    return Transform("rename", state.number, f"rename {option.field} to {option.to}",
                     (((record_path(found.names), option.to),),))


def snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def camel_case(name: str) -> str:
    """protobuf's json_name: drop each '_' and capitalize the letter after it."""
    parts = name.split("_")
    return parts[0] + "".join(part[:1].upper() + part[1:] for part in parts[1:])


CASES = {"SNAKE_CASE": snake_case, "CAMEL_CASE": camel_case}


def field_case(state: State, option) -> Transform:
    from ..options import enum_name

    case = enum_name(option, "case")
    convert = CASES.get(case)
    if convert is None:
        raise Problem("has no case; set case: SNAKE_CASE or case: CAMEL_CASE")
    levels: dict[int, list[tuple[str, str]]] = {}

    def walk(fields: tuple[Field, ...], prefix: str, depth: int, seen: frozenset[str]) -> tuple[Field, ...]:
        names: dict[str, str] = {}
        out = []
        for field in fields:
            new = convert(field.name)
            if new in names:
                raise Problem(f"would name both {names[new]!r} and {field.name!r} {new!r}"
                              f"{' in ' + prefix.strip('/') if prefix else ''}; rename one of them first")
            names[new] = field.name
            path = f"{prefix}/{field.name}"
            children = field.children
            if field.kind == "message" and field.type_name not in seen:
                below = f"{path}[*]" if field.repeated else path
                children = walk(state.schema.children(field), below, depth + 1, seen | {field.type_name})
            if new != field.name:
                levels.setdefault(depth, []).append((path, new))
            out.append(replace(field, name=new, children=children))
        return tuple(out)

    state.record = walk(state.record, "", 0, frozenset())
    # Deepest first: renaming a child keeps its parent's path valid for the next processor.
    stages = tuple(tuple(sorted(levels[depth])) for depth in sorted(levels, reverse=True))
    return Transform("field_case", state.number, f"field names to {case.lower()}", stages)


def _scalar(state: State, path: str, step: str, kinds: tuple[str, ...]) -> Found:
    found = state.find(path)
    field = found.field
    if field.repeated or field.kind not in kinds:
        raise Problem(f"{path!r} is {field.describe()}; {step} takes {' or '.join(kinds)} fields")
    return found


def mask(state: State, option) -> Transform:
    if not option.field:
        raise Problem("has no field; set field: \"<path of a string field>\"")
    found = _scalar(state, option.field, "mask", ("string",))
    char = option.mask_char if option.HasField("mask_char") else DEFAULT_MASK
    if len(char) != 1 or char in "'\\$\"":
        raise Problem(f"mask_char {char!r} is not one plain character; use one character other than ' \" \\ $, "
                      "e.g. \"*\" or \"X\"")
    keep = option.keep_last
    if keep > 64:
        raise Problem(f"keep_last {keep} leaves more than 64 characters visible; a mask hides a value: use at "
                      "most 64 (e.g. 4 for a card number)")
    # replaceRegex (nifi-record-path, RecordPath function) on the field itself ('.' is the field being updated).
    if option.keep_length:
        regex = f"(?s).(?=.{{{keep}}})" if keep else "(?s)."
        replacement = char
    else:
        regex = f"(?s)^.*?(.{{0,{keep}}})$" if keep else "(?s)^.*$"
        replacement = char * FIXED_MASK_LENGTH + ("$1" if keep else "")
    value = f"replaceRegex(., '{regex}', '{replacement}')"
    return Transform("mask", state.number, f"mask {option.field}", (((record_path(found.names), value),),))


def _literal_ok(text: str, what: str) -> None:
    if any(c in text for c in "'\\\"") or "${" in text or "#{" in text or "\n" in text:
        raise Problem(f"{what} {text!r} holds a quote, a backslash, a line break, '${{' or '#{{'; compare with a "
                      "plain value")


def condition(state: State, option, attribute: str) -> tuple[str, str, str]:
    """(RecordPath of the compared field, Expression Language test of `attribute`, summary)."""
    from ..options import enum_name

    if not option.field:
        raise Problem("has no condition field; set condition { field: \"status\" op: EQ value: \"SHIPPED\" }")
    found = _scalar(state, option.field, "a condition", tuple(COMPARABLE))
    field = found.field
    op = enum_name(option, "op")
    if op in ("", "OP_UNSPECIFIED"):
        raise Problem(f"condition on {option.field!r} has no op; set op: EQ, NE, LT, LE, GT or GE")
    value = option.value
    _literal_ok(value, "value")
    default = COMPARABLE[field.kind]
    if field.kind == "enum":
        names = state.schema.enum_values(field.type_name)
        if value not in names:
            raise Problem(f"{value!r} is not a value of enum {field.type_name} ({', '.join(names[:8])}); "
                          "compare with one of its value names")
        default = names[0] if names else ""
    if field.kind == "number" and not NUMBER.match(value):
        raise Problem(f"{option.field!r} is a number, but value {value!r} is not; compare numbers with numbers, "
                      "e.g. value: \"100\"")
    if field.kind == "bool" and value not in ("true", "false"):
        raise Problem(f"{option.field!r} is a bool; value must be \"true\" or \"false\", not {value!r}")
    if op in EL_OPS and field.kind in ("bool", "enum"):
        raise Problem(f"{option.field!r} is {field.describe()}, which has no order; use op: EQ or NE")
    if op in EL_OPS and field.kind in ("string", "timestamp"):
        raise Problem(f"{option.field!r} is {field.describe()}: NiFi Expression Language orders only numbers, so "
                      "the flow compares text with EQ or NE; use op: EQ or NE, or compare a number field")
    # The attribute PartitionRecord sets holds the value as text; absent, the field holds its proto3 default
    # (protobuf's JSON mapping leaves defaults out).
    read = "${'" + attribute + "':replaceNull('" + (default or "") + "')"
    if field.kind == "number" and op in EL_OPS:
        test = f"{read}:toDecimal():{EL_OPS[op]}({value})}}"
    elif field.kind == "number":
        test = f"{read}:toDecimal():ge({value}):and({read}:toDecimal():le({value})}})}}"
    else:
        test = f"{read}:equals('{value}')}}"
    if op == "NE":
        test = test[:-1] + ":not()}"
    return record_path(found.names), test, f"{option.field} {op} {value}"


def filter_(state: State, option, attribute: str) -> Transform:
    path, test, summary = condition(state, option, attribute)
    return Transform("filter", state.number, f"keep {summary}", (((attribute, path),),), condition=test)


def route(state: State, option, attribute: str) -> Transform:
    if not option.port:
        raise Problem(f"has no port; name the OUT port that gets the matching records, one of "
                      f"{', '.join(sorted(state.out_ports))}")
    if option.port == state.port:
        raise Problem(f"routes to its own port {option.port}; name another OUT port, or use a filter step")
    if option.port not in state.out_ports:
        known = ", ".join(sorted(p for p in state.out_ports if p != state.port)) or "none"
        raise Problem(f"port {option.port!r} is not an OUT port of this integration (its other OUT ports: {known}); "
                      "name one of them (the rpc name)")
    if not option.HasField("condition"):
        raise Problem("has no condition; set condition { field: \"...\" op: EQ value: \"...\" }")
    path, test, summary = condition(state, option.condition, attribute)
    state.routes = (*state.routes, (option.port, state.record))
    return Transform("route", state.number, f"{summary} to {option.port}", (((attribute, path),),), condition=test,
                     target=state.out_ports[option.port])


def timestamp(state: State, option) -> Transform:
    if not NAME.match(option.field):
        raise Problem(f"field {option.field!r} is not a field name; name the new top-level field, e.g. "
                      "field: \"received_at\"")
    if any(f.name == option.field for f in state.record):
        raise Problem(f"field {option.field!r} already exists in the record; name a new field, or remove "
                      f"{option.field!r} first")
    fmt = option.format or DEFAULT_TIME_FORMAT
    if '"' in fmt or "$" in fmt or "#" in fmt or "\\" in fmt or "\n" in fmt:
        raise Problem(f"format {fmt!r} holds \" $ # \\ or a line break; write a Java date pattern such as "
                      f"{DEFAULT_TIME_FORMAT!r}")
    state.record = (*state.record, Field(option.field, "timestamp"))
    # UpdateRecord's literal value is Expression Language: the time the record passes, in UTC.
    value = '${now():format("' + fmt + "\", 'GMT')}"
    return Transform("timestamp", state.number, f"add {option.field}", ((("/" + option.field, value),),))


def flatten(state: State, option) -> Transform:
    if not option.array_field:
        raise Problem("has no array_field; name a repeated message field, e.g. array_field: \"items\"")
    found = state.find(option.array_field)
    field = found.field
    if not field.repeated or field.kind != "message":
        raise Problem(f"{option.array_field!r} is {field.describe()}; flatten takes a repeated message field")
    elements = state.schema.children(field)
    array = record_path(found.names)
    hoist = tuple((f"/{element.name}", f"{array}[0]/{element.name}") for element in elements)
    parents = update(state.schema, state.record, found.names, lambda f: None)
    names = {element.name for element in elements}
    if option.keep_parent_fields:
        kept = tuple(f for f in parents if f.name not in names)
        # A top-level array named like one of its elements' fields was just overwritten by that field.
        removed = [] if len(found.names) == 1 and found.names[0] in names else [array]
    else:
        kept = ()
        removed = sorted({"/" + f.name for f in state.record} - {"/" + n for n in names})
    state.record = (*kept, *elements)
    # ForkRecord "split": one record per element, the array holding only it; UpdateRecord copies the element's
    # fields to the top (the element's value wins); RemoveRecordField drops the array and unwanted parents.
    return Transform("flatten", state.number, f"one record per {option.array_field} element",
                     ((("split", array),), hoist, tuple((p, p) for p in removed)))


def fits(schema: Schema, record: tuple[Field, ...], message: str, scope: str = "") -> str | None:
    """Why records of this shape would not be `message` in protobuf's JSON mapping, or None when they fit."""
    fields = schema.fields(message)
    # A JSON parser of protobuf accepts a field's proto name and its json_name (lowerCamelCase).
    declared = {**{f.json_name: f for f in fields if f.json_name}, **{f.name: f for f in fields}}
    for field in record:
        where = f"{scope}{field.name}"
        target = declared.get(field.name)
        if target is None:
            known = ", ".join(f.name for f in fields[:8]) or "none"
            return f"its records have field {where!r}, which {message} does not declare (its fields: {known})"
        if "any" in (field.kind, target.kind):
            continue
        same = field.kind == target.kind or {field.kind, target.kind} <= {"string", "timestamp"}
        if not same or field.repeated != target.repeated:
            return f"field {where!r} is {field.describe()} in the records but {target.describe()} in {message}"
        if field.kind == "message" and (field.type_name != target.type_name or field.children is not None):
            problem = fits(schema, schema.children(field), target.type_name, f"{where}.")
            if problem:
                return problem
    return None
