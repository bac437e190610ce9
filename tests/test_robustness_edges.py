"""Issue 16: input a compiler accepts is never "a bug in protoc-gen-nifi", and NiFi can load every value.

Each reproducer of the issue goes through the real protoc and the real plugin process (test_robustness's
compile_sources keeps the raw response): the answer is files that pass flowcheck, or located errors that say how
to fix them, never an internal error or a traceback. The property tests at the end generate option values,
names and option-schema skew across the same edges (seeded, a few dozen examples each).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import OPTION_PROTOS, PLUGIN
from google.protobuf.compiler import plugin_pb2
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_robustness import (
    GOOD_PORT,
    PORT_TEMPLATE,
    PROPERTY_SETTINGS,
    TIMEOUT,
    Outcome,
    check_outcome,
    compile_port,
    compile_sources,
    diagnostics,
    run_in_process,
)

from protoc_gen_nifi import limits, option_schema
from protoc_gen_nifi.flowcheck import check_document, parameter_references
from protoc_gen_nifi.plugin import BUG_REPORT
from protoc_gen_nifi.units import is_data_size, is_time_period

OPTIONS = "ameide_core_proto/integration/v1/options.proto"
EVENTING = "ameide_core_proto/common/v1/eventing.proto"
FIX = "acme/fix/v1/fix.proto"
# The option schema version this plugin reads (raised by each release that changes the option protos).
VERSION = json.loads(option_schema.SCHEMA_FILE.read_text())[OPTIONS]["version"]


def errors(outcome: Outcome) -> list[str]:
    """The messages of a refused request, after the checks that hold for every request."""
    check_outcome(outcome)
    assert outcome.response.error, "expected the request to be refused"
    return [message for *_, message in diagnostics(outcome.response.error)]


def one_error(outcome: Outcome, *parts: str) -> str:
    found = [m for m in errors(outcome) if all(p in m for p in parts)]
    assert found, f"no error with {parts}: {outcome.response.error}"
    return found[0]


def generates(outcome: Outcome) -> dict[str, bytes]:
    check_outcome(outcome)
    assert not outcome.response.error, outcome.response.error
    return outcome.written


# ---- values NiFi cannot load --------------------------------------------------------------------------

@pytest.mark.parametrize("port", [
    GOOD_PORT + ' backpressure: { data_size_threshold: "١٠ GB" }',
    GOOD_PORT + ' backpressure: { data_size_threshold: "' + "9" * 400 + ' GB" }',
    GOOD_PORT + ' backpressure: { data_size_threshold: "9000000 TB" }',  # over 2^63 bytes
    GOOD_PORT + ' retry: { max_backoff: "１０ mins" }',
    GOOD_PORT + ' retry: { max_backoff: "' + "9" * 400 + ' mins" }',
    GOOD_PORT + ' tuning: { run_duration: "' + "9" * 400 + ' sec" }',  # was an OverflowError
    GOOD_PORT + ' tuning: { every: "300 years" }',
], ids=["arabic digits", "400-digit size", "size over a long", "fullwidth digits", "400-digit period",
        "400-digit run_duration", "not a unit"])
def test_values_nifi_cannot_load_are_located_errors(tmp_path, port):
    message = one_error(compile_port(tmp_path, port), "is not a NiFi")
    assert "ASCII digits" in message


@pytest.mark.parametrize("parameter, expected", [
    ("retry_count=²", "retry_count=²"),  # isdigit() accepts it, int() refuses it
    ("backpressure_objects=" + "1" * 26, "backpressure_objects=111"),  # beyond a Java long
    ("backpressure_objects=" + "7" * 5000, "backpressure_objects=777"),  # beyond int()'s 4300 digits
    ("retry_count=" + "9" * 11, "retry_count=999"),  # beyond a Java int
    ("backpressure_size=١ GB", "backpressure_size=١ GB"),
    ("max_backoff=" + "1" * 400 + " sec", "max_backoff=111"),
])
def test_parameters_nifi_cannot_load_are_errors(tmp_path, parameter, expected):
    message = one_error(compile_port(tmp_path, parameter=parameter), expected)
    assert "ASCII digits" in message


def test_parameter_bytes_that_are_not_utf8_are_an_error():
    request = plugin_pb2.CodeGeneratorRequest(file_to_generate=["a.proto"])
    data = request.SerializeToString() + b"\x12\x03\xffa\xfe"  # field 2 (parameter), not UTF-8
    response = run_in_process(data)
    assert response.error.startswith("protoc-gen-nifi parameter: the plugin parameter is not UTF-8 text; ")
    assert BUG_REPORT not in response.error


def test_flowcheck_judges_values_as_the_generator_does(tmp_path):
    files = generates(compile_port(tmp_path))
    flow = json.loads(files["fix/nifi/flow.snapshot.json"])
    assert check_document(flow, generated=True) == []
    connection = next(c for g in [flow["flowContents"], *flow["flowContents"]["processGroups"]]
                      for c in g["connections"])
    processor = next(p for g in flow["flowContents"]["processGroups"] for p in g["processors"])
    for field, value, where in [
        ("backPressureObjectThreshold", 10**25, connection),
        ("backPressureDataSizeThreshold", "١٠ GB", connection),
        ("backPressureDataSizeThreshold", "9" * 400 + " GB", connection),
        ("penaltyDuration", "１０ mins", processor),
        ("runDurationMillis", 2**63, processor),
        ("retryCount", True, processor),
    ]:
        saved = where[field]
        where[field] = value
        found = [p.message for p in check_document(flow, generated=True) if p.path.endswith(field)]
        where[field] = saved
        assert found, f"flowcheck accepted {field}={str(value)[:20]!r}"
    for text in ["١٠ GB", "9" * 400 + " GB", "10 GB", "1.5 KB"]:  # one check, one answer
        assert is_data_size(text) == (text in ("10 GB", "1.5 KB"))
    assert not is_time_period("１０ mins") and is_time_period("10 mins")


# ---- literal #{ and credentials in generated structural tests ------------------------------------------

def _run_structural_tests(files: dict[str, bytes], work: Path, slug: str) -> subprocess.CompletedProcess:
    for name, content in files.items():
        path = work / "gen" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(work / "gen" / slug / "tests")], capture_output=True, text=True, timeout=TIMEOUT,
                          check=False)


def test_generated_structural_tests_pass_on_an_integration_named_reset_password(tmp_path):
    files = generates(compile_port(tmp_path, integration='name: "reset_password"'))
    result = _run_structural_tests(files, tmp_path, "reset_password")
    assert result.returncode == 0, result.stdout[-3000:]


def test_an_escaped_reference_is_literal_text_for_flowcheck_and_the_structural_tests(tmp_path):
    # ##{y} is NiFi's escape for the literal text #{y} (BEHAVIOUR.md row 19): the description carries it
    # into the flow; neither flowcheck nor the generated tests may read it as a reference.
    assert parameter_references("##{y} #{x} ###{z}") == ["x", "z"]
    files = generates(compile_port(tmp_path, integration='description: "see ##{y} and #{z}"'))
    flow = json.loads(files["fix/nifi/flow.snapshot.json"])
    assert check_document(flow, generated=True) == []
    template_regex = re.search(r'PARAM_REF = re\.compile\(r"(.*)"\)', files["fix/tests/fix_structural_test.py"]
                               .decode()).group(1)
    assert re.findall(template_regex, "##{y} #{x} ###{z} ####{w}") == ["x", "z"]
    result = _run_structural_tests(files, tmp_path, "fix")
    assert result.returncode == 0, result.stdout[-3000:]


# ---- every problem at once ---------------------------------------------------------------------------

EVENT_TEMPLATE = PORT_TEMPLATE.replace(
    'import "google/protobuf/empty.proto";',
    'import "google/protobuf/empty.proto";\nimport "ameide_core_proto/common/v1/eventing.proto";',
).replace("message Payload { string id = 1; }",
          'message Payload {\n  option (ameide_core_proto.common.v1.event_fact) = { stream_ref: "kafka://x/y" };\n'
          "  string id = 1;\n}")


def test_a_bad_stream_ref_is_reported_with_the_ports_problems(tmp_path):
    source = EVENT_TEMPLATE.replace("INTEGRATION", "").replace(
        "PORT", 'direction: OUT transport: { http: { endpoint_ref: "erp" } }')  # no method: a port problem
    outcome = compile_sources(tmp_path, {FIX: source.encode()})
    messages = "\n".join(errors(outcome))
    assert "stream_ref" in messages and "method" in messages, messages


def test_batch_size_on_http_out_is_reported_with_the_missing_method(tmp_path):
    port = 'direction: OUT transport: { http: { endpoint_ref: "erp" } } tuning: { batch_size: 5 }'
    messages = "\n".join(errors(compile_port(tmp_path, port)))
    assert "batch size" in messages and "method" in messages, messages


# ---- requests a compiler sends that used to go through quietly ------------------------------------------

@pytest.mark.parametrize("rpc", ["rpc Port(stream Payload) returns (google.protobuf.Empty)",
                                 "rpc Port(stream Payload) returns (stream google.protobuf.Empty)",
                                 "rpc Port(Payload) returns (stream google.protobuf.Empty)"],
                         ids=["client streaming", "bidirectional", "server streaming"])
def test_a_streaming_rpc_is_no_port(tmp_path, rpc):
    source = PORT_TEMPLATE.replace("rpc Port(Payload) returns (google.protobuf.Empty)", rpc)
    source = source.replace("INTEGRATION", "").replace("PORT", GOOD_PORT)
    one_error(compile_sources(tmp_path, {FIX: source.encode()}), "streaming rpc", "unary")


@pytest.mark.parametrize("content_type", ['application/json\\nX-Injected: 1', 'application/json; charset=\\"utf-8\\"',
                                          "text plain", "json"])
def test_a_content_type_that_is_no_media_type_is_refused(tmp_path, content_type):
    one_error(compile_port(tmp_path, GOOD_PORT + f' content_type: "{content_type}"'), "is not a media type")


def test_a_media_type_with_parameters_is_accepted(tmp_path):
    generates(compile_port(tmp_path, GOOD_PORT + ' content_type: "application/json;charset=utf-8"'))


def test_a_quote_in_a_header_name_is_refused_for_its_real_reason(tmp_path):
    message = one_error(compile_port(tmp_path, GOOD_PORT + ' required_headers: ["X-It\'s"]'), "X-It")
    assert "is a valid HTTP header name" in message and "Expression Language" in message


def _request(**fields) -> bytes:
    request = plugin_pb2.CodeGeneratorRequest(**fields)
    return request.SerializeToString()


@pytest.mark.parametrize("fields, expected", [
    ({}, "names no file to generate"),
    ({"file_to_generate": ["/abs/a.proto"], "proto_file": [{"name": "/abs/a.proto"}]}, "is absolute"),
    ({"file_to_generate": ["../a.proto"], "proto_file": [{"name": "../a.proto"}]}, "normalised relative path"),
    ({"file_to_generate": ["a/./b.proto"], "proto_file": [{"name": "a/./b.proto"}]}, "normalised relative path"),
    ({"file_to_generate": ["a.proto"], "proto_file": [{"name": "a.proto"}, {"name": "a.proto"}]}, "twice"),
    ({"file_to_generate": ["a.proto"], "proto_file": [{"name": "a.proto"}],
      "source_file_descriptors": [{"name": "a.proto"}, {"name": "a.proto"}]}, "twice"),
    ({"file_to_generate": ["a.proto", "a.proto"], "proto_file": [{"name": "a.proto"}]}, "twice"),
    ({"file_to_generate": ["a.proto"], "proto_file": [{"name": "a.proto"}],
      "source_file_descriptors": [{"name": "a.proto"}, {"name": "b.proto"}]}, "which proto_file does not"),
])
def test_requests_no_compiler_sends_are_refused(fields, expected):
    response = run_in_process(_request(**fields))
    assert response.error.startswith("protoc-gen-nifi request: ") and expected in response.error, response.error
    assert "; run protoc-gen-nifi from protoc" in response.error and not response.file


# ---- option schema skew: the version handshake ---------------------------------------------------------

def _vendored(work: Path, edit) -> dict[str, bytes]:
    """The shipped option protos, as a user's vendored copy with `edit` applied to options.proto."""
    sources = {name: (OPTION_PROTOS / name).read_bytes() for name in (OPTIONS, EVENTING)}
    sources[OPTIONS] = edit(sources[OPTIONS].decode()).encode()
    return sources


