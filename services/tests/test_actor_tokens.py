"""The actor inside is signed (issue 12): a service believes only an actor whose Ed25519 signature
it can check with the public keys it is configured with, and only until the token expires on the
platform clock. Served by a small app on the chassis's own dependencies and error handlers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, FastAPI

from gongnon_chassis import actor_tokens
from gongnon_chassis.actor import ACTOR_HEADER, RELAY, Actor, CurrentActor, OptionalActor, RelayCaller
from gongnon_chassis.actor_tokens import (
    ActorTokenSigner,
    ActorTokenVerifier,
    SigningKey,
    development_key,
    load_public_keys,
    load_signing_key,
    new_signing_key,
    public_jwk,
    public_keys_for,
    thumbprint,
)
from gongnon_chassis.clock import FixedClock
from gongnon_chassis.errors import install_error_handlers
from gongnon_chassis.settings import ConfigurationError, ServiceSettings
from gongnon_contracts.events.common import ActorRole

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
ADMIN = Actor(account_id="acc-root", role=ActorRole.SUPER_ADMIN)
CITIZEN = Actor(account_id="acc-1", role=ActorRole.CITIZEN, citizen_key="ck-1", display_name="홍길동")


def service(keys: Mapping[str, Ed25519PublicKey], clock: FixedClock) -> FastAPI:
    """A service's HTTP edge as the chassis builds it: its error handlers, its actor dependencies."""
    app = FastAPI()
    install_error_handlers(app)
    app.state.actor_tokens = ActorTokenVerifier(keys, clock)
    router = APIRouter()

    @router.get("/whoami")
    async def whoami(actor: CurrentActor) -> dict[str, Any]:
        return actor.model_dump(mode="json")

    @router.get("/maybe")
    async def maybe(actor: OptionalActor) -> dict[str, Any]:
        return {"anonymous": actor is None}

    @router.post("/batch")
    async def batch(_: RelayCaller) -> dict[str, bool]:
        return {"relayed": True}

    app.include_router(router)
    return app


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc.test")


def dev_keys() -> dict[str, Ed25519PublicKey]:
    key = development_key()
    return {key.kid: key.public}


async def whoami(app: FastAPI, headers: dict[str, str]) -> httpx.Response:
    async with client(app) as c:
        return await c.get("/whoami", headers=headers)


def assert_refused(r: httpx.Response) -> None:
    assert r.status_code == 401, r.text
    body = r.json()
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == "actor_token_invalid", body


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _hs256(claims: dict[str, Any], key: bytes, kid: str) -> str:
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    signed = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signed}.{_b64(hmac.new(key, signed.encode(), hashlib.sha256).digest())}"


def _signed(claims: dict[str, Any]) -> dict[str, str]:
    dev = development_key()
    return {ACTOR_HEADER: jwt.encode(claims, dev.private, algorithm="EdDSA", headers={"kid": dev.kid})}


def _claims(actor: Actor, clock: FixedClock, ttl_s: int = 300) -> dict[str, Any]:
    now = int(clock.now().timestamp())
    return {
        "iss": "gongnon-gateway",
        "aud": "gongnon-services",
        "iat": now,
        "exp": now + ttl_s,
        "sub": actor.account_id,
        "actor": actor.model_dump(mode="json"),
    }


async def test_a_signed_actor_reaches_the_service_whole() -> None:
    clock = FixedClock(T0)
    app = service(dev_keys(), clock)
    signer = ActorTokenSigner(development_key(), clock)
    r = await whoami(app, signer.header(CITIZEN))
    assert r.status_code == 200, r.text
    assert Actor.model_validate(r.json()) == CITIZEN
    async with client(app) as c:
        assert (await c.get("/maybe")).json() == {"anonymous": True}
        r = await c.get("/whoami")
        assert (r.status_code, r.json()["error"]["code"]) == (401, "unauthorized")


