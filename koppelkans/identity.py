"""Users and their credentials as use cases: add a user, create and revoke API tokens, log in and out
of the web app (with throttling), and find who a token, a session or a CLI invocation is.

Decisions (who may do what, what is confidential) are in `koppelkans.access`; rows live in the store.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from koppelkans.access import ROLES, SCOPES, Principal, Role, hidden_assets
from koppelkans.access.confidentiality import member_asset_ids, stored_findings_seen_by
from koppelkans.access.credentials import hash_password, hash_secret, new_secret, password_matches
from koppelkans.config import Settings
from koppelkans.errors import NotFound, Problem, TooManyAttempts, Unauthenticated, ValidationFailed
from koppelkans.store import Repository

__all__ = [
    "LOCAL_OPERATOR",
    "Session",
    "add_user",
    "as_seen_by",
    "create_token",
    "log_in",
    "log_out",
    "principal_for_cli",
    "principal_from_session",
    "principal_from_token",
    "principal_of",
    "revoke_token",
    "timestamp",
]

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "kk_"

LOCAL_OPERATOR = Principal(email=None, organisation=None, role=Role.ADMIN)
"""The CLI without `--as`: whoever holds the database credentials can change anything anyway."""


def timestamp(moment: datetime) -> str:
    """A moment as the store keeps it: ISO 8601 in UTC to the second (sorts as text)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _invalid(email: str, field: str, reason: str) -> ValidationFailed:
    return ValidationFailed([Problem(kind="users", record=email, field=field, reason=reason)])


def principal_of(user: dict[str, Any], *, scope: str = "write") -> Principal:
    """The principal a stored user is."""
    return Principal(email=user["email"], organisation=user["organisation"], role=Role(user["role"]), scope=scope)


