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


def content_sha(snapshot: dict) -> str:
    """Fallback when a snapshot carries no `sha256:` comment: hash the deployable content."""
    canon = json.dumps({"flowContents": snapshot.get("flowContents"),
                        "parameterContexts": snapshot.get("parameterContexts")},
                       sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def sha_of_comments(comments: str | None) -> str | None:
    m = _SHA.search(comments or "")
    return m.group(1) if m else None


@dataclass
class Artifacts:
    folder: Path
    snapshot: dict
    snapshot_bytes: bytes
    parameter_context: dict
    manifest: dict

    @classmethod
    def load(cls, folder: Path) -> Artifacts:
        folder = Path(folder)
        nifi = folder / "nifi"

        def read(name: str) -> bytes:
            path = nifi / name
            try:
                return path.read_bytes()
            except OSError as exc:
                raise HarnessError("load", str(path), f"cannot read generated artifact ({exc.strerror})",
                                   "run `buf generate` first, or point the harness at the integration folder") from None

        raw = read("flow.snapshot.json")
        try:
            snapshot = json.loads(raw)
            params = yaml.safe_load(read("parameter-context.yaml")) or {}
            manifest = json.loads(read("controller-services.json"))
        except (ValueError, yaml.YAMLError) as exc:
            raise HarnessError("load", str(nifi), f"generated artifact is not valid JSON/YAML ({exc})",
                               "regenerate; generated files must not be edited") from None
        if "flowContents" not in snapshot:
            raise HarnessError("load", str(nifi / "flow.snapshot.json"), "not a NiFi Registry snapshot (no flowContents)",
                               "regenerate")
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

    def failure_connections(self) -> list[dict]:
        """Connections into the root `failure` output port: where failed FlowFiles end up."""
        root = self.snapshot["flowContents"]
        ports = {p["identifier"] for p in root.get("outputPorts") or [] if p.get("name") == "failure"}
        return [c for c in root.get("connections") or [] if (c.get("destination") or {}).get("id") in ports]

    def parameters(self) -> list[dict[str, Any]]:
        return list(self.parameter_context.get("parameters") or [])
