"""Deterministic NiFi component identifiers.

NiFi derives versioned ids with `UUID.nameUUIDFromBytes` (type 3); we do the
same over a stable path, so regeneration never changes an id and registry
diffs stay clean.
"""
from __future__ import annotations

import uuid

# Fixed namespace for every id this generator mints.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:protoc-gen-nifi")


class IdFactory:
    def __init__(self, scope: str) -> None:
        # scope: the integration's fully-qualified service name, so two
        # integrations in one NiFi never share an id.
        self._scope = scope
        self._issued: dict[str, str] = {}

    def __call__(self, *path: str) -> str:
        key = "/".join(path)
        if key not in self._issued:
            self._issued[key] = str(uuid.uuid3(_NAMESPACE, f"{self._scope}/{key}"))
        return self._issued[key]
