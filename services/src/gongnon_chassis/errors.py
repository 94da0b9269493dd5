"""One error shape for every service: {"error": {"code", "message", "details"}}, never a bare 500."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from gongnon_contracts.refusals import Conflict, Forbidden, Gone, Invalid, NotFound, Refusal

log = logging.getLogger(__name__)

__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "Gone",
    "Invalid",
    "InvalidCursor",
    "NotFound",
    "Refusal",
    "TooMany",
    "Unauthorized",
    "Unavailable",
]


# The domain's refusals (gongnon_contracts.refusals) are the errors every layer raises; this edge
# gives each kind its HTTP status. Errors that only exist at the edge carry their own status.
DomainError = Refusal
STATUS_OF_KIND = {"bad_request": 400, "invalid": 422, "not_found": 404, "conflict": 409, "forbidden": 403, "gone": 410}


def status_of(exc: Refusal) -> int:
    status = getattr(exc, "status", None)
    return int(status) if status else STATUS_OF_KIND.get(exc.kind, 400)


def headers_of(exc: Refusal) -> dict[str, str] | None:
    headers: dict[str, str] | None = getattr(exc, "headers", None)
    return headers


class InvalidCursor(Refusal):
    """A list cursor the platform did not issue (edited, truncated, made up, another list's)."""

    status = 400
    code = "invalid_cursor"


class Unauthorized(Refusal):
    status = 401
    code = "unauthorized"


class Unavailable(Refusal):
    status = 503
    code = "unavailable"


class TooMany(Refusal):
    status = 429
    code = "rate_limited"
    headers: dict[str, str] | None = None  # sent with the error (Retry-After)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    return [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type", "")} for e in errors]


_HTTP_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def json_error(exc: Exception) -> JSONResponse:
    """The one JSON error response for any exception; an unexpected one is logged and hides its text."""
    if isinstance(exc, Refusal):
        body = error_body(exc.code, exc.message, exc.details)
        return JSONResponse(body, status_code=status_of(exc), headers=headers_of(exc))
    if isinstance(exc, RequestValidationError):
        details = validation_details(list(exc.errors()))
        return JSONResponse(error_body("validation_error", "The request is not valid", details), status_code=422)
    if isinstance(exc, StarletteHTTPException):
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=dict(exc.headers or {})
        )
    log.error("unhandled error", exc_info=exc)
    return JSONResponse(error_body("internal", "Something went wrong on our side"), status_code=500)


# A process that also serves people (the gateway's site) turns an error into a page for some paths:
# it returns a response, or None to keep the JSON body.
ErrorPage = Callable[[Request, JSONResponse], Awaitable[Response | None]]


def install_error_handlers(app: FastAPI, page: ErrorPage | None = None) -> None:
    async def handle(request: Request, exc: Exception) -> Response:
        response = json_error(exc)
        if page is not None:
            shown = await page(request, response)
            if shown is not None:
                return shown
        return response

    for kind in (Refusal, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(kind, handle)
