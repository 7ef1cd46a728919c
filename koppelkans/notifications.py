"""Use case: subscriptions and notifications (C4). An organisation registers the area it watches (a drawn
polygon, or a GeoJSON, GeoPackage or zipped Shapefile), and `notify` sends each subscription what is due: an
e-mail digest over SMTP in its language and a signed webhook (retried with backoff, every attempt recorded).
`announce_escalations` tells the coordinators (e-mail) and the subscriptions concerned (webhook) of couplings
escalated past their deadline (C3). What a digest holds is decided by `koppelkans.domain.subscriptions`, its
words by `koppelkans.messages`; this module reads the store, sends and records.
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

from koppelkans.access import Principal, Role, hidden_assets
from koppelkans.access.confidentiality import member_asset_ids, stored_findings_seen_by
from koppelkans.brief.i18n import LANGUAGES
from koppelkans.config import CRS, NL_BOUNDS_RD, Settings
from koppelkans.domain.audit import timestamp
from koppelkans.domain.findings import members_from_text
from koppelkans.domain.subscriptions import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Digest,
    Subscription,
    digest_for,
    retry_delays,
    signature,
)
from koppelkans.domain.workflow import CouplingWorkflow
from koppelkans.errors import InputError, NotFound, Problem, ValidationFailed
from koppelkans.io.exchange import read_table
from koppelkans.messages import digest_subject, digest_text, escalation_subject, escalation_text
from koppelkans.store import SYSTEM_ACTOR, Repository

__all__ = [
    "ANNOUNCED",
    "ESCALATION_EVENT",
    "Attempt",
    "Delivery",
    "announce_escalations",
    "area_from_file",
    "area_from_upload",
    "contacts_shown_to",
    "notify",
    "subscribe",
    "subscription_as_json",
    "subscriptions_of",
    "unsubscribe",
]

Sleep = Callable[[float], None]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, kw_only=True)
class Attempt:
    """One try to send a message on one channel (an e-mail, or one POST of a webhook)."""

    channel: str
    target: str
    attempt: int
    ok: bool
    status: str | None
    error: str | None
    at: str


@dataclass(frozen=True, kw_only=True)
class Delivery(Attempt):
    """One attempt to deliver a subscription's digest on one channel."""

    subscription_id: str
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
    except InputError as error:  # which file, or which of its layers
        raise InputError(error.message, field="layer" if error.field == "layer" else "area") from None
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
            reason = error.message.replace(f"{folder}/", "").replace(path.name, "the file")
            raise _refused_upload(reason, field=error.field or "area") from None


def _refused_upload(reason: str, *, field: str = "area") -> ValidationFailed:
    return ValidationFailed([Problem(kind="subscriptions", record=None, field=field, reason=reason)])


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
    language: str = "nl",
    actor: str = SYSTEM_ACTOR,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Register an organisation's interest area (EPSG:28992); it is told of what happens there from now on, its
    e-mail digest in `language` (nl, the default, or en)."""
    store.require_current_schema()
    if organisation not in store.keys("organisations"):
        raise InputError(f"unknown organisation {organisation!r}", record=organisation, field="organisation")
    area = _checked_area(area, source="the area")
    _checked_channels(email, webhook_url, secret)
    if language not in LANGUAGES:
        raise InputError(f"unknown language {language!r}; expected {' or '.join(LANGUAGES)}", field="language")
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
        "language": language,
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
            language=row.get("language") or "nl",
        )
        for row in store.read_subscriptions(ids=ids)
    ]


def subscription_as_json(subscription: Subscription | dict[str, Any], *, contacts: bool = True) -> dict[str, Any]:
    """A subscription as the CLI and API show it: the area as WKT (EPSG:28992), the secret never, and its
    e-mail address and webhook URL only with `contacts` (see `contacts_shown_to`)."""
    values = subscription if isinstance(subscription, dict) else subscription.__dict__
    shown = {k: v for k, v in values.items() if k not in ("secret", "area")}
    if not contacts:
        shown["email"] = shown["webhook_url"] = None
    shown["told_findings"] = sorted(shown.get("told_findings") or [])
    shown["area_wkt"] = shapely.to_wkt(values["area"], rounding_precision=3)
    shown["signed"] = bool(values.get("secret"))
    return shown


def contacts_shown_to(principal: Principal, organisation: str) -> bool:
    """Whether `principal` sees where an organisation's subscription is delivered: its own organisation and
    the coordinators do; other partners see that it watches an area, not its addresses (a webhook URL can
    carry a credential)."""
    return principal.sees_all or principal.organisation == organisation


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
    delivered; otherwise the same changes are sent again next time, together with newer ones. Couplings and
    conflicts that involve a confidential asset its organisation may not see are left out of its digest.
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
    named_assets = store.read("assets", ids=member_asset_ids(couplings, conflicts))  # read once for all subscriptions
    sent = []
    for subscription in subscriptions:
        viewer = _organisation_viewer(subscription.organisation)
        digest = digest_for(
            subscription,
            entries,
            couplings=stored_findings_seen_by(viewer, couplings, named_assets),
            conflicts=stored_findings_seen_by(viewer, conflicts, named_assets),
            until=until,
        )
        deliveries = [] if digest.is_empty else _deliver(subscription, digest, settings, sleep)
        told = all(d.ok for d in deliveries if _is_final(d, deliveries))
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


def _organisation_viewer(organisation: str) -> Principal:
    """Whom a subscription's messages are for: its organisation, seeing what any of its users may see."""
    return Principal(email=None, organisation=organisation, role=Role.VIEWER, scope="read")


