"""The `<integration>/kubernetes/` folder: NiFiKop resources, the Integration and a kustomization (path -> bytes).

NiFiKop is the NiFi control plane (seed 000, "Default architecture (MUST)"): a NifiRegistryClient, a
NifiParameterContext (sensitive values from a Secret whose keys are parameter names) and a NifiDataflow deploy
the flow; the Integration stands for them. Every name is checked against Kubernetes' rules here, located at the
proto element it comes from, so a resource the API server would refuse is never written.
"""
from __future__ import annotations

import re

from .diagnostics import Diagnostic, GenerationError
from .gitregistry import REGISTRY_DIR
from .ids import registry_ids
from .model import Integration
from .naming import ref_slug
from .params import DNS_SUBDOMAIN, PluginParams
from .rendering import HEADER, canonical_yaml

DIR = "kubernetes"
NIFIKOP = "nifi.konpyutaika.com"
INTEGRATION_API = "integration.ameide.io/v1alpha1"
# NiFiKop labels every NiFi pod of a cluster so (LabelsForNifi in pkg/.../nifi.go: {"app": "nifi", "nifi_cr": name}).
POD_LABELS = ("app", "nifi", "nifi_cr")
# Parameters of HTTP IN listeners get a port number here, because a Service needs one; counted up from this.
FIRST_LISTEN_PORT = 9090
# Written but left out of the kustomization on purpose: the registry client is one per cluster, shared by every
# integration (applied once, before the folders: a GitOps tool would otherwise see it owned by several apps), and
# applying the Secret template would blank the real Secret.
NOT_IN_KUSTOMIZATION = ("registry-client.yaml", "secret.template.yaml")

# k8s.io/apimachinery/pkg/util/validation/validation.go: label values, Secret keys, Service names (DNS-1035).
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")
SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]+\Z")
DNS_1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?\Z")
LIMITS = {"label": 63, "secret_key": 253, "name": 253, "service": 63}


def _flow_version(params: PluginParams) -> dict:
    """`flowVersion`: a Registry version (default 1, the harness's first import), or a Git commit id when one was
    given (a Git registry has no default: the commit holding the output does not exist yet)."""
    if params.flow_registry == "nifi":
        return {"flowVersion": int(params.flow_version or 1)}
    return {"flowVersion": params.flow_version} if params.flow_version else {}


def k8s_name(slug: str) -> str:
    """`order_to_erp` -> `order-to-erp`: resource names allow no '_'."""
    return slug.replace("_", "-")


def _problems(integration: Integration, params: list, listeners: list[tuple]) -> list[Diagnostic]:
    """Kubernetes' length and character rules over every name this integration puts in a resource."""
    def where() -> tuple:  # the integration's position is looked up only for a problem
        return (integration.file, *integration.position)

    name, out = k8s_name(integration.slug), []
    if len(integration.slug) > LIMITS["label"] or not LABEL_VALUE.match(integration.slug):
        out.append(Diagnostic(*where(), f"integration name '{integration.slug}' is {len(integration.slug)} characters; "
                              "a Kubernetes label value holds at most 63; set a shorter "
                              "(ameide_core_proto.integration.v1.integration).name"))
    secret = f"{name}-parameters"
    if len(secret) > LIMITS["name"] or not DNS_SUBDOMAIN.match(secret):
        out.append(Diagnostic(*where(), f"Secret name '{secret}' is not a Kubernetes resource name (at most 253 "
                              "lower-case letters, digits, '-' and '.'); set a shorter "
                              "(ameide_core_proto.integration.v1.integration).name"))
    for param in params:
        if param.sensitive and (len(param.name) > LIMITS["secret_key"] or not SECRET_KEY.match(param.name)):
            out.append(Diagnostic(*where(), f"sensitive parameter '{param.name}' cannot be a Secret key (at most 253 "
                                  "letters, digits, '-', '_' and '.'); shorten or rename the binding ref it comes from"))
    for port, service, _param, _number in listeners:
        if len(service) > LIMITS["service"] or not DNS_1035.match(service):
            out.append(Diagnostic(port.origin, *port.position,
                                  f"port {port.name}: Service name '{service}' is not a DNS-1035 label (at most 63 "
                                  "lower-case letters, digits and '-', starting with a letter); shorten the "
                                  "integration name or the endpoint_ref"))
    return out


