#!/usr/bin/env python3
"""Benchmark: protoc-gen-nifi against mypy-protobuf and protoc's own --python_out.

    .venv/bin/python bench/bench.py                          # N=200 integrations x M=10 ports, and 4N
    .venv/bin/python bench/bench.py --n 5 --m 3 --runs 1     # CI smoke test of this script

Run it with the project's venv (`python3 dev.py test` creates it with the `test`
extras, which include mypy-protobuf). For each size (N, then 4N) it

1. writes N integration protos with M ports each (messages with nested types,
   maps, oneofs, enums and well-known types, plus one shared file they import);
2. compiles them once with the real protoc (grpcio-tools) and a capture plugin
   that stores the exact CodeGeneratorRequest bytes protoc sends to a plugin
   (the same request protoc sends to protoc-gen-nifi and to protoc-gen-mypy: same
   files, no parameter);
3. feeds those bytes on stdin to (a) protoc-gen-nifi and (b) protoc-gen-mypy, each
   in a fresh process, and times (c) `protoc --python_out` on the same files,
   the floor of the compiler itself (its parse included; it runs inside Python via
   grpcio-tools, so the interpreter's start-up is in it too);
4. times (d) Python start-up with the plugin's imports and nothing else (what the
   process imports before it reads the request), next to a bare
   `python -c "import google.protobuf.descriptor_pb2"`, and, for comparison, every
   module a generating run has imported by its end (the pipeline and jinja2 load
   after the request is validated).

Every figure is the median wall time over --runs runs (after one warm-up run), next
to the median CPU time (user + system; steadier when other work shares the machine)
and the peak RSS of the child process (os.wait4). A plugin that answers with an error,
or with fewer files than expected, fails the benchmark (exit 1): timing an error
path would mean nothing. Timing targets are reported, never enforced.
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

# Targets of issue 6, reported next to the figures (never an exit code).
TARGET_VS_MYPY = 1.0
TARGET_GROWTH = 4.4
TARGET_STARTUP = 1.5


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
            os.execv(job["argv"][0], job["argv"])
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

    def run(self, command: list[str], stdin: Path | None, stdout: Path, cwd: Path) -> Sample:
        """One fresh process: its wall time and its own peak RSS (os.wait4 in the launcher)."""
        stderr = stdout.with_suffix(".err")
        job = {"argv": [str(c) for c in command], "stdin": str(stdin or os.devnull), "stdout": str(stdout),
               "stderr": str(stderr), "cwd": str(cwd)}
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


def measure_size(launcher: Launcher, work: Path, n: int, m: int, runs: int) -> dict[str, Measured]:
    work.mkdir(parents=True, exist_ok=True)
    proto_root = work / "proto"
    if proto_root.exists():
        shutil.rmtree(proto_root)
    files = write_workload(proto_root, n, m)
    request = capture_request(work, proto_root, files)
    python_out = work / "python-out"
    python_out.mkdir(exist_ok=True)

    commands = {
        "ours": ([str(OURS)], request, n * FILES_PER_INTEGRATION),
        "mypy": ([str(MYPY)], request, len(files)),
        "protoc": ([*PROTOC, *includes(proto_root), f"--python_out={python_out}", *files], None, 0),
    }
    results = {key: Measured(key) for key in commands}
    for run in range(runs + 1):  # run 0 warms the page cache and is not counted
        for key, (command, stdin, expected) in commands.items():  # interleaved: drift hits every tool alike
            out = work / f"{key}.out"
            sample = launcher.run(command, stdin, out, work)
            if stdin is not None:
                check_response(key, out, expected)
            if run:
                results[key].samples.append(sample)
    print(f"  N={n} M={m}: request {request.stat().st_size / 1e6:.1f} MB, "
          f"ours {median_text(results['ours'])}, mypy-protobuf {median_text(results['mypy'])}, "
          f"protoc --python_out {median_text(results['protoc'])}", flush=True)
    return results


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


def report(n: int, m: int, scale: int, sizes: dict[int, dict[str, Measured]], startup: dict[str, Measured]) -> dict:
    labels = {
        "ours": "(a) protoc-gen-nifi",
        "mypy": "(b) mypy-protobuf (protoc-gen-mypy)",
        "protoc": "(c) protoc --python_out (compiler floor)",
    }
    big = n * scale
    print(f"\nprotoc-gen-nifi benchmark: M={m} ports per integration; medians of "
          f"{len(sizes[n]['ours'].samples)} runs of wall time and of CPU time (user+sys), peak RSS of the process\n")
    header = f"| | N={n} wall | CPU | peak RSS |"
    if scale > 1:
        header += f" N={big} wall | CPU | peak RSS | growth N->{scale}N wall (CPU) |"
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for key, label in labels.items():
        small = sizes[n][key]
        row = f"| {label} | {small.median:.2f} s | {small.cpu:.2f} s | {small.peak_mb:.0f} MB |"
        if scale > 1:
            large = sizes[big][key]
            row += (f" {large.median:.2f} s | {large.cpu:.2f} s | {large.peak_mb:.0f} MB |"
                    f" {large.median / small.median:.2f}x ({large.cpu / small.cpu:.2f}x) |")
        print(row)
    print()
    print("| start-up | median wall | peak RSS |")
    print("|---|---|---|")
    startup_labels = {
        "startup_ours": f"(d) python -c \"{STARTUP_OURS}\"",
        "startup_run": f"python -c \"{STARTUP_RUN}\"",
        "startup_floor": f"python -c \"{STARTUP_FLOOR}\"",
        "startup_bare": "python -c pass",
    }
    for key, label in startup_labels.items():
        print(f"| {label} | {startup[key].median * 1000:.0f} ms | {startup[key].peak_mb:.0f} MB |")

    summary: dict = {"n": n, "m": m, "scale": scale}
    print()
    for size in sizes:
        ours, mypy = sizes[size]["ours"], sizes[size]["mypy"]
        summary[f"ours_over_mypy_n{size}"] = ours.median / mypy.median
        summary[f"ours_over_mypy_cpu_n{size}"] = ours.cpu / mypy.cpu
        print(f"ours / mypy-protobuf at N={size}: {ours.median / mypy.median:.2f}x wall, {ours.cpu / mypy.cpu:.2f}x CPU")
    ratio = sizes[n]["ours"].median / sizes[n]["mypy"].median
    print(f"target: no slower than mypy-protobuf at N={n} (<= {TARGET_VS_MYPY:.1f}x wall): {verdict(ratio <= TARGET_VS_MYPY)}")
    if scale > 1:
        growth = sizes[big]["ours"].median / sizes[n]["ours"].median
        summary["growth"] = growth
        summary["growth_cpu"] = sizes[big]["ours"].cpu / sizes[n]["ours"].cpu
        print(f"target: growth N->{scale}N at most {TARGET_GROWTH}x: {growth:.2f}x wall "
              f"({summary['growth_cpu']:.2f}x CPU), {verdict(growth <= TARGET_GROWTH)}")
    startup_ratio = startup["startup_ours"].median / startup["startup_floor"].median
    summary["startup_ratio"] = startup_ratio
    print(f"target: start-up within {TARGET_STARTUP}x of `python -c \"{STARTUP_FLOOR}\"`: "
          f"{startup_ratio:.2f}x, {verdict(startup_ratio <= TARGET_STARTUP)}")
    summary["startup_run_ratio"] = startup["startup_run"].median / startup["startup_floor"].median
    print(f"(every module of a generating run: {summary['startup_run_ratio']:.2f}x)")
    for size, results in sizes.items():
        for key, measured in results.items():
            summary[f"{key}_n{size}_s"] = measured.median
            summary[f"{key}_n{size}_cpu_s"] = measured.cpu
            summary[f"{key}_n{size}_mb"] = measured.peak_mb
    for key, measured in startup.items():
        summary[f"{key}_s"] = measured.median
        summary[f"{key}_mb"] = measured.peak_mb
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
    parser.add_argument("--work", type=Path, help="working directory (default: a temporary one, removed after)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.n < 1 or args.m < 1 or args.runs < 1 or args.scale < 1:
        parser.error("--n, --m, --runs and --scale must be >= 1")
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
        for n in dict.fromkeys([args.n, args.n * args.scale]):
            sizes[n] = measure_size(launcher, work / f"n{n}", n, args.m, args.runs)
        startup = measure_startup(launcher, work, max(args.runs * 4, 20))
        summary = report(args.n, args.m, args.scale, sizes, startup)
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
