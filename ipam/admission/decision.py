"""The outcome of one admission review."""

from __future__ import annotations

from dataclasses import dataclass

# What Hybridnet's webhook answers when every rule passes.
ALLOWED_MESSAGE = "validation pass"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    message: str
    rule: str  # the SPEC rule id that denied ("S-13"), "" when allowed

    @classmethod
    def allow(cls, message: str = ALLOWED_MESSAGE) -> Decision:
        return cls(True, message, "")

    @classmethod
    def deny(cls, rule: str, message: str) -> Decision:
        return cls(False, message, rule)


class Denied(Exception):
    """Raised inside a rule chain; the first one wins (SPEC §4: rules run in order)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.decision = Decision.deny(rule, message)


def check(condition: bool, rule: str, message: str) -> None:
    """Deny with `message` unless `condition` holds."""
    if not condition:
        raise Denied(rule, message)


def not_found(plural: str, name: str) -> Decision:
    """DELETE of an object that is not there: the API server's own answer."""
    return Decision.deny("NOT-FOUND", f'{plural}.networking.alibaba.com "{name}" not found')
