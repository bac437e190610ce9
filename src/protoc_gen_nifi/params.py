"""Plugin parameters (`opt:` in buf.gen.yaml, `--nifi_opt=` / `--nifi_out=k=v:dir` for protoc).

protoc joins every parameter into one comma-separated string; each entry is
`key=value`. Unknown keys and bad values are errors, never silently ignored.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .diagnostics import Diagnostic
from .nifi_catalog import DEFAULT_NIFI_VERSION, SUPPORTED_NIFI_VERSIONS
from .units import (
    JAVA_INT_MAX,
    JAVA_LONG_MAX,
    data_size_bytes,
    is_count,
    is_data_size,
    is_time_period,
)

PARAMETER_FILE = "protoc-gen-nifi parameter"


def _short(text: str) -> str:
    """A parameter value as an error message shows it: at most 60 characters."""
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class PluginParams:
    nifi_version: str = DEFAULT_NIFI_VERSION
    backpressure_objects: int = 10000
    backpressure_size: str = "1 GB"
    retry_count: int = 10
    max_backoff: str = "10 mins"
    unknown: tuple[str, ...] = field(default=(), compare=False)


# key -> (description, default) for the README and `--help`.
DOCUMENTATION = {
    "nifi_version": f"NiFi release the artifacts target: bundle versions and property keys "
    f"({', '.join(SUPPORTED_NIFI_VERSIONS)}; default {DEFAULT_NIFI_VERSION})",
    "backpressure_objects": "default back-pressure object threshold of every connection (default 10000, NiFi's)",
    "backpressure_size": "default back-pressure data-size threshold of every connection (default \"1 GB\", NiFi's)",
    "retry_count": "default times a failed FlowFile is retried before it goes to the failure output (default 10, NiFi's)",
    "max_backoff": "default longest back-off between retries (default \"10 mins\", NiFi's)",
}


def parse_params(raw: str) -> tuple[PluginParams, list[Diagnostic]]:
    problems: list[Diagnostic] = []
    values: dict[str, object] = {}

    def fail(message: str) -> None:
        problems.append(Diagnostic(PARAMETER_FILE, 0, 0, message))

    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        key, sep, value = entry.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            fail(f"'{_short(entry)}' is not key=value; write e.g. nifi_version={DEFAULT_NIFI_VERSION}")
            continue
        if key in values:
            fail(f"{_short(key)!r} is given twice; keep one")
            continue
        if key == "nifi_version":
            if value not in SUPPORTED_NIFI_VERSIONS:
                fail(f"nifi_version={_short(value)} is not supported; use one of {', '.join(SUPPORTED_NIFI_VERSIONS)}")
                continue
            values[key] = value
        elif key in ("backpressure_objects", "retry_count"):
            # NiFi reads the object threshold into a long and a retry count into an int (ASCII digits only).
            minimum, maximum, example = (1, JAVA_LONG_MAX, 10000) if key == "backpressure_objects" else (0, JAVA_INT_MAX, 10)
            if not is_count(value, minimum, maximum):
                fail(f"{key}={_short(value)} must be a whole number from {minimum} to {maximum} in ASCII digits; "
                     f"write e.g. {key}={example}")
                continue
            values[key] = int(value)
        elif key == "backpressure_size":
            if not is_data_size(value):
                fail(f"backpressure_size={_short(value)} is not a NiFi data size (ASCII digits and B, KB, MB, GB or TB, "
                     "at most 2^63-1 bytes); write e.g. backpressure_size=1 GB")
                continue
            if data_size_bytes(value) == 0:
                fail(f"backpressure_size={_short(value)} disables back pressure; write a size > 0, e.g. backpressure_size=1 GB")
                continue
            values[key] = value
        elif key == "max_backoff":
            if not is_time_period(value):
                fail(f"max_backoff={_short(value)} is not a NiFi time period (ASCII digits and a unit, at most about "
                     "292 years); write e.g. max_backoff=10 mins")
                continue
            values[key] = value
        else:
            fail(f"unknown parameter {_short(key)!r}; known parameters: {', '.join(sorted(DOCUMENTATION))}")
    return PluginParams(**values), problems