def _deliver(subscription: Subscription, digest: Digest, settings: Settings, sleep: Sleep) -> list[Delivery]:
    attempts = []
    if subscription.email:
        attempts.append(_send_email(subscription.email, digest_subject(digest), digest_text(digest), settings))
    if subscription.webhook_url and subscription.secret:
        attempts += _post_webhook(subscription.webhook_url, subscription.secret, digest.as_json(), settings, sleep)
    return [
        Delivery(**attempt.__dict__, subscription_id=subscription.id, digest_until=digest.until) for attempt in attempts
    ]


# -- escalations --------------------------------------------------------------------------------
ESCALATION_EVENT = "escalation"
ANNOUNCED = "escalation_announced"
"""The coupling event that records who was told of an escalation (and whether everyone was)."""


def announce_escalations(
    store: Repository,
    *,
    settings: Settings | None = None,
    sleep: Sleep = time.sleep,
    actor: str = SYSTEM_ACTOR,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Tell of every escalated coupling not yet announced: an e-mail to each coordinator and an `escalation`
    event to the webhook of each subscription whose area it lies in or whose organisation it concerns.

    Each is sent once: who was told is recorded as a coupling event, and a coupling is announced again (to
    those not reached yet) only when a delivery failed. Returns the events recorded.
    """
    settings = settings or Settings()
    events = store.read_coupling_events()
    reached = _reached(events)
    done = {_escalation_of(e) for e in events if e["event"] == ANNOUNCED and e["detail"].get("complete")}
    pending = [
        CouplingWorkflow.from_row(row)
        for row in store.read_coupling_workflows()
        if row["escalated"] and (row["coupling_id"], row["escalated_at"]) not in done
    ]
    if not pending:
        return []
    couplings = store.read_findings("couplings").set_index("id", drop=False)
    coordinators = _coordinators(store)
    subscriptions = [s for s in subscriptions_of(store) if s.webhook_url and s.secret]
    recorded = []
    for workflow in pending:
        found = couplings.loc[workflow.coupling_id] if workflow.coupling_id in couplings.index else None
        kind = None if found is None else str(found["kind"])
        told = reached.get((workflow.coupling_id, workflow.escalated_at), set())
        attempts = [
            _send_email(
                email,
                escalation_subject(workflow, language=settings.language),
                escalation_text(workflow, kind=kind, language=settings.language),
                settings,
            )
            for email in coordinators
            if email not in told
        ]
        payload = {**_escalation_json(workflow, kind=kind), "event": ESCALATION_EVENT}
        for subscription in _told_of(store, workflow, found, subscriptions):
            if subscription.webhook_url not in told:
                body = {**payload, "subscription": subscription.id, "organisation": subscription.organisation}
                attempts += _post_webhook(subscription.webhook_url, subscription.secret, body, settings, sleep)
        detail = {
            "escalated_at": workflow.escalated_at,
            "deliveries": [a.__dict__ for a in attempts],
            "complete": all(a.ok for a in attempts if _is_final(a, attempts)),
        }
        moment = timestamp(now or datetime.now(UTC))
        with store.transaction(actor=actor) as tx:
            tx.log_coupling_event(workflow.coupling_id, ANNOUNCED, detail, at=moment)
        recorded.append({"coupling_id": workflow.coupling_id, **detail})
    return recorded


def _escalation_json(workflow: CouplingWorkflow, *, kind: str | None) -> dict[str, Any]:
    return {
        "coupling": workflow.coupling_id,
        "kind": kind,
        "status": workflow.status.value,
        "deadline": workflow.deadline,
        "escalated_at": workflow.escalated_at,
        "members": list(workflow.members),
        "waiting_for": list(workflow.waiting_for),
    }


def _escalation_of(event: dict[str, Any]) -> tuple[str, str | None]:
    """Which escalation an announcement was about: a coupling escalates once per step (accepting starts a new one)."""
    return event["coupling_id"], event["detail"].get("escalated_at")


def _reached(events: list[dict[str, Any]]) -> dict[tuple[str, str | None], set[str]]:
    """Per escalation (coupling, moment), the addresses and URLs its announcement reached."""
    reached: dict[tuple[str, str | None], set[str]] = {}
    for event in events:
        if event["event"] == ANNOUNCED:
            ok = {d["target"] for d in event["detail"].get("deliveries", []) if d["ok"]}
            reached.setdefault(_escalation_of(event), set()).update(ok)
    return reached


def _coordinators(store: Repository) -> list[str]:
    users = store.read_users()
    active = users[(users["role"] == Role.COORDINATOR.value) & ~users["disabled"].astype(bool)]
    return list(active["email"])


def _told_of(
    store: Repository, workflow: CouplingWorkflow, coupling: Any, subscriptions: list[Subscription]
) -> list[Subscription]:
    """The subscriptions whose organisation is a member of the coupling or whose area meets it, if their
    organisation may see it (it involves none of the confidential assets hidden from them)."""
    members = members_from_text(None if coupling is None else coupling["members"])
    asset_ids = [m["id"] for m in members if m["type"] in ("asset", "due_asset")]
    assets = store.read("assets", ids=asset_ids) if asset_ids else None
    told = []
    for subscription in subscriptions:
        concerned = subscription.organisation in workflow.members or (
            coupling is not None and bool(shapely.intersects(coupling["geometry"], subscription.area))
        )
        if not concerned:
            continue
        if assets is not None and hidden_assets(_organisation_viewer(subscription.organisation), assets).any():
            continue
        told.append(subscription)
    return told


# -- sending ------------------------------------------------------------------------------------
def _is_final(attempt: Attempt, attempts: Sequence[Attempt]) -> bool:
    same = [a.attempt for a in attempts if a.channel == attempt.channel and a.target == attempt.target]
    return attempt.attempt == max(same)


def _send_email(to: str, subject: str, text: str, settings: Settings) -> Attempt:
    """A plain-text e-mail over SMTP (host, port and sender from the settings)."""
    at = timestamp(datetime.now(UTC))
    try:
        message = EmailMessage()
        message["From"] = settings.smtp_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.webhook_timeout_s) as smtp:
            smtp.send_message(message)
    except (OSError, ValueError, smtplib.SMTPException) as exc:
        return Attempt(channel="email", target=to, attempt=1, ok=False, status=None, error=_said(exc), at=at)
    return Attempt(channel="email", target=to, attempt=1, ok=True, status="sent", error=None, at=at)


def _post_webhook(url: str, secret: str, payload: dict[str, Any], settings: Settings, sleep: Sleep) -> list[Attempt]:
    """POST the payload as JSON, signed; retried after each failure (an error or a non-2xx answer) with backoff."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    delays = retry_delays(settings.webhook_attempts, settings.webhook_backoff_s)
    attempts = []
    for attempt in range(1, settings.webhook_attempts + 1):
        sent_at = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: sent_at,
            SIGNATURE_HEADER: signature(secret, sent_at, body),
        }
        base = {"channel": "webhook", "target": url, "attempt": attempt, "at": timestamp(datetime.now(UTC))}
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=settings.webhook_timeout_s)
            tried = Attempt(
                **base,
                ok=response.is_success,
                status=str(response.status_code),
                error=None if response.is_success else response.text[:200],
            )
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            tried = Attempt(**base, ok=False, status=None, error=_said(exc))
        attempts.append(tried)
        if tried.ok or attempt > len(delays):
            break
        sleep(delays[attempt - 1])
    return attempts


def _said(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
