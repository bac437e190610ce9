"""Located, sorted error reporting: `file:line:col: what is wrong; how to fix it`."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, located in a .proto file (line 0: the file as a whole)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        # One line per diagnostic, always: a line break in a quoted value cannot forge another diagnostic.
        message = self.message.replace("\r", "\\r").replace("\n", "\\n")
        if self.line:
            return f"{self.file}:{self.line}:{self.column}: {message}"
        return f"{self.file}: {message}"


class GenerationError(Exception):
    """Raised with every problem of a request; nothing is written when raised."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(set(diagnostics))
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(str(d) for d in self.diagnostics)


class Diagnostics:
    """Collects problems so that a request reports all of them at once."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []

    def add(self, file: str, line: int, column: int, message: str) -> None:
        self._items.append(Diagnostic(file, line, column, message))

    def raise_if_any(self) -> None:
        if self._items:
            raise GenerationError(self._items)


class Where:
    """Where a problem would be: unpacks to (file, line, column), computed only if a problem is reported."""

    def __init__(self, locator: SourceLocator, path: tuple[int, ...]) -> None:
        self._locator, self._path = locator, path

    def __iter__(self):
        return iter((self._locator.file, *self._locator.position(self._path)))


class Position:
    """(line, column) of an element, kept by the model for error messages and found only when one uses it.
    Compares and hashes as the tuple it stands for.

    It reads only the locations on its own path and keeps only the answer: a table of every location of the
    file would live as long as the model (and slow every later garbage collection)."""

    def __init__(self, file_proto, path: tuple[int, ...]) -> None:
        self._file_proto, self._path = file_proto, path
        self._found: tuple[int, int] | None = None

    def _resolved(self) -> tuple[int, int]:
        if self._found is None:
            on_path = {self._path[:end] for end in range(len(self._path) + 1)}
            spans = {}
            for location in self._file_proto.source_code_info.location:
                key = tuple(location.path)
                if key in on_path:
                    spans[key] = location.span  # the last one recorded, as in SourceLocator's table
            self._found = _most_specific(self._path, spans)
        return self._found

    def __iter__(self):
        return iter(self._resolved())

    def __eq__(self, other) -> bool:
        return self._resolved() == (other._resolved() if isinstance(other, Position) else other)

    def __hash__(self) -> int:
        return hash(self._resolved())

    def __repr__(self) -> str:
        return repr(self._resolved())


def _most_specific(path: tuple[int, ...], spans: dict) -> tuple[int, int]:
    """(line, column), 1-based, of the most specific recorded element on the path: protoc records an
    aggregate option as a whole, not each of its fields. (0, 0) when none is recorded."""
    for end in range(len(path), -1, -1):
        span = spans.get(path[:end])
        if span:
            return span[0] + 1, span[1] + 1
    return 0, 0


class SourceLocator:
    """Finds the line and column of a descriptor element from source_code_info."""

    def __init__(self, file_proto) -> None:
        self.file = file_proto.name
        self._file_proto = file_proto
        self._spans: dict[tuple[int, ...], list[int]] | None = None  # built on first use: most runs need none
        self._comments: dict[tuple[int, ...], object] | None = None

    def position(self, path: tuple[int, ...]) -> tuple[int, int]:
        if self._spans is None:
            self._spans = {tuple(loc.path): loc.span for loc in self._file_proto.source_code_info.location}
        return _most_specific(tuple(path), self._spans)

    def where(self, path: tuple[int, ...]) -> Where:
        return Where(self, path)

    def position_later(self, path: tuple[int, ...]) -> Position:
        """position(path), found only if it is used."""
        return Position(self._file_proto, tuple(path))

    def leading_comment(self, path: tuple[int, ...]):
        """The first non-blank leading comment recorded for `path` (str, or bytes when not UTF-8), or None.
        One pass over the file's locations, however many elements ask."""
        if self._comments is None:
            self._comments = {}
            for location in self._file_proto.source_code_info.location:
                text = location.leading_comments
                if text and text.strip():  # most locations have none: skip the strip (a pass over every location)
                    self._comments.setdefault(tuple(location.path), text)
        return self._comments.get(path)


def counted(n: int, noun: str) -> str:
    """`1 file`, `2 files`: summary lines read as English (the nouns used here all take an -s plural)."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
