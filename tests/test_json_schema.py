"""Issue 17, part 4: the JSON Schema of every message type, checked against protobuf's own JSON.

Every message of the examples, the golden inputs and the googleapis corpus (compiled by the real protoc) gets
seeded sample messages with every field set (nested, repeated, maps, each oneof member in turn, well-known types),
written by google.protobuf.json_format; each must pass its schema. Broken variants (a wrong type, an unknown field,
two members of a oneof, a bad enum name, a non-numeric int64 string, ...) must fail it, and protobuf's parser must
refuse them too, so the schema says what protobuf says.
"""
from __future__ import annotations

import importlib.metadata
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GOLDEN_INPUTS, OPTION_PROTOS, ROOT, proto_files
from google.protobuf import (
    descriptor_pb2,
    descriptor_pool,
    json_format,
    message_factory,
)
from google.protobuf.descriptor import FieldDescriptor
from jsonschema import Draft202012Validator, FormatChecker

from protoc_gen_nifi.descriptors import DescriptorSets
from protoc_gen_nifi.json_schema import WELL_KNOWN, Schemas

FD = FieldDescriptor
EXAMPLES = ROOT / "examples"
TYPE_URL = "type.googleapis.com/"


def _compile(tmp: Path, roots: list[Path], files: list[str]) -> descriptor_pb2.FileDescriptorSet:
    tmp.mkdir(parents=True, exist_ok=True)
    out = tmp / "set.pb"
    command = [sys.executable, "-m", "grpc_tools.protoc", f"--descriptor_set_out={out}", "--include_imports",
               *(f"-I{root}" for root in [OPTION_PROTOS, *roots]), *files]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


def _googleapis() -> tuple[Path, list[str]]:
    try:
        dist = importlib.metadata.distribution("googleapis-common-protos")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("googleapis-common-protos is not installed (the [test] extra)")
    files = sorted(str(f) for f in dist.files or () if str(f).endswith(".proto"))
    return Path(dist.locate_file("")).resolve(), files


def _corpora(tmp: Path) -> dict[str, descriptor_pb2.FileDescriptorSet]:
    sets = {}
    for example in sorted(EXAMPLES.iterdir()):
        sets[f"examples/{example.name}"] = _compile(tmp / example.name, [example / "proto"],
                                                   proto_files(example / "proto"))
    for golden in sorted(GOLDEN_INPUTS.iterdir()):
        if golden.name.startswith("bad_"):
            continue  # refused by the plugin on purpose; their messages are ordinary ones
        sets[f"golden/{golden.name}"] = _compile(tmp / golden.name, [golden], proto_files(golden))
    root, files = _googleapis()
    sets["googleapis"] = _compile(tmp / "googleapis", [root], files)
    return sets


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    return _corpora(tmp_path_factory.mktemp("schemas"))


# ---- samples --------------------------------------------------------------------------------------------------

INT_RANGES = {
    FD.TYPE_INT32: (-2**31, 2**31 - 1), FD.TYPE_SINT32: (-2**31, 2**31 - 1), FD.TYPE_SFIXED32: (-2**31, 2**31 - 1),
    FD.TYPE_UINT32: (0, 2**32 - 1), FD.TYPE_FIXED32: (0, 2**32 - 1),
    FD.TYPE_INT64: (-2**63, 2**63 - 1), FD.TYPE_SINT64: (-2**63, 2**63 - 1), FD.TYPE_SFIXED64: (-2**63, 2**63 - 1),
    FD.TYPE_UINT64: (0, 2**64 - 1), FD.TYPE_FIXED64: (0, 2**64 - 1),
}
FLOATS = (1.5, -0.25, float("inf"), float("-inf"), float("nan"), 3.0e10)
STRUCT = {"n": 1.5, "s": "text", "b": True, "z": None, "l": [1, "two", {"three": 3}], "o": {"k": [False]}}
WKT_JSON = {
    "google.protobuf.Timestamp": lambda rng: rng.choice(["1970-01-01T00:00:00Z", "2024-02-29T23:59:59.123456789Z",
                                                         "2038-01-19T03:14:07.500Z"]),
    "google.protobuf.Duration": lambda rng: rng.choice(["1.5s", "-3s", "0.000000001s", "315576000000s"]),
    "google.protobuf.FieldMask": lambda rng: "fooBar,baz.quxQuux",
    "google.protobuf.Struct": lambda rng: STRUCT,
    "google.protobuf.Value": lambda rng: rng.choice([STRUCT, [1, None], "v", 2.5, None, True]),
    "google.protobuf.ListValue": lambda rng: [1, "a", None, {"b": []}],
    "google.protobuf.Any": lambda rng: {"@type": TYPE_URL + "google.protobuf.Duration", "value": "2s"},
}