def _listeners(integration: Integration, param_names: set[str]) -> list[tuple]:
    """(port, Service name, listen-port parameter, port number) per HTTP IN endpoint, one per endpoint."""
    out, seen = [], set()
    for port in integration.ports_in():
        if port.transport != "http":
            continue
        endpoint = ref_slug(port.binding.ref("endpoint_ref"))
        param = f"http.{endpoint}.listen.port"  # transports/web.py http_in names it so
        if param not in param_names:
            raise ValueError(f"HTTP IN port {port.name} has no parameter {param}")
        if param not in seen:
            seen.add(param)
            out.append((port, f"{k8s_name(integration.slug)}-{endpoint.replace('.', '-')}", param, None))
    out.sort(key=lambda item: item[2])
    return [(port, service, param, FIRST_LISTEN_PORT + i) for i, (port, service, param, _) in enumerate(out)]


def _meta(name: str, params: PluginParams, integration: Integration) -> dict:
    return {"name": name, "namespace": params.k8s_namespace, "labels": {
        "app.kubernetes.io/name": k8s_name(integration.slug),
        "app.kubernetes.io/managed-by": "protoc-gen-nifi",
        "integration.ameide.io/integration": integration.slug,
    }}


def _ref(name: str, params: PluginParams) -> dict:
    return {"name": name, "namespace": params.k8s_namespace}


def flow_location(integration: Integration, params: PluginParams) -> tuple[str, str]:
    """(bucketId, flowId) as NiFi's registry client addresses the flow: UUIDs a NiFi Registry keeps (ids.py), or,
    in a Git registry, the bucket directory and the file name (AbstractGitFlowRegistryClient.getSnapshotFilePath)."""
    if params.flow_registry == "nifi":
        return registry_ids(params.bucket, integration.slug)
    return params.bucket, integration.slug


def repository_path(params: PluginParams) -> str:
    return REGISTRY_DIR if params.git_path == "." else f"{params.git_path}/{REGISTRY_DIR}"


def registry_client(params: PluginParams, integration: Integration) -> dict:
    """NifiRegistryClient v2alpha1 (its storage version): type registry, github or gitlab."""
    spec: dict = {"type": "registry" if params.flow_registry == "nifi" else params.flow_registry,
                  "clusterRef": _ref(params.k8s_cluster, params),
                  "description": "Flow registry of the integrations generated by protoc-gen-nifi"}
    owner, _, repository = params.git_repository.rpartition("/")
    token = {"name": f"{params.k8s_registry_client}-git-token", "namespace": params.k8s_namespace, "data": "token"}
    if params.flow_registry == "nifi":
        spec["registryClientConfig"] = {"uri": params.registry_uri}
    elif params.flow_registry == "github":
        spec["githubConfig"] = {"repositoryOwner": owner, "repositoryName": repository,
                                "defaultBranch": params.git_branch, "repositoryPath": repository_path(params),
                                "authenticationType": "PERSONAL_ACCESS_TOKEN", "personalAccessTokenSecretRef": token}
    else:
        spec["gitlabConfig"] = {"repositoryNamespace": owner, "repositoryName": repository,
                                "defaultBranch": params.git_branch, "repositoryPath": repository_path(params),
                                "authenticationType": "ACCESS_TOKEN", "accessTokenSecretRef": token, "apiVersion": "V4"}
    meta = _meta(params.k8s_registry_client, params, integration)
    # Shared by every integration of the cluster: the same bytes from every folder, so applying several is idempotent.
    meta["labels"] = {"app.kubernetes.io/managed-by": "protoc-gen-nifi"}
    return {"apiVersion": f"{NIFIKOP}/v2alpha1", "kind": "NifiRegistryClient", "metadata": meta, "spec": spec}


