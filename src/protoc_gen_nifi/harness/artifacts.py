"""Load one integration's generated artifacts (see docs/artifacts.md) and index them."""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import HarnessError

_SHA = re.compile(r"sha256:([0-9a-f]{64})")
SNAPSHOT = "flow.snapshot.json"  # what the Registry path deploys
DEFINITION = "flow-definition.json"  # what --no-registry deploys


def content_sha(flow: dict) -> str:
    """The hash of what deploys (the flow and its parameter contexts), as the generator writes it into a snapshot's
    `sha256:` comment (protoc_gen_nifi.artifacts.definition_json_and_digest): a flow definition carries no
    comment, and its hash is the same as its snapshot's."""
    canon = json.dumps({"flowContents": flow.get("flowContents"), "parameterContexts": flow.get("parameterContexts")},
                       sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canon.encode("ascii")).hexdigest()


def sha_of_comments(comments: str | None) -> str | None:
    m = _SHA.search(comments or "")
    return m.group(1) if m else None


@dataclass
class Artifacts:
    folder: Path
    snapshot: dict  # the deploy unit: flow.snapshot.json, or flow-definition.json without a Registry
    snapshot_bytes: bytes
    parameter_context: dict
    manifest: dict

    @classmethod
    def load(cls, folder: Path, unit: str = SNAPSHOT) -> Artifacts:
        folder = Path(folder)
        nifi = folder / "nifi"

        def read(name: str) -> bytes:
            path = nifi / name
            try:
                return path.read_bytes()
            except OSError as exc:
                raise HarnessError("load", str(path), f"cannot read generated artifact ({exc.strerror})",
                                   "run `buf generate` first, or point the harness at the integration folder") from None

        raw = read(unit)
        try:
            snapshot = json.loads(raw)
            params = yaml.safe_load(read("parameter-context.yaml")) or {}
            manifest = json.loads(read("controller-services.json"))
        except (ValueError, yaml.YAMLError) as exc:
            raise HarnessError("load", str(nifi), f"generated artifact is not valid JSON/YAML ({exc})",
                               "regenerate; generated files must not be edited") from None
        if not isinstance(snapshot, dict) or "flowContents" not in snapshot:
            raise HarnessError("load", str(nifi / unit), "not a NiFi flow (no flowContents)", "regenerate")
        return cls(folder, snapshot, raw, params, manifest)

    # -- identity -----------------------------------------------------------------------------

    @property
    def integration(self) -> str:
        return self.manifest.get("integration") or self.snapshot["flowContents"]["name"]

    @property
    def flow_name(self) -> str:
        return self.snapshot["flowContents"]["name"]

    @property
    def context_name(self) -> str:
        return self.parameter_context.get("name") or self.flow_name

    @property
    def comments(self) -> str:
        return (self.snapshot.get("snapshotMetadata") or {}).get("comments") or \
            f"protoc-gen-nifi {self.integration} sha256:{self.sha}"

    @property
    def sha(self) -> str:
        return sha_of_comments((self.snapshot.get("snapshotMetadata") or {}).get("comments")) or content_sha(self.snapshot)

    # -- walking the versioned flow ---------------------------------------------------------------

    def groups(self) -> Iterator[dict]:
        stack = [self.snapshot["flowContents"]]
        while stack:
            g = stack.pop()
            yield g
            stack.extend(g.get("processGroups") or [])

    def ingress_groups(self) -> list[dict]:
        """Direct children named `ingress <port>`: the only places data enters (stopped by drain mode)."""
        return [g for g in self.snapshot["flowContents"].get("processGroups") or []
                if g.get("name", "").startswith("ingress ")]

    def egress_groups(self) -> list[dict]:
        return [g for g in self.snapshot["flowContents"].get("processGroups") or []
                if g.get("name", "").startswith("egress ")]

    @property
    def parked_connection(self) -> str | None:
        """The versioned id of the `parked failures` connection (controller-services.json `parkedFailures`),
        where every failed FlowFile ends in a running flow."""
        return (self.manifest.get("parkedFailures") or {}).get("connection")

    def parameters(self) -> list[dict[str, Any]]:
        return list(self.parameter_context.get("parameters") or [])
