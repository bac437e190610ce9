"""What every step shares: the two REST clients, the artifacts, options and results so far."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .artifacts import Artifacts
from .client import RestClient
from .errors import Redactor


@dataclass
class Options:
    no_registry: bool = False  # deploy nifi/flow-definition.json directly (definition.py), not through a Registry
    bucket: str = "protoc-gen-nifi"
    registry_client_name: str = "protoc-gen-nifi"
    registry_url_for_nifi: str | None = None  # how NiFi reaches the Registry (compose: http://nifi-registry:18080)
    parent_group: str = "root"
    secrets_dir: Path | None = None
    rotate_secrets: bool = False
    drain: bool = False
    max_queued: int = 0
    drain_timeout: float = 120.0
    start: bool = True
    cases: Path | None = None
    case_timeout: float = 60.0
    fail_on_warning: bool = False
    settle_timeout: float = 30.0
    undeploy: bool = False
    discard_queued: bool = False


@dataclass
class Run:
    nifi: RestClient
    registry: RestClient | None  # None without a Registry (--no-registry)
    art: Artifacts
    opts: Options
    redact: Redactor
    out: Callable[[str], None] = print
    # results, filled by the steps in order
    bucket_id: str | None = None
    flow_id: str | None = None
    version: int | None = None
    registry_client_id: str | None = None
    context_id: str | None = None
    pg_id: str | None = None
    ghosts: list = field(default_factory=list)  # ghosts.Ghost: components NiFi could not load (no NAR)
    bulletin_marker: int | None = None
    parked_marker: int = 0  # FlowFiles already parked when this run began (assertions.parked)
    cases: list = field(default_factory=list)  # cases.Case, loaded and validated before any request
    case_results: list = field(default_factory=list)  # drive.CaseResult, one per case
    # What `failure: true` cases made fail on purpose: their FlowFiles (uuid -> cluster node), which may wait in
    # `parked failures`, and their filenames, which NiFi's error bulletins name; neither counts against the flow.
    expected_failures: dict[str, str | None] = field(default_factory=dict)
    expected_failure_names: set[str] = field(default_factory=set)
    # parameter name -> value; repr=False so a traceback or debugger print of Run cannot show secrets
    values: dict[str, str] = field(default_factory=dict, repr=False)
    changes: list[str] = field(default_factory=list)  # what this run created or changed in NiFi or the Registry
    status_file: Path | None = None  # --status-file: write the conditions as the Integration's status
    generation: int = 1  # the Integration's metadata.generation, as observedGeneration

    def say(self, step: str, text: str) -> None:
        self.out(self.redact(f"[{step}] {text}"))

    def change(self, step: str, text: str) -> None:
        """Say a change, and keep it: a run that fails later says what it had already changed."""
        self.changes.append(self.redact(text))
        self.say(step, text)
