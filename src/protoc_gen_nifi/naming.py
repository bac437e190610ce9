"""Names derived from proto identifiers: slugs, parameter names, env names.

Everything here is a pure function of its input, so names are deterministic
and safe in paths, NiFi parameter names and environment variables.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NOT_PARAM = re.compile(r"[^a-z0-9.\-]+")
# NiFi's ParameterNameValidator.
PARAMETER_NAME = re.compile(r"^[A-Za-z0-9 ._\-]+$")
# RFC 9110 token: what an HTTP header name may be.
HTTP_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
# The header names the flow can carry: tokens without the quote, which NiFi's ${'name'} cannot hold.
HEADER_NAME = re.compile(r"[!#$%&*+\-.^_`|~0-9A-Za-z]+\Z")
# A media type as NiFi carries it in an attribute (mime.type, ce_datacontenttype): type/subtype with
# ;name=value parameters, all RFC 9110 tokens; no quoted strings, spaces or line breaks.
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
MEDIA_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}(?: ?; ?{_TOKEN}={_TOKEN})*\Z")


# The slugs are asked for again and again for the same few names (every artifact of an integration names its
# ports and refs), and each costs a Unicode normalisation and regular expressions: they are remembered.
_remembered = lru_cache(maxsize=4096)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


@_remembered
def snake_slug(text: str) -> str:
    """`OrderToErpIntegration` -> `order_to_erp_integration`; never empty, never a path."""
    words = _CAMEL_BOUNDARY.sub("_", _ascii(text)).lower()
    slug = _NOT_SLUG.sub("_", words).strip("_")
    return slug or "unnamed"


def integration_slug(service_name: str, explicit: str | None) -> str:
    if explicit:
        return snake_slug(explicit)
    base = re.sub(r"(Integration|Service)$", "", service_name) or service_name
    return snake_slug(base)


@_remembered
def ref_slug(ref: str) -> str:
    """A binding or endpoint ref as it appears inside a parameter name: `erp-orders`."""
    return _NOT_PARAM.sub("-", _ascii(ref).lower()).strip("-.") or "unnamed"


@_remembered
def ref_slug_is_meaningful(ref: str) -> bool:
    """Whether a ref keeps an ASCII letter or digit once slugged (else every such ref would be `unnamed`)."""
    return bool(re.search(r"[a-z0-9]", _ascii(ref).lower()))


def env_name(parameter: str) -> str:
    """`kafka.sasl.password` -> `KAFKA_SASL_PASSWORD`."""
    return re.sub(r"[^A-Z0-9]+", "_", parameter.upper()).strip("_")
