"""The probes of behaviours.py against the fake: its answers are what NiFi's source says (EXPECTED), directly and
over HTTP; the same replay against a real NiFi is how the live suite checks the fake."""
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
    return lambda method, path, json_body=None, query=None: fake.call(method, path, json_body=json_body,
                                                                      query=query)


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
