"""Issue 5, parts 3 and 5: never a traceback, never an escape.

(a) Random but valid .proto sources (tests/proto_gen.py: proto2, proto3, editions 2023/2024, nested messages,
    enums, maps, oneofs, well-known types, random option values) go through the real protoc and the real plugin
    process. The plugin exits 0, prints nothing on stderr, and answers either files or located errors, never both;
    what it writes parses (JSON, YAML, Python, descriptor sets), passes NiFi's model and import rules
    (flowcheck) and stays inside the output folder.
(b) Malformed requests (random bytes, truncated and mutated real requests, huge and negative fields, empty
    stdin, missing files) never crash, hang or print a traceback.
(c) Hostile text (quotes, backslashes, triple quotes, {{ }}, #{, ${, newlines, YAML specials, unicode, ../) in
    names, comments and option strings never escapes a JSON or YAML string, a generated Python file (compile()
    and ruff) or the output folder, and round-trips exactly.

Known bugs are pinned by strict xfail tests at the end (they start failing, i.e. XPASS, once fixed: then drop
the marker and flip the matching switch below, which widens the property tests to cover the fixed behaviour).
"""
from __future__ import annotations

import contextlib
import json
import os
import posixpath
import re
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import proto_gen
import pytest
import yaml
from conftest import OPTION_PROTOS, PLUGIN, SEED_PROTOS, proto_files
from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st

from protoc_gen_nifi import limits
from protoc_gen_nifi.flowcheck import check_document
from protoc_gen_nifi.naming import (
    HEADER_NAME,
    PARAMETER_NAME,
    ref_slug_is_meaningful,
    snake_slug,
)
from protoc_gen_nifi.plugin import BUG_REPORT, run

# ---- switches for known bugs (see the xfail tests at the end) --------------------------------------
# Some diagnostics say what is wrong but not how to fix it (no "; ..." part).
EVERY_DIAGNOSTIC_SAYS_HOW_TO_FIX = True
# A value with a line break, quoted raw in a diagnostic, splits it over several lines.
DIAGNOSTICS_ARE_ONE_LINE = True
# Option text with #{...} reaches NiFi properties unescaped (an undefined or sensitive parameter reference).
OPTION_TEXT_IS_ESCAPED_FOR_NIFI = True
INJECTED_REFERENCE = re.compile(r"references undefined parameter|non-sensitive property references sensitive")

