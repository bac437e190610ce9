#!/usr/bin/env python3
"""Benchmark: protoc-gen-nifi against mypy-protobuf, protoc's own --python_out and the limit.

    .venv/bin/python bench/bench.py                          # N=200 integrations x M=10 ports, and 4N
    .venv/bin/python bench/bench.py --n 5 --m 3 --runs 1     # CI smoke test of this script

Run it with the project's venv (`python3 dev.py test` creates it with the `test`
extras, which include mypy-protobuf and buf). For each workload (`bench`: messages with
nested types, maps, oneofs, enums and well-known types plus one shared file they import;
`plain`: one domain message per port with a nested message, an enum, a map, a repeated
field, a oneof and a timestamp) and each size (N, then 4N) it

1. writes N integration protos with M ports each (Kafka IN, HTTP OUT, Kafka OUT in turn);
2. compiles them once with the real protoc (grpcio-tools) and a capture plugin
   that stores the exact CodeGeneratorRequest bytes protoc sends to a plugin;
3. feeds those bytes on stdin to (a) protoc-gen-nifi, (b) protoc-gen-mypy and (e) the
   limit plugin (it parses the request and writes exactly protoc-gen-nifi's response bytes,
   copied from a stored response: what any Python plugin of the same output pays at
   least), each in a fresh process, and times (c) `protoc --python_out` on the
   same files, the floor of the compiler itself.

Then, once: (d) Python start-up with the plugin's imports, next to a bare
`python -c "import google.protobuf.descriptor_pb2"`; (f) a one-port run (one integration,
one port); `buf generate` with `strategy: directory` (one plugin process per directory)
for ours and mypy-protobuf on --directory-n integrations; and pytest over the generated
structural tests of the first workload at N (pytest without third-party plugins), next to
the time that generated them.

Every figure is the median wall time over --runs runs (after one warm-up run), next
to the median CPU time (user + system, children included; steadier when other work
shares the machine) and the peak RSS of the child process (os.wait4). Commands are
interleaved, so drift hits every tool alike; compare the ratios of one run, never seconds
across runs. A plugin that answers with an error, or with fewer files than expected,
fails the benchmark (exit 1): timing an error path would mean nothing. Timing targets
are reported, never enforced.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OPTION_PROTOS = ROOT / "proto"
PROTOC = [sys.executable, "-m", "grpc_tools.protoc"]
OURS = BIN / "protoc-gen-nifi"
MYPY = BIN / "protoc-gen-mypy"
FILES_PER_INTEGRATION = 9  # nifi/ x4, schemas/descriptors.pb, tests/ x1, harness/ x3

# (d) what the plugin process imports before it reads the request; the generation
# pipeline and jinja2 load after validation, on the first integration ...
STARTUP_OURS = "import protoc_gen_nifi.cli, protoc_gen_nifi.plugin"
# ... and this is everything a generating run has imported by its end, for comparison.
STARTUP_RUN = "import protoc_gen_nifi.cli, protoc_gen_nifi.plugin, protoc_gen_nifi.artifacts, jinja2"
STARTUP_FLOOR = "import google.protobuf.descriptor_pb2"

# Targets (issues 6 and 15), reported next to the figures, never an exit code.
TARGET_VS_MYPY_CPU = 0.8  # ours / mypy-protobuf, CPU, on the same request, every workload and size
TARGET_GROWTH = 4.4  # N -> 4N, wall
TARGET_STARTUP = 1.5  # our imports / a bare protobuf import
TARGET_ONE_PORT = 1.5  # a one-port run / a bare protobuf import, wall
TARGET_DIRECTORY = 1.2  # buf generate, strategy: directory, ours / mypy-protobuf, wall
TARGET_LIMIT = 2.0  # ours / the limit plugin, CPU, at N
TARGET_STRUCTURAL = 2.0  # pytest over the generated structural tests / generating them, wall, at N


# --------------------------------------------------------------------------- workload

COMMON_PROTO = """\
// Shared by every integration of the benchmark: a cross-file dependency.
syntax = "proto3";

