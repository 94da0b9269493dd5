"""Everything a request handler may need, built once in bootstrap and kept on app.state."""

from __future__ import annotations

from dataclasses import dataclass

from gongnon_chassis.runtime import Runtime
from gongnon_gateway.core.accounts import Accounts
from gongnon_gateway.core.config import GatewaySettings
from gongnon_gateway.core.identity import IdentityProvider
from gongnon_gateway.core.revocations import SessionRevocations
from gongnon_gateway.core.security import TokenSigner
from gongnon_gateway.support_relay import SupportRelay
from gongnon_gateway.upstream import Upstream


@dataclass
class GatewayContext:
    settings: GatewaySettings
    runtime: Runtime
    tokens: TokenSigner
    accounts: Accounts
    upstream: Upstream
    supports: SupportRelay
    identity: IdentityProvider | None = None  # resolves people in offline ballot imports
    sessions: SessionRevocations | None = None  # revoked session tokens (logout, an operator's action)