# Each example runs protoc and the plugin process, so shrinking a failure can take many minutes: CI reports the
# failing example as found (print_blob reproduces it); ROBUSTNESS_SHRINK=1 shrinks it to a minimal one locally.
PHASES = (Phase.explicit, Phase.generate) + ((Phase.shrink,) if os.environ.get("ROBUSTNESS_SHRINK") else ())
PROPERTY_SETTINGS = settings(
    deadline=None, derandomize=True, database=None, print_blob=True, phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
TIMEOUT = 60  # seconds for one protoc run or one plugin process: a hang fails the test

# The forms an `error` may take (diagnostics.py, params.py, plugin.py).
LOCATED = re.compile(r"^(?P<file>[^:\n]+\.proto):(?P<line>\d+):(?P<col>\d+): (?P<msg>.+)$")
UNLOCATED = re.compile(r"^(?P<file>[^:\n]+\.proto): (?P<msg>.+)$")
PARAMETER = re.compile(r"^(?P<file>protoc-gen-nifi parameter): (?P<msg>.+)$")
NOT_A_REQUEST = ("protoc-gen-nifi: standard input is not a CodeGeneratorRequest; run protoc-gen-nifi from protoc "
                 "(--nifi_out) or buf generate")
FOLDER_FILE = re.compile(r"^[a-z0-9_]+/((nifi|schemas|tests|harness|kubernetes)/[A-Za-z0-9_.\-]+|README\.md)$")
# What Kubernetes' name rules refuse (kubernetes=true, the default), located: a name valid for NiFi but too long for
# a label value or a Service name. Such an input must generate with kubernetes=false.
K8S_REFUSAL = re.compile(r"^\S+:\d+:\d+: (integration name '[^']*' is \d+ characters; a Kubernetes label value holds "
                         r"at most 63|port \w+: Service name '[^']*' is not a DNS-1035 label|sensitive parameter "
                         r"'[^']*' cannot be a Secret key|Secret name '[^']*' is not a Kubernetes resource name)")


def without_kubernetes_if_refused(outcome, work: Path, sources: dict, parameter: str = ""):
    """The outcome, or, when Kubernetes' name rules alone refused the request (every line located, one of
    K8S_REFUSAL), the outcome of the same request with kubernetes=false."""
    lines = outcome.response.error.splitlines()
    if not lines or not all(K8S_REFUSAL.match(line) for line in lines):
        return outcome
    again = work / "without-kubernetes"
    again.mkdir()
    return compile_sources(again, sources, ",".join(filter(None, [parameter, "kubernetes=false"])))


# ---- running the real protoc with the real plugin, keeping its raw response -------------------------

@dataclass
class Outcome:
    protoc_rc: int
    protoc_stderr: str
    plugin_rc: int
    plugin_stderr: bytes
    response: plugin_pb2.CodeGeneratorResponse
    written: dict[str, bytes]  # what protoc wrote into the output folder
    sources: dict[str, bytes]


def _capture_script(work: Path) -> Path:
    """Stands in for the plugin: runs it, keeps its stdin, stdout, stderr and exit code, forwards its stdout."""
    script = work / "capture.sh"
    script.write_text(
        "#!/bin/sh\n"
        f"tee '{work}/request.bin' | '{PLUGIN}' > '{work}/response.bin' 2> '{work}/plugin.stderr'\n"
        f"echo $? > '{work}/plugin.rc'\n"
        f"cat '{work}/response.bin'\n"
    )
    script.chmod(0o755)
    return script


def compile_sources(work: Path, sources: dict[str, bytes], parameter: str = "",
                    options_root: Path = OPTION_PROTOS, targets: list[str] | None = None) -> Outcome:
    """`options_root`: where the option protos come from (another copy: schema skew); `targets`: the files
    to generate (default: every source)."""
    root, out = work / "in", work / "out"
    for name, content in sources.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    out.mkdir()
    command = [sys.executable, "-m", "grpc_tools.protoc", f"--plugin=protoc-gen-nifi={_capture_script(work)}",
               f"-I{options_root}", f"-I{root}", f"--nifi_out={out}",
               *([f"--nifi_opt={parameter}"] if parameter else []), *(sources if targets is None else targets)]
    result = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
    stderr = result.stderr.decode("utf-8", "replace")
    if not (work / "plugin.rc").exists():
        listing = "\n".join(f"==== {n}\n{c.decode('utf-8', 'backslashreplace')}" for n, c in sources.items())
        pytest.fail(f"protoc refused the generated sources (a bug in tests/proto_gen.py):\n{stderr}\n{listing}")
    written = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    return Outcome(
        protoc_rc=result.returncode, protoc_stderr=stderr,
        plugin_rc=int((work / "plugin.rc").read_text()), plugin_stderr=(work / "plugin.stderr").read_bytes(),
        response=plugin_pb2.CodeGeneratorResponse.FromString((work / "response.bin").read_bytes()),
        written=written, sources=sources,
    )


def diagnostics(error: str) -> list[tuple[str, int, int, str]]:
    """Parses a response error into (file, line, column, message), checking the documented forms."""
    parsed: list[tuple[str, int, int, str]] = []
    for text in error.split("\n"):
        match = LOCATED.match(text)
        if match:
            parsed.append((match["file"], int(match["line"]), int(match["col"]), match["msg"]))
            continue
        match = UNLOCATED.match(text) or PARAMETER.match(text)
        if match:
            parsed.append((match["file"], 0, 0, match["msg"]))
            continue
        # A line that is no diagnostic: the rest of a value with a line break (a known bug), or garbage.
        assert parsed and not DIAGNOSTICS_ARE_ONE_LINE, f"error line is not `file:line:col: message`: {text!r}"
        file, line, column, message = parsed.pop()
        parsed.append((file, line, column, message + "\n" + text))
    return parsed


def check_outcome(outcome: Outcome) -> None:
    """Everything that holds for any request."""
    response = outcome.response
    assert outcome.plugin_rc == 0, outcome.plugin_stderr
    assert outcome.plugin_stderr == b"", f"the plugin printed on stderr: {outcome.plugin_stderr[-2000:]!r}"
    assert "Traceback" not in outcome.protoc_stderr
    assert not (response.error and response.file), "a response carries both an error and files"
    if response.error:
        assert "internal error" not in response.error and BUG_REPORT not in response.error, response.error
        assert outcome.protoc_rc != 0 and outcome.written == {}, "an error, yet protoc wrote files"
        parsed = diagnostics(response.error)
        assert parsed == sorted(set(parsed)), "diagnostics are not sorted and unique"
        for file, line, column, message in parsed:
            if file.endswith(".proto"):
                assert file in outcome.sources, f"diagnostic for a file not in the request: {file}"
                assert line <= outcome.sources[file].count(b"\n") + 1 and (line == 0) == (column == 0)
            if EVERY_DIAGNOSTIC_SAYS_HOW_TO_FIX:
                assert "; " in message, f"says what is wrong but not how to fix it: {message}"
    else:
        assert outcome.protoc_rc == 0, outcome.protoc_stderr
        assert set(outcome.written) == {f.name for f in response.file}
        check_files(outcome.written)


def check_files(files: dict[str, bytes]) -> None:
    """Every artifact parses and stays inside the output folder."""
    for name, content in files.items():
        assert FOLDER_FILE.match(name), f"unexpected artifact path {name!r}"
        assert posixpath.normpath(name) == name and not name.startswith(("/", "..")), name
        if name.endswith(".json"):
            json.loads(content)
        elif name.endswith((".yaml", ".yml")):
            yaml.safe_load(content)
        elif name.endswith(".py"):
            compile(content, name, "exec")
        elif name.endswith(".pb"):
            descriptor_pb2.FileDescriptorSet.FromString(content)
        elif name.endswith(".svg"):  # proto text in the picture stays text: the SVG still parses
            ElementTree.fromstring(content)
        else:
            content.decode("utf-8")
    for name, content in files.items():
        if name.endswith(("flow.snapshot.json", "flow-definition.json")):
            for context in json.loads(content)["parameterContexts"].values():
                for parameter in context["parameters"]:  # each one a Kubernetes Secret key, too
                    assert len(parameter["name"]) <= limits.PARAMETER_NAME, parameter["name"]
            problems = [p for p in check_document(json.loads(content), generated=True)
                        if OPTION_TEXT_IS_ESCAPED_FOR_NIFI or not INJECTED_REFERENCE.search(p.message)]
            assert problems == [], f"{name}: {[str(p) for p in problems]}"


# ---- (a) random valid sources, random options ------------------------------------------------------

@settings(PROPERTY_SETTINGS, max_examples=30)
@given(batch=proto_gen.batches(valid=False))
def test_random_protos_and_options_give_files_or_located_errors_never_a_crash(batch):
    with tempfile.TemporaryDirectory() as work:
        outcome = compile_sources(Path(work), batch.files, batch.parameter)
    check_outcome(outcome)
    event("error" if outcome.response.error else "files" if outcome.response.file else "nothing")
    if not batch.has_options and not batch.parameter:
        assert not outcome.response.error and not outcome.response.file, "no option, yet output or an error"


@settings(PROPERTY_SETTINGS, max_examples=25)
@given(batch=proto_gen.batches(valid=True))
def test_random_valid_integrations_always_generate(batch):
    with tempfile.TemporaryDirectory() as work:
        outcome = compile_sources(Path(work), batch.files, batch.parameter)
        outcome = without_kubernetes_if_refused(outcome, Path(work), batch.files, batch.parameter)
    check_outcome(outcome)
    assert outcome.response.error == ""
    folders = {name.split("/", 1)[0] for name in outcome.written}
    assert folders == batch.expected_slugs
    event(f"{len(folders)} integrations")
    for transport in batch.transports:
        event(f"port {transport}")


# ---- (b) malformed requests --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_request(tmp_path_factory) -> bytes:
    """The CodeGeneratorRequest protoc sends for the seed example, as bytes."""
    work = tmp_path_factory.mktemp("capture")
    (work / "out").mkdir()
    request = work / "request.bin"
    script = work / "request.sh"
    script.write_text(f"#!/bin/sh\ncat > '{request}'\nexec '{PLUGIN}' < '{request}'\n")
    script.chmod(0o755)
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"--plugin=protoc-gen-nifi={script}",
                    f"-I{OPTION_PROTOS}", f"-I{SEED_PROTOS}", f"--nifi_out={work / 'out'}",
                    *proto_files(SEED_PROTOS)], check=True, timeout=TIMEOUT)
    data = request.read_bytes()
    assert plugin_pb2.CodeGeneratorRequest.FromString(data).source_file_descriptors
    return data


