"""The language of a request (its URL prefix), the translation of one string, and the links."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gongnon_gateway.i18n.catalog import ENGLISH

DEFAULT = "ko"
LANGUAGES = ("ko", "en")
_PREFIX = "/en"
# Paths that are the same in every language: the API, its documents and machine endpoints.
_UNPREFIXED = ("/api", "/docs", "/redoc", "/openapi.json", "/asyncapi.json", "/healthz", "/readyz", "/metrics")


def translate(text: str, lang: str, **values: Any) -> str:
    """The text in `lang` (Korean when the catalogue lacks it), with {named} values filled in."""
    shown = ENGLISH.get(text, text) if lang == "en" else text
    return shown.format(**values) if values else shown


def language_of(scope: Scope) -> str:
    state = scope.get("state") or {}
    lang = state.get("lang", DEFAULT)
    return lang if lang in LANGUAGES else DEFAULT


def localized(path: str, lang: str) -> str:
    """A local link in the page's language: `/proposals/1` → `/en/proposals/1` in English."""
    if lang == DEFAULT or not path.startswith("/") or path.startswith("//"):
        return path
    if path.startswith(_UNPREFIXED) or path == _PREFIX or path.startswith(_PREFIX + "/"):
        return path
    return _PREFIX + (path if path != "/" else "/")


def switched(path: str, query: str, lang: str) -> str:
    """The same page in the other language (the language switch)."""
    tail = path + (f"?{query}" if query else "")
    return localized(tail, lang)


class LanguagePrefix:
    """`/en/…` is routed as `/…` with the language English; redirects keep the prefix."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path != _PREFIX and not path.startswith(_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        rest = path[len(_PREFIX) :] or "/"
        raw: bytes = scope.get("raw_path") or path.encode()
        scope = {**scope, "path": rest, "raw_path": raw[len(_PREFIX) :] or b"/"}
        scope["state"] = {**(scope.get("state") or {}), "lang": "en"}

        async def send_localized(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                headers = [
                    (k, localized(v.decode("latin-1"), "en").encode("latin-1") if k.lower() == b"location" else v)
                    for k, v in message.get("headers", [])
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_localized)
