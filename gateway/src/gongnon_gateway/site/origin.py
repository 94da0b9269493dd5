"""Is a form post from our own pages? The guard of the forms that sign someone in (login CSRF).

The forms behind a session carry the session-bound CSRF token. The login and registration forms
come before any session, so another site could post them from a victim's browser and sign the
victim in to the attacker's account (whatever the victim then writes or verifies lands there).

Browsers say where a post comes from: every current browser sends `Origin` with a cross-site
POST, and a page cannot forge it (nor the `Host` it is sent to, nor add any other header to a
plain form post). So a post is ours when its Origin — or, failing that, its Referer — names this
site's own host: the `Host` the browser addressed, or the `X-Forwarded-Host` a reverse proxy
set (a proxy that rewrites Host keeps the public one there). An Origin of "null" (sandboxed
frames, some redirects) is refused. A request with neither header is not a browser's cross-site
form (a script, curl, a very old browser) and passes: it could have posted the same credentials
directly. This needs no state and no change to the forms, unlike a pre-session token."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_port(netloc: str) -> tuple[str, int | None] | None:
    try:
        parts = urlsplit(f"//{netloc.strip()}")
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is no number, brackets that do not close
        return None
    return (host.lower(), port) if host else None


def same_origin(request: Request) -> bool:
    source = request.headers.get("origin")
    if source is None:
        source = request.headers.get("referer")
        if source is None:
            return True  # neither: not a cross-site form post from a browser
    try:
        url = urlsplit(source.strip())
    except ValueError:
        return False
    default = _DEFAULT_PORTS.get(url.scheme)
    theirs = _host_port(url.netloc)
    if default is None or theirs is None:  # "null", or anything that is no web origin
        return False
    ours = [request.headers.get("host", ""), request.headers.get("x-forwarded-host", "").split(",")[0]]
    for netloc in filter(None, ours):
        mine = _host_port(netloc)
        # A port is left out when it is the default one of the scheme the browser used.
        if mine is not None and mine[0] == theirs[0] and (mine[1] or default) == (theirs[1] or default):
            return True
    return False
