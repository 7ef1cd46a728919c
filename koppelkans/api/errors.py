"""The one error shape over HTTP: every failure is `{"error": {code, message, record, field}}` with the
error's own HTTP status (plus `problems` when several values were rejected, as the CLI's `--json`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from koppelkans.errors import KoppelkansError, Problem, ValidationFailed

__all__ = [
    "ERROR_RESPONSES",
    "AlreadyExists",
    "BodyLimit",
    "ErrorBody",
    "InUse",
    "MalformedRequest",
    "PayloadTooLarge",
    "PreconditionFailed",
    "PreconditionRequired",
    "documented_error",
    "error_response",
    "install_error_handlers",
]

log = logging.getLogger("koppelkans.api")

MAX_BODY_BYTES = 2 * 1024 * 1024
"""The largest request body accepted (one record with a detailed geometry fits easily)."""


class AlreadyExists(KoppelkansError):
    """A record with this key is already stored; update it instead."""

    code = "already_exists"
    http_status = 409


class InUse(KoppelkansError):
    """The record is still named by other records (or linked to them) and cannot be deleted."""

    code = "in_use"
    http_status = 409


class PreconditionRequired(KoppelkansError):
    """A change was sent without `If-Match`: it could silently overwrite someone else's change."""

    code = "precondition_required"
    http_status = 428


class PreconditionFailed(KoppelkansError):
    """`If-Match` names an older version of the record: someone else changed it in between."""

    code = "precondition_failed"
    http_status = 412


class MalformedRequest(KoppelkansError):
    """The request body is not JSON at all."""

    code = "malformed_json"
    http_status = 400


class PayloadTooLarge(KoppelkansError):
    """The request body is larger than the API accepts."""

    code = "payload_too_large"
    http_status = 413


class _HttpError(KoppelkansError):
    """A routing error (unknown path, wrong method) in the one shape."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.http_status = status
        self.code = code


# -- the documented shape ----------------------------------------------------------------------
class ProblemBody(BaseModel):
    kind: str
    record: str | None
    field: str | None
    reason: str
    row: int | None = None


class ErrorDetail(BaseModel):
    code: str
    message: str
    record: str | None
    field: str | None
    problems: list[ProblemBody] | None = None


class ErrorBody(BaseModel):
    """The one error shape."""

    error: ErrorDetail


def documented_error(description: str) -> dict[str, Any]:
    """An OpenAPI response entry for an error in the one shape."""
    return {"model": ErrorBody, "description": description, "content": {"application/json": {}}}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: documented_error("Malformed request: bad parameter value or body that is not JSON"),
    401: documented_error("No credential, or an unknown, expired or revoked token"),
    403: documented_error("The role or organisation does not allow this, or a cookie request lacks its CSRF token"),
    404: documented_error("No such record or resource"),
    413: documented_error("Request body too large"),
    422: documented_error("Invalid values: every problem names the record and field"),
    503: documented_error("The store cannot be reached"),
}
"""Error responses every route may give (routes add 409/412/428 where they apply)."""


def error_payload(error: KoppelkansError) -> dict[str, Any]:
    payload = error.as_dict()
    if isinstance(error, ValidationFailed):
        payload["error"]["problems"] = [
            {**p.as_dict(), "row": None if p.row is None else int(p.row)} for p in error.problems
        ]
    return payload


def error_response(error: KoppelkansError) -> JSONResponse:
    return JSONResponse(error_payload(error), status_code=error.http_status)


# -- request validation ------------------------------------------------------------------------
def _resource_of(path: str) -> str:
    """The resource a request is about (`works` for /api/works/…), to name it in a Problem."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        return parts[1]
    if len(parts) >= 3 and parts[:2] == ["ogc", "collections"]:
        return parts[2]
    return parts[0] if parts else "request"


def _field_of(loc: tuple[Any, ...]) -> str | None:
    """`("body", "geometry", "LineString", "coordinates", 0)` → `geometry`; `("query", "limit")` → `limit`."""
    named = [str(part) for part in loc[1:2] if isinstance(part, str)]
    return named[0] if named else None


def problems_from_request(request: Request, exc: RequestValidationError) -> KoppelkansError:
    """FastAPI's validation errors as our errors: malformed JSON → 400, wrong values → 422 with problems."""
    errors = exc.errors()
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "invalid JSON")
            return MalformedRequest(f"the request body is not valid JSON: {reason}")
    body = exc.body if isinstance(getattr(exc, "body", None), dict) else {}
    kind = _resource_of(request.url.path)
    record = next((str(body[k]) for k in ("id", "code") if isinstance(body.get(k), (str, int))), None)
    problems = [
        Problem(kind=kind, record=record, field=_field_of(tuple(e.get("loc", ()))), reason=_reason(e)) for e in errors
    ]
    return ValidationFailed(problems or [Problem(kind=kind, record=record, field=None, reason="invalid request")])


def _reason(error: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in error.get("loc", ())[1:])
    message = str(error.get("msg", "invalid value"))
    return f"{where}: {message}" if where else message


# -- handlers ----------------------------------------------------------------------------------
async def _on_koppelkans_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, KoppelkansError)
    return error_response(exc)


async def _on_request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(problems_from_request(request, exc))


_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = f"no such resource: {request.url.path}" if exc.status_code == 404 else str(exc.detail)
    response = error_response(_HttpError(exc.status_code, code, message))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _on_unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return error_response(_HttpError(500, "internal_error", "the server failed to answer; see its log"))


def install_error_handlers(app: FastAPI, *, uploads: Mapping[str, int] | None = None) -> None:
    """Route every failure through the one error shape; `uploads` allows larger bodies on some paths."""
    app.add_exception_handler(KoppelkansError, _on_koppelkans_error)
    app.add_exception_handler(RequestValidationError, _on_request_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES, uploads=uploads or {})


# -- body size ---------------------------------------------------------------------------------
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def _too_large(max_bytes: int) -> str:
    return f"the request body is larger than {max_bytes // 1024} KiB"


class _TooLarge(StarletteHTTPException):
    """Raised while streaming a body past the limit; an HTTPException so FastAPI passes it through."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, _too_large(max_bytes))


class BodyLimit:
    """Refuse request bodies over `max_bytes` (or, on an upload path, over its own limit) with 413, by
    Content-Length or while streaming (chunked)."""

    def __init__(
        self,
        app: Callable[[Scope, Receive, Send], Awaitable[None]],
        *,
        max_bytes: int,
        uploads: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = dict(uploads or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.uploads.get(scope.get("path", ""), self.max_bytes)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        await error_response(PayloadTooLarge(_too_large(limit)))(scope, receive, send)
