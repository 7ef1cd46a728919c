"""Storage of users and their credentials (API tokens, web sessions, login attempts), on both providers.

The store only keeps and finds rows; what is allowed, valid or expired is decided in
`koppelkans.identity` and `koppelkans.access`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import Engine, delete, func, select, update

from koppelkans.store.rows import rows_frame
from koppelkans.store.schema import API_TOKENS, LOGIN_ATTEMPTS, SESSIONS, USERS

__all__ = ["IdentityStore", "SqlIdentityStore"]


class IdentityStore(Protocol):
    """What the store offers about users and credentials."""

    def save_user(self, user: Mapping[str, Any]) -> None: ...

    def read_user(self, email: str) -> dict[str, Any] | None: ...

    def read_users(self) -> pd.DataFrame: ...

    def save_token(self, token: Mapping[str, Any]) -> None: ...

    def read_token(self, *, token_hash: str | None = None, token_id: str | None = None) -> dict[str, Any] | None: ...

    def read_tokens(self) -> pd.DataFrame: ...

    def revoke_token(self, token_id: str, *, at: str) -> bool: ...

    def save_session(self, session: Mapping[str, Any]) -> None: ...

    def read_session(self, id_hash: str) -> dict[str, Any] | None: ...

    def delete_session(self, id_hash: str) -> None: ...

    def log_login_attempt(self, *, email: str, ip: str, at: str, succeeded: bool) -> None: ...

    def failed_logins_since(self, *, email: str, ip: str, since: str) -> int: ...


def _values(table: Any, row: Mapping[str, Any]) -> dict[str, Any]:
    return {c.name: row.get(c.name) for c in table.c if c.name != "fid"}


class SqlIdentityStore:
    """The IdentityStore on SQLAlchemy Core; mixed into `SqlRepository` (same SQL on both providers)."""

    engine: Engine

    def _one(self, query: Any) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else dict(row)

    def _frame(self, table: Any, query: Any) -> pd.DataFrame:
        names = [c.name for c in table.c if c.name != "fid"]
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        frame = rows_frame(rows, names)
        return frame.astype(object).where(frame.notna(), None)

    def save_user(self, user: Mapping[str, Any]) -> None:
        """Insert a user, or update the one with the same e-mail."""
        values = _values(USERS, user)
        with self.engine.begin() as conn:
            if not conn.execute(update(USERS).where(USERS.c.email == values["email"]).values(**values)).rowcount:
                conn.execute(USERS.insert().values(**values))

    def read_user(self, email: str) -> dict[str, Any] | None:
        columns = [c for c in USERS.c if c.name != "fid"]
        return self._one(select(*columns).where(USERS.c.email == email))

    def read_users(self) -> pd.DataFrame:
        columns = [c for c in USERS.c if c.name != "fid"]
        return self._frame(USERS, select(*columns).order_by(USERS.c.email))

    def save_token(self, token: Mapping[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(API_TOKENS.insert().values(**_values(API_TOKENS, token)))

    def read_token(self, *, token_hash: str | None = None, token_id: str | None = None) -> dict[str, Any] | None:
        """A token by the hash of its secret or by its id."""
        columns = [c for c in API_TOKENS.c if c.name != "fid"]
        column, value = (API_TOKENS.c.token_hash, token_hash) if token_hash is not None else (API_TOKENS.c.id, token_id)
        return self._one(select(*columns).where(column == value))

    def read_tokens(self) -> pd.DataFrame:
        """Every token without its hash (a listing)."""
        columns = [c for c in API_TOKENS.c if c.name != "fid"]
        frame = self._frame(API_TOKENS, select(*columns).order_by(API_TOKENS.c.fid))
        return frame.drop(columns=["token_hash"])

    def revoke_token(self, token_id: str, *, at: str) -> bool:
        """Mark a token revoked (it stays listed); False when there is no such token."""
        with self.engine.begin() as conn:
            query = update(API_TOKENS).where(API_TOKENS.c.id == token_id, API_TOKENS.c.revoked_at.is_(None))
            changed = conn.execute(query.values(revoked_at=at)).rowcount
            exists = conn.execute(select(API_TOKENS.c.fid).where(API_TOKENS.c.id == token_id)).first() is not None
        return bool(changed) or exists

    def save_session(self, session: Mapping[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(SESSIONS.insert().values(**_values(SESSIONS, session)))

    def read_session(self, id_hash: str) -> dict[str, Any] | None:
        columns = [c for c in SESSIONS.c if c.name != "fid"]
        return self._one(select(*columns).where(SESSIONS.c.id_hash == id_hash))

    def delete_session(self, id_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(SESSIONS).where(SESSIONS.c.id_hash == id_hash))

    def log_login_attempt(self, *, email: str, ip: str, at: str, succeeded: bool) -> None:
        with self.engine.begin() as conn:
            conn.execute(LOGIN_ATTEMPTS.insert().values(email=email, ip=ip, at=at, succeeded=int(succeeded)))

    def failed_logins_since(self, *, email: str, ip: str, since: str) -> int:
        """Failed logins for this e-mail from this address at or after `since` (ISO 8601 UTC text)."""
        t = LOGIN_ATTEMPTS
        query = select(func.count()).where(t.c.email == email, t.c.ip == ip, t.c.succeeded == 0, t.c.at >= since)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())
