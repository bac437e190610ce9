"""NiFi's value syntaxes (data sizes, time periods, counts, cron), checked in one place so that the generator
and flowcheck accept exactly the same values, and exactly what NiFi itself can load."""
from __future__ import annotations

import re

# NiFi parses sizes, periods and thresholds with Java regexes, where \d is ASCII only, into a Java long
# (FormatUtils.java, DataUnit.java; BEHAVIOUR.md row 20): "١٠ GB" or a 26-digit count makes the component
# invalid. Hence [0-9] and re.ASCII here (Python's \d and IGNORECASE would take Arabic digits or the Kelvin sign).
JAVA_LONG_MAX = 2**63 - 1
JAVA_INT_MAX = 2**31 - 1
_NUMBER = r"([0-9]+(?:\.[0-9]+)?)"
# A value longer than this is no size or period NiFi could hold; checked first so that no regex or float
# conversion ever sees megabytes of digits.
MAX_VALUE_LENGTH = 64

# FormatUtils: "<number> <unit>" with optional space.
DATA_SIZE = re.compile(_NUMBER + r" *(B|KB|MB|GB|TB)", re.IGNORECASE | re.ASCII)
_SIZE_POWER = {"B": 0, "KB": 1, "MB": 2, "GB": 3, "TB": 4}

_UNIT_NANOS = {
    name: nanos
    for names, nanos in (
        (("ns", "nano", "nanos", "nanosecond", "nanoseconds"), 1),
        (("ms", "milli", "millis", "millisecond", "milliseconds"), 10**6),
        (("s", "sec", "secs", "second", "seconds"), 10**9),
        (("m", "min", "mins", "minute", "minutes"), 60 * 10**9),
        (("h", "hr", "hrs", "hour", "hours"), 3600 * 10**9),
        (("d", "day", "days"), 86400 * 10**9),
        (("w", "wk", "wks", "week", "weeks"), 7 * 86400 * 10**9),
    )
    for name in names
}
# FormatUtils: "<number> <unit>", the units spelled as NiFi accepts them (longest first, so "mins" is not "m").
TIME_PERIOD = re.compile(_NUMBER + r" *(" + "|".join(sorted(_UNIT_NANOS, key=len, reverse=True)) + ")",
                         re.IGNORECASE | re.ASCII)


def _exact(number: str) -> tuple[int, int]:
    """A decimal numeral as an exact fraction (numerator, denominator): no float, so no overflow."""
    whole, _, fraction = number.partition(".")
    return int(whole + fraction), 10 ** len(fraction)


def _data_size(text: str) -> int | None:
    """Bytes of a NiFi data size (rounded down), or None when NiFi cannot parse it or it exceeds a long."""
    if len(text) > MAX_VALUE_LENGTH:
        return None
    match = DATA_SIZE.fullmatch(text)
    if match is None:
        return None
    numerator, denominator = _exact(match.group(1))
    size = numerator * 1024 ** _SIZE_POWER[match.group(2).upper()] // denominator
    return size if size <= JAVA_LONG_MAX else None


def _nanos(text: str) -> int | None:
    if len(text) > MAX_VALUE_LENGTH:
        return None
    match = TIME_PERIOD.fullmatch(text)
    if match is None:
        return None
    numerator, denominator = _exact(match.group(1))
    nanos = numerator * _UNIT_NANOS[match.group(2).lower()] // denominator
    return nanos if nanos <= JAVA_LONG_MAX else None


def is_data_size(text: str) -> bool:
    return _data_size(text) is not None


def data_size_bytes(text: str) -> int:
    """A valid NiFi data size in bytes."""
    size = _data_size(text)
    assert size is not None, text  # callers validate with is_data_size first
    return size


def is_time_period(text: str) -> bool:
    """A NiFi time period that fits a Java long of nanoseconds (about 292 years)."""
    return _nanos(text) is not None


def to_millis(text: str) -> int:
    """A valid NiFi time period in whole milliseconds (the unit of a processor's run duration)."""
    nanos = _nanos(text)
    assert nanos is not None, text  # callers validate with is_time_period first
    return (nanos + 500_000) // 1_000_000  # half up, as Math.round


def is_count(text: str, minimum: int = 0, maximum: int = JAVA_LONG_MAX) -> bool:
    """A whole number as NiFi parses one (ASCII digits, Long.parseLong or Integer.parseInt): not "²", not
    "١٠", not beyond `maximum`. The length is checked before int(), which refuses over 4300 digits."""
    if not (0 < len(text) <= 20 and text.isascii() and text.isdigit()):
        return False
    return minimum <= int(text) <= maximum


def is_long_count(value: object, minimum: int = 0, maximum: int = JAVA_LONG_MAX) -> bool:
    """A JSON number NiFi reads into a long/int field (a bool is no number)."""
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= maximum


# Quartz: seconds minutes hours day-of-month month day-of-week [year], split on ASCII blanks as Quartz's
# CronExpression does (a no-break space would join two fields).
_CRON_FIELD = re.compile(r"[0-9A-Za-z*?/,\-#LW]+", re.ASCII)


def is_cron(text: str) -> bool:
    if len(text) > 256:
        return False
    fields = [f for f in re.split(r"[ \t]+", text.strip(" \t")) if f]
    return len(fields) in (6, 7) and all(_CRON_FIELD.fullmatch(f) for f in fields)
