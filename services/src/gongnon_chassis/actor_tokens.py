"""The actor the gateway vouches for, signed (issue 12).

The gateway authenticates the caller and passes the actor to a service in one header,
`X-Gongnon-Actor`, as a short-lived Ed25519 JWT (EdDSA, PyJWT on `cryptography`). Only the gateway
holds the private key; every service holds the public keys. Whatever else reaches a service on
the network, an actor that is unsigned, signed with another key or a key id (`kid`) the service
does not list, malformed or expired is refused: 401 `actor_token_invalid`.

Claims: `iss` gongnon-gateway, `aud` gongnon-services, `iat` and `exp` from the platform clock
(gongnon_chassis.clock), `sub` the account id, `actor` the actor's fields. Header: `alg` EdDSA, `kid`.

Keys come from the environment. The gateway's GATEWAY_ACTOR_SIGNING_KEY: a private JWK (OKP,
Ed25519) or a PKCS#8 PEM. Every service's GONGNON_ACTOR_PUBLIC_KEYS: a JWK set (or one JWK, or a
JSON list of them) or PEM public keys one after another. A PEM key's kid, and a JWK's without one,
is its RFC 7638 thumbprint, so both sides agree without naming keys. Rotation: list the old and
the new public key everywhere, switch the gateway to the new private key, and drop the old public
key once the last token it signed has expired (DEFAULT_TTL_S). In development and test mode, with
nothing configured, a fixed development key pair stands in: it is derived from a constant in this
file, so it proves nothing, and it is refused outside those modes.

`python -m gongnon_chassis.actor_tokens [kid]` prints a new key pair as environment lines.

Signing costs about 46 µs and verifying about 130 µs here, against a few µs for everything else a
vote does in each process; so the gateway reuses an actor's token for the first half of its
lifetime, and a service remembers (bounded) the tokens it has verified, each until it expires."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm
from pydantic import ValidationError

from gongnon_chassis.actor import ACTOR_HEADER, Actor
from gongnon_chassis.clock import Clock, SystemClock
from gongnon_chassis.errors import Unauthorized
from gongnon_chassis.settings import ConfigurationError, ServiceSettings

ALGORITHM = "EdDSA"
ISSUER = "gongnon-gateway"
AUDIENCE = "gongnon-services"
DEFAULT_TTL_S = 300
INVALID = "actor_token_invalid"
# Far above a real token (~400 bytes); a bigger header is refused before it is parsed.
MAX_TOKEN_CHARS = 8192
DEV_KID = "gongnon-dev"
# Public on purpose: development and tests only, refused wherever a real key is required.
_DEV_SEED = hashlib.sha256(b"gongnon development actor key: public, proves nothing").digest()
# Tests move their clocks by months; a test caller's token outlives that (Actor.header()).
_TEST_CALLER_TTL_S = 10 * 366 * 86400
_PEM = re.compile(r"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.DOTALL)


def _b64u(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def thumbprint(key: Ed25519PublicKey) -> str:
    """The RFC 7638 JWK thumbprint: the kid of a key configured without one."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _b64u(_raw(key))}, separators=(",", ":"))
    return _b64u(hashlib.sha256(canonical.encode()).digest())


def public_jwk(key: Ed25519PublicKey, kid: str) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64u(_raw(key)), "kid": kid, "alg": ALGORITHM, "use": "sig"}


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    def private_jwk(self) -> dict[str, str]:
        d = self.private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return {**public_jwk(self.public, self.kid), "d": _b64u(d)}


def new_signing_key(kid: str | None = None) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    return SigningKey(kid or thumbprint(private.public_key()), private)


@cache
def development_key() -> SigningKey:
    return SigningKey(DEV_KID, Ed25519PrivateKey.from_private_bytes(_DEV_SEED))


def is_development_key(key: Ed25519PublicKey) -> bool:
    return _raw(key) == _raw(development_key().public)


def _unescaped(text: str) -> str:
    # A PEM squeezed onto one line of an env file keeps its line breaks as "\n".
    return text.replace("\\n", "\n") if "\n" not in text else text