def _compile_with_options(work: Path, edit, port: str = GOOD_PORT) -> Outcome:
    sources = _vendored(work, edit)
    sources[FIX] = PORT_TEMPLATE.replace("INTEGRATION", "").replace("PORT", port).encode()
    empty = work / "no-options"
    empty.mkdir()
    return compile_sources(work, sources, options_root=empty, targets=[FIX])


def _without_tuning(text: str) -> str:
    # An older release: Port and PortDefaults without tuning, and no version marker.
    text = re.sub(r"\n *// Overrides the integration's tuning[^\n]*\n *optional Tuning tuning = 10;", "", text)
    text = re.sub(r"\n *optional Tuning tuning = 3;", "", text)
    return re.sub(r"message OptionSchema \{[^}]*\}", "", text)


def test_option_protos_of_an_older_release_are_one_clear_error(tmp_path):
    outcome = _compile_with_options(tmp_path, _without_tuning)
    assert errors(outcome) == [one_error(outcome, "carries no option schema version", f"reads version {VERSION}",
                                         "--include-path")]


def test_option_protos_of_another_version_name_both_versions(tmp_path):
    outcome = _compile_with_options(tmp_path, lambda t: t.replace(f"[default = {VERSION}]", "[default = 7]", 1))
    message = one_error(outcome, "is option schema version 7", f"reads version {VERSION}")
    assert message.startswith(f"this copy of {OPTIONS}")