@contextlib.contextmanager
def no_hang(seconds: float = TIMEOUT):
    """Fails (instead of hanging) when the block runs longer than `seconds`."""
    def expire(signum, frame):
        raise TimeoutError(f"the plugin ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_in_process(data: bytes) -> plugin_pb2.CodeGeneratorResponse:
    """plugin.run must return a response for any bytes: it never raises and never hangs."""
    with no_hang():
        return plugin_pb2.CodeGeneratorResponse.FromString(run(data))


def run_process(data: bytes, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(PLUGIN)], input=data, capture_output=True, timeout=TIMEOUT, check=False, **kwargs)


def check_process(result: subprocess.CompletedProcess) -> plugin_pb2.CodeGeneratorResponse | None:
    """Exit 0 with a response, or non-zero with one clean line on stderr; never a traceback."""
    assert b"Traceback" not in result.stderr, result.stderr.decode("utf-8", "replace")[-3000:]
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        assert len(lines) == 1, lines
        return None
    assert result.stderr == b""
    return plugin_pb2.CodeGeneratorResponse.FromString(result.stdout)


@settings(PROPERTY_SETTINGS, max_examples=300)
@given(data=st.one_of(st.binary(max_size=512), st.binary(min_size=1, max_size=64).map(lambda b: b"\x0a" + b)))
def test_random_bytes_never_crash(data):
    response = run_in_process(data)
    assert not response.file


