"""The probes of behaviours.py against the fake: its answers are what NiFi's source says (EXPECTED), directly and
over HTTP; the same replay against a real NiFi is how the live suite checks the fake."""
from pathlib import Path

import pytest

from . import Fake, FakeServer
from .behaviours import (
    EXPECTED,
    Answer,
    HttpClient,
    check,
    compare,
    from_json,
    replay,
    to_json,
)


def direct(fake):
    return lambda method, path, json_body=None, query=None, form=None, files=None: fake.call(
        method, path, json_body=json_body, query=query, form=form, files=files)


def test_the_fake_answers_every_probe_as_nifis_source_says(fake):
    recording = replay(direct(fake))
    assert check(recording) == []
    assert {(n, a.kind) for n, answers in recording.items() for a in answers} == set(EXPECTED)
    assert fake.requests.open() == [] and list(fake.groups) == ["root"]  # the probes left nothing behind


def test_over_http_the_recordings_agree_and_round_trip():
    fake = Fake()
    with FakeServer(fake) as srv:
        over_http = replay(HttpClient(srv.nifi_url))
    assert compare(replay(direct(Fake())), over_http) == []
    assert compare(from_json(to_json(over_http)), over_http) == []


def test_compare_names_a_kinder_fake():
    real = {"b1": [Answer("GET x", 400, {})]}
    assert compare({"b1": [Answer("GET x", 200, {})]}, real) == ["b1 / GET x: fake 200 {}, real 400 {}"]


REAL = Path(__file__).resolve().parents[2] / "fixtures" / "live-nifi"


@pytest.mark.parametrize("recording", sorted(REAL.glob("probes-*.json")), ids=lambda p: p.stem)
def test_the_fake_answers_every_probe_as_the_real_nifi_did(recording):
    """The live group replays the probes against a real NiFi and keeps its answers (LIVE_RECORD=1); here the
    fake must answer the same, so it is never kinder than the NiFi it stands in for."""
    real = from_json(recording.read_text())
    assert compare(replay(direct(Fake())), real) == []
    assert {(n, a.kind) for n, answers in real.items() for a in answers} == set(EXPECTED)


def test_there_is_a_real_recording():
    assert list(REAL.glob("probes-*.json")), "record one with the live group (LIVE_RECORD=1)"