def test_option_protos_edited_without_a_new_version_are_refused(tmp_path):
    outcome = _compile_with_options(tmp_path, lambda t: t.replace("optional Tuning tuning = 10;", ""))
    one_error(outcome, f"says option schema version {VERSION}", "Port lacks tuning")


def test_the_shipped_option_protos_match_the_plugins_schema(tmp_path):
    generates(_compile_with_options(tmp_path, lambda t: t))


# ---- deep imports, long names, amplification -------------------------------------------------------------

def test_an_import_chain_1100_files_deep_generates(tmp_path):
    depth = 1100
    sources = {f"chain/f{i}.proto": ('syntax = "proto3";\npackage chain;\n'
                                     + (f'import "chain/f{i - 1}.proto";\n' if i else "")
                                     + f"message M{i} {{ string id = 1; }}\n").encode() for i in range(depth)}
    top = PORT_TEMPLATE.replace("INTEGRATION", "").replace("PORT", GOOD_PORT).replace(
        'import "google/protobuf/empty.proto";',
        f'import "google/protobuf/empty.proto";\nimport "chain/f{depth - 1}.proto";').replace(
        "message Payload { string id = 1; }", f"message Payload {{ chain.M{depth - 1} last = 1; }}")
    sources[FIX] = top.encode()
    files = generates(compile_sources(tmp_path, sources, targets=[FIX]))
    assert "fix/schemas/descriptors.pb" in files