def _mutations(request: plugin_pb2.CodeGeneratorRequest) -> st.SearchStrategy:
    """Structured damage to a real request: what a broken or hostile compiler could send."""
    names = [f.name for f in request.proto_file]

    def apply(choice: tuple) -> bytes:
        kind, a, b = choice
        copy = plugin_pb2.CodeGeneratorRequest()
        copy.CopyFrom(request)
        if kind == "drop_proto_file":
            del copy.proto_file[a % len(copy.proto_file)]
        elif kind == "drop_source":
            del copy.source_file_descriptors[a % len(copy.source_file_descriptors)]
        elif kind == "no_source":
            copy.ClearField("source_file_descriptors")
        elif kind == "missing_target":
            copy.file_to_generate.append(f"missing/{a}.proto")
        elif kind == "no_targets":
            copy.ClearField("file_to_generate")
        elif kind == "reorder":
            files = list(copy.proto_file)
            files = files[a % len(files):] + files[: a % len(files)]
            copy.ClearField("proto_file")
            copy.proto_file.extend(files)
        elif kind == "duplicate":
            copy.proto_file.add().CopyFrom(request.proto_file[a % len(names)])
        elif kind == "version":
            copy.compiler_version.major, copy.compiler_version.minor = a, b
        elif kind == "strip_source_info":
            for f in copy.source_file_descriptors:
                f.ClearField("source_code_info")
        elif kind == "wrong_input_type":
            for f in copy.source_file_descriptors:
                for service in f.service:
                    for method in service.method:
                        method.input_type = [".nope.Missing", "", ".", "Relative", ".acme"][a % 5]
        elif kind == "wrong_dependency":
            copy.source_file_descriptors[a % len(copy.source_file_descriptors)].dependency.append("missing.proto")
        data = copy.SerializeToString()
        if kind == "truncate":
            return data[: a % max(len(data), 1)]
        if kind == "flip":
            position = a % len(data)
            return data[:position] + bytes([data[position] ^ (b % 255 + 1)]) + data[position + 1:]
        return data

    kinds = st.sampled_from(["drop_proto_file", "drop_source", "no_source", "missing_target", "no_targets",
                             "reorder", "duplicate", "version", "strip_source_info", "wrong_input_type",
                             "wrong_dependency", "truncate", "truncate", "flip", "flip"])
    ints = st.integers(-(2**31), 2**31 - 1)
    return st.tuples(kinds, ints.map(abs), ints).map(apply)


@settings(PROPERTY_SETTINGS, max_examples=200)
@given(data=st.data())
def test_damaged_real_requests_never_crash(seed_request, data):
    damaged = data.draw(_mutations(plugin_pb2.CodeGeneratorRequest.FromString(seed_request)))
    response = run_in_process(damaged)
    assert not (response.error and response.file)


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        out.append((value & 0x7F) | (0x80 if value > 0x7F else 0))
        value >>= 7
        if not value:
            return bytes(out)


def _nested(depth: int) -> bytes:
    """A request whose one file holds a message nested `depth` levels deep."""
    message = b""
    for _ in range(depth):
        message = b"\x1a" + _varint(len(message)) + message  # DescriptorProto.nested_type
    file = b"\x22" + _varint(len(message)) + message  # FileDescriptorProto.message_type
    return b"\x7a" + _varint(len(file)) + file  # CodeGeneratorRequest.proto_file


MALFORMED = {
    "empty": b"",
    "one byte": b"\x0a",
    "random": bytes(range(256)) * 4,
    "huge length": b"\x0a" + _varint(2**62) + b"x",
    "negative length": b"\x0a" + _varint(-5) + b"xxxxx",
    "negative version": b"\x1a\x0b\x08" + _varint(-1),
    "unknown huge field": _varint((2**29 - 1) << 3 | 0) + _varint(2**64 - 1),
    "end group without start": b"\x0c",
    "deeply nested": _nested(5000),
    "huge parameter": b"\x12" + _varint(4_000_000) + b"x" * 4_000_000,
    "missing file": plugin_pb2.CodeGeneratorRequest(file_to_generate=["missing/x.proto"]).SerializeToString(),
}


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyError("k"), RecursionError("deep"), MemoryError(),
                                   UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")])
def test_an_exception_inside_the_plugin_is_a_clean_bug_report(monkeypatch, seed_request, error):
    from protoc_gen_nifi import plugin

    def explode(*args, **kwargs):
        raise error

    monkeypatch.setattr(plugin, "generate", explode)
    response = run_in_process(seed_request)
    assert not response.file
    assert response.error == f"protoc-gen-nifi: internal error {type(error).__name__}: {error}; {BUG_REPORT}"


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_request_process_exits_cleanly(name):
    response = check_process(run_process(MALFORMED[name]))
    assert response is None or not response.file