def add_user(
    store: Repository,
    email: str,
    *,
    organisation: str | None,
    role: str,
    password: str | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Add a user (or change an existing user's organisation, role and password).

    Every role but admin belongs to an organisation the register knows. Without a password the
    user can only use API tokens.
    """
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise _invalid(email, "email", "is not an e-mail address")
    if role not in ROLES:
        raise _invalid(email, "role", f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if organisation is None and role != Role.ADMIN:
        raise _invalid(email, "organisation", f"a {role} belongs to an organisation; give --org CODE")
    if organisation is not None and organisation not in store.existing("organisations", [organisation]):
        raise _invalid(email, "organisation", f"unknown organisation {organisation!r}")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise _invalid(email, "password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    existing = store.read_user(email)
    user = {
        "email": email,
        "organisation": organisation,
        "role": role,
        "password_hash": hash_password(password) if password is not None else (existing or {}).get("password_hash"),
        "created_at": (existing or {}).get("created_at") or timestamp(_now(now)),
        "disabled": 0,
    }
    store.save_user(user)
    return {k: v for k, v in user.items() if k != "password_hash"}


@dataclass(frozen=True, kw_only=True)
class IssuedToken:
    """A new token: its id (to list and revoke it) and its secret, shown once and never stored."""

    id: str
    secret: str
    email: str
    scope: str
    expires_at: str | None


def create_token(
    store: Repository,
    email: str,
    *,
    scope: str = "write",
    expires_days: float | None = None,
    now: datetime | None = None,
) -> IssuedToken:
    """A new API token for a user; only its SHA-256 is stored."""
    email = email.strip().lower()
    if store.read_user(email) is None:
        raise NotFound(f"no user {email!r}; add it with `koppelkans user add`", record=email)
    if scope not in SCOPES:
        raise ValidationFailed(
            [Problem(kind="api_tokens", record=email, field="scope", reason=f"expected one of {', '.join(SCOPES)}")]
        )
    if expires_days is not None and expires_days <= 0:
        raise ValidationFailed(
            [Problem(kind="api_tokens", record=email, field="expires", reason="must be a positive number of days")]
        )
    moment = _now(now)
    secret = new_secret(TOKEN_PREFIX)
    expires = None if expires_days is None else timestamp(moment + timedelta(days=expires_days))
    token_id = "t" + secrets.token_hex(4)
    store.save_token(
        {
            "id": token_id,
            "email": email,
            "token_hash": hash_secret(secret),
            "scope": scope,
            "created_at": timestamp(moment),
            "expires_at": expires,
        }
    )
    return IssuedToken(id=token_id, secret=secret, email=email, scope=scope, expires_at=expires)


def revoke_token(store: Repository, token_id: str, *, now: datetime | None = None) -> None:
    """Revoke a token: from now on it is refused (401)."""
    if not store.revoke_token(token_id, at=timestamp(_now(now))):
        raise NotFound(f"no API token {token_id!r}", record=token_id)


def _active_user(store: Repository, email: str) -> dict[str, Any]:
    user = store.read_user(email)
    if user is None or user.get("disabled"):
        raise Unauthenticated("the user of this credential no longer exists")
    return user


def principal_from_token(store: Repository, secret: str, *, now: datetime | None = None) -> Principal:
    """Who a bearer token is; Unauthenticated when unknown, revoked or expired."""
    token = store.read_token(token_hash=hash_secret(secret))
    if token is None:
        raise Unauthenticated("unknown API token")
    if token["revoked_at"] is not None:
        raise Unauthenticated(f"API token {token['id']} was revoked", record=token["id"])
    if token["expires_at"] is not None and token["expires_at"] <= timestamp(_now(now)):
        raise Unauthenticated(f"API token {token['id']} expired at {token['expires_at']}", record=token["id"])
    return principal_of(_active_user(store, token["email"]), scope=token["scope"])


@dataclass(frozen=True, kw_only=True)
class Session:
    """A web login: the cookie's secret (stored only hashed), its CSRF token and who it is."""

    secret: str
    csrf_token: str
    principal: Principal


def log_in(
    store: Repository, email: str, password: str, *, ip: str, settings: Settings, now: datetime | None = None
) -> Session:
    """Check a password and open a session; TooManyAttempts after too many failures (e-mail + address)."""
    moment = _now(now)
    email = email.strip().lower()
    since = timestamp(moment - timedelta(minutes=settings.login_window_minutes))
    if store.failed_logins_since(email=email, ip=ip, since=since) >= settings.login_max_failures:
        raise TooManyAttempts(
            f"too many failed logins for {email}; try again in {settings.login_window_minutes:g} minutes",
            record=email,
        )
    user = store.read_user(email)
    ok = user is not None and not user.get("disabled") and password_matches(user["password_hash"], password)
    store.log_login_attempt(email=email, ip=ip, at=timestamp(moment), succeeded=ok)
    if not ok or user is None:
        raise Unauthenticated("unknown e-mail address or wrong password", field="password")
    secret, csrf = new_secret(), new_secret()
    expires = timestamp(moment + timedelta(hours=settings.session_hours))
    store.save_session(
        {
            "id_hash": hash_secret(secret),
            "email": email,
            "csrf_token": csrf,
            "created_at": timestamp(moment),
            "expires_at": expires,
        }
    )
    return Session(secret=secret, csrf_token=csrf, principal=principal_of(user))


def principal_from_session(store: Repository, secret: str, *, now: datetime | None = None) -> Session:
    """The session a cookie names; Unauthenticated when unknown or expired."""
    session = store.read_session(hash_secret(secret))
    if session is None or session["expires_at"] <= timestamp(_now(now)):
        raise Unauthenticated("your session has ended; log in again")
    return Session(
        secret=secret, csrf_token=session["csrf_token"], principal=principal_of(_active_user(store, session["email"]))
    )


def log_out(store: Repository, secret: str) -> None:
    """End a session (the cookie is worthless from now on)."""
    store.delete_session(hash_secret(secret))


def principal_for_cli(store: Repository, email: str | None) -> Principal:
    """Who a CLI invocation acts as: with `--as`, that user (who must exist); without, the local operator."""
    if email is None:
        return LOCAL_OPERATOR
    user = store.read_user(email.strip().lower())
    if user is None or user.get("disabled"):
        raise Unauthenticated(f"no user {email!r} to act as; add it with `koppelkans user add`", record=email)
    return principal_of(user)


class _VisibleStore:
    """A store as a principal may see it: reads of assets leave out the confidential assets of other
    organisations, and reads of couplings and conflicts those that involve them, so what is computed from
    them (a brief, an anatomy, a forecast, the timeline) cannot tell of them."""

    def __init__(self, store: Repository, principal: Principal) -> None:
        self._store = store
        self._principal = principal

    def read(self, kind: str, **options: Any) -> pd.DataFrame:
        frame = self._store.read(kind, **options)
        if kind != "assets":
            return frame
        hidden = hidden_assets(self._principal, frame)
        return frame.loc[~hidden].reset_index(drop=True) if hidden.any() else frame

    def read_findings(self, table: str) -> pd.DataFrame:
        """Stored couplings and conflicts without those involving a hidden asset (their explanations name it)."""
        rows = self._store.read_findings(table)
        if table not in ("couplings", "conflicts") or rows.empty:
            return rows
        assets = self._store.read("assets", ids=member_asset_ids(rows))
        return stored_findings_seen_by(self._principal, rows, assets)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def as_seen_by(principal: Principal, store: Repository) -> Repository:
    """The store for analyses made for `principal` (itself for whoever sees everything)."""
    return store if principal.sees_all else _VisibleStore(store, principal)  # type: ignore[return-value]