@pytest.mark.parametrize("unknown", [b"", bytes([0xC3, 0x3E, 0x08, 0x01, 0xC4, 0x3E])],
                         ids=["plain", "unknown group field"])
def test_descriptors_pb_drops_source_info_whatever_unknown_fields_a_file_carries(unknown):
    """descriptors.pb cuts source_code_info out of each file's bytes; a file holding a group among its unknown
    fields (which that cut does not parse) is written as a copy without its source info would be."""
    from google.protobuf import descriptor_pb2

    from protoc_gen_nifi.descriptors import DescriptorSets

    file_proto = descriptor_pb2.FileDescriptorProto(name="x.proto", package="x")
    file_proto.message_type.add(name="M")
    file_proto.source_code_info.location.add(path=[4, 0], span=[0, 0, 12])
    carrying = descriptor_pb2.FileDescriptorProto.FromString(file_proto.SerializeToString() + unknown)
    expected = descriptor_pb2.FileDescriptorSet(file=[carrying])
    expected.file[0].ClearField("source_code_info")
    assert DescriptorSets([carrying]).for_messages(["x.M"]) == expected.SerializeToString(deterministic=True)
    assert unknown in expected.SerializeToString(deterministic=True)  # the unknown field is kept, as before


def test_descriptors_pb_cut_keeps_every_other_field_around_a_long_source_info():
    """The cut copies the runs of fields around source_code_info as they are: long fields (lengths of several
    bytes), fields after it and unknown fields at the end come out as a copy without source info writes them."""
    from google.protobuf import descriptor_pb2

    from protoc_gen_nifi.descriptors import DescriptorSets

    file_proto = descriptor_pb2.FileDescriptorProto(name="x.proto", package="x" * 300, syntax="proto3")
    file_proto.message_type.add(name="M").field.add(name="f" * 200, number=1, type=9, json_name="f")
    for line in range(300):
        file_proto.source_code_info.location.add(path=[4, 0], span=[line, 0, 12], leading_comments=" note")
    carrying = descriptor_pb2.FileDescriptorProto.FromString(file_proto.SerializeToString() + b"\xf8\x07\x01")
    expected = descriptor_pb2.FileDescriptorProto()
    expected.CopyFrom(carrying)
    expected.ClearField("source_code_info")
    sets = DescriptorSets([carrying])
    assert sets.without_source_info("x.proto") == expected.SerializeToString(deterministic=True)
    assert sets.unique_names and not DescriptorSets([carrying, carrying]).unique_names