def kubernetes_files(integration: Integration, flow, digest: str, params: PluginParams) -> dict[str, bytes]:
    """The folder's files; raises GenerationError (located) when a name breaks Kubernetes' rules."""
    param_names = {p.name for p in flow.params}
    listeners = _listeners(integration, param_names)
    problems = _problems(integration, flow.params, listeners)
    if problems:
        raise GenerationError(problems)
    name, base = k8s_name(integration.slug), f"{integration.slug}/{DIR}"
    secret = f"{name}-parameters"
    sensitive = [p for p in flow.params if p.sensitive]
    defaults = {param: str(number) for _port, _service, param, number in listeners}
    bucket_id, flow_id = flow_location(integration, params)

    context_spec: dict = {
        "description": integration.description,
        "clusterRef": _ref(params.k8s_cluster, params),
        # Sensitive parameters come only from the Secret: each of its keys becomes a sensitive parameter.
        "parameters": [{"name": p.name, "description": p.description, "sensitive": False,
                        **({"value": defaults[p.name]} if p.name in defaults else {})}
                       for p in flow.params if not p.sensitive],
    }
    if sensitive:
        context_spec["secretRefs"] = [_ref(secret, params)]
    parameter_context = {"apiVersion": f"{NIFIKOP}/v1", "kind": "NifiParameterContext",
                         "metadata": _meta(name, params, integration), "spec": context_spec}
    dataflow = {"apiVersion": f"{NIFIKOP}/v1", "kind": "NifiDataflow", "metadata": _meta(name, params, integration),
                "spec": {
                    "displayName": integration.slug,
                    "bucketId": bucket_id,
                    "flowId": flow_id,
                    # NiFiKop deploys exactly this version; without one it sends NiFi the version "<nil>"
                    # (pkg/clientwrappers/dataflow/dataflow.go: `flow.Spec.FlowVersion.String()`).
                    **_flow_version(params),
                    "syncMode": params.sync_mode,
                    # drain: an update waits for the queues to empty instead of dropping FlowFiles.
                    "updateStrategy": "drain",
                    "clusterRef": _ref(params.k8s_cluster, params),
                    "registryClientRef": _ref(params.k8s_registry_client, params),
                    "parameterContextRef": _ref(name, params),
                }}
    services = {
        f"service-{service}.yaml": {
            "apiVersion": "v1", "kind": "Service", "metadata": _meta(service, params, integration),
            "spec": {"selector": {POD_LABELS[0]: POD_LABELS[1], POD_LABELS[2]: params.k8s_cluster},
                     "ports": [{"name": "http", "port": number, "targetPort": number, "protocol": "TCP"}]},
        }
        for _port, service, _param, number in listeners
    }
    artifact: dict = {"integration": integration.slug, "contentDigest": f"sha256:{digest}"}
    if params.flow_registry != "nifi":
        artifact["git"] = {"provider": params.flow_registry, "repository": params.git_repository,
                           "branch": params.git_branch, "path": repository_path(params)}
    integration_doc = {
        "apiVersion": INTEGRATION_API, "kind": "Integration", "metadata": _meta(name, params, integration),
        "spec": {
            "clusterRef": _ref(params.k8s_cluster, params),
            "artifactRef": artifact,
            "registryTarget": {"registryClientRef": _ref(params.k8s_registry_client, params),
                               "type": "registry" if params.flow_registry == "nifi" else params.flow_registry,
                               "bucketName": params.bucket, "bucketId": bucket_id, "flowName": integration.slug,
                               "flowId": flow_id, "versionStrategy": "Latest"},
            "dataflowRef": _ref(name, params),
            "parameters": {"contextName": name,
                           "valuesFrom": [{"secretRef": {"name": secret}}] if sensitive else [],
                           "sensitive": [p.name for p in sensitive]},
            "rolloutStrategy": {"type": "InPlaceVersionUpdate", "updateStrategy": "drain",
                                "syncMode": params.sync_mode},
            "operationalPolicy": {
                "backpressure": {"objectThreshold": integration.backpressure.objects,
                                 "dataSizeThreshold": integration.backpressure.size},
                "retry": {"count": integration.retry.count, "maxBackoff": integration.retry.max_backoff},
                "bulletinLevel": "ERROR",
            },
        },
    }
    secret_doc = {"apiVersion": "v1", "kind": "Secret", "metadata": _meta(secret, params, integration),
                  "type": "Opaque", "stringData": {p.name: "" for p in sensitive}}
    documents = {"parameter-context.yaml": parameter_context, "dataflow.yaml": dataflow,
                 **dict(sorted(services.items())), "integration.yaml": integration_doc}
    kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                     "resources": list(documents)}
    files = {f"{base}/{file}": canonical_yaml(doc, HEADER) for file, doc in documents.items()}
    files[f"{base}/registry-client.yaml"] = canonical_yaml(registry_client(params, integration), (
        f"{HEADER}\nOne per NiFi cluster, shared by every integration: apply it once, before the folders "
        "(kubectl apply -f); not in the kustomization."))
    files[f"{base}/kustomization.yaml"] = canonical_yaml(kustomization, HEADER)
    files[f"{base}/secret.template.yaml"] = canonical_yaml(secret_doc, (
        f"{HEADER}\nA template, not applied by the kustomization: copy it, fill in every value, apply it "
        "before the folder (kubectl apply -f). Keys are the sensitive parameter names."))
    return files
