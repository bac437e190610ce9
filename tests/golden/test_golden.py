"""Golden tests: fixed inputs through the real protoc, compared byte-for-byte with tests/golden/__snapshots__.

Update after an intended change with `python3 dev.py test tests/golden --snapshot-update`, then review the diff.
"""
from __future__ import annotations

import hashlib

import pytest
from conftest import GOLDEN_INPUTS, ROOT, SEED_PROTOS, run_protoc
from google.protobuf import descriptor_pb2, text_format

CASES = {
    "seed_order_to_erp": ([SEED_PROTOS], ""),
    "seed_order_to_erp_nifi_2_0_0": ([SEED_PROTOS], "nifi_version=2.0.0"),
    # The output as a Git flow registry: flow-registry/<bucket>/<flow>.json and a github NifiRegistryClient.
    "seed_order_to_erp_git_registry": ([SEED_PROTOS], ("flow_registry=github,git_repository=acme/integrations,"
                                                       "git_path=examples/order_to_erp/generated,"
                                                       "k8s_namespace=integrations")),
    "editions_2023": ([GOLDEN_INPUTS / "editions"], ""),
    "proto2_overrides": ([GOLDEN_INPUTS / "proto2_overrides"], "backpressure_objects=7000"),
    "no_ports": ([GOLDEN_INPUTS / "no_ports"], ""),
    "all_transports": ([GOLDEN_INPUTS / "all_transports"], ""),
    "all_transports_nifi_2_0_0": ([GOLDEN_INPUTS / "all_transports"], "nifi_version=2.0.0"),
    "all_transports_nifi_2_3_0": ([GOLDEN_INPUTS / "all_transports"], "nifi_version=2.3.0"),
    "tls_and_shared": ([GOLDEN_INPUTS / "tls_and_shared"], ""),
    "tls_and_shared_nifi_2_0_0": ([GOLDEN_INPUTS / "tls_and_shared"], "nifi_version=2.0.0"),
    "ev_coownership": ([ROOT / "examples" / "ev_coownership" / "proto"], ""),
    "ev_coownership_nifi_2_0_0": ([ROOT / "examples" / "ev_coownership" / "proto"], "nifi_version=2.0.0"),
    "declarative_mapping": ([GOLDEN_INPUTS / "declarative_mapping"], ""),
    "declarative_mapping_nifi_2_3_0": ([GOLDEN_INPUTS / "declarative_mapping"], "nifi_version=2.3.0"),
    "trip_stops": ([ROOT / "examples" / "trip_stops" / "proto"], ""),
}


def _golden_view(files: dict[str, bytes]) -> dict[str, str]:
    """Text files verbatim; descriptors.pb as its exact SHA-256 plus a readable dump."""
    view = {}
    for name, content in sorted(files.items()):
        if name.endswith(".pb"):
            fds = descriptor_pb2.FileDescriptorSet.FromString(content)
            view[name] = f"sha256:{hashlib.sha256(content).hexdigest()}\n" + "\n".join(
                f"file {f.name} deps={list(f.dependency)} messages={[m.name for m in f.message_type]}"
                for f in fds.file
            )
        else:
            view[name] = content.decode("utf-8")
    return view


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case, tmp_path, snapshot):
    roots, opt = CASES[case]
    run = run_protoc(tmp_path, roots, opt=opt)
    assert run.returncode == 0, run.stderr
    assert _golden_view(run.files) == snapshot


def test_no_ports_means_no_output(tmp_path):
    run = run_protoc(tmp_path, [GOLDEN_INPUTS / "no_ports"])
    assert run.returncode == 0 and run.files == {}


@pytest.mark.parametrize("inputs", ["bad_ports", "bad_transports", "bad_text", "bad_keys", "bad_mapping"])
def test_bad_ports_report_every_problem_located_and_write_nothing(tmp_path, snapshot, inputs):
    run = run_protoc(tmp_path, [GOLDEN_INPUTS / inputs])
    assert run.returncode != 0
    assert run.files == {}
    assert "Traceback" not in run.stderr
    assert run.stderr == snapshot


def test_descriptor_dump_is_readable_text():
    # Guards the golden view itself: a FileDescriptorSet round-trips through text format.
    fds = descriptor_pb2.FileDescriptorSet()
    fds.file.add(name="a.proto")
    assert text_format.MessageToString(fds).strip() == 'file {\n  name: "a.proto"\n}'
