"""Use case: subscriptions and notifications (C4). An organisation registers the area it watches (a GeoJSON
or GeoPackage file, or a drawn polygon), and `notify` sends each subscription what is due: an e-mail digest
over SMTP and a signed webhook (retried with backoff, every attempt recorded). The digest's content is
decided by `koppelkans.domain.subscriptions`; this module reads the store, sends and records.
"""

from __future__ import annotations

import json
import math
import re
import smtplib
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import geopandas as gpd
import httpx
import shapely

from koppelkans.config import CRS, NL_BOUNDS_RD, Settings
from koppelkans.domain.audit import timestamp
from koppelkans.domain.subscriptions import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Digest,
    Subscription,
    digest_for,
    retry_delays,
    signature,
)
from koppelkans.errors import InputError, NotFound, Problem, ValidationFailed
from koppelkans.io.exchange import read_table
from koppelkans.store import SYSTEM_ACTOR, Repository

__all__ = [
    "Delivery",
    "area_from_file",
    "area_from_upload",
    "notify",
    "subscribe",
    "subscription_as_json",
    "subscriptions_of",
    "unsubscribe",
]

Sleep = Callable[[float], None]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """One attempt to deliver a digest on one channel."""

    subscription_id: str
    channel: str
    target: str
    attempt: int
    ok: bool
    status: str | None
    error: str | None
    at: str
    digest_until: str

    def as_row(self) -> dict[str, Any]:
        return {
            "subscription_id": self.subscription_id,
            "at": self.at,
            "channel": self.channel,
            "target": self.target,
            "attempt": self.attempt,
            "ok": self.ok,
            "status": self.status,
            "error": self.error,
            "digest_until": self.digest_until,
        }


# -- subscribing --------------------------------------------------------------------------------
AREA_FORMATS = "a GeoJSON file, a GeoPackage or a zipped Shapefile"

_SIGNATURES = ((b"SQLite format 3\x00", ".gpkg"), (b"PK\x03\x04", ".zip"), (b"{", ".geojson"))
"""How an uploaded file's first bytes tell its format (a GeoJSON text may start with a BOM and blanks)."""


def area_from_file(path: str | Path, *, layer: str | None = None) -> shapely.Geometry:
    """The area in a GeoJSON, GeoPackage or (zipped) Shapefile: all its polygons together, in EPSG:28992."""
    try:
        table = read_table(path, layer=layer)
    except InputError as error:
        raise InputError(error.message, field="area") from None
    name = Path(path).name
    if not isinstance(table.frame, gpd.GeoDataFrame):
        raise InputError(f"{name}: no geometries; give {AREA_FORMATS} of polygons", field="area")
    if table.crs is None:
        raise InputError(f"{name} names no CRS; save it with one (e.g. EPSG:28992 or EPSG:4326)", field="area")
    polygons = table.frame.to_crs(CRS).geometry.to_numpy()
    return _checked_area(shapely.union_all(polygons), source=name)


def area_from_upload(data: bytes, *, layer: str | None = None) -> shapely.Geometry:
    """The area in an uploaded file, its format told by its content (the client's file name is never used:
    it could name any path). A file that is none of the formats or holds no polygons is refused with 422."""
    content = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    suffix = next((suffix for magic, suffix in _SIGNATURES if content.startswith(magic)), None)
    if suffix is None:
        raise _refused_upload(f"the file is not {AREA_FORMATS}")
    with tempfile.TemporaryDirectory(prefix="koppelkans-area-") as folder:
        path = Path(folder) / f"area{suffix}"
        path.write_bytes(data)
        try:
            return area_from_file(path, layer=layer)
        except InputError as error:
            raise _refused_upload(error.message.replace(f"{folder}/", "").replace(path.name, "the file")) from None


def _refused_upload(reason: str) -> ValidationFailed:
    return ValidationFailed([Problem(kind="subscriptions", record=None, field="area", reason=reason)])