def _forgeries(clock: FixedClock) -> dict[str, dict[str, str]]:
    dev = development_key()
    stranger = new_signing_key(dev.kid)  # another key that claims the known key id
    genuine = ActorTokenSigner(dev, clock).token(CITIZEN)
    head, body, sig = genuine.split(".")
    promoted = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    promoted["actor"]["role"] = "super_admin"
    public_pem = dev.public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    unsigned = jwt.encode(_claims(ADMIN, clock), None, algorithm="none", headers={"kid": dev.kid})
    return {
        # What every service believed until now: the actor as plain JSON.
        "plain JSON actor": {ACTOR_HEADER: json.dumps(ADMIN.model_dump(mode="json"))},
        "signed with another key": ActorTokenSigner(stranger, clock).header(ADMIN),
        "signed with an unknown key id": ActorTokenSigner(new_signing_key("k-unknown"), clock).header(ADMIN),
        "alg none": {ACTOR_HEADER: unsigned},
        # The classic confusion: an HMAC whose key is the verifier's public key, which anyone has.
        "HMAC keyed with the public key": {ACTOR_HEADER: _hs256(_claims(ADMIN, clock), public_pem, dev.kid)},
        "a genuine signature over an edited actor": {
            ACTOR_HEADER: f"{head}.{_b64(json.dumps(promoted).encode())}.{sig}"
        },
        "another audience": _signed({**_claims(ADMIN, clock), "aud": "someone-else"}),
        "no expiry": _signed({k: v for k, v in _claims(ADMIN, clock).items() if k != "exp"}),
        "subject is not the actor": _signed({**_claims(ADMIN, clock), "sub": "acc-other"}),
        "garbage": {ACTOR_HEADER: "not.a.token"},
        "huge": {ACTOR_HEADER: "a" * 9000},
    }


@pytest.mark.parametrize("name", list(_forgeries(FixedClock(T0))))
async def test_a_forged_actor_header_gets_401(name: str) -> None:
    clock = FixedClock(T0)
    app = service(dev_keys(), clock)
    assert_refused(await whoami(app, _forgeries(clock)[name]))


async def test_an_expired_token_gets_401_once_the_clock_passes_its_expiry() -> None:
    clock = FixedClock(T0)
    app = service(dev_keys(), clock)
    header = ActorTokenSigner(development_key(), clock, ttl_s=300).header(CITIZEN)
    assert (await whoami(app, header)).status_code == 200  # verified once, then remembered
    clock.advance(timedelta(seconds=299))
    assert (await whoami(app, header)).status_code == 200
    clock.advance(timedelta(seconds=1))
    assert_refused(await whoami(app, header))  # remembered, and still refused once expired

    # One never seen before, already expired: refused without being remembered first.
    stale = ActorTokenSigner(development_key(), FixedClock(T0 - timedelta(hours=1)), ttl_s=300).header(ADMIN)
    assert_refused(await whoami(app, stale))


def _jwks(*keys: SigningKey) -> str:
    return json.dumps({"keys": [public_jwk(k.public, k.kid) for k in keys]})


async def test_rotation_accepts_the_old_kid_while_listed_and_refuses_it_once_removed() -> None:
    clock = FixedClock(T0)
    old, new = new_signing_key("2026-04"), new_signing_key("2026-05")
    during = ServiceSettings(GONGNON_ACTOR_PUBLIC_KEYS=_jwks(old, new))
    after = ServiceSettings(GONGNON_ACTOR_PUBLIC_KEYS=_jwks(new))
    by_old = ActorTokenSigner(old, clock).header(CITIZEN)
    by_new = ActorTokenSigner(new, clock).header(CITIZEN)

    both = service(public_keys_for(during), clock)
    assert (await whoami(both, by_old)).status_code == 200
    assert (await whoami(both, by_new)).status_code == 200

    only_new = service(public_keys_for(after), clock)
    assert_refused(await whoami(only_new, by_old))
    assert (await whoami(only_new, by_new)).status_code == 200


async def test_only_the_gateway_relay_may_send_actors_in_a_body() -> None:
    clock = FixedClock(T0)
    app = service(dev_keys(), clock)
    signer = ActorTokenSigner(development_key(), clock)
    async with client(app) as c:
        assert (await c.post("/batch", headers=signer.header(RELAY))).json() == {"relayed": True}
        r = await c.post("/batch", headers=signer.header(ADMIN))
        assert (r.status_code, r.json()["error"]["code"]) == (403, "relay_only")
        r = await c.post("/batch", headers={ACTOR_HEADER: json.dumps(RELAY.model_dump(mode="json"))})
        assert_refused(r)
        assert (await c.post("/batch")).status_code == 401


