"""Plugin parameters (`opt:` in buf.gen.yaml, `--nifi_opt=` / `--nifi_out=k=v:dir` for protoc).

protoc joins every parameter into one comma-separated string; each entry is
`key=value`. Unknown keys and bad values are errors, never silently ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .diagnostics import Diagnostic
from .nifi_catalog import DEFAULT_NIFI_VERSION, SUPPORTED_NIFI_VERSIONS
from .units import (
    JAVA_INT_MAX,
    JAVA_LONG_MAX,
    data_size_bytes,
    is_count,
    is_data_size,
    is_time_period,
)

PARAMETER_FILE = "protoc-gen-nifi parameter"


def _short(text: str) -> str:
    """A parameter value as an error message shows it: at most 60 characters."""
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class PluginParams:
    """The plugin's parameters (`--nifi_opt` / buf's `opt`), with their defaults."""

    nifi_version: str = DEFAULT_NIFI_VERSION
    backpressure_objects: int = 10000
    backpressure_size: str = "1 GB"
    retry_count: int = 10
    max_backoff: str = "10 mins"
    kubernetes: bool = True
    k8s_namespace: str = "nifi"
    k8s_cluster: str = "nifi"
    k8s_registry_client: str = "protoc-gen-nifi"
    sync_mode: str = "always"
    bucket: str = "protoc-gen-nifi"
    registry_uri: str = "http://nifi-registry:18080"
    flow_registry: str = "nifi"
    git_repository: str = ""
    git_branch: str = "main"
    git_path: str = ""
    flow_version: str = ""
    unknown: tuple[str, ...] = field(default=(), compare=False)


# key -> (description, default) for the README and `--help`.
DOCUMENTATION = {
    "nifi_version": f"NiFi release the artifacts target: bundle versions and property keys "
    f"({', '.join(SUPPORTED_NIFI_VERSIONS)}; default {DEFAULT_NIFI_VERSION})",
    "backpressure_objects": "default back-pressure object threshold of every connection (default 10000, NiFi's)",
    "backpressure_size": "default back-pressure data-size threshold of every connection (default \"1 GB\", NiFi's)",
    "retry_count": "default times a failed FlowFile is retried before it goes to the failure output (default 10, NiFi's)",
    "max_backoff": "default longest back-off between retries (default \"10 mins\", NiFi's)",
    "kubernetes": "write <integration>/kubernetes/ (NiFiKop resources, the Integration, a kustomization): "
    "true or false (default true)",
    "k8s_namespace": "namespace of the generated Kubernetes resources and of the NifiCluster (default nifi)",
    "k8s_cluster": "name of the NiFiKop NifiCluster the integrations run on (default nifi)",
    "k8s_registry_client": "name of the NifiRegistryClient resource (default protoc-gen-nifi)",
    "sync_mode": "NifiDataflow syncMode: never, once or always (default always, NiFiKop's)",
    "bucket": "flow registry bucket name; with a Git registry, the bucket directory (default protoc-gen-nifi, "
    "the harness's --bucket default)",
    "registry_uri": "NiFi Registry URL as NiFi reaches it, for flow_registry=nifi (default http://nifi-registry:18080)",
    "flow_registry": "where NiFi reads the versioned flow: nifi (a NiFi Registry), github or gitlab (the generated "
    "output is the Git flow registry: flow-registry/<bucket>/<integration>.json) (default nifi)",
    "git_repository": "with flow_registry=github|gitlab: owner/name (GitLab: namespace/name) of the repository "
    "holding the generated output",
    "git_branch": "with flow_registry=github|gitlab: branch NiFi reads (default main)",
    "git_path": "with flow_registry=github|gitlab: path of the plugin's out directory inside the repository, "
    "e.g. build/generated/integration (\".\" for the repository root)",
    "flow_version": "NifiDataflow flowVersion, the version NiFiKop deploys (it never picks the latest by itself): with "
    "flow_registry=nifi a Registry version number (default 1, the harness's first import); with github|gitlab the "
    "id of the commit holding the generated snapshot (no default: set it in an overlay once the output is pushed)",
}

# Kubernetes' own rules (k8s.io/apimachinery validation.go): a DNS-1123 label (namespace) and subdomain (names).
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
# A bucket is a directory NiFi's Git client lists (AbstractGitFlowRegistryClient: names matching the default
# "Directory Filter Exclusion" [.].* are skipped) and a NiFi Registry bucket name: keep it one plain path segment.
_BUCKET = re.compile(r"[A-Za-z0-9][-A-Za-z0-9_.]*\Z")
_GIT_REPOSITORY = re.compile(r"[A-Za-z0-9][-A-Za-z0-9_.]*(/[A-Za-z0-9][-A-Za-z0-9_.]*)+\Z")
_GIT_PATH_SEGMENT = re.compile(r"[A-Za-z0-9_][-A-Za-z0-9_.]*\Z")
_REGISTRY_VERSION = re.compile(r"[1-9][0-9]{0,9}\Z")  # NiFiKop's IntOrString holds an int32
_COMMIT = re.compile(r"[0-9a-f]{7,40}\Z")  # NiFi's Git clients name versions by commit id
_CHOICES = {"kubernetes": ("true", "false"), "sync_mode": ("never", "once", "always"),
            "flow_registry": ("nifi", "github", "gitlab")}


def parse_params(raw: str) -> tuple[PluginParams, list[Diagnostic]]:
    problems: list[Diagnostic] = []
    values: dict[str, object] = {}

    def fail(message: str) -> None:
        problems.append(Diagnostic(PARAMETER_FILE, 0, 0, message))

    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        key, sep, value = entry.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            fail(f"'{_short(entry)}' is not key=value; write e.g. nifi_version={DEFAULT_NIFI_VERSION}")
            continue
        if key in values:
            fail(f"{_short(key)!r} is given twice; keep one")
            continue
        if key == "nifi_version":
            if value not in SUPPORTED_NIFI_VERSIONS:
                fail(f"nifi_version={_short(value)} is not supported; use one of {', '.join(SUPPORTED_NIFI_VERSIONS)}")
                continue
            values[key] = value
        elif key in ("backpressure_objects", "retry_count"):
            # NiFi reads the object threshold into a long and a retry count into an int (ASCII digits only).
            minimum, maximum, example = (1, JAVA_LONG_MAX, 10000) if key == "backpressure_objects" else (0, JAVA_INT_MAX, 10)
            if not is_count(value, minimum, maximum):
                fail(f"{key}={_short(value)} must be a whole number from {minimum} to {maximum} in ASCII digits; "
                     f"write e.g. {key}={example}")
                continue
            values[key] = int(value)
        elif key == "backpressure_size":
            if not is_data_size(value):
                fail(f"backpressure_size={_short(value)} is not a NiFi data size (ASCII digits and B, KB, MB, GB or TB, "
                     "at most 2^63-1 bytes); write e.g. backpressure_size=1 GB")
                continue
            if data_size_bytes(value) == 0:
                fail(f"backpressure_size={_short(value)} disables back pressure; write a size > 0, e.g. backpressure_size=1 GB")
                continue
            values[key] = value
        elif key == "max_backoff":
            if not is_time_period(value):
                fail(f"max_backoff={_short(value)} is not a NiFi time period (ASCII digits and a unit, at most about "
                     "292 years); write e.g. max_backoff=10 mins")
                continue
            values[key] = value
        elif key in _CHOICES:
            if value not in _CHOICES[key]:
                fail(f"{key}={_short(value)} is not one of {', '.join(_CHOICES[key])}; write e.g. {key}={_CHOICES[key][0]}")
                continue
            values[key] = value == "true" if key == "kubernetes" else value
        elif key == "k8s_namespace":
            if len(value) > 63 or not DNS_LABEL.match(value):
                fail(f"k8s_namespace={_short(value)} is not a Kubernetes namespace (lower-case letters, digits and '-', "
                     "at most 63, starting and ending with a letter or digit); write e.g. k8s_namespace=nifi")
                continue
            values[key] = value
        elif key in ("k8s_cluster", "k8s_registry_client"):
            if len(value) > 253 or not DNS_SUBDOMAIN.match(value):
                fail(f"{key}={_short(value)} is not a Kubernetes resource name (lower-case letters, digits, '-' and "
                     f"'.', at most 253); write e.g. {key}=nifi")
                continue
            values[key] = value
        elif key == "bucket":
            if len(value) > 128 or not _BUCKET.match(value):
                fail(f"bucket={_short(value)} must be one path segment of letters, digits, '-', '_' and '.', not "
                     "starting with '.' (at most 128); write e.g. bucket=integrations")
                continue
            values[key] = value
        elif key == "registry_uri":
            if not re.match(r"https?://[^\s/]+", value) or any(c.isspace() for c in value):
                fail(f"registry_uri={_short(value)} is not an http(s) URL; write e.g. registry_uri=http://nifi-registry:18080")
                continue
            values[key] = value
        elif key == "git_repository":
            if not _GIT_REPOSITORY.match(value):
                fail(f"git_repository={_short(value)} is not owner/name; write e.g. git_repository=acme/integrations")
                continue
            values[key] = value
        elif key == "git_branch":
            if not value or any(c.isspace() or c in "~^:?*[\\" for c in value) or ".." in value:
                fail(f"git_branch={_short(value)} is not a Git branch name; write e.g. git_branch=main")
                continue
            values[key] = value
        elif key == "flow_version":
            if not (_REGISTRY_VERSION.match(value) and int(value) < 2**31) and not _COMMIT.match(value):
                fail(f"flow_version={_short(value)} is neither a Registry version (a whole number from 1) nor a Git "
                     "commit id (7 to 40 lower-case hex digits); write e.g. flow_version=1")
                continue
            values[key] = value
        elif key == "git_path":
            # NiFi refuses a Repository Path starting or ending with '/' (AbstractGitFlowRegistryClient.customValidate).
            segments = value.split("/")
            if value != "." and not all(_GIT_PATH_SEGMENT.match(part) for part in segments):
                fail(f"git_path={_short(value)} must be a relative path without '..', leading or trailing '/' "
                     "(\".\" for the repository root); write e.g. git_path=build/generated/integration")
                continue
            values[key] = value
        else:
            fail(f"unknown parameter {_short(key)!r}; known parameters: {', '.join(sorted(DOCUMENTATION))}")
    if values.get("flow_registry") == "github" and str(values.get("git_repository", "")).count("/") > 1:
        # GitHub has no nested owners (GitLab has nested groups: namespace/sub/name is fine there).
        fail(f"git_repository={_short(str(values['git_repository']))} is not owner/name for GitHub; "
             "write e.g. git_repository=acme/integrations")
    if values.get("flow_registry") in ("github", "gitlab"):
        for needed, example in (("git_repository", "acme/integrations"), ("git_path", "build/generated/integration")):
            if needed not in values:
                fail(f"flow_registry={values['flow_registry']} needs {needed}: NiFi reads the flow from the repository; "
                     f"write e.g. {needed}={example}")
    version, registry = str(values.get("flow_version", "")), values.get("flow_registry", "nifi")
    if version and (registry == "nifi") != bool(_REGISTRY_VERSION.match(version)):
        wanted = "a Registry version number" if registry == "nifi" else "a Git commit id"
        fail(f"flow_version={_short(version)} does not fit flow_registry={registry}, which names versions by "
             f"{wanted}; write e.g. flow_version={'1' if registry == 'nifi' else '3f2c9ab'}")
    return PluginParams(**values), problems