def _jwk_key(jwk: Any) -> tuple[str | None, Ed25519PrivateKey | Ed25519PublicKey]:
    if not isinstance(jwk, dict):
        raise ConfigurationError("a JWK must be a JSON object")
    if jwk.get("crv") != "Ed25519":
        raise ConfigurationError(f"only Ed25519 keys (OKP) are used, not {jwk.get('kty')}/{jwk.get('crv')}")
    try:
        key = OKPAlgorithm.from_jwk(jwk)
    except jwt.PyJWTError as exc:
        raise ConfigurationError(f"not a usable Ed25519 JWK: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey | Ed25519PublicKey):
        raise ConfigurationError("only Ed25519 keys are used")
    kid = jwk.get("kid")
    return (kid if isinstance(kid, str) and kid else None), key


def load_signing_key(text: str) -> SigningKey:
    """The gateway's private key: a private JWK, or a PKCS#8 PEM (its kid: the thumbprint)."""
    text = _unescaped(text.strip())
    if text.startswith("{"):
        try:
            kid, key = _jwk_key(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ConfigurationError("the actor signing key is neither a JWK nor a PEM") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigurationError("the actor signing key JWK has no private part (d)")
        return SigningKey(kid or thumbprint(key.public_key()), key)
    try:
        pem = serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError("the actor signing key is neither a JWK nor an unencrypted PEM") from exc
    if not isinstance(pem, Ed25519PrivateKey):
        raise ConfigurationError("the actor signing key must be an Ed25519 key")
    return SigningKey(thumbprint(pem.public_key()), pem)


def load_public_keys(text: str) -> dict[str, Ed25519PublicKey]:
    """kid → key: a JWK set, one JWK or a JSON list of JWKs; or PEM public keys (kid: thumbprint)."""
    text = _unescaped(text.strip())
    keys: dict[str, Ed25519PublicKey] = {}
    if text.startswith(("{", "[")):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigurationError("the actor public keys are neither JSON (JWK) nor PEM") from exc
        jwks = doc["keys"] if isinstance(doc, dict) and "keys" in doc else doc
        for jwk in jwks if isinstance(jwks, list) else [jwks]:
            kid, key = _jwk_key(jwk)
            public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
            keys[kid or thumbprint(public)] = public
    else:
        for block in _PEM.finditer(text):
            try:
                pem = serialization.load_pem_public_key(block.group(0).encode())
            except (ValueError, TypeError) as exc:
                raise ConfigurationError("an actor public key PEM could not be read") from exc
            if not isinstance(pem, Ed25519PublicKey):
                raise ConfigurationError("the actor public keys must be Ed25519 keys")
            keys[thumbprint(pem)] = pem
    if not keys:
        raise ConfigurationError("GONGNON_ACTOR_PUBLIC_KEYS holds no key")
    return keys


def public_keys_for(settings: ServiceSettings) -> dict[str, Ed25519PublicKey]:
    """The keys a service checks actors with: the configured ones; the development key only in
    development or test mode with none configured. Refuses to start otherwise."""
    dev = development_key()
    if not settings.actor_public_keys:
        if settings.development:
            return {dev.kid: dev.public}
        raise ConfigurationError(
            f"{settings.service_name}: GONGNON_ACTOR_PUBLIC_KEYS is not set; it must list the public key(s) of the "
            "gateway's GATEWAY_ACTOR_SIGNING_KEY (docs/security.md). Only GONGNON_DEV_MODE=1 or GONGNON_TEST_MODE=1 "
            "fall back to the development key."
        )
    keys = load_public_keys(settings.actor_public_keys)
    if not settings.development and any(is_development_key(k) for k in keys.values()):
        raise ConfigurationError("GONGNON_ACTOR_PUBLIC_KEYS lists the development key, which anyone can sign with")
    return keys


class ActorTokenSigner:
    """The gateway's side. An actor's token is reused for the first half of its lifetime (a
    request never leaves with less than half of it left), at most `max_cached` actors at once."""

    def __init__(self, key: SigningKey, clock: Clock, ttl_s: int = DEFAULT_TTL_S, *, max_cached: int = 10_000) -> None:
        self._key = key
        self._clock = clock
        self._ttl_s = ttl_s
        self._reuse_s = ttl_s / 2
        self._max = max_cached
        self._cache: dict[Actor, tuple[str, int]] = {}  # actor → (token, iat); oldest first

    @property
    def kid(self) -> str:
        return self._key.kid

    def token(self, actor: Actor) -> str:
        now = self._clock.now().timestamp()
        hit = self._cache.get(actor)
        # A clock moved back (tests) before iat, or past the reuse window: sign afresh.
        if hit is not None and hit[1] <= now < hit[1] + self._reuse_s:
            return hit[0]
        iat = int(now)
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": iat,
            "exp": iat + self._ttl_s,
            "sub": actor.account_id,
            "actor": actor.model_dump(mode="json", exclude_defaults=True),
        }
        token = jwt.encode(claims, self._key.private, algorithm=ALGORITHM, headers={"kid": self._key.kid})
        self._cache.pop(actor, None)
        if len(self._cache) >= self._max:
            del self._cache[next(iter(self._cache))]
        self._cache[actor] = (token, iat)
        return token

    def header(self, actor: Actor) -> dict[str, str]:
        return {ACTOR_HEADER: self.token(actor)}


class ActorTokenVerifier:
    """A service's side. A token verified once is remembered (at most `max_cached`, the oldest
    forgotten first) with its actor and expiry, so a caller's next requests cost a look-up; the
    expiry is checked on every use."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey], clock: Clock, *, max_cached: int = 20_000) -> None:
        if not keys:
            raise ConfigurationError("no public key to check actor tokens with")
        self._keys = dict(keys)
        self._clock = clock
        self._max = max_cached
        self._cache: dict[str, tuple[Actor, float]] = {}  # token → (actor, exp)

    @classmethod
    def for_service(cls, settings: ServiceSettings, clock: Clock) -> ActorTokenVerifier:
        return cls(public_keys_for(settings), clock)

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def verify(self, token: str) -> Actor:
        now = self._clock.now().timestamp()
        hit = self._cache.get(token)
        if hit is not None:
            if now < hit[1]:
                return hit[0]
            del self._cache[token]
            raise Unauthorized("the actor token has expired", code=INVALID)
        actor, exp = self._check(token, now)
        if len(self._cache) >= self._max:
            del self._cache[next(iter(self._cache))]
        self._cache[token] = (actor, exp)
        return actor

    def _check(self, token: str, now: float) -> tuple[Actor, float]:
        if len(token) > MAX_TOKEN_CHARS:
            raise Unauthorized("the actor token is malformed", code=INVALID)
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise Unauthorized("the actor token is malformed", code=INVALID) from exc
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise Unauthorized("the actor token is signed with a key this service does not know", code=INVALID)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                # Time is the platform clock's, checked below; PyJWT would use the system's.
                options={
                    "require": ["iss", "aud", "iat", "exp", "sub"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"the actor token is not valid: {exc}", code=INVALID) from exc
        exp = claims["exp"]
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            raise Unauthorized("the actor token's expiry is malformed", code=INVALID)
        if now >= exp:
            raise Unauthorized("the actor token has expired", code=INVALID)
        try:
            actor = Actor.model_validate(claims.get("actor"))
        except ValidationError as exc:
            raise Unauthorized("the actor token carries no valid actor", code=INVALID) from exc
        if actor.account_id != claims["sub"]:
            raise Unauthorized("the actor token's subject is not its actor", code=INVALID)
        return actor, float(exp)


@cache
def _development_signer() -> ActorTokenSigner:
    return ActorTokenSigner(development_key(), SystemClock(), _TEST_CALLER_TTL_S)


def development_header(actor: Actor) -> dict[str, str]:
    """The header a test sends a service it calls directly (Actor.header()): signed with the
    development key, which services accept only in development and test mode."""
    return _development_signer().header(actor)


def main(argv: list[str]) -> int:
    key = new_signing_key(argv[0] if argv else None)
    print(f"GATEWAY_ACTOR_SIGNING_KEY='{json.dumps(key.private_jwk())}'")
    print(f"GONGNON_ACTOR_PUBLIC_KEYS='{json.dumps({'keys': [public_jwk(key.public, key.kid)]})}'")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