def test_a_281_character_service_name_is_a_located_error(tmp_path):
    source = PORT_TEMPLATE.replace("service Fix", "service " + "F" * 281).replace("INTEGRATION", "").replace(
        "PORT", GOOD_PORT)
    outcome = compile_sources(tmp_path, {FIX: source.encode()})
    message = one_error(outcome, "over the limit of 63")
    assert "File name too long" not in outcome.protoc_stderr and message
    located = [d for d in diagnostics(outcome.response.error) if "limit of 63" in d[3]]
    assert located[0][1] > 0, "the error has no line"


def test_a_long_name_under_the_limit_generates(tmp_path):
    files = generates(compile_port(tmp_path, integration=f'name: "{"n" * limits.INTEGRATION_NAME}"'))
    assert any(name.startswith("n" * limits.INTEGRATION_NAME + "/") for name in files)


def test_a_300_character_ref_is_refused_and_a_100_character_one_fits_a_secret_key(tmp_path):
    def port(ref: str) -> str:
        return (f'direction: OUT transport: {{ http: {{ method: POST endpoint_ref: "{ref}" }} tls: {{}} }} '
                'required_headers: ["Authorization"]')

    one_error(compile_port(tmp_path / "a", port("r" * 300)), "endpoint_ref", "limit of 100")
    files = generates(compile_port(tmp_path / "b", port("r" * limits.REF)))
    context = files["fix/nifi/parameter-context.yaml"].decode()
    longest = max(len(name) for name in re.findall(r"(?m)^\s*-?\s*name: (\S+)$", context))
    assert 100 < longest <= limits.PARAMETER_NAME, longest


