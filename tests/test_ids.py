"""Component ids: NiFi's own derivation (UUID.nameUUIDFromBytes, type 3) over a stable path, so that
regeneration never changes an id."""
from __future__ import annotations

import uuid

import pytest

from protoc_gen_nifi.ids import IdFactory, registry_ids

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:protoc-gen-nifi")


@pytest.mark.parametrize("path", [
    ("root",),
    ("ingress/orders_in", "processor", "consume"),
    ("mapping", "connection", "a->b->"),
    ("egress/ünïcödé", "processor", "x" * 200),  # non-ASCII, and a name of several MD5 blocks
])
def test_an_id_is_the_type_3_uuid_of_the_scoped_path(path):
    scope = "com.example.orders.v1.OrderService"
    assert IdFactory(scope)(*path) == str(uuid.uuid3(NAMESPACE, f"{scope}/{'/'.join(path)}"))


def test_ids_cover_every_variant_digit():
    """The variant digit keeps the digest's low two bits: all four of 8, 9, a and b occur."""
    ids = IdFactory("scope")
    made = [ids("processor", str(i)) for i in range(64)]
    assert made == [str(uuid.uuid3(NAMESPACE, f"scope/processor/{i}")) for i in range(64)]
    assert {text[19] for text in made} == set("89ab")


def test_registry_ids_are_fixed_by_the_names():
    assert registry_ids("bucket", "flow") == (str(uuid.uuid3(NAMESPACE, "registry-bucket/bucket")),
                                              str(uuid.uuid3(NAMESPACE, "registry-flow/bucket/flow")))
