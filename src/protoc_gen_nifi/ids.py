"""Deterministic NiFi component identifiers.

NiFi derives versioned ids with `UUID.nameUUIDFromBytes` (type 3); we do the
same over a stable path, so regeneration never changes an id and registry
diffs stay clean.
"""
from __future__ import annotations

import hashlib

try:  # CPython's own MD5: on names this short, OpenSSL's per-call overhead (its EVP contexts, copied and freed
    # for every digest) costs more than the hashing; this one does 30% fewer instructions per id.
    from _md5 import md5 as _md5
except ImportError:  # an interpreter built without it
    from hashlib import md5 as _md5

# The RFC 4122 variant (10xx) in the first hex digit of the fourth group, keeping the digest's low two bits.
_VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 0b11] for digit in "0123456789abcdef"}


def _name_uuid(algorithm, version: int, namespace: bytes, name: str) -> bytes:
    """RFC 4122 name-based UUID (what uuid.uuid3 / uuid.uuid5 compute), as 16 bytes.

    Written out with hashlib so that a plugin run does not import `uuid`."""
    raw = bytearray(algorithm(namespace + name.encode("utf-8"), usedforsecurity=False).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | (version << 4)
    raw[8] = (raw[8] & 0x3F) | 0x80
    return bytes(raw)


def _text(raw: bytes) -> str:
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# uuid.NAMESPACE_URL, 6ba7b811-9dad-11d1-80b4-00c04fd430c8.
_NAMESPACE_URL = bytes.fromhex("6ba7b8119dad11d180b400c04fd430c8")
# Fixed namespace for every id this generator mints: uuid.uuid5(uuid.NAMESPACE_URL, "urn:protoc-gen-nifi").
_NAMESPACE = _name_uuid(hashlib.sha1, 5, _NAMESPACE_URL, "urn:protoc-gen-nifi")


class IdFactory:
    def __init__(self, scope: str) -> None:
        # scope: the integration's fully-qualified service name, so two
        # integrations in one NiFi never share an id.
        # Every id hashes _NAMESPACE + "<scope>/" first: hashed once here, each id continues a copy of it.
        self._prefix = _md5(_NAMESPACE + f"{scope}/".encode(), usedforsecurity=False)

    def __call__(self, *path: str) -> str:
        # str(uuid.uuid3(_NAMESPACE, f"{scope}/{key}")). No cache: a flow never asks twice for one path.
        # The text of the hex MD5 digest with the version digit set to 3 and the variant bits to RFC 4122's, as
        # _name_uuid does on the bytes (a flow mints tens of thousands of ids: no bytes, no helper call).
        digest = self._prefix.copy()
        digest.update("/".join(path).encode())  # UTF-8
        h = digest.hexdigest()
        return f"{h[:8]}-{h[8:12]}-3{h[13:16]}-{_VARIANT_DIGIT[h[16]]}{h[17:20]}-{h[20:]}"


def registry_ids(bucket: str, flow: str) -> tuple[str, str]:
    """(bucket id, flow id) of a flow in a NiFi Registry, fixed by the bucket and flow names.

    NiFi Registry keeps a client-chosen bucket id (POST /buckets?preserveSourceProperties=true) and flow
    identifier (StandardServiceFacade.createBucket / createFlow: BEHAVIOUR.md row 10), so the generator (the
    NifiDataflow) and the harness (its import) agree on them before anything runs."""
    bucket_id = _text(_name_uuid(hashlib.md5, 3, _NAMESPACE, f"registry-bucket/{bucket}"))
    flow_id = _text(_name_uuid(hashlib.md5, 3, _NAMESPACE, f"registry-flow/{bucket}/{flow}"))
    return bucket_id, flow_id
