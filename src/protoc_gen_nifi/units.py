"""NiFi's data-size and time-period strings, validated the way NiFi parses them."""
from __future__ import annotations

import re

# FormatUtils: "<number> <unit>" with optional space.
DATA_SIZE = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB)$", re.IGNORECASE)
TIME_PERIOD = re.compile(
    r"^\d+(\.\d+)?\s*(ns|nanos?|nanoseconds?|ms|millis?|milliseconds?|s|secs?|seconds?"
    r"|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)$",
    re.IGNORECASE,
)


def is_data_size(text: str) -> bool:
    return bool(DATA_SIZE.match(text))


def is_time_period(text: str) -> bool:
    return bool(TIME_PERIOD.match(text))