def test_a_10_mb_ref_is_refused_without_amplification(tmp_path):
    outcome = compile_port(tmp_path, GOOD_PORT.replace('"erp"', '"' + "e" * 10_000_000 + '"'))
    message = one_error(outcome, "10000000 characters long", "limit of 100")
    assert len(outcome.response.error) < 2000 and message


def test_too_many_ports_are_refused(tmp_path):
    rpcs = "".join(f"  rpc P{i}(Payload) returns (google.protobuf.Empty) {{\n"
                   f"    option (ameide_core_proto.integration.v1.port) = {{ {GOOD_PORT} }};\n  }}\n"
                   for i in range(limits.PORTS_PER_INTEGRATION + 1))
    source = re.sub(r"  rpc Port.*?\n  }\n", lambda _: rpcs, PORT_TEMPLATE, flags=re.DOTALL).replace("INTEGRATION", "")
    one_error(compile_sources(tmp_path, {FIX: source.encode()}), "over the limit of 100 ports")


def test_the_total_output_is_limited(tmp_path, monkeypatch):
    from protoc_gen_nifi import plugin

    request = _seed_like_request(tmp_path)
    monkeypatch.setattr(plugin.limits, "OUTPUT_BYTES", 10_000)
    response = plugin_pb2.CodeGeneratorResponse.FromString(plugin.run(request))
    assert "MiB, protoc-gen-nifi's limit" in response.error and not response.file


def _seed_like_request(work: Path) -> bytes:
    outcome = compile_port(work)
    assert not outcome.response.error
    return (work / "request.bin").read_bytes()


# ---- stdout that cannot take the answer ------------------------------------------------------------------

def test_a_full_stdout_is_one_line_not_a_traceback(tmp_path):
    compile_port(tmp_path)
    with open("/dev/full", "wb") as full:
        result = subprocess.run([str(PLUGIN)], input=(tmp_path / "request.bin").read_bytes(), stdout=full,
                                stderr=subprocess.PIPE, timeout=TIMEOUT, check=False)
    assert result.returncode == 1 and b"Traceback" not in result.stderr
    assert result.stderr.decode().startswith("protoc-gen-nifi: cannot write the response to standard output (No "
                                             "space left on device); ")


def test_a_closed_stdout_is_one_line_not_a_traceback(tmp_path):
    compile_port(tmp_path)
    result = subprocess.run([str(PLUGIN)], input=(tmp_path / "request.bin").read_bytes(), stdout=None,
                            stderr=subprocess.PIPE, timeout=TIMEOUT, check=False, close_fds=True,
                            preexec_fn=lambda: __import__("os").close(1))
    assert result.returncode == 1 and b"Traceback" not in result.stderr, result.stderr
    assert result.stderr.decode().count("\n") == 1


# ---- property tests: values, names and schema skew --------------------------------------------------------

_DIGITS = st.sampled_from(["0", "1", "10", "9" * 19, "9" * 26, "9" * 400, "١٠", "１０", "²", "1.5", "0.0001"])
_SIZE_UNITS = st.sampled_from(["B", "KB", " MB", "gb", " TB", "EB", "K\u212a"[1:] + "B", ""])
_TIME_UNITS = st.sampled_from(["ns", " millis", "sec", " mins", "hours", "days", " weeks", "years", ""])


@settings(PROPERTY_SETTINGS, max_examples=12)
@given(size=st.tuples(_DIGITS, _SIZE_UNITS).map("".join), period=st.tuples(_DIGITS, _TIME_UNITS).map("".join),
       objects=st.sampled_from([1, 10000, 2**62, 2**63 - 1]), where=st.sampled_from(["port", "defaults"]))
def test_option_values_give_clean_output_or_located_errors(size, period, objects, where):
    values = (f'backpressure: {{ object_threshold: {objects} data_size_threshold: "{size}" }} '
              f'retry: {{ max_backoff: "{period}" }} tuning: {{ run_duration: "{period}" }}')
    with _work() as work:
        outcome = (compile_port(work, GOOD_PORT + " " + values) if where == "port"
                   else compile_port(work, integration=f"defaults: {{ {values} }}"))
        check_outcome(outcome)  # files that pass flowcheck (same value checks), or located errors
        assert bool(outcome.response.error) == (not is_data_size(size) or _is_zero(size)
                                                or not is_time_period(period)), outcome.response.error


