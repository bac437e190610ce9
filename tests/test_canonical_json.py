"""The canonical JSON writers (orjson, with the pure-Python encoder where orjson's bytes could differ) are byte for
byte what json.dumps writes, on any JSON-like value: goldens and content digests must not depend on the encoder."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from protoc_gen_nifi import rendering

# Every character class that matters: control characters, DEL, U+2028, non-ASCII, astral; and the number forms
# (64-bit edges, beyond 64 bits, floats in and out of exponent form).
TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12) | st.sampled_from(
    ["", "\x00\x1f\x7f", "\u2028\u2029", "é", "\U0001f600", 'a\\": 1e-5', " 1e+16", "0e-4ab"])
NUMBER = (st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
          | st.sampled_from([0.0, -0.0, 1e-5, 2.5e-7, 1e16, 1e22, 400.0, 2**63 - 1, -(2**63), 2**64]))
SCALAR = st.none() | st.booleans() | NUMBER | TEXT
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                     max_leaves=30)


def _reference(value) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


@settings(max_examples=400, deadline=None)
@given(VALUE)
def test_canonical_json_is_json_dumps(value):
    assert rendering.canonical_json(value) == _reference(value)


@settings(max_examples=400, deadline=None)
@given(VALUE)
def test_compact_json_ascii_is_json_dumps(value):
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    assert rendering.compact_json_ascii(value) == expected


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(TEXT, VALUE, max_size=4), TEXT, VALUE)
def test_canonical_json_plus_writes_the_same_bytes_as_encoding_the_whole(base, text, value):
    # Mostly a key sorting before some of base's (the whole is encoded), and one after all of them (appended).
    for key in (text, "\U0010ffff" + text):
        assert rendering.canonical_json_plus(base, _reference(base), key, value) == _reference({**base, key: value})


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(TEXT, VALUE, max_size=4), VALUE, VALUE)
def test_a_definition_and_its_digested_part_are_json_dumps(others, flow, contexts):
    # The float guard runs over the compact texts only: a small float anywhere (in the digested part or in the
    # other members) must still send both texts to json.dumps's spelling.
    document = {**others, "flowContents": flow, "parameterContexts": contexts}
    part = ("flowContents", "parameterContexts")
    digested = json.dumps({key: document[key] for key in part}, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=True).encode("ascii")
    assert rendering.canonical_json_and_compact(document, part) == (_reference(document), digested)


def test_a_small_float_outside_the_digested_part_still_reaches_json_dumps():
    for small in (1e-5, 2.5e-7):
        document = {"flowContents": {"x": 1.5}, "parameterContexts": {}, "latest": small}
        text, _ = rendering.canonical_json_and_compact(document, ("flowContents", "parameterContexts"))
        assert text == _reference(document)


def test_the_pure_encoder_writes_the_same_bytes_without_orjson(monkeypatch):
    monkeypatch.setattr(rendering, "_ORJSON", None)
    value = {"b": [1, 2.5, "é\x1f", {"x": None}], "a": {}, "c": [], "d": 1e-5}
    assert rendering.canonical_json(value) == _reference(value)
    assert rendering.canonical_json_plus(value, _reference(value), "e", value) == _reference({**value, "e": value})
    document = {"flowContents": value, "parameterContexts": {"p": "é"}, "latest": False}
    assert rendering.canonical_json_and_compact(document, ("flowContents", "parameterContexts")) == (
        _reference(document), json.dumps({"flowContents": value, "parameterContexts": {"p": "é"}}, sort_keys=True,
                                         separators=(",", ":"), ensure_ascii=True).encode("ascii"))


YAML_TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=150) | st.sampled_from(
    ["", "true", "null", "~", "0777", "1e3", "- x", "? x", "#", "a: b", "é", "\U0001f600", "x\ny", "\x07"])
YAML_VALUE = st.recursive(st.none() | st.booleans() | st.integers() | YAML_TEXT,
                          lambda inner: st.lists(inner, max_size=4) | st.dictionaries(YAML_TEXT, inner, max_size=4),
                          max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(YAML_VALUE)
def test_canonical_yaml_is_pyyaml_s_own_emitter(value):
    import yaml

    expected = yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True,
                              width=float("inf")).encode("utf-8")
    assert rendering.canonical_yaml(value) == expected


def test_canonical_yaml_writes_pyyaml_s_anchor_for_a_container_met_twice():
    import yaml

    shared = {"a": [1, "x"]}
    document = {"one": shared, "two": shared, "e": [], "f": {}}
    expected = yaml.safe_dump(document, sort_keys=False, default_flow_style=False, allow_unicode=True,
                              width=float("inf")).encode("utf-8")
    assert b"&id001" in expected and rendering.canonical_yaml(document) == expected


# Text made of YAML's indicators and the characters that decide around them: where a plain scalar is allowed.
INDICATOR_TEXT = st.text(alphabet=" -?:#'\",[]{}&*!|>%@`.~ab01eEyYnN", max_size=8)


@settings(max_examples=3000, deadline=None)
@given(st.dictionaries(INDICATOR_TEXT, st.lists(INDICATOR_TEXT, max_size=3) | INDICATOR_TEXT, min_size=1,
                       max_size=3))
def test_canonical_yaml_quotes_exactly_where_pyyaml_does(value):
    import yaml

    expected = yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True,
                              width=float("inf")).encode("utf-8")
    assert rendering.canonical_yaml(value) == expected


def test_canonical_yaml_nests_as_pyyaml_does():
    import yaml

    document = {"a": [{"b": {"c": [1, [2, [3, {}]], []]}, "d": [{"e": None}], "f": True}, [[{"g": "h"}]], "-"],
                "i": {"j": {"k": [{"l": "m: n"}]}}, "o": ""}
    expected = yaml.safe_dump(document, sort_keys=False, default_flow_style=False, allow_unicode=True,
                              width=float("inf")).encode("utf-8")
    assert rendering.canonical_yaml(document) == expected


def test_the_writer_s_own_resolver_covers_every_pyyaml_implicit_resolver():
    import yaml

    resolvers = yaml.resolver.Resolver.yaml_implicit_resolvers
    str_tag = "tag:yaml.org,2002:str"
    for first, entries in resolvers.items():
        tags = {tag.rsplit(":", 1)[-1] for tag, _ in entries}
        # Either the writer asks PyYAML, or the tags are bools and nulls it knows by word ('yaml': indicators).
        assert first in rendering._YAML_ASK_FIRST or not first or tags <= {"bool", "null", "yaml"}, first
    for word in rendering._YAML_WORDS:
        assert yaml.resolver.Resolver().resolve(yaml.ScalarNode, word, (True, False)) != str_tag
    for text in ("nifi", "name", "order-to-erp", "Never", "onwards", "yes-no", "tRUE", "~x", "0777", "1e3", "+", "."):
        expected = yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False)) == str_tag
        assert rendering._is_plain_str(text) is expected, text


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="0123456789abcdefxXbB_:+-.eEtTzZ <=~inINfFaA", min_size=1, max_size=12)
       | st.uuids().map(str))
def test_the_writer_s_own_resolver_agrees_with_pyyaml_s(text):
    import yaml

    expected = yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str"
    assert rendering._is_plain_str(text) is expected


def test_every_float_orjson_spells_differently_is_left_to_json_dumps():
    # orjson writes 1e-5 <= |x| < 1e-4 as '0.0000ddd' and smaller ones as 'de-N'; json.dumps writes both in its
    # exponent form. Each must reach the pure encoder, in a list, as a member, first, last and alone.
    floats = [1e-5, 9.99e-5, -1.5e-5, 1e-6, 2.5e-7, -1e-7, 1e-10, 5e-324, 1.0000000000000001e-5]
    for small in floats:
        for value in (small, [small], [1, small], {"a": small}, {"a": small, "b": "x"}, {"z": [{"y": small}]}):
            assert rendering.canonical_json(value) == _reference(value)
            expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
            assert rendering.compact_json_ascii(value) == expected


def test_markdown_text_escapes_the_same_characters_with_or_without_its_quick_scan():
    # The quick scan decides whether to translate at all: it must find every character the table escapes.
    for code in range(0x3000):
        text = f"a{chr(code)} b"
        assert rendering.markdown_text(text) == " ".join(text.split()).translate(rendering._MARKDOWN_SPECIAL)


def test_pyrepr_writes_subclasses_as_their_base_types():
    class Name(str):
        pass

    class Count(int):
        pass

    assert rendering.pyrepr([Name("é"), Count(3), True, None, ("x", 1.5)]) == "['\\xe9', 3, True, None, ['x', 1.5]]"
    assert rendering.pyrepr({"k": [1, "v"]}) == "{'k': [1, 'v']}"