def test_the_gateway_reuses_an_actors_token_for_half_its_lifetime() -> None:
    clock = FixedClock(T0)
    signer = ActorTokenSigner(development_key(), clock, ttl_s=300)
    first = signer.token(CITIZEN)
    clock.advance(timedelta(seconds=149))
    assert signer.token(CITIZEN) == first
    assert signer.token(CITIZEN.model_copy(update={"display_name": "다른 이름"})) != first  # another actor
    clock.advance(timedelta(seconds=1))
    fresh = signer.token(CITIZEN)
    assert fresh != first
    assert jwt.decode(fresh, options={"verify_signature": False})["iat"] == int(clock.now().timestamp())


def test_a_service_verifies_a_token_once_and_remembers_a_bounded_number(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FixedClock(T0)
    signer = ActorTokenSigner(development_key(), clock)
    verifier = ActorTokenVerifier(dev_keys(), clock, max_cached=3)
    calls = 0
    real_decode = actor_tokens.jwt.decode

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(actor_tokens.jwt, "decode", counting)
    token = signer.token(CITIZEN)
    assert [verifier.verify(token) for _ in range(5)] == [CITIZEN] * 5
    assert calls == 1
    actors = [Actor(account_id=f"acc-{i}", role=ActorRole.CITIZEN) for i in range(5)]
    for a in actors:
        assert verifier.verify(signer.token(a)) == a
    assert calls == 6
    assert verifier.verify(token) == CITIZEN  # forgotten (only three are kept): verified again
    assert calls == 7


def test_keys_are_read_as_jwk_or_pem() -> None:
    key = new_signing_key()
    private_pem = key.private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = key.public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    other = new_signing_key("other")
    other_pem = other.public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    # A PEM's kid is its RFC 7638 thumbprint on both sides; an env file may hold it on one line.
    from_pem = load_signing_key(private_pem.replace("\n", "\\n"))
    assert from_pem.kid == thumbprint(key.public) == key.kid
    assert set(load_public_keys(public_pem + other_pem)) == {key.kid, thumbprint(other.public)}
    from_jwk = load_signing_key(json.dumps(key.private_jwk()))
    assert (from_jwk.kid, from_jwk.public.public_bytes_raw()) == (key.kid, key.public.public_bytes_raw())
    assert set(load_public_keys(json.dumps(public_jwk(other.public, "k1")))) == {"k1"}
    assert set(load_public_keys(json.dumps([public_jwk(other.public, "k1"), public_jwk(key.public, "k2")]))) == {
        "k1",
        "k2",
    }
    for bad in ["", "{}", '{"keys": []}', "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "[1]"]:
        with pytest.raises(ConfigurationError):
            load_public_keys(bad)
    with pytest.raises(ConfigurationError):
        load_signing_key(json.dumps(public_jwk(key.public, "k")))  # no private part


def test_without_keys_a_service_refuses_to_start_outside_development_and_test_mode() -> None:
    with pytest.raises(ConfigurationError, match="GONGNON_ACTOR_PUBLIC_KEYS"):
        public_keys_for(ServiceSettings())
    dev = development_key()
    listed_dev = _jwks(dev)
    with pytest.raises(ConfigurationError, match="development key"):
        public_keys_for(ServiceSettings(GONGNON_ACTOR_PUBLIC_KEYS=listed_dev))
    for mode in ({"GONGNON_DEV_MODE": True}, {"GONGNON_TEST_MODE": True}):
        assert set(public_keys_for(ServiceSettings(**mode))) == {dev.kid}
    real = new_signing_key("2026-05")
    assert set(public_keys_for(ServiceSettings(GONGNON_ACTOR_PUBLIC_KEYS=_jwks(real)))) == {"2026-05"}


async def test_actor_header_of_a_test_is_signed_with_the_development_key() -> None:
    clock = FixedClock(T0 + timedelta(days=400))  # tests move their clocks by months
    assert (await whoami(service(dev_keys(), clock), CITIZEN.header())).json()["account_id"] == "acc-1"
    assert_refused(await whoami(service({"k": new_signing_key("k").public}, clock), CITIZEN.header()))
