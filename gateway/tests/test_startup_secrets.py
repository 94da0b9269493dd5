"""Outside development and test mode the gateway does not start on a default or missing secret,
without its actor signing key, or with the development identity provider (issue 12). The checks
run when the app is built, before any connection: no infrastructure needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

from gongnon_chassis.actor_tokens import development_key, new_signing_key
from gongnon_chassis.settings import ConfigurationError
from gongnon_gateway.bootstrap import build_app
from gongnon_gateway.core.config import GatewaySettings
from gongnon_gateway.core.identity import IdentityClaim, VerifiedIdentity

STRONG = "k8Yd0wq3mZr7Lx1vN5pT2bH6cJ9sF4gE-strong-enough"
KEY = json.dumps(new_signing_key("2026-05").private_jwk())
ADAPTER = "gongnon_test_pass_adapter:make"


class PassAdapter:
    """Stands for a real 본인인증 adapter plugged in by configuration."""

    name = "pass"

    async def verify(self, claim: IdentityClaim) -> VerifiedIdentity:
        return VerifiedIdentity(citizen_key="ci-of-" + claim.name, provider=self.name, birth_date=claim.birth_date)


@pytest.fixture(autouse=True)
def adapter_module() -> Iterator[None]:
    module = types.ModuleType("gongnon_test_pass_adapter")
    module.make = lambda settings: PassAdapter()  # type: ignore[attr-defined]
    module.broken = lambda settings: object()  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield
    del sys.modules[module.__name__]


def production(**env: Any) -> GatewaySettings:
    """Settings as a production gateway reads them: neither development nor test mode."""
    values = {
        "GONGNON_DEV_MODE": False,
        "GONGNON_TEST_MODE": False,
        "GATEWAY_SECRET": STRONG,
        "GATEWAY_ACTOR_SIGNING_KEY": KEY,
        "GONGNON_IDENTITY_PROVIDER": ADAPTER,
        **env,
    }
    return GatewaySettings(**values)


def test_a_production_gateway_with_real_keys_and_a_real_provider_is_built() -> None:
    app = build_app(production())
    assert app.state.gateway.identity.name == "pass"


@pytest.mark.parametrize(
    "secret", ["", "change-me", "dev-secret-change-me-in-production", "gongnon-dev-gateway-secret", "short-secret"]
)
def test_a_default_or_missing_session_secret_stops_the_start(secret: str) -> None:
    with pytest.raises(ConfigurationError, match="GATEWAY_SECRET"):
        build_app(production(GATEWAY_SECRET=secret))


def test_a_weak_previous_secret_stops_the_start() -> None:
    with pytest.raises(ConfigurationError, match="GATEWAY_PREVIOUS_SECRETS"):
        build_app(production(GATEWAY_PREVIOUS_SECRETS=f"{STRONG}-old,change-me"))


@pytest.mark.parametrize("key", ["", json.dumps(development_key().private_jwk()), "not a key"])
def test_a_missing_development_or_unreadable_actor_key_stops_the_start(key: str) -> None:
    with pytest.raises(ConfigurationError, match="key"):
        build_app(production(GATEWAY_ACTOR_SIGNING_KEY=key))


def test_the_development_identity_provider_stops_a_production_start() -> None:
    with pytest.raises(ConfigurationError, match="GONGNON_IDENTITY_PROVIDER=dev"):
        build_app(production(GONGNON_IDENTITY_PROVIDER="dev"))


@pytest.mark.parametrize("spec", ["nowhere.to.be.found:make", "gongnon_test_pass_adapter:broken", "no-colon"])
def test_an_identity_provider_that_cannot_be_built_stops_the_start(spec: str) -> None:
    with pytest.raises(ConfigurationError, match=r"GONGNON_IDENTITY_PROVIDER|identity provider"):
        build_app(production(GONGNON_IDENTITY_PROVIDER=spec))


@pytest.mark.parametrize("mode", ["GONGNON_DEV_MODE", "GONGNON_TEST_MODE"])
def test_development_and_test_mode_start_with_the_development_stand_ins(mode: str) -> None:
    settings = GatewaySettings(**{mode: True})
    app = build_app(settings)
    assert app.state.gateway.identity.name == "dev"


def test_the_process_exits_with_the_reason_instead_of_serving() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "GONGNON_"))}
    env.update({"GATEWAY_SECRET": "change-me", "PORT": "1"})
    done = subprocess.run(
        [sys.executable, "-m", "gongnon_gateway"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "gateway refuses to start: GATEWAY_SECRET is a default or too short" in done.stderr
