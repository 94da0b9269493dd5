"""Standard Webhooks signatures (https://www.standardwebhooks.com/): the secret is `whsec_` and
base64 of random bytes; a delivery carries `webhook-id`, `webhook-timestamp` (unix seconds) and
`webhook-signature: v1,<base64 HMAC-SHA256(key, f"{id}.{timestamp}.{body}")>`, where the key is
the secret's base64-decoded bytes. Pure."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping

PREFIX = "whsec_"
SECRET_BYTES = 24
DEFAULT_TOLERANCE_S = 300


class BadSignature(Exception):
    pass


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    raw = secret[len(PREFIX) :] if secret.startswith(PREFIX) else secret
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a webhook secret is whsec_ followed by base64") from exc


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one delivery."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id, timestamp, body),
    }


def verify(
    secret: str,
    received: Mapping[str, str],
    body: bytes,
    now: int | None = None,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> str:
    """What a receiver does: check one of the `v1` signatures (and, given `now`, the timestamp's
    freshness). Returns the webhook id; BadSignature otherwise."""
    lower = {k.lower(): v for k, v in received.items()}
    msg_id, ts, sigs = lower.get("webhook-id"), lower.get("webhook-timestamp"), lower.get("webhook-signature")
    if not msg_id or not ts or not sigs:
        raise BadSignature("missing webhook headers")
    try:
        timestamp = int(ts)
    except ValueError as exc:
        raise BadSignature("webhook-timestamp is not a number") from exc
    if now is not None and abs(now - timestamp) > tolerance_s:
        raise BadSignature("webhook-timestamp is too far from now")
    expected = signature(secret, msg_id, timestamp, body)
    for candidate in sigs.split():
        if hmac.compare_digest(candidate, expected):
            return msg_id
    raise BadSignature("no matching signature")
