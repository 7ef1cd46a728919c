"""The web login (`/login`) and logout (`/logout`): a form with a CSRF token, a session cookie on success.

The session cookie holds a random id whose SHA-256 is stored (`identity.log_in`); it is HttpOnly,
SameSite=Lax and Secure (unless `Settings.cookie_secure` is off for plain-HTTP development). Before
login there is no session, so the form's CSRF token is a double-submit cookie: the form must send
back the value of the `kk_login_csrf` cookie. Failed logins are throttled per e-mail and address.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from koppelkans.access.credentials import new_secret, same_secret
from koppelkans.api.auth import SESSION_COOKIE
from koppelkans.api.deps import SettingsDep, StoreDep
from koppelkans.api.errors import error_response
from koppelkans.config import Settings
from koppelkans.errors import Forbidden, InputError, KoppelkansError
from koppelkans.identity import log_in, log_out
from koppelkans.web.i18n import LANGUAGES, language_of, texts
from koppelkans.web.pages import TEMPLATES_DIR

__all__ = ["LOGIN_CSRF_COOKIE", "router"]

LOGIN_CSRF_COOKIE = "kk_login_csrf"
MAX_FORM_BYTES = 8 * 1024
templates = Jinja2Templates(directory=TEMPLATES_DIR)
router = APIRouter(include_in_schema=False)


def _safe_next(value: str | None) -> str:
    """Where to go after login: a path on this site only (no `//host` or `https://…`: no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _cookie(response: Response, name: str, value: str, *, settings: Settings, max_age: int | None = None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="lax", secure=settings.cookie_secure, path="/"
    )


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _page(
    request: Request,
    settings: Settings,
    *,
    status: int = 200,
    error: str | None = None,
    email: str = "",
    nxt: str = "/",
) -> HTMLResponse:
    """The login form with a fresh double-submit CSRF token."""
    language = language_of(request, settings.language)
    token = new_secret()
    words = texts(language)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {
            "lang": language,
            "t": words,
            "page": "login",
            "nav": [],
            "config": {},
            "asset_version": "",
            "language_links": {code: f"?lang={code}" for code in LANGUAGES},
            "login_csrf": token,
            "error": error,
            "email": email,
            "next": nxt,
        },
        status_code=status,
    )
    _cookie(response, LOGIN_CSRF_COOKIE, token, settings=settings, max_age=3600)
    return response


def _refuse(request: Request, settings: Settings, error: KoppelkansError, *, email: str, nxt: str) -> Response:
    """A refused login: the form again with the message for a browser, the one error shape for anything else."""
    if _wants_html(request):
        return _page(request, settings, status=error.http_status, error=error.message, email=email, nxt=nxt)
    return error_response(error)


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form body (small: a login form), first value per field."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InputError("the form is too large")
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


@router.get("/login", response_class=HTMLResponse, name="web_login")
def login_page(request: Request, settings: SettingsDep, next: str | None = None) -> HTMLResponse:
    """The login form."""
    return _page(request, settings, nxt=_safe_next(next))


@router.post("/login", name="web_login_submit")
async def login_submit(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """Check the form's CSRF token and the password; on success set the session cookie and go on."""
    form = await _form(request)
    email, nxt = form.get("email", "").strip(), _safe_next(form.get("next"))
    if not same_secret(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _refuse(request, settings, Forbidden("the login form expired; load it again"), email=email, nxt=nxt)
    ip = request.client.host if request.client else "unknown"
    try:
        session = log_in(store, email, form.get("password", ""), ip=ip, settings=settings)
    except KoppelkansError as error:
        return _refuse(request, settings, error, email=email, nxt=nxt)
    response = RedirectResponse(nxt, status_code=303)
    _cookie(response, SESSION_COOKIE, session.secret, settings=settings, max_age=int(settings.session_hours * 3600))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout", name="web_logout")
async def logout(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """End the session (the form carries the session's CSRF token) and go to the login page."""
    form = await _form(request)
    expected: Any = getattr(request.state, "csrf_token", None)
    if expected is not None:
        if not same_secret(form.get("csrf_token"), expected):
            return error_response(Forbidden("logout needs the page's CSRF token"))
        log_out(store, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