def _scalar(field, rng: random.Random):
    kind = field.type
    if kind in INT_RANGES:
        low, high = INT_RANGES[kind]
        return rng.choice([low, high, rng.randint(low, high) or 1])
    if kind in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
        return rng.choice(FLOATS)
    if kind == FD.TYPE_BOOL:
        return True
    if kind == FD.TYPE_STRING:
        return rng.choice(["x", "ünïcødé \"quoted\" \n", "#{not.a.parameter}"])
    if kind == FD.TYPE_BYTES:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9))) + b"\xfb\xff"  # base64 with + and /
    if kind == FD.TYPE_ENUM:
        values = [v for v in field.enum_type.values if v.number != 0] or list(field.enum_type.values)
        return rng.choice(values).number
    raise AssertionError(kind)


def _fill(message, rng: random.Random, depth: int, pool, choose: dict[str, int] | None = None) -> None:
    """Sets every field (one member per oneof: `choose` names which, else the seed does)."""
    descriptor = message.DESCRIPTOR
    if descriptor.full_name in WKT_JSON:
        json_format.ParseDict(WKT_JSON[descriptor.full_name](rng), message, descriptor_pool=pool)
        return
    chosen = {}
    for oneof in descriptor.oneofs:
        if oneof.fields and not (len(oneof.fields) == 1 and oneof.fields[0].has_presence
                                 and oneof.name.startswith("_")):
            index = (choose or {}).get(oneof.name, rng.randrange(len(oneof.fields)))
            chosen[oneof.name] = oneof.fields[index % len(oneof.fields)].name
    for field in descriptor.fields:
        oneof = field.containing_oneof
        if oneof is not None and oneof.name in chosen and chosen[oneof.name] != field.name:
            continue
        is_message = field.type in (FD.TYPE_MESSAGE, FD.TYPE_GROUP)
        if is_message and depth >= 3 and not field.is_required:
            continue  # recursive messages end somewhere
        value = getattr(message, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            key_field, value_field = field.message_type.fields_by_name["key"], field.message_type.fields_by_name["value"]
            for _ in range(2):
                key = _scalar(key_field, rng)
                if value_field.type in (FD.TYPE_MESSAGE, FD.TYPE_GROUP):
                    _fill(value[key], rng, depth + 1, pool)
                else:
                    value[key] = _scalar(value_field, rng)
        elif field.is_repeated:
            for _ in range(2):
                if is_message:
                    _fill(value.add(), rng, depth + 1, pool)
                else:
                    value.append(_scalar(field, rng))
        elif is_message:
            _fill(value, rng, depth + 1, pool)
            value.SetInParent()
        else:
            setattr(message, field.name, _scalar(field, rng))


def _pool(files: descriptor_pb2.FileDescriptorSet):
    pool = descriptor_pool.DescriptorPool()
    for file_proto in files.file:
        pool.Add(file_proto)
    return pool


def _messages(files: descriptor_pb2.FileDescriptorSet) -> list[str]:
    names = []

    def walk(prefix: str, messages) -> None:
        for message in messages:
            if not message.options.map_entry:
                names.append(prefix + message.name)
            walk(prefix + message.name + ".", message.nested_type)

    for file_proto in files.file:
        walk(f"{file_proto.package}." if file_proto.package else "", file_proto.message_type)
    return sorted(names)


def _json(message, pool) -> dict:
    return json.loads(json_format.MessageToJson(message, descriptor_pool=pool))


def _refused_by_protobuf(document, cls, pool) -> bool:
    try:
        json_format.ParseDict(document, cls(), descriptor_pool=pool)
    except (json_format.ParseError, ValueError, TypeError):
        return True
    return False


def _oneof_fields(descriptor):
    return [o for o in descriptor.oneofs if len(o.fields) > 1]


# ---- broken variants: each must fail the schema, and protobuf's parser ------------------------------------------


def _first(descriptor, document, test):
    for field in descriptor.fields:
        if field.json_name in document and test(field):
            return field
    return None


def _broken(descriptor, document: dict, samples: list[dict]) -> dict[str, dict]:
    out = {"unknown field": {**document, "notAFieldOfThisMessage": 1}, "not an object": [document]}
    single = lambda f: not f.is_repeated
    field = _first(descriptor, document, lambda f: single(f) and f.type == FD.TYPE_STRING)
    if field is not None:
        out["number for a string"] = {**document, field.json_name: 12345}
    field = _first(descriptor, document, lambda f: single(f) and f.type == FD.TYPE_BOOL)
    if field is not None:
        out["string for a bool"] = {**document, field.json_name: "yes"}
    field = _first(descriptor, document, lambda f: single(f) and f.type in (FD.TYPE_INT64, FD.TYPE_UINT64,
                                                                            FD.TYPE_FIXED64, FD.TYPE_SINT64))
    if field is not None:
        out["int64 not numeric"] = {**document, field.json_name: "12a"}
    field = _first(descriptor, document, lambda f: single(f) and f.type == FD.TYPE_INT32)
    if field is not None:
        out["int32 out of range"] = {**document, field.json_name: 2**31}
    field = _first(descriptor, document, lambda f: single(f) and f.type == FD.TYPE_ENUM
                   and f.enum_type.full_name != "google.protobuf.NullValue")
    if field is not None:
        out["bad enum name"] = {**document, field.json_name: "NOT_A_VALUE_OF_THIS_ENUM"}
    field = _first(descriptor, document, lambda f: f.is_repeated and f.message_type is None)
    if field is not None:
        out["scalar for a repeated"] = {**document, field.json_name: document[field.json_name][0]}
    field = _first(descriptor, document, lambda f: single(f) and f.message_type is not None
                   and f.message_type.full_name not in WELL_KNOWN)
    if field is not None:
        out["string for a message"] = {**document, field.json_name: "text"}
    field = _first(descriptor, document, lambda f: f.name != f.json_name)
    if field is not None:
        out["a field under both names"] = {**document, field.name: document[field.json_name]}
    for oneof in _oneof_fields(descriptor):
        present = [f.json_name for f in oneof.fields if any(f.json_name in s for s in samples)]
        if len(present) >= 2:
            first, second = present[:2]
            one = next(s for s in samples if first in s)
            other = next(s for s in samples if second in s)
            out[f"two members of oneof {oneof.name}"] = {**one, second: other[second]}
    return out


# Python's json_format takes the last of a field given under both its names; Java's JsonFormat (what a NiFi-side
# consumer runs) refuses it ("Field ... has already been set"), and so does the schema.
STRICTER_THAN_PYTHON = ("a field under both names",)


def _check_message(name: str, schemas: Schemas, pool, seed: int) -> tuple[int, int]:
    document = schemas.document(name)
    Draft202012Validator.check_schema(document)
    validator = Draft202012Validator(document, format_checker=FormatChecker())
    descriptor = pool.FindMessageTypeByName(name)
    cls = message_factory.GetMessageClass(descriptor)
    rng = random.Random(f"{seed}:{name}")
    samples = []
    rounds = max([2, *(len(o.fields) for o in descriptor.oneofs)])
    for round_ in range(rounds):  # every oneof member at least once
        message = cls()
        _fill(message, rng, 0, pool, {o.name: round_ for o in descriptor.oneofs})
        sample = _json(message, pool)
        errors = [e.message for e in validator.iter_errors(sample)]
        assert not errors, (name, sample, errors[:3])
        # ... and written with the original field names, which protobuf's parser accepts too
        original = json.loads(json_format.MessageToJson(message, preserving_proto_field_name=True,
                                                        descriptor_pool=pool))
        errors = [e.message for e in validator.iter_errors(original)]
        assert not errors, (name, original, errors[:3])
        samples.append(sample)
    broken = 0
    if name in WELL_KNOWN:
        return len(samples), broken
    for what, variant in _broken(descriptor, samples[0], samples).items():
        assert not validator.is_valid(variant), (name, what, variant)
        if what not in STRICTER_THAN_PYTHON:
            assert _refused_by_protobuf(variant, cls, pool), (name, what, "protobuf accepts it", variant)
        broken += 1
    return len(samples), broken


def test_every_message_validates_its_samples_and_refuses_broken_ones(corpora, capsys):
    totals, seen = {}, set()
    for corpus, files in corpora.items():
        pool, schemas = _pool(files), Schemas(files.file)
        # The well-known types and the option protos come with every corpus: checked once.
        messages = [name for name in _messages(files) if name not in seen]
        seen.update(messages)
        counts = [_check_message(name, schemas, pool, seed=17) for name in messages]
        totals[corpus] = (len(messages), sum(c[0] for c in counts), sum(c[1] for c in counts))
    with capsys.disabled():
        print("\njson schema:", {k: dict(zip(("messages", "valid", "broken"), v)) for k, v in totals.items()})
    assert totals["googleapis"][0] > 100
    assert all(messages > 0 and broken > 0 for messages, _, broken in totals.values())



def test_a_definition_shared_by_documents_changes_none_of_them(corpora):
    """A message that several documents reach is described once and its definition shared: each document's
    text is the one a Schemas made for that message alone writes."""
    for corpus, files in corpora.items():
        shared, sets = Schemas(files.file), DescriptorSets(files.file)
        names = _messages(files)
        texts = {name: shared.text(name) for name in names}
        for name in names:
            assert texts[name] == Schemas(sets).text(name), (corpus, name)
