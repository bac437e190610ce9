"""NiFi's data-size and time-period strings, validated the way NiFi parses them."""
from __future__ import annotations

import re

# FormatUtils: "<number> <unit>" with optional space.
DATA_SIZE = re.compile(r"(\d+(?:\.\d+)?) *(B|KB|MB|GB|TB)", re.IGNORECASE)


def is_data_size(text: str) -> bool:
    return bool(DATA_SIZE.fullmatch(text))


def data_size_bytes(text: str) -> float:
    """A valid NiFi data size in bytes."""
    match = DATA_SIZE.fullmatch(text)
    assert match is not None, text  # callers validate with is_data_size first
    power = ("B", "KB", "MB", "GB", "TB").index(match.group(2).upper())
    return float(match.group(1)) * 1024**power


_UNIT_MS = {
    name: ms
    for names, ms in (
        (("ns", "nano", "nanos", "nanosecond", "nanoseconds"), 1e-6),
        (("ms", "milli", "millis", "millisecond", "milliseconds"), 1.0),
        (("s", "sec", "secs", "second", "seconds"), 1e3),
        (("m", "min", "mins", "minute", "minutes"), 6e4),
        (("h", "hr", "hrs", "hour", "hours"), 3.6e6),
        (("d", "day", "days"), 8.64e7),
        (("w", "wk", "wks", "week", "weeks"), 6.048e8),
    )
    for name in names
}
# FormatUtils: "<number> <unit>", the units spelled as NiFi accepts them (longest first, so "mins" is not "m").
TIME_PERIOD = re.compile(r"(\d+(?:\.\d+)?) *(" + "|".join(sorted(_UNIT_MS, key=len, reverse=True)) + ")",
                         re.IGNORECASE)


def is_time_period(text: str) -> bool:
    return bool(TIME_PERIOD.fullmatch(text))


def to_millis(text: str) -> int:
    """A valid NiFi time period in whole milliseconds (the unit of a processor's run duration)."""
    match = TIME_PERIOD.fullmatch(text)
    assert match is not None, text  # callers validate with is_time_period first
    return round(float(match.group(1)) * _UNIT_MS[match.group(2).lower()])


# Quartz: seconds minutes hours day-of-month month day-of-week [year].
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*?/,\-#LW]+$")


def is_cron(text: str) -> bool:
    fields = text.split()
    return len(fields) in (6, 7) and all(_CRON_FIELD.match(f) for f in fields)