def _is_zero(size: str) -> bool:
    from protoc_gen_nifi.units import data_size_bytes
    return is_data_size(size) and data_size_bytes(size) == 0


_NAME_CHARS = st.sampled_from(["a", "Z", "_", "9", "é", "-", "١"])


@settings(PROPERTY_SETTINGS, max_examples=12)
@given(name_length=st.sampled_from([1, 62, 63, 64, 300]), ref_length=st.sampled_from([1, 99, 100, 101, 400]),
       char=_NAME_CHARS, header=st.sampled_from(["X-Id", "X-It's", "X Id", "x" * 101, "Authorization"]))
def test_names_and_refs_give_clean_output_or_located_errors(name_length, ref_length, char, header):
    ref = ("r" + char * ref_length)[:ref_length]
    port = (f'direction: OUT transport: {{ http: {{ method: POST endpoint_ref: "{ref}" }} }} '
            f'required_headers: ["{header}"]')
    with _work() as work:
        outcome = compile_port(work, port, integration=f'name: "{"n" * name_length}"')
        check_outcome(outcome)
        refused = (name_length > limits.INTEGRATION_NAME or ref_length > limits.REF
                   or header in ("X-It's", "X Id") or len(header) > limits.HEADER_NAME)
        assert bool(outcome.response.error) == refused, outcome.response.error
        for name in outcome.written:
            assert len(name.split("/")[0]) <= limits.INTEGRATION_NAME


def _skews():
    """Ways a vendored options.proto departs from the shipped one, each as an edit of its text."""
    removals = ["optional Tuning tuning = 10;", "optional Tuning tuning = 3;", "optional string run_duration = 3;",
                "optional RetryPolicy retry = 2;", "repeated Transport shared_services = 5;",
                f"message OptionSchema {{\n  optional uint32 version = 1 [default = {VERSION}];\n}}"]
    return st.one_of(
        st.sampled_from(removals).map(lambda r: ("remove", r)),
        st.sampled_from(["int32 batch_size", "int32 concurrent_tasks"]).map(lambda r: ("retype", r)),
        st.integers(0, 9).map(lambda v: ("version", str(v))),
    )


def _apply(skew, text: str) -> str:
    kind, what = skew
    if kind == "remove":
        return text.replace(what, "")
    if kind == "retype":
        return text.replace("optional " + what, "optional " + what.replace("int32", "int64"))
    return text.replace(f"[default = {VERSION}]", f"[default = {what}]", 1)


@settings(PROPERTY_SETTINGS, max_examples=10)
@given(skew=_skews(), port=st.sampled_from([GOOD_PORT, GOOD_PORT + ' tuning: { run_duration: "5 sec" }',
                                             'direction: IN transport: { kafka: { binding_ref: "k" } }']))
def test_option_schema_skew_is_one_clear_error_never_an_internal_one(skew, port):
    # A port that sets a field the skewed copy lacks is refused by protoc itself, before the plugin runs.
    assume(not ("tuning" in port and skew[0] == "remove" and ("tuning" in skew[1] or "run_duration" in skew[1])))
    with _work() as work:
        outcome = _compile_with_options(work, lambda text: _apply(skew, text), port)
        if outcome.protoc_rc != 0 and not outcome.response.error:
            pytest.fail(outcome.protoc_stderr)
        check_outcome(outcome)
        unchanged = skew == ("version", str(VERSION))
        if unchanged:
            assert not outcome.response.error
        else:
            assert len(errors(outcome)) == 1 and "--include-path" in outcome.response.error


def _work():
    import contextlib
    import tempfile

    @contextlib.contextmanager
    def work():
        with tempfile.TemporaryDirectory() as directory:
            yield Path(directory)
    return work()