@pytest.mark.parametrize("cut", [1, 2, 10, 100, 1000, 0.5, -10, -1])
def test_truncated_real_request_is_an_error_not_a_traceback(seed_request, cut):
    end = int(len(seed_request) * cut) if isinstance(cut, float) else cut
    response = check_process(run_process(seed_request[:end]))
    assert response is not None and response.error == NOT_A_REQUEST and not response.file


# ---- (c) hostile text in names, comments and option strings -------------------------------------------

INJECTION_TEMPLATE = """\
syntax = "proto3";

package acme.hostile.v1;

import "ameide_core_proto/common/v1/eventing.proto";
import "ameide_core_proto/integration/v1/options.proto";
import "google/protobuf/empty.proto";

{message_comment}
message Payload {{
  option (ameide_core_proto.integration.v1.schema) = {{ subject: {text} }};
  option (ameide_core_proto.common.v1.event_fact) = {{
    type: {text} schema_subject: {text} stream_ref: {ref} partition_key_fields: ["id"]
  }};
  string id = 1;
}}

service Explicit {{
  option (ameide_core_proto.integration.v1.integration) = {{ name: {name} description: {text} }};
  rpc In(Payload) returns (google.protobuf.Empty) {{
    option (ameide_core_proto.integration.v1.port) = {{
      direction: IN transport: {{ kafka: {{ binding_ref: {ref} }} }}
      content_type: "application/json" description: {text}
    }};
  }}
  rpc Out(Payload) returns (google.protobuf.Empty) {{
    option (ameide_core_proto.integration.v1.port) = {{
      direction: OUT transport: {{ http: {{ method: POST endpoint_ref: {ref} }} }}
      content_type: "application/json" required_headers: [{headers}] description: {text}
    }};
  }}
}}

{service_comment}
service FromComments {{
{rpc_comment}
  rpc Publish(Payload) returns (google.protobuf.Empty) {{
    option (ameide_core_proto.integration.v1.port) = {{
      direction: OUT transport: {{ kafka: {{ binding_ref: {ref} }} }} routing_key: "id"
    }};
  }}
}}
"""
FIXED_REF = "hostile-ref"


def _comment_words(text: str) -> list[str]:
    """The words a leading // comment of `text` carries (what the plugin may turn into a description)."""
    return "".join(c if c in "\t\n" or c >= " " and c != "\x7f" else "?" for c in text).split()


@settings(PROPERTY_SETTINGS, max_examples=20)
@example(text="".join(proto_gen.HOSTILE_PIECES))
@example(text='""" + __import__("os").system("x") + """\n{{ 7*7 }} #{kafka.sasl.password} ${literal("x")}')
@example(text="../../../../etc/passwd")
@example(text="key: value\n- item\n? complex\n&anchor *alias !!python/object/apply:os.system ['x']")
@given(text=proto_gen.hostile_text(10))
def test_hostile_text_round_trips_and_never_escapes(text):
    # A ref must not look like an address and must keep an ASCII letter or digit (it names parameters).
    ref = text if not any(m in text for m in ("://", "/", ":", "@", " ", "\\")) and ref_slug_is_meaningful(text) \
        else FIXED_REF
    headers = ["Authorization"] + ([text] if HEADER_NAME.match(text) and text.lower() != "authorization" else [])
    # The integration name is the text while its slug fits the stated limit (limits.py).
    name = text if len(snake_slug(text)) <= limits.INTEGRATION_NAME else "n"
    source = INJECTION_TEMPLATE.format(
        text=proto_gen.proto_string(text), name=proto_gen.proto_string(name), ref=proto_gen.proto_string(ref),
        headers=", ".join(proto_gen.proto_string(h) for h in headers),
        message_comment="\n".join(proto_gen.comment_lines(text, False, "")),
        service_comment="\n".join(proto_gen.comment_lines(text, False, "")),
        rpc_comment="\n".join(proto_gen.comment_lines(text, True, "  ")),
    ).encode("utf-8")
    with tempfile.TemporaryDirectory() as work:
        outcome = compile_sources(Path(work), {"acme/hostile/v1/hostile.proto": source})
        outcome = without_kubernetes_if_refused(outcome, Path(work), {"acme/hostile/v1/hostile.proto": source})
        check_outcome(outcome)
        assert not outcome.response.error, outcome.response.error
        files = outcome.written
        _ruff(Path(work), {n: c for n, c in files.items() if n.endswith(".py")})

    folders = sorted({name.split("/", 1)[0] for name in files})
    assert len(folders) == 2 and "from_comments" in folders, folders
    (explicit,) = [f for f in folders if f != "from_comments"]
    assert re.fullmatch(r"[a-z0-9_]+", explicit)

    # The integration description, through JSON and YAML, exactly.
    flow = json.loads(files[f"{explicit}/nifi/flow.snapshot.json"])
    (context,) = flow["parameterContexts"].values()
    assert context["description"] == text
    context_yaml = yaml.safe_load(files[f"{explicit}/nifi/parameter-context.yaml"])
    assert context_yaml["description"] == text
    assert [(p["name"], p["description"]) for p in context_yaml["parameters"]] == [
        (p["name"], p["description"]) for p in context["parameters"]]
    for param in context["parameters"]:
        assert PARAMETER_NAME.match(param["name"]), param["name"]
    # Through the Kubernetes resources too, each still valid against its CRD (unless Kubernetes refused the name).
    if f"{explicit}/kubernetes/parameter-context.yaml" in files:
        from protoc_gen_nifi.k8s_schema import problems

        k8s_context = yaml.safe_load(files[f"{explicit}/kubernetes/parameter-context.yaml"])
        assert k8s_context["spec"]["description"] == text
        for name in (n for n in files if n.startswith(f"{explicit}/kubernetes/")):
            assert problems(yaml.safe_load(files[name])) == [], name
    # Port descriptions land in their group's comments, intact.
    groups = {g["name"]: g for g in flow["flowContents"]["processGroups"]}
    assert text.strip() in groups["ingress in"]["comments"]
    assert text.strip() in groups["egress out"]["comments"]
    # A leading comment becomes the description when the option gives none: the same words.
    comment_flow = json.loads(files["from_comments/nifi/flow.snapshot.json"])
    (comment_context,) = comment_flow["parameterContexts"].values()
    assert comment_context["description"].split() == _comment_words(text)
    comment_groups = {g["name"]: g for g in comment_flow["flowContents"]["processGroups"]}
    words, comments = _comment_words(text.replace("*", "+")), comment_groups["egress publish"]["comments"].split()
    assert comments[len(comments) - len(words):] == words


