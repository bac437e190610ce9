"""The fake NiFi's probes (tests/harness/fakenifi/behaviours.py) replayed against the real NiFi.

Their answers are kept in tests/fixtures/live-nifi/probes-<version>.json; the fast suite replays the
same probes against the fake and must get the same answers (tests/harness/fakenifi/test_behaviours.py),
so the fake cannot be kinder, or harsher, than NiFi where both were asked the same thing.
"""
from __future__ import annotations

import os
from pathlib import Path

from harness.fakenifi.behaviours import HttpClient, check, from_json, replay, to_json

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "live-nifi"


def test_probes_answer_on_the_real_nifi_as_recorded_and_as_nifis_source_says(connection):
    client = HttpClient(f"{connection.url}/nifi-api", verify=connection.ssl_context())
    real = replay(client)
    path = FIXTURES / f"probes-{connection.version}.json"
    if os.environ.get("LIVE_RECORD") == "1":
        path.write_text(to_json(real) + "\n")
    assert check(real) == [], "NiFi's source, as BEHAVIOUR.md reads it, and the real NiFi disagree"
    assert path.exists(), f"no recording {path.name}: run the live group once with LIVE_RECORD=1"
    assert to_json(real) == to_json(from_json(path.read_text())), (
        f"the real NiFi answers the probes differently from {path.name} (LIVE_RECORD=1 rewrites it)")
