"""One-line, secret-free errors for the deploy-and-assert harness.

Every failure the harness reports names the step, the component and the fix, on one
line, because the reader is usually a CI log, not a debugger. Secrets are scrubbed
when the error is *built*, so no later formatting path (traceback, repr, logging)
can leak them.
"""
from __future__ import annotations

REDACTED = "<redacted>"


class Redactor:
    """Collects secret strings (sensitive parameter values, passwords, tokens) and
    replaces them in any text before it is printed, logged or raised."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str | None) -> None:
        if secret:
            self._secrets.add(secret)
            # A secret can also surface JSON-escaped inside an echoed request body.
            import json

            escaped = json.dumps(secret)[1:-1]
            if escaped != secret:
                self._secrets.add(escaped)

    def __call__(self, text: object) -> str:
        out = str(text)
        # Longest first, so a secret that contains another is replaced whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            out = out.replace(secret, REDACTED)
        return out


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
