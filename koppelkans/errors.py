"""Every error a user can see: a code, a message, the record and field it concerns, and how it
maps to an HTTP status and a CLI exit code (one shape everywhere, like pygeoapi's provider errors)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "Forbidden",
    "InputError",
    "KoppelkansError",
    "NotFound",
    "Problem",
    "StoreError",
    "TooManyAttempts",
    "Unauthenticated",
    "ValidationFailed",
    "WorkflowRefused",
]


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One rejected value: which kind of record, which record, which field, and why."""

    kind: str
    record: str | None
    field: str | None
    reason: str
    row: int | None = None

    def line(self) -> str:
        """The one-line form the CLI prints: `works W7 field latest_start: reason`."""
        where = " ".join(
            part
            for part in (
                self.kind,
                self.record if self.record is not None else (f"row {self.row}" if self.row is not None else None),
                f"field {self.field}" if self.field else None,
            )
            if part
        )
        return f"{where}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "record": self.record,
            "field": self.field,
            "reason": self.reason,
            "row": self.row,
        }


class KoppelkansError(Exception):
    """Base of every error shown to a user; carries what the one error shape needs."""

    code = "error"
    http_status = 400
    exit_code = 1

    def __init__(self, message: str, *, record: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.record = record
        self.field = field

    def as_dict(self) -> dict[str, Any]:
        """The one JSON error shape: `{"error": {code, message, record, field}}`."""
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "record": self.record,
                "field": self.field,
            }
        }

    def line(self) -> str:
        return f"error: {self.message}"


class InputError(KoppelkansError):
    """The input as a whole cannot be read: unknown format, missing file, no CRS."""

    code = "invalid_input"
    http_status = 400
    exit_code = 2


class ValidationFailed(KoppelkansError):
    """One or more records are invalid; nothing was stored. Lists every problem."""

    code = "validation_failed"
    http_status = 422
    exit_code = 2

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0]
        more = len(self.problems) - 1
        message = first.line() + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")
        super().__init__(message, record=first.record, field=first.field)


class StoreError(KoppelkansError):
    """The store cannot be opened or written (bad URL, server down, not initialised)."""

    code = "store_error"
    http_status = 503
    exit_code = 3


class NotFound(KoppelkansError):
    """A named record does not exist in the store."""

    code = "not_found"
    http_status = 404
    exit_code = 4


class WorkflowRefused(KoppelkansError):
    """A step the coupling workflow does not allow from where the coupling stands (e.g. realising a declined one)."""

    code = "workflow_refused"
    http_status = 409
    exit_code = 2


class Unauthenticated(KoppelkansError):
    """No valid credential: no token or session, or one that is unknown, expired or revoked."""

    code = "unauthenticated"
    http_status = 401
    exit_code = 5


class Forbidden(KoppelkansError):
    """The user is known but its role or organisation does not allow this change or this view."""

    code = "forbidden"
    http_status = 403
    exit_code = 5


class TooManyAttempts(KoppelkansError):
    """Too many failed logins for this e-mail from this address: wait before trying again."""

    code = "too_many_attempts"
    http_status = 429
    exit_code = 5
