"""One-line, secret-free errors for the deploy-and-assert harness.

Every failure the harness reports names the step, the component and the fix, on one
line, because the reader is usually a CI log, not a debugger. Secrets are scrubbed
when the error is *built*, so no later formatting path (traceback, repr, logging)
can leak them.
"""
from __future__ import annotations

import json
import re
from urllib.parse import quote, quote_plus

REDACTED = "<redacted>"
# A secret shorter than this is redacted only where it stands alone (not inside a word): "le" must not turn
# "File" into "Fi<redacted>", and a short secret inside a longer word does not give it away.
SHORT = 8
_EDGE = "A-Za-z0-9"


class Redactor:
    """Collects secret strings (sensitive parameter values, passwords, tokens) and replaces them in any text
    before it is printed, logged or raised: as they are, JSON-escaped (an echoed request body) and URL-encoded (an
    echoed login form or query)."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern | None = None

    def add(self, secret: str | None) -> None:
        if not secret:
            return
        forms = {secret, json.dumps(secret)[1:-1], quote_plus(secret), quote(secret, safe="")}
        self._secrets |= forms
        self._pattern = None

    def _compiled(self) -> re.Pattern | None:
        if self._pattern is None and self._secrets:
            # Longest first, so a secret that contains another is replaced whole.
            alts = []
            for secret in sorted(self._secrets, key=lambda x: (-len(x), x)):
                body = re.escape(secret)
                alts.append(body if len(secret) >= SHORT else f"(?<![{_EDGE}]){body}(?![{_EDGE}])")
            self._pattern = re.compile("|".join(alts))
        return self._pattern

    def __call__(self, text: object) -> str:
        out = str(text)
        pattern = self._compiled()
        return pattern.sub(REDACTED, out) if pattern else out


class HarnessError(Exception):
    """A failed step: `step`, `component`, what went wrong, and how to fix it."""

    def __init__(self, step: str, component: str, message: str, fix: str, *, redact: Redactor | None = None):
        scrub = redact or (lambda s: str(s))
        self.step = step
        self.component = scrub(component)
        self.message = scrub(message)
        self.fix = scrub(fix)
        super().__init__(self.line())

    def line(self) -> str:
        msg = " ".join(self.message.split())  # NiFi messages can be multi-line; keep one line
        return f"[{self.step}] {self.component}: {msg}. Fix: {self.fix}"

    def lines(self) -> list[str]:
        """One line per problem (an error that collects several, such as a cases folder, has more)."""
        return [self.line()]
