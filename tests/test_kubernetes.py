"""The kubernetes/ folder (NiFiKop resources, the Integration, a kustomization), its offline validation against the
CRD schemas, Kubernetes' name rules at generate time, and the Git flow registry layout against NiFi's own reader."""
from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import GOLDEN_INPUTS, PLUGIN, ROOT, SEED_PROTOS, run_protoc

from protoc_gen_nifi import gitregistry
from protoc_gen_nifi.ids import registry_ids
from protoc_gen_nifi.k8s_schema import INTEGRATION_CRD, problems

EV_PROTOS = ROOT / "examples" / "ev_coownership" / "proto"
GIT_OPT = "flow_registry=github,git_repository=acme/integrations,git_path=build/generated,git_branch=release"
NIFI_MIRROR = Path("/work/.mirror/apache+nifi/repo")
GIT_CLIENT = ("nifi-extension-bundles/nifi-extension-utils/nifi-git-flow-registry/src/main/java/org/apache/nifi/"
              "registry/flow/git/")
# RegisteredFlowSnapshot's properties (nifi-api org.apache.nifi.registry.flow.RegisteredFlowSnapshot): what
# JacksonFlowSnapshotSerializer can read into; anything else it ignores (FAIL_ON_UNKNOWN_PROPERTIES false).
SNAPSHOT_PROPERTIES = {"snapshotMetadata", "flowContents", "externalControllerServices", "parameterContexts",
                       "flowEncodingVersion", "parameterProviders", "latest", "flow", "bucket"}


def _manifests(files: dict[str, bytes]) -> dict[str, dict]:
    return {name: yaml.safe_load(content) for name, content in files.items()
            if "/kubernetes/" in name and name.endswith(".yaml")}


@pytest.fixture(scope="module", params=["seed", "ev", "all_transports"])
def generated(request, tmp_path_factory):
    roots = {"seed": [SEED_PROTOS], "ev": [EV_PROTOS], "all_transports": [GOLDEN_INPUTS / "all_transports"]}
    run = run_protoc(tmp_path_factory.mktemp("k8s"), roots[request.param])
    assert run.returncode == 0, run.stderr
    return run.files


def test_every_generated_resource_validates_against_its_crd(generated):
    manifests = _manifests(generated)
    kinds = {doc["kind"] for doc in manifests.values()}
    assert {"NifiParameterContext", "NifiDataflow", "NifiRegistryClient", "Integration", "Secret",
            "Kustomization"} <= kinds
    for name, doc in manifests.items():
        assert problems(doc) == [], name


def test_the_folder_is_consistent_with_the_flow(generated):
    integrations = sorted({name.split("/")[0] for name in generated if "/kubernetes/" in name})
    assert integrations
    for slug in integrations:
        k8s = {n.split("/")[-1]: d for n, d in _manifests(generated).items() if n.startswith(f"{slug}/")}
        params = yaml.safe_load(generated[f"{slug}/nifi/parameter-context.yaml"])["parameters"]
        sensitive = sorted(p["name"] for p in params if p["sensitive"])
        context = k8s["parameter-context.yaml"]["spec"]
        assert [p["name"] for p in context["parameters"]] == sorted(p["name"] for p in params if not p["sensitive"])
        assert all(p["sensitive"] is False for p in context["parameters"])
        # No secret anywhere: the template has every sensitive key, each empty; only listen ports get a value.
        secret = k8s["secret.template.yaml"]
        assert sorted(secret["stringData"]) == sensitive and set(secret["stringData"].values()) <= {""}
        assert all(p["name"].endswith(".listen.port") for p in context["parameters"] if "value" in p)
        assert context.get("secretRefs", []) == ([{"name": secret["metadata"]["name"], "namespace": "nifi"}]
                                                 if sensitive else [])
        dataflow = k8s["dataflow.yaml"]["spec"]
        assert (dataflow["bucketId"], dataflow["flowId"]) == registry_ids("protoc-gen-nifi", slug)
        assert dataflow["updateStrategy"] == "drain" and dataflow["syncMode"] == "always"
        assert dataflow["parameterContextRef"]["name"] == k8s["parameter-context.yaml"]["metadata"]["name"]
        assert dataflow["registryClientRef"]["name"] == k8s["registry-client.yaml"]["metadata"]["name"]
        snapshot = json.loads(generated[f"{slug}/nifi/flow.snapshot.json"])
        spec = k8s["integration.yaml"]["spec"]
        assert spec["artifactRef"]["contentDigest"] in "sha256:" + snapshot["snapshotMetadata"]["comments"].split(
            "sha256:")[1]
        assert spec["parameters"]["sensitive"] == sensitive
        resources = k8s["kustomization.yaml"]["resources"]
        assert "registry-client.yaml" not in resources and "secret.template.yaml" not in resources
        assert all(r in k8s for r in resources)
        listeners = [p for p in context["parameters"] if p["name"].endswith(".listen.port")]
        services = [d for n, d in k8s.items() if n.startswith("service-")]
        assert sorted(int(p["value"]) for p in listeners) == sorted(s["spec"]["ports"][0]["port"] for s in services)
        for service in services:
            assert service["spec"]["selector"] == {"app": "nifi", "nifi_cr": "nifi"}


