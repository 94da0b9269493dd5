"""What an agency's closing (`agency.closed`) ends in the gateway (docs/federation.md).

In the closing's own transaction (AgencyRegistry.closing_steps): every API key of the agency is
revoked, so its next request gets 401 `api_key_revoked` (the keys and their usage stay listed).
Then this process's consumer of `agency.closed` (group `gateway.agencies`, one inbox marker per
event) does what cannot join a MongoDB transaction: it revokes the agency's Kafka SCRAM user and
ACLs, and revokes the keys again (nothing left to revoke; the cached records are written again, in
case a crash lost the first write). Both steps are idempotent: deleting a Kafka user that is not
there is no error. A failure is retried (the offset is committed only after it)."""

from __future__ import annotations

import logging

from gongnon_chassis.runtime import Runtime
from gongnon_chassis.store import Tx
from gongnon_contracts import Envelope
from gongnon_contracts.events import AgencyClosed
from gongnon_gateway.core.agency_registry import AgencyRegistry
from gongnon_gateway.core.api_key_store import ApiKeyStore
from gongnon_gateway.core.kafka_access import KafkaAccess

log = logging.getLogger(__name__)

CLOSED_BY = "agency.closed"


def wire_agency_closure(rt: Runtime, registry: AgencyRegistry, keys: ApiKeyStore, kafka: KafkaAccess) -> None:
    async def revoke_keys(tx: Tx, agency: str, by: str) -> None:
        revoked = await keys.revoke_agency(tx, agency, f"{CLOSED_BY}:{by}")
        if revoked:
            log.info("agency %s closed: %d API keys revoked", agency, len(revoked))

    registry.closing_steps.append(revoke_keys)
    consumer = rt.consumer("agencies")

    @consumer.on(AgencyClosed)
    async def on_closed(ev: AgencyClosed, env: Envelope, tx: Tx) -> None:
        await keys.revoke_agency(tx, ev.agency_id, CLOSED_BY)
        if kafka.configured:
            removed = await kafka.revoke(ev.agency_id)
            log.info("agency %s closed: Kafka user and ACLs revoked (anything there: %s)", ev.agency_id, removed)
