"""Roles and the one permission rule: `may(principal, action, kind, record_or_org)`.

- viewer: reads everything that is not confidential;
- editor: also creates, changes and deletes the assets, works and tasks of its own organisation,
  and changes its own organisation's record;
- coordinator (the municipal programme manager): sees everything, changes every register record,
  runs the analyses (couplings, forecast, plan) and manages projects;
- admin: everything, including users and tokens.
A token with scope `read` may only read, whatever its user's role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from koppelkans.errors import Forbidden

__all__ = ["ANONYMOUS", "ROLES", "SCOPES", "Action", "Principal", "Role", "may", "require"]


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RUN = "run"
    """Run an analysis that stores its results (couplings, forecast, plan) or move a project on."""
    MANAGE = "manage"
    """Manage users and tokens."""


ROLES: tuple[str, ...] = tuple(r.value for r in Role)
SCOPES: tuple[str, ...] = ("read", "write")

OWN_DATA_KINDS = frozenset({"assets", "works", "tasks"})
"""The kinds whose records belong to an organisation, so an editor may change its own."""

OWN_ORGANISATION_KINDS = frozenset({"coupling_responses", "subscriptions"})
"""What an editor does for its own organisation besides its records: answer a coupling proposed to it
(C3) and watch an area (C4); the rest of the coupling workflow is the coordinator's."""


@dataclass(frozen=True, kw_only=True)
class Principal:
    """Who makes a request: a user (e-mail, organisation, role) with the scope of the credential used."""

    email: str | None
    organisation: str | None
    role: Role | None
    scope: str = "write"

    @property
    def anonymous(self) -> bool:
        return self.role is None

    @property
    def actor(self) -> str:
        """Who the audit log names for this principal's changes."""
        return self.email or "anonymous"

    @property
    def sees_all(self) -> bool:
        """Coordinators and admins see confidential assets of every organisation in detail."""
        return self.role in (Role.COORDINATOR, Role.ADMIN)


ANONYMOUS = Principal(email=None, organisation=None, role=None, scope="read")


def _organisation_of(kind: str, record_or_org: Mapping[str, Any] | str | None) -> str | None:
    """The organisation a record belongs to (an organisation record is its own)."""
    if record_or_org is None or isinstance(record_or_org, str):
        return record_or_org
    if kind == "organisations":
        return record_or_org.get("code")
    value = record_or_org.get("organisation")
    return None if value is None else str(value)


def may(
    principal: Principal, action: Action | str, kind: str, record_or_org: Mapping[str, Any] | str | None = None
) -> bool:
    """Whether `principal` may do `action` on a record of `kind` (or on records of an organisation).

    `record_or_org` is the record (a mapping with `organisation`, or `code` for organisations) or an
    organisation code; a change is checked against the record before and after it.
    """
    action = Action(action)
    if principal.role is None:
        return False
    if action is Action.READ:
        return True
    if principal.scope != "write" or principal.role is Role.VIEWER:
        return False
    if principal.role is Role.ADMIN:
        return True
    if action is Action.MANAGE:
        return False
    if principal.role is Role.COORDINATOR:
        return True
    # editor: its own organisation's assets, works and tasks; its own organisation's record
    owner = _organisation_of(kind, record_or_org)
    own = principal.organisation is not None and owner == principal.organisation
    if kind in OWN_DATA_KINDS or kind in OWN_ORGANISATION_KINDS:
        return action in (Action.CREATE, Action.UPDATE, Action.DELETE) and own
    if kind == "organisations":
        return action is Action.UPDATE and own
    return False


def require(
    principal: Principal,
    action: Action | str,
    kind: str,
    record_or_org: Mapping[str, Any] | str | None = None,
    *,
    record: str | None = None,
) -> None:
    """Forbidden (naming the user, the action and the record) unless `may(...)` allows it."""
    if may(principal, action, kind, record_or_org):
        return
    who = principal.email or "an anonymous user"
    role = f" ({principal.role.value}{', ' + principal.organisation if principal.organisation else ''}" + (
        ", read-only token)" if principal.scope != "write" and principal.role is not None else ")"
    )
    what = f"{kind} {record}" if record else kind
    raise Forbidden(f"{who}{role if principal.role else ''} may not {Action(action).value} {what}", record=record)