def test_an_http_in_listener_gets_a_service(tmp_path):
    run = run_protoc(tmp_path, [GOLDEN_INPUTS / "all_transports"])
    assert run.returncode == 0, run.stderr
    assert any(re.search(r"/kubernetes/service-[a-z0-9-]+\.yaml$", name) for name in run.files)


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["spec"].__setitem__("updateStrategy", "dran"), "updateStrategy"),
    (lambda d: d["spec"].pop("bucketId"), "bucketId"),
    (lambda d: d["spec"].__setitem__("synMode", "always"), "synMode"),  # a misspelt field would be pruned silently
    (lambda d: d["metadata"].__setitem__("name", "Order_To_Erp"), "metadata.name"),
    (lambda d: d["metadata"]["labels"].__setitem__("app.kubernetes.io/name", "x" * 64), "labels"),
])
def test_a_broken_dataflow_is_refused(seed_protoc, mutate, expected):
    doc = yaml.safe_load(seed_protoc.files["order_to_erp/kubernetes/dataflow.yaml"])
    assert problems(doc) == []
    mutate(doc)
    found = problems(doc)
    assert found and any(expected in line for line in found), found


def test_broken_secret_registry_client_and_integration_are_refused(seed_protoc):
    files = _manifests(seed_protoc.files)
    secret = copy.deepcopy(files["order_to_erp/kubernetes/secret.template.yaml"])
    secret["stringData"]["a key with spaces"] = ""
    assert any("a key with spaces" in p for p in problems(secret))
    client = copy.deepcopy(files["order_to_erp/kubernetes/registry-client.yaml"])
    client["spec"]["type"] = "github"  # NiFiKop's CEL rule: githubConfig is required then
    assert problems(client) == ["spec: githubConfig is required when type is 'github'"]
    integration = copy.deepcopy(files["order_to_erp/kubernetes/integration.yaml"])
    integration["spec"]["rolloutStrategy"]["type"] = "BlueGreen"
    assert any("BlueGreen" in p for p in problems(integration))


def test_check_command_validates_manifests(seed_protoc, tmp_path):
    folder = tmp_path / "kubernetes"
    folder.mkdir()
    for name, content in seed_protoc.files.items():
        if "/kubernetes/" in name:
            (folder / name.split("/")[-1]).write_bytes(content)
    cli = PLUGIN.parent / "protoc-gen-nifi"
    good = subprocess.run([str(cli), "check", *sorted(map(str, folder.glob("*.yaml")))], capture_output=True,
                          text=True, check=False)
    assert good.returncode == 0 and good.stdout.endswith("0 problems\n"), good.stdout
    (folder / "dataflow.yaml").write_text((folder / "dataflow.yaml").read_text().replace("drain", "drian"))
    bad = subprocess.run([str(cli), "check", str(folder / "dataflow.yaml")], capture_output=True, text=True,
                         check=False)
    assert bad.returncode == 1 and "spec.updateStrategy: 'drian' is not one of" in bad.stdout, bad.stdout


