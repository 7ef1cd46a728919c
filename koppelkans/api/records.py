"""The register's records over HTTP: read one, create, replace, patch and delete, each through the
import use case (validation, references, CRS, segment links; all-or-nothing) and guarded by ETags."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pandas as pd
import shapely.geometry
from pydantic import BaseModel

from koppelkans.access import Action, Principal, require
from koppelkans.api.crs import RD_URI, proj_name
from koppelkans.api.encoding import etag_of, public_records
from koppelkans.api.errors import AlreadyExists, InUse, PreconditionFailed, PreconditionRequired
from koppelkans.api.query import Selection, read_selection
from koppelkans.config import Settings
from koppelkans.domain.records import KINDS, kind_spec
from koppelkans.errors import NotFound, Problem, ValidationFailed
from koppelkans.register import import_records
from koppelkans.store import Repository, Writer

__all__ = ["create_record", "delete_record", "patch_record", "read_record", "replace_record", "unchanged_since"]


def read_record(store: Repository, kind: str, key: str) -> pd.DataFrame:
    """The stored record with this key, as a one-row canonical frame; NotFound when there is none."""
    frame = store.read(kind, ids=[key])
    if frame.empty:
        raise NotFound(f"no {kind} record {key!r}", record=key)
    return frame


def create_record(
    store: Repository,
    kind: str,
    body: BaseModel,
    *,
    crs: str,
    settings: Settings,
    lock: threading.Lock,
    principal: Principal,
) -> pd.DataFrame:
    """Store a new record; AlreadyExists when its key is taken, ValidationFailed naming every problem."""
    spec = kind_spec(kind)
    values = _values(kind, body)
    key = str(values[spec.key])
    require(principal, Action.CREATE, kind, values, record=key)
    with lock:
        if not store.read(kind, ids=[key]).empty:
            raise AlreadyExists(f"{kind} {key!r} already exists; change it with PUT or PATCH", record=key)
        _store_row(store, kind, values, crs=crs, settings=settings, replace=False, principal=principal)
    return read_record(store, kind, key)


def replace_record(
    store: Repository,
    kind: str,
    key: str,
    body: BaseModel,
    *,
    if_match: str | None,
    crs: str,
    settings: Settings,
    lock: threading.Lock,
    principal: Principal,
) -> pd.DataFrame:
    """Replace a record as a whole (PUT); the body's key must be the path's."""
    spec = kind_spec(kind)
    values = _values(kind, body)
    if str(values[spec.key]) != key:
        problem = Problem(kind=kind, record=key, field=spec.key, reason=f"must be {key!r}, the id in the path")
        raise ValidationFailed([problem])
    with lock:
        current = _check_version(store, kind, key, if_match, principal=principal)
        require(principal, Action.UPDATE, kind, values, record=key)
        _store_row(
            store, kind, values, crs=crs, settings=settings, replace=True, unchanged=current, principal=principal
        )
    return read_record(store, kind, key)


def patch_record(
    store: Repository,
    kind: str,
    key: str,
    body: BaseModel,
    *,
    if_match: str | None,
    crs: str,
    settings: Settings,
    lock: threading.Lock,
    principal: Principal,
) -> pd.DataFrame:
    """Change the fields the body names (PATCH); `null` clears a field, `attributes` is replaced whole."""
    spec = kind_spec(kind)
    changes = _values(kind, body, only_set=True)
    with lock:
        current = _check_version(store, kind, key, if_match, principal=principal)
        values = public_records(current, kind, crs=RD_URI)[0]
        values = {name: ";".join(v) if isinstance(v, list) else v for name, v in values.items()}
        source = RD_URI
        if spec.spatial:
            values["geometry"] = current.geometry.iloc[0]
            if "geometry" in changes:
                source = crs
        values.update(changes)
        require(principal, Action.UPDATE, kind, values, record=key)
        _store_row(
            store, kind, values, crs=source, settings=settings, replace=True, unchanged=current, principal=principal
        )
    return read_record(store, kind, key)


def delete_record(
    store: Repository, kind: str, key: str, *, if_match: str | None, lock: threading.Lock, principal: Principal
) -> None:
    """Delete a record that nothing refers to any more."""
    with lock:
        current = _check_version(store, kind, key, if_match, principal=principal, action=Action.DELETE)
        _refuse_if_in_use(store, kind, key)
        with store.transaction(principal.actor) as tx:
            unchanged_since(current, kind)(tx)
            tx.delete(kind, [key])


# -- steps -------------------------------------------------------------------------------------
def _values(kind: str, body: BaseModel, *, only_set: bool = False) -> dict[str, Any]:
    """A request body as raw exchange values: codes, `;`-lists, a shapely geometry (or None)."""
    values = body.model_dump(mode="json", exclude_unset=only_set)
    _refuse_nul(kind, values)
    for name, value in values.items():
        if isinstance(value, list):
            values[name] = ";".join(str(v) for v in value) or None
    if values.get("geometry") is not None:
        values["geometry"] = _shape(kind, values)
    return values


def _refuse_nul(kind: str, values: dict[str, Any]) -> None:
    """ValidationFailed naming every field whose text holds a NUL character (no store can keep one)."""
    record = next((str(values[k]) for k in ("id", "code") if isinstance(values.get(k), str)), None)
    problems = [
        Problem(kind=kind, record=record, field=name, reason="contains a NUL character")
        for name, value in values.items()
        if _has_nul(value)
    ]
    if problems:
        raise ValidationFailed(problems)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _shape(kind: str, values: dict[str, Any]) -> Any:
    """A GeoJSON geometry object as a shapely geometry; a ValidationFailed naming the field when it is none."""
    try:
        return shapely.geometry.shape(values["geometry"])
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
        record = next((str(values[k]) for k in ("id", "code") if values.get(k) is not None), None)
        raise ValidationFailed(
            [Problem(kind=kind, record=record, field="geometry", reason=f"invalid geometry: {exc}")]
        ) from None


def _store_row(
    store: Repository,
    kind: str,
    values: dict[str, Any],
    *,
    crs: str,
    settings: Settings,
    replace: bool,
    unchanged: pd.DataFrame | None = None,
    principal: Principal,
) -> None:
    """Validate and store one record through the import use case (all-or-nothing); with `unchanged`, only
    if the stored record is still that version when the write transaction holds it."""
    raw = pd.DataFrame([values])
    guard = None if unchanged is None else unchanged_since(unchanged, kind)
    import_records(
        store,
        kind,
        raw,
        source_crs=proj_name(crs),
        source="api",
        replace=replace,
        settings=settings,
        guard=guard,
        principal=principal,
    )


def unchanged_since(version: pd.DataFrame, kind: str) -> Callable[[Writer], None]:
    """A guard for the write transaction: PreconditionFailed if the record is no longer this version.

    The If-Match check before it answers the client quickly; this one, on the record locked in the
    transaction, makes it hold against writers in other processes (uvicorn workers, a CLI import).
    """
    key = str(version[kind_spec(kind).key].iloc[0])
    expected = etag_of(version, kind)

    def guard(tx: Writer) -> None:
        now = tx.read_for_update(kind, [key])
        if now.empty or etag_of(now, kind) != expected:
            raise PreconditionFailed(
                f"{kind} {key!r} was changed while your change was being stored; GET it again and reapply", record=key
            )

    return guard


def _check_version(
    store: Repository,
    kind: str,
    key: str,
    if_match: str | None,
    *,
    principal: Principal,
    action: Action = Action.UPDATE,
) -> pd.DataFrame:
    """The current record, if `principal` may change it and the client names its current version in If-Match
    (RFC 9110 §13.1.1); the permission is checked first, so a refused user learns nothing from the ETag."""
    current = read_record(store, kind, key)
    require(principal, action, kind, public_records(current, kind, crs=None)[0], record=key)
    if if_match is None:
        raise PreconditionRequired(f"send If-Match with the ETag of {kind} {key!r} (from GET) to change it", record=key)
    tags = [tag.strip() for tag in if_match.split(",")]
    if "*" not in tags and etag_of(current, kind) not in tags:
        raise PreconditionFailed(
            f"{kind} {key!r} was changed since you read it; GET it again and reapply your change", record=key
        )
    return current


def _refuse_if_in_use(store: Repository, kind: str, key: str) -> None:
    """InUse when another record names this one (or, for a segment, works/assets lie on it)."""
    for other, spec in KINDS.items():
        for column, target in spec.references.items():
            if target != kind:
                continue
            if column == "asset_ids":
                frame = store.read(other)
                users = frame[column].map(lambda v: isinstance(v, str) and key in v.split(";"))
                named = frame.loc[users.astype(bool), spec.key].tolist()
            else:
                named = read_selection(store, other, Selection(where={column: key}))[spec.key].tolist()
            named = [n for n in named if not (other == kind and n == key)]
            if named:
                shown = ", ".join(named[:5]) + (" …" if len(named) > 5 else "")
                raise InUse(f"{kind} {key!r} is named in {other}.{column} by {shown}", record=key, field=column)
    if kind == "segments":
        links = store.links()
        on_it = links.loc[links["segment_id"] == key, "record_id"].tolist()
        if on_it:
            raise InUse(f"segment {key!r} has works/assets on it: {', '.join(on_it[:5])}", record=key)