package bench.common.v1;

import "google/protobuf/timestamp.proto";

enum Region {
  REGION_UNSPECIFIED = 0;
  REGION_EU = 1;
  REGION_US = 2;
}

message Money {
  string currency = 1;
  int64 units = 2;
  int32 nanos = 3;
}

message Audit {
  string actor = 1;
  google.protobuf.Timestamp at = 2;
  map<string, string> labels = 3;
}
"""

INTEGRATION_HEAD = """\
// Benchmark integration {i}: {m} ports over Kafka and HTTP.
syntax = "proto3";

package bench.i{i:04d}.v1;

import "ameide_core_proto/common/v1/eventing.proto";
import "ameide_core_proto/integration/v1/options.proto";
import "bench/common/v1/common.proto";
import "google/protobuf/any.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";

enum Priority {{
  PRIORITY_UNSPECIFIED = 0;
  PRIORITY_LOW = 1;
  PRIORITY_HIGH = 2;
}}
"""

RECORD = """
// The payload of port {j}.
message Record{j} {{
{options}  enum State {{
    STATE_UNSPECIFIED = 0;
    STATE_OPEN = 1;
    STATE_CLOSED = 2;
  }}
  message Line {{
    string sku = 1;
    int32 quantity = 2;
    map<string, string> attributes = 3;
    google.protobuf.Timestamp at = 4;
    bench.common.v1.Money price = 5;
  }}
  string id = 1;
  State state = 2;
  Priority priority = 3;
  repeated Line lines = 4;
  map<string, int64> counters = 5;
  map<string, Line> lines_by_sku = 6;
  google.protobuf.Timestamp created_at = 7;
  google.protobuf.Duration ttl = 8;
  google.protobuf.StringValue note = 9;
  google.protobuf.Struct extra = 10;
  oneof body {{
    string text = 11;
    bytes blob = 12;
    google.protobuf.Any any = 13;
    Line single = 14;
  }}
  google.protobuf.FieldMask mask = 15;
  bench.common.v1.Money total = 16;
  bench.common.v1.Region region = 17;
  bench.common.v1.Audit audit = 18;
}}
"""

FACT = """\
  option (ameide_core_proto.common.v1.event_fact) = {{
    type: "bench.i{i:04d}.record{j}.v1"
    stream_ref: "bench.i{i:04d}.facts"
    partition_key_fields: ["id"]
  }};
"""
SCHEMA = """\
  option (ameide_core_proto.integration.v1.schema) = {{ subject: "bench-i{i:04d}-record{j}" compatibility: WIRE }};
"""

PORTS = (
    # kafka IN
    """
  // Consumes record {j}.
  rpc Record{j}In(Record{j}) returns (google.protobuf.Empty) {{
    option (ameide_core_proto.integration.v1.port) = {{
      direction: IN
      transport: {{ kafka: {{ binding_ref: "records-{j}-in" }} }}
      content_type: "application/x-protobuf"
      envelope: DOMAIN_FACT
    }};
  }}
""",
    # http OUT
    """
  // Writes record {j} over HTTP.
  rpc Record{j}HttpOut(Record{j}) returns (google.protobuf.Empty) {{
    option (ameide_core_proto.integration.v1.port) = {{
      direction: OUT
      transport: {{ http: {{ method: POST endpoint_ref: "records-{j}" }} }}
      content_type: "application/json"
      required_headers: ["Authorization", "X-Correlation-Id"]
    }};
  }}
""",
    # kafka OUT
    """
  // Emits record {j} as an integration fact.
  rpc Record{j}Out(Record{j}) returns (google.protobuf.Empty) {{
    option (ameide_core_proto.integration.v1.port) = {{
      direction: OUT
      transport: {{ kafka: {{ binding_ref: "records-{j}-out" }} }}
      content_type: "application/json"
      envelope: INTEGRATION_FACT
      routing_key: "id"
    }};
  }}