def _checked_area(area: shapely.Geometry, *, source: str) -> shapely.Geometry:
    if area is None or area.is_empty or area.geom_type not in ("Polygon", "MultiPolygon"):
        raise InputError(f"{source}: the area must be one or more polygons", field="area")
    if not shapely.intersects(area, shapely.box(*NL_BOUNDS_RD)) or not all(map(math.isfinite, area.bounds)):
        raise InputError(f"{source}: the area lies outside the Netherlands; does it name its CRS?", field="area")
    return area if area.is_valid else shapely.make_valid(area)


def _checked_channels(email: str | None, webhook_url: str | None, secret: str | None) -> None:
    if not email and not webhook_url:
        raise InputError("give an e-mail address or a webhook URL (or both) to be notified at", field="email")
    if email and not _EMAIL.match(email):
        raise InputError(f"{email!r} is not an e-mail address", field="email")
    if webhook_url:
        if urlparse(webhook_url).scheme not in ("http", "https") or not urlparse(webhook_url).netloc:
            raise InputError(f"{webhook_url!r} is not an http(s) URL", field="webhook_url")
        if not secret:
            raise InputError("a webhook needs a secret to sign its deliveries with", field="secret")


def subscribe(
    store: Repository,
    organisation: str,
    area: shapely.Geometry,
    *,
    email: str | None = None,
    webhook_url: str | None = None,
    secret: str | None = None,
    actor: str = SYSTEM_ACTOR,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Register an organisation's interest area (EPSG:28992); it is told of what happens there from now on."""
    store.require_current_schema()
    if organisation not in store.keys("organisations"):
        raise InputError(f"unknown organisation {organisation!r}", record=organisation, field="organisation")
    area = _checked_area(area, source="the area")
    _checked_channels(email, webhook_url, secret)
    moment = timestamp(now or datetime.now(UTC))
    told = set(_findings_in(store, area))  # what exists already is not news
    subscription = {
        "id": f"SUB-{uuid.uuid4().hex[:10]}",
        "organisation": organisation,
        "email": email,
        "webhook_url": webhook_url,
        "secret": secret,
        "created_at": moment,
        "last_notified_at": moment,
        "told_findings": sorted(told),
        "area": area,
    }
    with store.transaction(actor=actor) as tx:
        tx.save_subscription(subscription)
    return subscription


def _findings_in(store: Repository, area: shapely.Geometry) -> list[str]:
    ids: list[str] = []
    for table in ("couplings", "conflicts"):
        findings = store.read_findings(table)
        if len(findings):
            ids += list(findings.loc[shapely.intersects(findings.geometry.to_numpy(), area), "id"].astype(str))
    return ids


def unsubscribe(store: Repository, subscription_id: str, *, actor: str = SYSTEM_ACTOR) -> None:
    with store.transaction(actor=actor) as tx:
        if not tx.delete_subscription(subscription_id):
            raise NotFound(f"no subscription {subscription_id!r}", record=subscription_id)


def subscriptions_of(store: Repository, *, ids: Sequence[str] | None = None) -> list[Subscription]:
    return [
        Subscription(
            id=row["id"],
            organisation=row["organisation"],
            area=row["area"],
            email=row["email"],
            webhook_url=row["webhook_url"],
            secret=row["secret"],
            last_notified_at=row["last_notified_at"],
            told_findings=frozenset(row["told_findings"]),
        )
        for row in store.read_subscriptions(ids=ids)
    ]


def subscription_as_json(subscription: Subscription | dict[str, Any]) -> dict[str, Any]:
    """A subscription as the CLI and API show it: the area as WKT (EPSG:28992), the secret never."""
    values = subscription if isinstance(subscription, dict) else subscription.__dict__
    shown = {k: v for k, v in values.items() if k not in ("secret", "area")}
    shown["told_findings"] = sorted(shown.get("told_findings") or [])
    shown["area_wkt"] = shapely.to_wkt(values["area"], rounding_precision=3)
    shown["signed"] = bool(values.get("secret"))
    return shown


# -- notifying ----------------------------------------------------------------------------------
def notify(
    store: Repository,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
    sleep: Sleep = time.sleep,
    actor: str = SYSTEM_ACTOR,
) -> list[tuple[Digest, list[Delivery]]]:
    """Send every subscription the digest of what happened in its area since it was last told.

    A subscription counts as told (its period closes, its findings are remembered) only when every channel
    delivered; otherwise the same changes are sent again next time, together with newer ones.
    """
    settings = settings or Settings()
    store.require_current_schema()
    until = timestamp(now or datetime.now(UTC))
    subscriptions = subscriptions_of(store)
    if not subscriptions:
        return []
    since = min(s.last_notified_at for s in subscriptions)
    entries = store.read_audit(kind="works", since=since, until=until)
    couplings, conflicts = store.read_findings("couplings"), store.read_findings("conflicts")
    sent = []
    for subscription in subscriptions:
        digest = digest_for(subscription, entries, couplings=couplings, conflicts=conflicts, until=until)
        deliveries = [] if digest.is_empty else _deliver(subscription, digest, settings, sleep)
        told = all(d.ok for d in deliveries if _is_last_attempt(d, deliveries))
        with store.transaction(actor=actor) as tx:
            for delivery in deliveries:
                tx.log_delivery(delivery.as_row())
            if told:
                row = store.read_subscriptions(ids=[subscription.id])[0]
                row["last_notified_at"] = until
                row["told_findings"] = sorted(set(row["told_findings"]) | digest.finding_ids)
                tx.save_subscription(row)
        if not digest.is_empty:
            sent.append((digest, deliveries))
    return sent


def _is_last_attempt(delivery: Delivery, deliveries: list[Delivery]) -> bool:
    return delivery.attempt == max(d.attempt for d in deliveries if d.channel == delivery.channel)


def _deliver(subscription: Subscription, digest: Digest, settings: Settings, sleep: Sleep) -> list[Delivery]:
    deliveries = []
    if subscription.email:
        deliveries.append(_send_email(subscription, digest, settings))
    if subscription.webhook_url:
        deliveries += _post_webhook(subscription, digest, settings, sleep)
    return deliveries


def _attempt(subscription: Subscription, digest: Digest, channel: str, target: str, attempt: int) -> dict[str, Any]:
    return {
        "subscription_id": subscription.id,
        "channel": channel,
        "target": target,
        "attempt": attempt,
        "at": timestamp(datetime.now(UTC)),
        "digest_until": digest.until,
    }


def _send_email(subscription: Subscription, digest: Digest, settings: Settings) -> Delivery:
    """The digest as a plain-text e-mail over SMTP (host, port and sender from the settings)."""
    assert subscription.email is not None
    base = _attempt(subscription, digest, "email", subscription.email, 1)
    try:
        message = EmailMessage()
        message["From"] = settings.smtp_from
        message["To"] = subscription.email
        message["Subject"] = digest.subject()
        message.set_content(digest.text())
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.webhook_timeout_s) as smtp:
            smtp.send_message(message)
    except (OSError, ValueError, smtplib.SMTPException) as exc:
        return Delivery(**base, ok=False, status=None, error=str(exc) or type(exc).__name__)
    return Delivery(**base, ok=True, status="sent", error=None)