def _ruff(work: Path, python_files: dict[str, bytes]) -> None:
    target = work / "ruff"
    for name, content in python_files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--select",
                             "E,F,W,B", "--line-length", "120", str(target)], capture_output=True, text=True,
                            timeout=TIMEOUT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", ["../../etc", "..", ".", "/etc/passwd", "C:\\Windows\\System32", "~root",
                                  "a/../../b", "..\\..\\x", "\u2024\u2024/x", "%2e%2e%2fx", "\x00", "", "   "])
def test_an_integration_name_never_leaves_the_output_folder(tmp_path, name):
    source = INJECTION_TEMPLATE.format(
        text='"t"', name=proto_gen.proto_string(name), ref='"r"', headers='"X-Id"', message_comment="",
        service_comment="", rpc_comment="").encode()
    outcome = compile_sources(tmp_path, {"acme/hostile/v1/hostile.proto": source})
    check_outcome(outcome)
    assert outcome.written
    out = (tmp_path / "out").resolve()
    for file in outcome.written:
        assert (out / file).resolve().is_relative_to(out), file
    assert not any(p for p in tmp_path.iterdir() if p.name not in {"in", "out", "capture.sh", "request.bin",
                                                                   "response.bin", "plugin.stderr", "plugin.rc"})


@pytest.mark.parametrize("ref", ["../topic", "..\\topic", "/abs", "a/../b", "orders/../../x"])
def test_a_path_in_a_ref_is_refused(tmp_path, ref):
    source = INJECTION_TEMPLATE.format(
        text='"t"', name='"n"', ref=proto_gen.proto_string(ref), headers='"X-Id"', message_comment="",
        service_comment="", rpc_comment="").encode()
    outcome = compile_sources(tmp_path, {"acme/hostile/v1/hostile.proto": source})
    check_outcome(outcome)
    assert outcome.written == {}
    assert f"{ref!r} looks like a literal" in outcome.response.error


# ---- known bugs: strict xfail, each a minimal reproduction -------------------------------------------

NOT_UTF8_CASES = {
    # field -> (a proto2-string option value written as an escape that is not UTF-8)
    "binding_ref": ('binding_ref: "orders-in"', 'binding_ref: "caf\\xe9"'),
    "integration name": ('name: "n"', 'name: "caf\\xe9"'),
    "content_type": ('content_type: "text/plain"', 'content_type: "caf\\xe9"'),
    "integration description": ('description: "d"', 'description: "caf\\xe9"'),
    "port description": ('description: "p"', 'description: "caf\\xe9"'),
    "data_size_threshold": ('data_size_threshold: "1 GB"', 'data_size_threshold: "caf\\xe9"'),
    "required header": ('required_headers: ["X-Id"]', 'required_headers: ["caf\\xe9"]'),
    "event type": ('type: "t"', 'type: "caf\\xe9"'),
    "latin-1 comment": ("// A comment.", "// Caf\xe9 (this file is Latin-1)"),
}
NOT_UTF8_TEMPLATE = """\
syntax = "proto3";
package acme.latin.v1;
import "ameide_core_proto/common/v1/eventing.proto";
import "ameide_core_proto/integration/v1/options.proto";
import "google/protobuf/empty.proto";
message Payload {
  option (ameide_core_proto.common.v1.event_fact) = { type: "t" };
  string id = 1;
}
// A comment.
service Latin {
  option (ameide_core_proto.integration.v1.integration) = {
    name: "n" defaults: { backpressure: { data_size_threshold: "1 GB" } } };
  rpc Out(Payload) returns (google.protobuf.Empty) {
    option (ameide_core_proto.integration.v1.port) = {
      direction: OUT transport: { kafka: { binding_ref: "orders-in" } } content_type: "text/plain"
      required_headers: ["X-Id"] description: "p" };
  }
}
"""