def test_crd_command_prints_the_integration_crd():
    out = subprocess.run([str(PLUGIN.parent / "protoc-gen-nifi"), "crd"], capture_output=True, text=True, check=True)
    crd = yaml.safe_load(out.stdout)
    assert crd["kind"] == "CustomResourceDefinition" and out.stdout == INTEGRATION_CRD.read_text()
    status = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
    assert status["properties"]["conditions"]["items"]["properties"]["type"]["enum"] == [
        "SecretsReady", "DependenciesReady", "WorkloadReady", "RegistrySynced", "FlowDeployed", "FlowSynced",
        "FlowRunning", "BackpressureOK", "BulletinsOK", "EndpointReachable", "Ready"]


def test_kubernetes_false_writes_no_folder(tmp_path):
    run = run_protoc(tmp_path, [SEED_PROTOS], opt="kubernetes=false")
    assert run.returncode == 0, run.stderr
    assert not [n for n in run.files if "/kubernetes/" in n] and "order_to_erp/nifi/flow.snapshot.json" in run.files


def test_plugin_parameters_name_the_resources(tmp_path):
    run = run_protoc(tmp_path, [SEED_PROTOS], opt="k8s_namespace=integrations,k8s_cluster=prod-nifi,"
                     "k8s_registry_client=registry,bucket=orders,sync_mode=once")
    assert run.returncode == 0, run.stderr
    dataflow = yaml.safe_load(run.files["order_to_erp/kubernetes/dataflow.yaml"])
    assert dataflow["metadata"]["namespace"] == "integrations"
    assert dataflow["spec"]["clusterRef"] == {"name": "prod-nifi", "namespace": "integrations"}
    assert dataflow["spec"]["registryClientRef"]["name"] == "registry" and dataflow["spec"]["syncMode"] == "once"
    assert dataflow["spec"]["bucketId"] == registry_ids("orders", "order_to_erp")[0]
    # NiFiKop deploys exactly flowVersion (none would be sent to NiFi as "<nil>"): the harness's first import.
    assert dataflow["spec"]["flowVersion"] == 1


def test_flow_version_names_the_version_nifikop_deploys(tmp_path):
    run = run_protoc(tmp_path / "nifi", [SEED_PROTOS], opt="flow_version=4")
    assert run.returncode == 0, run.stderr
    assert yaml.safe_load(run.files["order_to_erp/kubernetes/dataflow.yaml"])["spec"]["flowVersion"] == 4
    run = run_protoc(tmp_path / "git", [SEED_PROTOS], opt=f"{GIT_OPT},flow_version=3f2c9ab")
    assert run.returncode == 0, run.stderr
    spec = yaml.safe_load(run.files["order_to_erp/kubernetes/dataflow.yaml"])["spec"]
    assert spec["flowVersion"] == "3f2c9ab" and problems(yaml.safe_load(
        run.files["order_to_erp/kubernetes/dataflow.yaml"])) == []