""",
)


def integration_proto(i: int, m: int) -> str:
    parts = [INTEGRATION_HEAD.format(i=i, m=m)]
    for j in range(m):
        options = ""
        if j % 3 != 1:
            options += FACT.format(i=i, j=j)
        if j % 2 == 0:
            options += SCHEMA.format(i=i, j=j)
        parts.append(RECORD.format(j=j, options=options))
    parts.append(
        f"\nservice Bench{i:04d}Integration {{\n"
        "  option (ameide_core_proto.integration.v1.integration) = {\n"
        f'    name: "bench_{i:04d}"\n'
        f'    description: "Benchmark integration {i}"\n'
        "  };\n"
    )
    parts.extend(PORTS[j % 3].format(j=j) for j in range(m))
    parts.append("}\n")
    return "".join(parts)


def write_workload(root: Path, n: int, m: int) -> list[str]:
    """The .proto files (relative to root) of N integrations with M ports, plus the shared file."""
    files = ["bench/common/v1/common.proto"]
    (root / files[0]).parent.mkdir(parents=True, exist_ok=True)
    (root / files[0]).write_text(COMMON_PROTO)
    for i in range(n):
        name = f"bench/i{i:04d}/v1/integration.proto"
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(integration_proto(i, m))
        files.append(name)
    return files


PLAIN_HEAD = """\
// Plain workload, integration {i}: {m} ports, one domain message each, no event envelopes.
syntax = "proto3";

package plain.i{i:04d}.v1;

import "ameide_core_proto/integration/v1/options.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/timestamp.proto";
"""

PLAIN_MESSAGE = """
// The domain message of port {j}.
message Domain{j} {{
  enum Status {{
    STATUS_UNSPECIFIED = 0;
    STATUS_ACTIVE = 1;
    STATUS_RETIRED = 2;
  }}
  message Item {{
    string sku = 1;
    int32 quantity = 2;
  }}
  string id = 1;
  Status status = 2;
  map<string, string> labels = 3;
  repeated Item items = 4;
  oneof detail {{
    string note = 5;
    Item primary = 6;
  }}
  google.protobuf.Timestamp updated_at = 7;
}}
"""

PLAIN_PORTS = (
    """
  rpc Domain{j}In(Domain{j}) returns (google.protobuf.Empty) {{
    option (ameide_core_proto.integration.v1.port) = {{
      direction: IN
      transport: {{ kafka: {{ binding_ref: "domain-{j}-in" }} }}
      content_type: "application/json"
    }};
  }}
""",
    """
  rpc Domain{j}HttpOut(Domain{j}) returns (google.protobuf.Empty) {{
    option (ameide_core_proto.integration.v1.port) = {{
      direction: OUT
      transport: {{ http: {{ method: POST endpoint_ref: "domain-{j}" }} }}
      content_type: "application/json"
    }};
  }}
""",
    """
  rpc Domain{j}Out(Domain{j}) returns (google.protobuf.Empty) {{
    option (ameide_core_proto.integration.v1.port) = {{
      direction: OUT
      transport: {{ kafka: {{ binding_ref: "domain-{j}-out" }} }}
      content_type: "application/json"
    }};
  }}
""",
)


def plain_proto(i: int, m: int) -> str:
    parts = [PLAIN_HEAD.format(i=i, m=m)]
    parts.extend(PLAIN_MESSAGE.format(j=j) for j in range(m))
    parts.append(
        f"\nservice Plain{i:04d}Integration {{\n"
        "  option (ameide_core_proto.integration.v1.integration) = {\n"
        f'    name: "plain_{i:04d}"\n'
        "  };\n"
    )
    parts.extend(PLAIN_PORTS[j % 3].format(j=j) for j in range(m))
    parts.append("}\n")
    return "".join(parts)


def write_plain_workload(root: Path, n: int, m: int) -> list[str]:
    """The second workload: N integrations of M ports over plain domain messages, no shared file."""
    files = []
    for i in range(n):
        name = f"plain/i{i:04d}/v1/integration.proto"
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(plain_proto(i, m))
        files.append(name)
    return files


WORKLOADS = {"bench": write_workload, "plain": write_plain_workload}


# --------------------------------------------------------------------------- capture

CAPTURE_PLUGIN = """\
#!{python}
# Stores the CodeGeneratorRequest protoc sends, byte for byte, and generates nothing.
import os, sys
from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
with open(os.environ["BENCH_CAPTURE"], "wb") as out:
    out.write(sys.stdin.buffer.read())
