"""`/api/{kind}/{record_id}/history`: a record's audit log, and its state at a past moment (`?at=`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from koppelkans.api.deps import StoreDep
from koppelkans.api.errors import ERROR_RESPONSES
from koppelkans.api.routes.records import RecordId
from koppelkans.history import history_as_json, record_history

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["history"])


@router.get(
    "/{kind}/{record_id}/history", response_class=JSONResponse, responses=ERROR_RESPONSES, name="record_history"
)
def read_history(
    kind: str,
    record_id: RecordId,
    store: StoreDep,
    at: Annotated[
        str | None, Query(description="the record's state at this moment (ISO 8601; UTC when no zone is given)")
    ] = None,
) -> dict[str, Any]:
    """Every change of a record (who, when, old → new; geometry as hex WKB), oldest first; with `at`, also
    the record as it was then (`state`, null when it did not exist)."""
    return history_as_json(record_history(store, kind, record_id), at=at)