@pytest.mark.parametrize("opt, message", [
    ("k8s_namespace=Prod_NS", "k8s_namespace=Prod_NS is not a Kubernetes namespace"),
    ("flow_registry=github", "flow_registry=github needs git_repository"),
    ("flow_registry=gitlab,git_repository=acme/x,git_path=/abs", "git_path=/abs must be a relative path"),
    ("flow_registry=github,git_repository=acme/sub/x,git_path=.", "git_repository=acme/sub/x is not owner/name"),
    ("flow_version=latest", "flow_version=latest is neither a Registry version (a whole number from 1) nor a Git commit"),
    ("flow_version=3f2c9ab", ("flow_version=3f2c9ab does not fit flow_registry=nifi, which names versions by a "
                              "Registry version number")),
    (f"{GIT_OPT},flow_version=2", ("flow_version=2 does not fit flow_registry=github, which names versions by a Git "
                                   "commit id")),
])
def test_bad_kubernetes_parameters_are_refused(tmp_path, opt, message):
    run = run_protoc(tmp_path, [SEED_PROTOS], opt=opt)
    assert run.returncode != 0 and run.files == {} and message in run.stderr, run.stderr


def test_a_name_kubernetes_refuses_is_a_located_error(tmp_path):
    protos = tmp_path / "protos"
    shutil.copytree(SEED_PROTOS, protos)
    path = protos / "acme/integration/order_to_erp/v1/order_to_erp.proto"
    path.write_text(path.read_text().replace(
        'description: "Upserts orders', f'name: "{"very_long_" * 7}name" description: "Upserts orders'))
    run = run_protoc(tmp_path, [protos])
    assert run.returncode != 0 and run.files == {}
    # The reader's name limit (63: a folder, a NiFi group and a Kubernetes name) refuses it first.
    assert re.search(r"acme/integration/order_to_erp/v1/order_to_erp\.proto:\d+:\d+: integration name "
                     r"'very_long_\S+' is 74 characters long once made snake_case, over the limit of 63 \(a folder, "
                     r"a NiFi group and a Kubernetes name\); set a shorter", run.stderr), run.stderr


# ---- the Git flow registry layout -------------------------------------------------------------------



@pytest.fixture(scope="module")
def git_layout(tmp_path_factory):
    run = run_protoc(tmp_path_factory.mktemp("git"), [SEED_PROTOS], opt=GIT_OPT)
    assert run.returncode == 0, run.stderr
    return run.files


def test_git_layout_registry_client_and_dataflow(git_layout):
    client = yaml.safe_load(git_layout["order_to_erp/kubernetes/registry-client.yaml"])
    assert client["apiVersion"].endswith("/v2alpha1") and client["spec"]["type"] == "github"
    config = client["spec"]["githubConfig"]
    assert (config["repositoryOwner"], config["repositoryName"], config["defaultBranch"]) == (
        "acme", "integrations", "release")
    assert config["repositoryPath"] == "build/generated/flow-registry"
    dataflow = yaml.safe_load(git_layout["order_to_erp/kubernetes/dataflow.yaml"])["spec"]
    assert (dataflow["bucketId"], dataflow["flowId"]) == ("protoc-gen-nifi", "order_to_erp")
    assert "flowVersion" not in dataflow  # the commit holding the output is not known yet: the overlay sets it
    for name, doc in _manifests(git_layout).items():
        assert problems(doc) == [], name


