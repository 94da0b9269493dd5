"""One error shape for every service: {"error": {"code", "message", "details"}}, never a bare 500."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A refusal the caller can understand and act on."""

    status = 400
    code = "bad_request"
    headers: dict[str, str] | None = None  # sent with the error (e.g. Retry-After with a 429)

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class InvalidCursor(DomainError):
    """A list cursor the platform did not issue (edited, truncated, made up, another list's)."""

    status = 400
    code = "invalid_cursor"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Invalid(DomainError):
    status = 422
    code = "invalid"


class Gone(DomainError):
    status = 410
    code = "gone"


class Unavailable(DomainError):
    status = 503
    code = "unavailable"


class TooMany(DomainError):
    status = 429
    code = "rate_limited"


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    return [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type", "")} for e in errors]


_HTTP_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def json_error(exc: Exception) -> JSONResponse:
    """The one JSON error response for any exception; an unexpected one is logged and hides its text."""
    if isinstance(exc, DomainError):
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status, headers=exc.headers)
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

    for kind in (DomainError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(kind, handle)