@pytest.mark.parametrize("case", sorted(NOT_UTF8_CASES))
def test_text_that_is_not_utf8_is_a_clean_located_error(tmp_path, case):
    before, after = NOT_UTF8_CASES[case]
    template = NOT_UTF8_TEMPLATE if case != "integration description" else NOT_UTF8_TEMPLATE.replace(
        'name: "n"', 'name: "n" description: "d"')
    assert before in template
    source = template.replace(before, after, 1).encode("latin-1")
    outcome = compile_sources(tmp_path, {"acme/latin/v1/latin.proto": source})
    check_outcome(outcome)  # no internal error
    for name, content in outcome.written.items():
        assert b"b'caf" not in content and b"b'Caf" not in content, f"{name} holds a Python bytes repr"


PORT_TEMPLATE = """\
syntax = "proto3";
package acme.fix.v1;
import "ameide_core_proto/integration/v1/options.proto";
import "google/protobuf/empty.proto";
message Payload { string id = 1; }
service Fix {
  option (ameide_core_proto.integration.v1.integration) = { INTEGRATION };
  rpc Port(Payload) returns (google.protobuf.Empty) {
    option (ameide_core_proto.integration.v1.port) = { PORT };
  }
}
"""
GOOD_PORT = 'direction: OUT transport: { http: { method: POST endpoint_ref: "erp" } }'


def compile_port(work: Path, port: str = GOOD_PORT, integration: str = "", parameter: str = "") -> Outcome:
    source = PORT_TEMPLATE.replace("INTEGRATION", integration).replace("PORT", port)
    return compile_sources(work, {"acme/fix/v1/fix.proto": source.encode()}, parameter)


@pytest.mark.parametrize("port, parameter", [
    pytest.param('direction: IN transport: { kafka: {} }', "", id="no ref"),
    pytest.param('direction: OUT transport: { http: { method: POST } }', "", id="no endpoint_ref"),
    pytest.param('direction: OUT transport: { http: { endpoint_ref: "erp" } }', "", id="no method"),
    pytest.param(GOOD_PORT + ' required_headers: ["X Api"]', "", id="bad header"),
    pytest.param('direction: OUT transport: { redis: { binding_ref: "r" } }', "", id="redis no mode"),
    pytest.param('direction: OUT transport: { redis: { binding_ref: "r" mode: HASH } }', "", id="redis no key"),
    pytest.param('direction: IN transport: { schedule: {} }', "", id="schedule neither"),
    pytest.param('direction: IN transport: { http: { method: PATCH endpoint_ref: "e" } }', "", id="http in patch"),
    pytest.param(GOOD_PORT, "retry_count=-1", id="parameter number"),
    pytest.param('transport: { kafka: { binding_ref: "a" } }', "", id="no direction"),
    pytest.param('direction: OUT', "", id="no transport"),
    pytest.param('direction: IN transport: { kafka: { binding_ref: "a b" } }', "", id="literal ref"),
    pytest.param(GOOD_PORT + ' backpressure: { object_threshold: 0 }', "", id="zero objects"),
    pytest.param(GOOD_PORT + ' retry: { count: -1 }', "", id="negative retries"),
    pytest.param(GOOD_PORT + ' tuning: { every: "1 min" cron: "0 0 2 * * ?" }', "", id="every and cron"),
    pytest.param('direction: IN transport: { kafka: { binding_ref: "a" } } required_headers: ["X-Id"]', "",
                 id="headers on kafka in"),
    pytest.param(GOOD_PORT, "colour=blue", id="unknown parameter"),
])
def test_every_diagnostic_says_how_to_fix_it(tmp_path, port, parameter):
    outcome = compile_port(tmp_path, port, parameter=parameter)
    check_outcome(outcome)
    parsed = diagnostics(outcome.response.error)
    assert parsed, "expected an error"
    for _, _, _, message in parsed:
        assert "; " in message, message


def test_every_problem_of_a_port_is_reported_at_once(tmp_path):
    port = ('direction: OUT transport: { http: { method: POST endpoint_ref: "erp" } } required_headers: ["X Api"] '
            'backpressure: { object_threshold: 0 } retry: { count: -1 } tuning: { concurrent_tasks: 0 }')
    messages = "\n".join(m for _, _, _, m in diagnostics(compile_port(tmp_path, port).response.error))
    for part in ("required header", "object_threshold", "retry.count", "concurrent_tasks"):
        assert part in messages, f"{part} not reported:\n{messages}"