def _post_webhook(subscription: Subscription, digest: Digest, settings: Settings, sleep: Sleep) -> list[Delivery]:
    """POST the digest as JSON, signed; retried after each failure (an error or a non-2xx answer) with backoff."""
    assert subscription.webhook_url is not None and subscription.secret is not None
    body = json.dumps(digest.as_json(), ensure_ascii=False, sort_keys=True).encode()
    delays = retry_delays(settings.webhook_attempts, settings.webhook_backoff_s)
    deliveries = []
    for attempt in range(1, settings.webhook_attempts + 1):
        sent_at = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: sent_at,
            SIGNATURE_HEADER: signature(subscription.secret, sent_at, body),
        }
        base = _attempt(subscription, digest, "webhook", subscription.webhook_url, attempt)
        try:
            response = httpx.post(
                subscription.webhook_url, content=body, headers=headers, timeout=settings.webhook_timeout_s
            )
            delivery = Delivery(
                **base,
                ok=response.is_success,
                status=str(response.status_code),
                error=None if response.is_success else response.text[:200],
            )
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            delivery = Delivery(**base, ok=False, status=None, error=str(exc) or type(exc).__name__)
        deliveries.append(delivery)
        if delivery.ok or attempt > len(delays):
            break
        sleep(delays[attempt - 1])
    return deliveries
