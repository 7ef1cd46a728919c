"""Use case: the history of a record from the audit log (`koppelkans history`, `/api/{kind}/{id}/history`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from koppelkans.domain.audit import AUDITED_KINDS, AuditEntry, moment_of, state_at
from koppelkans.errors import InputError, NotFound
from koppelkans.store import Repository

__all__ = ["history_as_json", "record_history"]


def record_history(store: Repository, kind: str, record_id: str) -> list[AuditEntry]:
    """Every logged change of one record, oldest first; NotFound when the log never saw it."""
    if kind not in AUDITED_KINDS:
        raise InputError(f"unknown kind {kind!r}; expected one of {', '.join(AUDITED_KINDS)}", field="kind")
    store.require_current_schema()
    entries = store.read_audit(kind=kind, record_id=record_id)
    if not entries:
        raise NotFound(f"the audit log has no {kind} record {record_id!r}", record=record_id)
    return entries


def history_as_json(entries: list[AuditEntry], *, at: str | None = None) -> dict[str, Any]:
    """The history's JSON: its entries, and with `at` (ISO 8601) the record's state at that moment."""
    payload: dict[str, Any] = {
        "kind": entries[0].kind,
        "record_id": entries[0].record_id,
        "entries": [e.as_dict() for e in entries],
    }
    if at is not None:
        moment = moment_of(at)
        state: Mapping[str, Any] | None = state_at(entries, moment)
        payload |= {"at": moment, "exists": state is not None, "state": state}
    return payload