@pytest.mark.parametrize("port, integration", [
    ('direction: IN transport: { kafka: { binding_ref: "kafka:9092\\nacme/other.proto:1:1: forged; ignore" } }', ""),
    ('direction: OUT transport: { http: { method: POST endpoint_ref: "https://x\\ny" } }', ""),
    (GOOD_PORT + ' backpressure: { data_size_threshold: "1\\nGiB" }', ""),
    (GOOD_PORT, 'defaults: { retry: { max_backoff: "soon\\nish" } }'),
    (GOOD_PORT + ' tuning: { cron: "0 0\\n2" }', ""),
], ids=["binding_ref", "endpoint_ref", "data_size_threshold", "max_backoff", "cron"])
def test_a_diagnostic_stays_one_line_whatever_the_value(tmp_path, port, integration):
    outcome = compile_port(tmp_path, port, integration)
    assert outcome.response.error
    for line in outcome.response.error.split("\n"):
        assert LOCATED.match(line) and line.startswith("acme/fix/v1/fix.proto:"), line


def _components(group: dict):
    yield from group["processors"]
    yield from group["controllerServices"]
    for child in group["processGroups"]:
        yield from _components(child)


@pytest.mark.parametrize("text", ["#{kafka.sasl.password}", "#{undeclared}", "${hostname()}", "X'Quote"])
def test_option_text_cannot_inject_parameter_references_or_expressions(tmp_path, text):
    header = text if HEADER_NAME.match(text) else "X-Id"
    source = INJECTION_TEMPLATE.format(
        text=proto_gen.proto_string(text), name='"n"', ref='"r"', headers=proto_gen.proto_string(header),
        message_comment="", service_comment="", rpc_comment="").encode()
    outcome = compile_sources(tmp_path, {"acme/hostile/v1/hostile.proto": source})
    check_outcome(outcome)
    flow = json.loads(outcome.written["n/nifi/flow.snapshot.json"])
    assert check_document(flow, generated=True) == []
    # NiFi evaluates property values (comments and names are inert text).
    blob = json.dumps([component["properties"] for component in _components(flow["flowContents"])])
    assert "${hostname()}" not in blob.replace("$${hostname()}", ""), "option text evaluated as NiFi EL"
    assert "${'X'Quote'}" not in blob, "a quote in a header name breaks the EL string"


@pytest.mark.parametrize("where", ["port", "defaults", "parameter"])
def test_a_zero_data_size_threshold_is_refused(tmp_path, where):
    zero = 'backpressure: { data_size_threshold: "0 B" }'
    outcome = compile_port(tmp_path, GOOD_PORT + (" " + zero if where == "port" else ""),
                           "defaults: { " + zero + " }" if where == "defaults" else "",
                           "backpressure_size=0 B" if where == "parameter" else "")
    check_outcome(outcome)
    assert "0 B" in outcome.response.error


def test_a_request_naming_a_missing_file_is_an_error():
    response = run_in_process(MALFORMED["missing file"])
    assert "missing/x.proto" in response.error


def test_a_closed_stdout_is_not_a_traceback(seed_request):
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run([str(PLUGIN)], input=seed_request, stdout=write, stderr=subprocess.PIPE,
                                timeout=TIMEOUT, check=False)
    finally:
        os.close(write)
    assert b"Traceback" not in result.stderr, result.stderr.decode()


def test_a_request_missing_an_import_is_a_bad_request_not_a_bug(seed_request):
    request = plugin_pb2.CodeGeneratorRequest.FromString(seed_request)
    kept = [f for f in request.proto_file if f.name != "google/protobuf/timestamp.proto"]
    del request.proto_file[:]
    request.proto_file.extend(kept)
    response = run_in_process(request.SerializeToString())
    assert response.error.startswith("acme/")
    assert "the request's descriptors are inconsistent" in response.error and BUG_REPORT not in response.error
    assert not response.file


def test_bad_parameters_and_bad_protos_are_reported_together(tmp_path):
    outcome = compile_port(tmp_path, 'direction: OUT', parameter="colour=blue")
    messages = [message for *_, message in diagnostics(outcome.response.error)]
    assert any("unknown parameter 'colour'" in m for m in messages), messages
    assert any("has no transport" in m for m in messages), messages


def test_a_huge_parameter_value_is_shortened_in_the_error():
    request = plugin_pb2.CodeGeneratorRequest(parameter="nifi_version=" + "9" * 4_000_000,
                                              file_to_generate=["a.proto"], proto_file=[{"name": "a.proto"}])
    response = run_in_process(request.SerializeToString())
    assert "nifi_version=999" in response.error and len(response.error) < 300
