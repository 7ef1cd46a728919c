"""Subscriptions and notifications (PRODUCT.md C4), the pure part: what a partner watching its network area
is told since its last notification (new works, changed windows, new couplings and conflicts there), the
digest's text and JSON, and the signature of a webhook. No store, no network, no clock.

The changes come from the audit log: a work inserted in the period is new; a work whose start window
(earliest, preferred or latest start) changed in the period has a changed window. Couplings and conflicts
are analysis results, replaced whole on each run: new are those in the area the subscription has not been
told of yet (it keeps the ids it was told of).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from koppelkans.domain.audit import GEOMETRY_KEY, AuditEntry, Operation
from koppelkans.domain.findings import members_from_text

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WINDOW_FIELDS",
    "Digest",
    "Subscription",
    "digest_for",
    "retry_delays",
    "signature",
]

WINDOW_FIELDS = ("earliest_start", "preferred_start", "latest_start")
"""The fields of a work that make its start window."""
SIGNATURE_HEADER = "X-Koppelkans-Signature"
TIMESTAMP_HEADER = "X-Koppelkans-Timestamp"


@dataclass(frozen=True, kw_only=True)
class Subscription:
    """An organisation watching an area (EPSG:28992), told by e-mail and/or a signed webhook."""

    id: str
    organisation: str
    area: shapely.Geometry
    email: str | None = None
    webhook_url: str | None = None
    secret: str | None = None
    last_notified_at: str
    told_findings: frozenset[str] = field(default_factory=frozenset)
    language: str = "nl"
    """The language of its e-mail digest and of the explanations it is sent: nl (the default) or en."""


@dataclass(frozen=True, kw_only=True)
class Digest:
    """What happened in a subscription's area between `since` and `until`."""

    subscription_id: str
    organisation: str
    since: str
    until: str
    language: str = "nl"
    new_works: Sequence[Mapping[str, Any]] = ()
    changed_windows: Sequence[Mapping[str, Any]] = ()
    new_couplings: Sequence[Mapping[str, Any]] = ()
    new_conflicts: Sequence[Mapping[str, Any]] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.new_works or self.changed_windows or self.new_couplings or self.new_conflicts)

    @property
    def finding_ids(self) -> frozenset[str]:
        return frozenset(str(f["id"]) for f in (*self.new_couplings, *self.new_conflicts))

    def as_json(self) -> dict[str, Any]:
        """The webhook's body (and `koppelkans notify --json`)."""
        return {
            "event": "digest",
            "subscription": self.subscription_id,
            "organisation": self.organisation,
            "since": self.since,
            "until": self.until,
            "new_works": list(self.new_works),
            "changed_windows": list(self.changed_windows),
            "new_couplings": list(self.new_couplings),
            "new_conflicts": list(self.new_conflicts),
        }


def _in_area(hex_wkbs: Sequence[str | None], area: shapely.Geometry) -> np.ndarray:
    geoms = shapely.from_wkb(np.array(list(hex_wkbs), dtype=object))
    return np.asarray(shapely.intersects(geoms, area), dtype=bool)


def _window_of(state: Mapping[str, Any]) -> list[int | None]:
    return [state.get(name) for name in WINDOW_FIELDS]


def digest_for(
    subscription: Subscription,
    work_entries: Iterable[AuditEntry],
    *,
    couplings: gpd.GeoDataFrame,
    conflicts: gpd.GeoDataFrame,
    until: str,
) -> Digest:
    """The digest of a subscription: works changes logged after its last notification up to `until`, and the
    couplings and conflicts in its area that it was not told of yet."""
    since = subscription.last_notified_at
    entries = [e for e in work_entries if since < e.at <= until and e.kind == "works"]
    new: dict[str, Mapping[str, Any]] = {}
    changed: dict[str, dict[str, Any]] = {}
    for entry in entries:  # in log order: a work new in the period is reported once, as new
        if entry.operation is Operation.INSERT and entry.new is not None:
            new[entry.record_id] = entry.new
        elif entry.operation is Operation.UPDATE and entry.old is not None and entry.new is not None:
            if entry.record_id in new:
                new[entry.record_id] = entry.new
            elif _window_of(entry.old) != _window_of(entry.new):
                first = changed.get(entry.record_id, {}).get("old_window", _window_of(entry.old))
                changed[entry.record_id] = {"state": entry.new, "old_state": entry.old, "old_window": first}
        elif entry.operation is Operation.DELETE:
            new.pop(entry.record_id, None)
            changed.pop(entry.record_id, None)
    area = subscription.area
    new_ids = [k for k, hit in zip(new, _in_area([s.get(GEOMETRY_KEY) for s in new.values()], area)) if hit]
    near = _in_area([c["state"].get(GEOMETRY_KEY) for c in changed.values()], area) | _in_area(
        [c["old_state"].get(GEOMETRY_KEY) for c in changed.values()], area
    )
    changed_ids = [
        k for k, hit in zip(changed, near) if hit and changed[k]["old_window"] != _window_of(changed[k]["state"])
    ]
    return Digest(
        subscription_id=subscription.id,
        organisation=subscription.organisation,
        since=since,
        until=until,
        language=subscription.language,
        new_works=[_work(k, new[k]) for k in new_ids],
        changed_windows=[
            {**_work(k, changed[k]["state"]), "old_window": changed[k]["old_window"]} for k in changed_ids
        ],
        new_couplings=_new_findings(couplings, subscription),
        new_conflicts=_new_findings(conflicts, subscription),
    )


def _work(key: str, state: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": key,
        "title": state.get("title"),
        "organisation": state.get("organisation"),
        "window": _window_of(state),
    }


def _new_findings(findings: gpd.GeoDataFrame, subscription: Subscription) -> list[dict[str, Any]]:
    """Findings whose geometry meets the area and that the subscription was not told of (engine order)."""
    if findings.empty:
        return []
    hit = np.asarray(shapely.intersects(findings.geometry.to_numpy(), subscription.area), dtype=bool)
    hit &= ~findings["id"].astype(str).isin(subscription.told_findings).to_numpy()
    return [
        {
            "id": str(row["id"]),
            "kind": row["kind"],
            "members": members_from_text(row["members"]),
            "explanation": row.get(f"explanation_{subscription.language}"),
        }
        for row in findings[hit].to_dict("records")
    ]


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The webhook signature: `sha256=` + hex HMAC-SHA256 with the secret over `<timestamp>.<body>`.

    Signing the timestamp with the body lets a receiver refuse replays of an old delivery.
    """
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def retry_delays(attempts: int, backoff_s: float) -> list[float]:
    """Waits before each retry of a failed delivery: `backoff_s`, then doubled each time (attempts - 1 waits)."""
    return [backoff_s * 2**i for i in range(max(attempts - 1, 0))]
