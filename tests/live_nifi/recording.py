"""What the real NiFi answered, kept in `tests/fixtures/live-nifi/behaviour-<version>.json`.

A live test passes its observation (statuses, flags, counts, messages with ids masked) to
`Recording.check`: the observation must equal the recorded one, so the recording cannot drift
from the real NiFi unnoticed. `LIVE_RECORD=1` rewrites the recording instead. The fast suite
reads the same file to hold the fake NiFi to NiFi's real answers when no NiFi runs.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "live-nifi"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def mask(text: str) -> str:
    """Ids and ports differ per run; the rest of a NiFi message is the behaviour."""
    return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<port>", UUID.sub("<id>", text))


def path_for(version: str) -> Path:
    return FIXTURES / f"behaviour-{version}.json"


def load(version: str) -> dict:
    path = path_for(version)
    return json.loads(path.read_text()) if path.exists() else {}


class Recording:
    def __init__(self, version: str):
        self.version = version
        self.recorded = load(version)
        self.observed: dict[str, object] = {}
        self.rewrite = os.environ.get("LIVE_RECORD") == "1"

    def check(self, key: str, observation: dict) -> None:
        observation = json.loads(json.dumps(observation, sort_keys=True))
        self.observed[key] = observation
        if self.rewrite:
            return
        assert key in self.recorded, f"no recording for {key!r}: run the live group with LIVE_RECORD=1"
        assert observation == self.recorded[key], (
            f"the real NiFi now answers {key!r} differently from the recording (LIVE_RECORD=1 rewrites it):\n"
            f"recorded: {self.recorded[key]}\nobserved: {observation}")

    def save(self) -> None:
        if not self.rewrite:
            return
        merged = {**self.recorded, **self.observed}
        document = {"_source": f"Answers of a live NiFi {self.version} (tests/live_nifi, LIVE_RECORD=1); "
                               "ids and ports masked.", **{k: merged[k] for k in sorted(merged) if k != "_source"}}
        path_for(self.version).write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")
