"""The audit log's core (PRODUCT.md E3): what one change is, a record's state as the log keeps it, and the
reconstruction of that state at any past moment. Pure: no store, no clock.

A state is the record as `Repository.read` returns it, as plain JSON values: its columns, its
`attributes` and its geometry as hex WKB (2D, little-endian, exactly what the store keeps), so that
`state_at` gives back the record bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
import pandas as pd
import shapely

from koppelkans.domain.records import KINDS, kind_spec
from koppelkans.domain.vocabulary import Vocabulary
from koppelkans.errors import InputError

__all__ = [
    "AUDITED_KINDS",
    "GEOMETRY_KEY",
    "AuditEntry",
    "Operation",
    "changed_fields",
    "moment_of",
    "record_states",
    "state_at",
    "state_json",
    "timestamp",
]

GEOMETRY_KEY = "geometry"
"""The key of a state's geometry (hex WKB, or None)."""

AUDITED_KINDS = (*KINDS, "projects", "coupling_decisions", "coupling_workflow", "subscriptions")
"""What the audit log follows: the register's kinds and the records of people's decisions."""


class Operation(Vocabulary):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """One change of one record: who made it when, and the record's state before and after it."""

    seq: int
    at: str
    actor: str
    kind: str
    record_id: str
    operation: Operation
    old: Mapping[str, Any] | None
    new: Mapping[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "kind": self.kind,
            "record_id": self.record_id,
            "operation": self.operation.value,
            "changed": changed_fields(self.old, self.new),
            "old": self.old,
            "new": self.new,
        }


def timestamp(moment: datetime) -> str:
    """The log's form of a moment: UTC ISO 8601 with microseconds, so that text order is time order."""
    if moment.tzinfo is None:
        raise InputError(f"the moment {moment} has no time zone; give it in UTC", field="at")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def moment_of(text: str, *, field: str = "at") -> str:
    """A user's moment (ISO 8601; a date means its end, UTC when no zone is given) in the log's form."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{text!r} is not an ISO 8601 moment (e.g. 2026-11-23T15:30:00Z)", field=field) from None
    if len(text) == 10:  # a date alone: the state at the end of that day
        parsed = parsed.replace(hour=23, minute=59, second=59, microsecond=999_999)
    return timestamp(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


def state_at(entries: Iterable[AuditEntry], moment: str) -> Mapping[str, Any] | None:
    """A record's state at `moment` (the log's form) from its audit entries: None when it did not exist.

    The last change at or before the moment decides; changes at the same instant count in log order.
    """
    state: Mapping[str, Any] | None = None
    for entry in sorted(entries, key=lambda e: (e.at, e.seq)):
        if entry.at > moment:
            break
        state = entry.new
    return state


def state_json(state: Mapping[str, Any]) -> str:
    """A state as the log stores it: JSON with sorted keys; orjson, because an import of 100,000 records
    logs 100,000 states and the standard library takes eight times as long (floats round-trip exactly)."""
    return orjson.dumps(state, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()


def changed_fields(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[str]:
    """The names of the fields a change altered (all of them for an insert or delete), in a stable order."""
    before, after = old or {}, new or {}
    names = sorted(set(before) | set(after))
    return [n for n in names if before.get(n) != after.get(n)]


def record_states(kind: str, records: pd.DataFrame) -> list[dict[str, Any]]:
    """The states of canonical records of a register kind (as validation produces and `read` returns)."""
    spec = kind_spec(kind)
    columns: dict[str, list[Any]] = {}
    for column in spec.columns:
        values = records[column.name]
        if column.dtype in ("int", "year"):
            values = pd.to_numeric(values, errors="coerce").astype("Int64")
        elif column.dtype == "float":
            values = pd.to_numeric(values, errors="coerce").astype("float64")
        columns[column.name] = values.astype(object).where(values.notna(), None).tolist()
    columns["attributes"] = [dict(a) if a else {} for a in records["attributes"]]
    if spec.spatial:
        geoms = np.asarray(records.geometry.to_numpy(), dtype=object)
        columns[GEOMETRY_KEY] = list(shapely.to_wkb(geoms, hex=True, output_dimension=2, byte_order=1))
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