def test_git_layout_file_is_what_nifis_git_client_reads(git_layout):
    # <Repository Path>/<bucketId>/<flowId>.json, the Repository Path being <git_path>/flow-registry.
    path = "flow-registry/protoc-gen-nifi/order_to_erp.json"
    assert path == "flow-registry/" + gitregistry.SNAPSHOT_FILE_PATH_FORMAT % ("protoc-gen-nifi", "order_to_erp")
    git = json.loads(git_layout[path])
    snapshot = json.loads(git_layout["order_to_erp/nifi/flow.snapshot.json"])
    assert set(git) <= SNAPSHOT_PROPERTIES and "bucket" not in git
    # As registerFlowSnapshot commits it: the top group's id a constant, at (0, 0), its children pointing at it.
    root = git["flowContents"]
    assert root["identifier"] == gitregistry.FLOW_CONTENTS_GROUP_ID and root["position"] == {"x": 0.0, "y": 0.0}
    for kind in ("processGroups", "processors", "inputPorts", "outputPorts", "funnels", "connections",
                 "controllerServices", "labels", "remoteProcessGroups"):
        assert all(child["groupIdentifier"] == gitregistry.FLOW_CONTENTS_GROUP_ID for child in root.get(kind, []))
    original = snapshot["flowContents"]["identifier"]
    assert original not in git_layout[path].decode()  # no reference to the replaced id is left
    assert not set(gitregistry.CLEARED_METADATA) & set(git["snapshotMetadata"])
    assert git["snapshotMetadata"]["flowIdentifier"] == "order_to_erp"
    assert git["flow"]["identifier"] == "order_to_erp"
    for field in gitregistry.EXCLUDED_COMPONENT_FIELDS:
        assert f'"{field}"' not in git_layout[path].decode()
    # Otherwise the very flow that deploys from the Registry.
    for key in ("externalControllerServices", "parameterContexts", "flowEncodingVersion"):
        assert git[key] == snapshot[key]
    assert [p["identifier"] for p in root["processGroups"]] == [
        p["identifier"] for p in snapshot["flowContents"]["processGroups"]]


def _nifi_source(name: str) -> str:
    if not (NIFI_MIRROR / "HEAD").exists():
        pytest.skip("apache/nifi mirror not on this machine")
    out = subprocess.run(["git", "-C", str(NIFI_MIRROR), "show", f"rel/nifi-2.11.0:{GIT_CLIENT}{name}"],
                         capture_output=True, text=True, check=False)
    if out.returncode:
        pytest.skip(f"rel/nifi-2.11.0 {name} not in the mirror")
    return out.stdout


def test_git_layout_constants_match_nifis_source():
    """gitregistry.py's facts, read again from NiFi 2.11.0's AbstractGitFlowRegistryClient and its serializer."""
    client = _nifi_source("AbstractGitFlowRegistryClient.java")
    assert 'SNAPSHOT_FILE_EXTENSION = "' + gitregistry.SNAPSHOT_FILE_EXTENSION + '";' in client
    assert 'SNAPSHOT_FILE_PATH_FORMAT = "%s/%s" + SNAPSHOT_FILE_EXTENSION;' in client
    assert f'FLOW_CONTENTS_GROUP_ID = "{gitregistry.FLOW_CONTENTS_GROUP_ID}";' in client
    for field in gitregistry.CLEARED_METADATA:
        setter = "set" + field[0].upper() + field[1:]
        assert f"flowSnapshot.getSnapshotMetadata().{setter}(null);" in client
    assert "flowSnapshot.setBucket(null);" in client
    assert "new Position(0, 0)" in client
    module = _nifi_source("serialize/VersionedComponentModule.java")
    assert 'EXCLUDE_JSON_FIELDS = Set.of("instanceIdentifier", "instanceGroupId")' in module
    serializer = _nifi_source("serialize/JacksonFlowSnapshotSerializer.java")
    assert "FAIL_ON_UNKNOWN_PROPERTIES, false" in serializer and "RegisteredFlowSnapshot.class" in serializer


def test_a_service_name_kubernetes_refuses_is_located_at_its_rpc(tmp_path):
    protos = tmp_path / "protos"
    shutil.copytree(GOLDEN_INPUTS / "all_transports", protos)
    path = protos / "acme/every/v1/every.proto"
    name = "every_transport_" + "x" * 44  # 60 characters: a valid label value, too long with "-records-api"
    text = path.read_text()
    path.write_text(text.replace('description: "Every transport in both directions."',
                                 f'name: "{name}" description: "Every transport in both directions."'))
    run = run_protoc(tmp_path, [protos])
    assert run.returncode != 0 and run.files == {}
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "rpc HttpIn(" in t)
    assert f"acme/every/v1/every.proto:{line}:3: port HttpIn: Service name 'every-transport-{'x' * 44}-records-api' " \
           "is not a DNS-1035 label (at most 63" in run.stderr, run.stderr
