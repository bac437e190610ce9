"""The Git flow registry layout: the generated output *is* the repository NiFi's GitHub/GitLab registry client reads.

NiFi 2.x (nifi-extension-utils/nifi-git-flow-registry, AbstractGitFlowRegistryClient) reads a flow from
`<Repository Path>/<bucketId>/<flowId>.json` on a branch or commit (getSnapshotFilePath, SNAPSHOT_FILE_PATH_FORMAT);
buckets are the top-level directories under the Repository Path (getBuckets). The file is a RegisteredFlowSnapshot
read by JacksonFlowSnapshotSerializer (unknown properties ignored). We write it as NiFi itself commits one
(registerFlowSnapshot), so a flow saved back from NiFi differs only where the flow does.
"""
from __future__ import annotations

from .rendering import canonical_json

REGISTRY_DIR = "flow-registry"  # under the plugin's out dir; a '-' never occurs in an integration folder (snake_case)
SNAPSHOT_FILE_EXTENSION = ".json"  # AbstractGitFlowRegistryClient.SNAPSHOT_FILE_EXTENSION
SNAPSHOT_FILE_PATH_FORMAT = "%s/%s" + SNAPSHOT_FILE_EXTENSION  # AbstractGitFlowRegistryClient: bucketId/flowId.json
# registerFlowSnapshot replaces the top group's id (and its children's groupIdentifier) with this constant and its
# position with (0, 0) before serializing, "to avoid unnecessary diffs" between instances of the same flow.
FLOW_CONTENTS_GROUP_ID = "flow-contents-group"
# Set to null before serializing (registerFlowSnapshot), so absent from the file (the serializer writes NON_NULL).
CLEARED_METADATA = ("bucketIdentifier", "branch", "version", "comments")
# VersionedComponentModule.EXCLUDE_JSON_FIELDS: never written for a versioned component.
EXCLUDED_COMPONENT_FIELDS = ("instanceIdentifier", "instanceGroupId")
_CHILDREN = ("processGroups", "remoteProcessGroups", "processors", "funnels", "labels", "inputPorts", "outputPorts",
             "controllerServices", "connections")


def git_snapshot(snapshot: dict, flow_id: str) -> dict:
    """The RegisteredFlowSnapshot NiFi's Git client would commit for `snapshot` (a registry snapshot)."""
    root = dict(snapshot["flowContents"])
    original = root["identifier"]
    root["identifier"] = FLOW_CONTENTS_GROUP_ID
    root["position"] = {"x": 0.0, "y": 0.0}
    for kind in _CHILDREN:  # AbstractGitFlowRegistryClient.replaceGroupId: the top group's direct children only
        root[kind] = [{**child, "groupIdentifier": FLOW_CONTENTS_GROUP_ID} for child in root.get(kind) or []]
    for connection in root["connections"]:
        for end in ("source", "destination"):
            if connection[end].get("groupId") == original:
                connection[end] = {**connection[end], "groupId": FLOW_CONTENTS_GROUP_ID}
    metadata = {k: v for k, v in (snapshot.get("snapshotMetadata") or {}).items() if k not in CLEARED_METADATA}
    metadata["flowIdentifier"] = flow_id
    out = {k: v for k, v in snapshot.items() if k not in ("snapshotMetadata", "bucket", "flow")}
    out["flowContents"] = root
    out["snapshotMetadata"] = metadata
    # The flow as getFlows lists it: its id and name are the file name (mapToRegisteredFlow).
    out["flow"] = {"identifier": flow_id, "name": flow_id, "description": root.get("comments", "")}
    return out


def registry_file(snapshot: dict, bucket_id: str, flow_id: str) -> dict[str, bytes]:
    """`flow-registry/<bucketId>/<flowId>.json`: the Repository Path is the out dir's `flow-registry` folder."""
    path = f"{REGISTRY_DIR}/{SNAPSHOT_FILE_PATH_FORMAT % (bucket_id, flow_id)}"
    return {path: canonical_json(git_snapshot(snapshot, flow_id))}
