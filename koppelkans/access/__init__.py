"""Who may do what: roles, the permission rule, confidentiality of assets, and credential hashing.

A pure core (no I/O): the store keeps users and tokens, the API and CLI ask `may(...)` and `redact(...)`.
"""

from koppelkans.access.confidentiality import (
    OCCUPIED_ZONE,
    hidden_assets,
    is_confidential,
    may_see_details,
    redact,
    visible_findings,
    visible_records,
)
from koppelkans.access.credentials import (
    hash_password,
    hash_secret,
    new_secret,
    password_matches,
)
from koppelkans.access.roles import ANONYMOUS, ROLES, SCOPES, Action, Principal, Role, may, require

__all__ = [
    "ANONYMOUS",
    "OCCUPIED_ZONE",
    "ROLES",
    "SCOPES",
    "Action",
    "Principal",
    "Role",
    "hash_password",
    "hash_secret",
    "hidden_assets",
    "is_confidential",
    "may",
    "may_see_details",
    "new_secret",
    "password_matches",
    "redact",
    "require",
    "visible_findings",
    "visible_records",
]
