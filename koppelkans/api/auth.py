"""Who makes a request, decided once per request before any route runs (so no endpoint can forget it).

- `Authorization: Bearer <token>`: an API token (systems); no CSRF check, a browser never sends it by itself.
- the `kk_session` cookie of a web login: unsafe methods (POST, PUT, PATCH, DELETE) must carry the
  session's CSRF token in `X-CSRF-Token` (the web pages' scripts send it), else 403.
- nothing: anonymous. Anonymous requests to /api, /ogc, /tiles and the pages' JSON get 401 in the
  error shape, web pages redirect to /login; open are /openapi.json, /docs, /login and /static.
  With `Settings.public_works`, anonymous visitors may read works (not assets, not other layers) and see
  them on the map page.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import anyio
from fastapi import Request
from starlette.responses import RedirectResponse

from koppelkans.access import ANONYMOUS, Principal
from koppelkans.access.credentials import same_secret
from koppelkans.api.errors import Receive, Scope, Send, error_response
from koppelkans.config import Settings
from koppelkans.errors import Forbidden, InputError, KoppelkansError, Unauthenticated
from koppelkans.identity import principal_from_session, principal_from_token
from koppelkans.store import Repository

__all__ = [
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "Authentication",
    "csrf_token_of",
]

SESSION_COOKIE = "kk_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_PATHS = re.compile(r"^/(openapi\.json|docs(/.*)?|redoc|login|logout|static/.*|favicon\.ico)$")
"""What anyone may fetch: the API's description, the login page and the static files."""
PUBLIC_WORKS_PATHS = re.compile(
    r"^/(|api/works(/[^/]+)?|ogc|ogc/api|ogc/conformance|ogc/collections(/works(/items(/[^/]+)?)?)?|tiles/works/.*)$"
)
"""What anonymous visitors may read when `Settings.public_works` is on: the map page (`/`, works only) and
the works in the API, the OGC API and the tiles."""
DATA_PREFIXES = ("/api", "/ogc", "/tiles", "/web/api")


def csrf_token_of(request: Request) -> str | None:
    """The CSRF token of the request's web session (None for token or anonymous requests)."""
    return getattr(request.state, "csrf_token", None)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _refuse_nul(scope: Scope) -> None:
    """A NUL character in the path or query is never meaningful (and PostgreSQL text cannot hold it): 400."""
    query = bytes(scope.get("query_string") or b"")
    if "\x00" in scope["path"] or b"%00" in query or b"\x00" in query:
        raise InputError("the request's path or query contains a NUL character")


class Authentication:
    """ASGI middleware: find the principal (token, session or anonymous) and refuse what it may not reach."""

    def __init__(self, app: Any, *, store: Repository, settings: Settings) -> None:
        self.app = app
        self.store = store
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        try:
            _refuse_nul(scope)
            principal, csrf = await anyio.to_thread.run_sync(self._identify, scope)
            if csrf is not None and method not in SAFE_METHODS and path not in ("/login", "/logout"):
                if not same_secret(_header(scope, CSRF_HEADER.encode()), csrf):
                    raise Forbidden(f"{method} {path} with a session cookie needs the {CSRF_HEADER} header")
            if principal.anonymous and not self._open_to_anonymous(path, method):
                if not path.startswith(DATA_PREFIXES) and method in SAFE_METHODS:
                    await RedirectResponse(f"/login?next={quote(path)}", status_code=303)(scope, receive, send)
                    return
                raise Unauthenticated("log in, or send `Authorization: Bearer <token>` (see `koppelkans token create`)")
        except KoppelkansError as error:
            response = error_response(error)
            if isinstance(error, Unauthenticated):
                response.headers["WWW-Authenticate"] = 'Bearer realm="koppelkans"'
            await response(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["principal"], state["csrf_token"] = principal, csrf
        await self.app(scope, receive, send)

    def _identify(self, scope: Scope) -> tuple[Principal, str | None]:
        """The principal and, for a session, its CSRF token; Unauthenticated for a bad credential."""
        authorization = _header(scope, b"authorization")
        if authorization is not None:
            kind, _, secret = authorization.partition(" ")
            if kind.lower() != "bearer" or not secret.strip():
                raise Unauthenticated("the Authorization header must be `Bearer <token>`")
            return principal_from_token(self.store, secret.strip()), None
        cookie = _cookie(scope, SESSION_COOKIE)
        if cookie:
            try:
                session = principal_from_session(self.store, cookie)
            except Unauthenticated:
                return ANONYMOUS, None  # an ended session is like none: pages send the user to /login
            return session.principal, session.csrf_token
        return ANONYMOUS, None

    def _open_to_anonymous(self, path: str, method: str) -> bool:
        if OPEN_PATHS.match(path):
            return True
        return self.settings.public_works and method in SAFE_METHODS and bool(PUBLIC_WORKS_PATHS.match(path))