response = plugin_pb2.CodeGeneratorResponse(
    supported_features=plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    | plugin_pb2.CodeGeneratorResponse.FEATURE_SUPPORTS_EDITIONS,
    minimum_edition=descriptor_pb2.EDITION_PROTO2, maximum_edition=descriptor_pb2.EDITION_2024)
sys.stdout.buffer.write(response.SerializeToString())
"""


# The limit: what any Python plugin of the same output pays at least. It starts, imports protobuf,
# parses the request and writes exactly the bytes protoc-gen-nifi answered (read from a stored
# response, so producing and assembling them costs nothing). Our plugin assembles its response at
# wire level, so building and serialising one through protobuf is no cost a plugin must pay: the
# limit did that until the sixth pass, and with protobuf 7.36 it took more CPU than our whole
# plugin (parsing the stored files and serialising 147 MB again: 0.5-2.7 s from run to run).
LIMIT_PLUGIN = """\
#!{python}
import sys
from google.protobuf.compiler import plugin_pb2
plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
with open(sys.argv[1], "rb") as stored:
    sys.stdout.buffer.write(stored.read())
"""

def includes(proto_root: Path) -> list[str]:
    return [f"-I{OPTION_PROTOS}", f"-I{proto_root}"]


def capture_request(work: Path, proto_root: Path, files: list[str]) -> Path:
    plugin = work / "protoc-gen-capture"
    plugin.write_text(CAPTURE_PLUGIN.format(python=sys.executable))
    plugin.chmod(0o755)
    request = work / "request.bin"
    out = work / "capture-out"
    out.mkdir(exist_ok=True)
    env = {**os.environ, "BENCH_CAPTURE": str(request)}
    subprocess.run(
        [*PROTOC, f"--plugin=protoc-gen-capture={plugin}", *includes(proto_root), f"--capture_out={out}", *files],
        check=True, env=env, cwd=work,
    )
    return request


# --------------------------------------------------------------------------- measuring

@dataclass
class Sample:
    seconds: float  # wall time
    peak_mb: float
    cpu: float  # user + system time of the process


@dataclass
class Measured:
    label: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def peak_mb(self) -> float:
        return max(s.peak_mb for s in self.samples)


class BenchError(Exception):
    pass


# A process's peak RSS (ru_maxrss) starts from the RSS of the process that forked it,
# so commands are not started from this script (which holds whole responses in
# memory) but from a small launcher process that stays as small as `python -c pass`.
# It reads one JSON command per line and answers with wall time, exit code and peak RSS.
LAUNCHER = """
import json, os, sys, time
for line in sys.stdin:
    job = json.loads(line)
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(job["cwd"])
            for fd, path, flags in ((0, job["stdin"], os.O_RDONLY),
                                    (1, job["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                    (2, job["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
                os.dup2(os.open(path, flags, 0o644), fd)
            os.execve(job["argv"][0], job["argv"], {**os.environ, **job["env"]})
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    print(json.dumps([seconds, os.waitstatus_to_exitcode(status), usage.ru_maxrss,
                      usage.ru_utime + usage.ru_stime]), flush=True)
"""


class Launcher:
    def __init__(self) -> None:
        self._process = subprocess.Popen([sys.executable, "-S", "-c", LAUNCHER], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)

    def run(self, command: list[str], stdin: Path | None, stdout: Path, cwd: Path,
            env: dict[str, str] | None = None) -> Sample:
        """One fresh process (with env added to the environment): its wall time and its own peak RSS (os.wait4 in
        the launcher)."""
        stderr = stdout.with_suffix(".err")
        job = {"argv": [str(c) for c in command], "stdin": str(stdin or os.devnull), "stdout": str(stdout),
               "stderr": str(stderr), "cwd": str(cwd), "env": env or {}}
        assert self._process.stdin and self._process.stdout
        self._process.stdin.write(json.dumps(job) + "\n")
        self._process.stdin.flush()
        seconds, code, maxrss_kb, cpu = json.loads(self._process.stdout.readline())
        if code:
            raise BenchError(f"{' '.join(job['argv'])} exited {code}:\n{stderr.read_text(errors='replace')}")
        return Sample(seconds, maxrss_kb / 1024, cpu)

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait()


def check_response(label: str, path: Path, expected_files: int) -> None:
    from google.protobuf.compiler import plugin_pb2

    response = plugin_pb2.CodeGeneratorResponse.FromString(path.read_bytes())
    if response.error:
        raise BenchError(f"{label} answered with an error:\n{response.error}")
    if len(response.file) < expected_files:
        raise BenchError(f"{label} generated {len(response.file)} files, expected at least {expected_files}")


def measure_size(launcher: Launcher, work: Path, workload: str, n: int, m: int, runs: int) -> dict[str, Measured]:
    work.mkdir(parents=True, exist_ok=True)
    proto_root = work / "proto"
    if proto_root.exists():
        shutil.rmtree(proto_root)
    files = WORKLOADS[workload](proto_root, n, m)
    request = capture_request(work, proto_root, files)
    python_out = work / "python-out"
    python_out.mkdir(exist_ok=True)
    limit = work / "protoc-gen-limit"
    limit.write_text(LIMIT_PLUGIN.format(python=sys.executable))
    limit.chmod(0o755)
    stored = work / "ours.response"

    commands = {
        "ours": ([str(OURS)], request, n * FILES_PER_INTEGRATION),
        "mypy": ([str(MYPY)], request, len(files)),
        "protoc": ([*PROTOC, *includes(proto_root), f"--python_out={python_out}", *files], None, 0),
        "limit": ([str(limit), str(stored)], request, n * FILES_PER_INTEGRATION),
    }
    results = {key: Measured(key) for key in commands}
    for run in range(runs + 1):  # run 0 warms the page cache and is not counted
        for key, (command, stdin, expected) in commands.items():  # interleaved: drift hits every tool alike
            out = work / f"{key}.out"
            sample = launcher.run(command, stdin, out, work)
            if stdin is not None:
                check_response(key, out, expected)
            if key == "ours" and not run:
                shutil.copyfile(out, stored)  # what the limit answers with
            if run:
                results[key].samples.append(sample)
    print(f"  {workload} N={n} M={m}: request {request.stat().st_size / 1e6:.1f} MB, response "
          f"{stored.stat().st_size / 1e6:.1f} MB; ours {median_text(results['ours'])}, mypy-protobuf "
          f"{median_text(results['mypy'])}, protoc --python_out {median_text(results['protoc'])}, "
          f"limit {median_text(results['limit'])}", flush=True)
    return results


def measure_one_port(launcher: Launcher, work: Path, runs: int) -> dict[str, Measured]:
    """A one-port run (one integration of bench's workload, one port) next to a bare protobuf import."""
    work.mkdir(parents=True, exist_ok=True)
    proto_root = work / "proto"
    files = write_workload(proto_root, 1, 1)
    request = capture_request(work, proto_root, files)
    commands = {
        "one_port_ours": ([str(OURS)], request),
        "one_port_floor": ([sys.executable, "-c", STARTUP_FLOOR], None),
    }
    results = {key: Measured(key) for key in commands}
    for run in range(runs + 1):
        for key, (command, stdin) in commands.items():
            out = work / f"{key}.out"
            sample = launcher.run(command, stdin, out, work)
            if stdin is not None:
                check_response(key, out, FILES_PER_INTEGRATION)
            if run:
                results[key].samples.append(sample)
    return results


BUF_GEN = """\
version: v2
plugins:
  - local: {plugin}
    out: out-{key}
    strategy: directory
inputs:
  - directory: module
"""


def measure_directory(launcher: Launcher, work: Path, n: int, m: int, runs: int) -> dict[str, Measured]:
    """`buf generate` with `strategy: directory` (one plugin process per directory, as buf runs
    them: concurrently): ours against mypy-protobuf, on bench's workload of N integrations."""
    buf = BIN / "buf"
    if not buf.exists():
        raise BenchError(f"{buf} is missing (the test extras install buf-bin)")
    work.mkdir(parents=True, exist_ok=True)
    for folder in ("module", "proto"):
        if (work / folder).exists():
            shutil.rmtree(work / folder)
    write_workload(work / "module", n, m)
    shutil.copytree(OPTION_PROTOS, work / "proto")
    (work / "buf.yaml").write_text("version: v2\nmodules:\n  - path: proto\n  - path: module\n")
    plugins = {"directory_ours": OURS, "directory_mypy": MYPY}
    for key, plugin in plugins.items():
        (work / f"{key}.gen.yaml").write_text(BUF_GEN.format(plugin=plugin, key=key))
    results = {key: Measured(key) for key in plugins}
    for run in range(runs + 1):
        for key in plugins:
            shutil.rmtree(work / f"out-{key}", ignore_errors=True)
            sample = launcher.run([str(buf), "generate", "--template", f"{key}.gen.yaml"], None,
                                  work / f"{key}.out", work)
            if run:
                results[key].samples.append(sample)
    produced = sum(1 for path in (work / "out-directory_ours").rglob("*") if path.is_file())
    if produced < n * FILES_PER_INTEGRATION:
        raise BenchError(f"buf generate (strategy: directory) wrote {produced} files of ours, "
                         f"expected at least {n * FILES_PER_INTEGRATION}")
    return results


def measure_structural(launcher: Launcher, work: Path, response: Path, runs: int) -> dict[str, Measured]:
    """pytest (no third-party plugins) over the generated structural tests of every integration of a stored
    response."""
    from google.protobuf.compiler import plugin_pb2

    tree = work / "generated"
    shutil.rmtree(tree, ignore_errors=True)
    tests = []
    for file in plugin_pb2.CodeGeneratorResponse.FromString(response.read_bytes()).file:
        content = file.content  # bytes where it is no UTF-8 (descriptors.pb)
        path = tree / file.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        if file.name.endswith("_structural_test.py"):
            tests.append(file.name)
    result = Measured("structural")
    # Without the plugins installed beside pytest (this venv's hypothesis and syrupy add about 0.3 ms to every
    # test): the generated tests need only pytest and pyyaml, and those plugins' hooks are not theirs to pay.
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *sorted(tests)]
    for run in range(runs + 1):
        sample = launcher.run(command, None, work / "structural.out", tree, {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
        if run:
            result.samples.append(sample)
    return {"structural": result}


def measure_startup(launcher: Launcher, work: Path, runs: int) -> dict[str, Measured]:
    commands = {
        "startup_ours": [sys.executable, "-c", STARTUP_OURS],
        "startup_run": [sys.executable, "-c", STARTUP_RUN],
        "startup_floor": [sys.executable, "-c", STARTUP_FLOOR],
        "startup_bare": [sys.executable, "-c", "pass"],
    }
    results = {key: Measured(key) for key in commands}
    for run in range(runs + 1):
        for key, command in commands.items():
            sample = launcher.run(command, None, work / f"{key}.out", work)
            if run:
                results[key].samples.append(sample)
    return results


def median_text(measured: Measured) -> str:
    return f"{measured.median:.3f} s"


# --------------------------------------------------------------------------- report

def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(args, sizes: dict[tuple[str, int], dict[str, Measured]], startup: dict[str, Measured],
           extra: dict[str, Measured]) -> dict:
    n, m = args.n, args.m
    labels = {
        "ours": "(a) protoc-gen-nifi",
        "mypy": "(b) mypy-protobuf (protoc-gen-mypy)",
        "protoc": "(c) protoc --python_out (compiler floor)",
        "limit": "(e) limit: parse, answer the same bytes",
    }
    counts = sorted({len(r["ours"].samples) for r in sizes.values()})
    print(f"\nprotoc-gen-nifi benchmark: M={m} ports per integration; medians of {counts[0]} runs of wall time "
          "and of CPU time (user+sys), peak RSS of the process")
    summary: dict = {"n": n, "m": m, "scale": args.scale}
    for workload in args.workloads:
        print(f"\nworkload `{workload}`\n")
        ns = [size for (w, size) in sizes if w == workload]
        header = "| |" + "".join(f" N={size} wall | CPU | peak RSS |" for size in ns)
        print(header)
        print("|---" * (header.count("|") - 1) + "|")
        for key, label in labels.items():
            print(f"| {label} |" + "".join(
                f" {sizes[workload, size][key].median:.2f} s | {sizes[workload, size][key].cpu:.2f} s |"
                f" {sizes[workload, size][key].peak_mb:.0f} MB |" for size in ns))
        for size in ns:
            for key, measured in sizes[workload, size].items():
                summary[f"{workload}_{key}_n{size}_s"] = measured.median
                summary[f"{workload}_{key}_n{size}_cpu_s"] = measured.cpu
                summary[f"{workload}_{key}_n{size}_mb"] = measured.peak_mb
    print()
    print("| start-up | median wall | peak RSS |")
    print("|---|---|---|")
    startup_labels = {
        "startup_ours": f"(d) python -c \"{STARTUP_OURS}\"",
        "startup_run": f"python -c \"{STARTUP_RUN}\"",
        "startup_floor": f"python -c \"{STARTUP_FLOOR}\"",
        "startup_bare": "python -c pass",
        "one_port_ours": "(f) a one-port run of protoc-gen-nifi",
    }
    for key, label in startup_labels.items():
        measured = startup.get(key) or extra[key]
        print(f"| {label} | {measured.median * 1000:.0f} ms | {measured.peak_mb:.0f} MB |")
        summary[f"{key}_s"] = measured.median
    for key, measured in extra.items():
        summary[f"{key}_s"] = measured.median
        summary[f"{key}_cpu_s"] = measured.cpu

    rows: list[tuple[str, float, str, float]] = []  # what, ratio, target text, target
    for (workload, size), results in sizes.items():
        ours = results["ours"]
        rows.append((f"ours / mypy-protobuf, CPU, `{workload}` N={size} (wall {ours.median / results['mypy'].median:.2f}x)",
                     ours.cpu / results["mypy"].cpu, "<=", TARGET_VS_MYPY_CPU))
    for (workload, size), results in sizes.items():
        if size == n:
            rows.append((f"ours / limit, CPU, `{workload}` N={size} (wall {results['ours'].median / results['limit'].median:.2f}x)",
                         results["ours"].cpu / results["limit"].cpu, "<=", TARGET_LIMIT))
    if args.scale > 1:
        for workload in args.workloads:
            small, large = sizes[workload, n]["ours"], sizes[workload, n * args.scale]["ours"]
            rows.append((f"growth N->{args.scale}N, wall, `{workload}` (CPU {large.cpu / small.cpu:.2f}x)",
                         large.median / small.median, "<=", TARGET_GROWTH))
    rows.append((f"start-up: our imports / `{STARTUP_FLOOR}`", startup["startup_ours"].median
                 / startup["startup_floor"].median, "<=", TARGET_STARTUP))
    rows.append((f"a one-port run / `{STARTUP_FLOOR}`, wall", extra["one_port_ours"].median
                 / extra["one_port_floor"].median, "<=", TARGET_ONE_PORT))
    if "directory_ours" in extra:
        ours, mypy = extra["directory_ours"], extra["directory_mypy"]
        rows.append(((f"buf generate, strategy: directory, N={args.directory_n}: ours / mypy-protobuf, wall "
                      f"(CPU {ours.cpu / mypy.cpu:.2f}x)"), ours.median / mypy.median, "<=", TARGET_DIRECTORY))
    if "structural" in extra:
        generation = sizes[args.workloads[0], n]["ours"]
        rows.append(((f"generated structural tests of `{args.workloads[0]}` N={n} (pytest, no third-party plugins) "
                      f"/ generating them, wall ({extra['structural'].median:.2f} s)"), extra["structural"].median / generation.median,
                     "<", TARGET_STRUCTURAL))
    print("\n| ratio | measured | target | |")
    print("|---|---|---|---|")
    for what, ratio, relation, target in rows:
        ok = ratio <= target if relation == "<=" else ratio < target
        print(f"| {what} | {ratio:.2f}x | {relation} {target}x | {verdict(ok)} |")
        summary[what] = ratio
    return summary


def compile_package() -> None:
    """Byte-compiles protoc_gen_nifi as pip does when it installs a wheel: an editable
    checkout under PYTHONDONTWRITEBYTECODE would otherwise compile every module at
    every start, and the start-up figure would measure the compiler."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("protoc_gen_nifi")
    for location in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(location, quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="integrations (default 200)")
    parser.add_argument("--m", type=int, default=10, help="ports per integration (default 10)")
    parser.add_argument("--scale", type=int, default=4, help="also run N*scale integrations; 1 skips it (default 4)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command, after a warm-up (default 5)")
    parser.add_argument("--workloads", default="bench,plain",
                        help="comma-separated workloads, the first one also for the structural tests "
                             "(default bench,plain)")
    parser.add_argument("--directory-n", type=int, help="integrations for buf's strategy: directory "
                        "(default min(N, 50); 0 skips it)")
    parser.add_argument("--no-structural", action="store_true", help="skip the generated structural tests")
    parser.add_argument("--profile", type=Path, help="also write a pyinstrument profile of ours on the first "
                        "workload at N to this file")
    parser.add_argument("--work", type=Path, help="working directory (default: a temporary one, removed after)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    args.workloads = [w for w in args.workloads.split(",") if w]
    if args.n < 1 or args.m < 1 or args.runs < 1 or args.scale < 1:
        parser.error("--n, --m, --runs and --scale must be >= 1")
    if not args.workloads or set(args.workloads) - set(WORKLOADS):
        parser.error(f"--workloads: choose from {', '.join(WORKLOADS)}")
    if args.directory_n is None:
        args.directory_n = min(args.n, 50)
    for tool in (OURS, MYPY):
        if not tool.exists():
            print(f"bench: {tool} is missing; run with the project's venv (python3 dev.py test creates it)",
                  file=sys.stderr)
            return 2

    compile_package()
    work = args.work or Path(tempfile.mkdtemp(prefix="protoc-gen-nifi-bench-"))
    launcher = Launcher()
    try:
        sizes = {}
        for workload in args.workloads:
            for n in dict.fromkeys([args.n, args.n * args.scale]):
                sizes[workload, n] = measure_size(launcher, work / f"{workload}-n{n}", workload, n, args.m,
                                                  args.runs)
        startup_runs = max(args.runs * 4, 20)
        startup = measure_startup(launcher, work, startup_runs)
        extra = measure_one_port(launcher, work / "one-port", startup_runs)
        if args.directory_n:
            extra.update(measure_directory(launcher, work / "directory", args.directory_n, args.m, args.runs))
        first = work / f"{args.workloads[0]}-n{args.n}"
        if not args.no_structural:
            extra.update(measure_structural(launcher, first, first / "ours.response", args.runs))
        if args.profile:
            launcher.run([sys.executable, "-m", "pyinstrument", "-o", str(args.profile.resolve()), "-m",
                          "protoc_gen_nifi.cli"], first / "request.bin", first / "profile.out", first)
        summary = report(args, sizes, startup, extra)
    except BenchError as error:
        print(f"bench: FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        launcher.close()
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
