"""Importing offline ballots: a batch of votes collected at offices, through the same path as an
online vote — Redis claim (pending) → `vote.cast` on Kafka with channel "offline" → claim confirmed
and counted live — only batched: one Redis round trip and one Kafka flush per CHUNK lines.

Idempotent: the import id is the hash of the file; a completed import's report is stored and
returned again for the same file, and an import interrupted half-way (Kafka or Redis down, process
killed) can simply be uploaded again: its lines carry the same vote ids, so lines already claimed by
this file are resumed and the ledger, keyed by item and citizen, records each citizen once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from redis.exceptions import RedisError

from gongnon_chassis.actor import Actor
from gongnon_chassis.clock import Clock
from gongnon_chassis.errors import Conflict, Forbidden, NotFound, Unavailable
from gongnon_chassis.grouping import in_pieces
from gongnon_chassis.kafka import Producer, Record
from gongnon_contracts import Envelope, new_id
from gongnon_contracts.events import VoteCast
from gongnon_contracts.events.common import ActorRole
from voting_svc.adapters.dedupe import Claim, RedisVotes, StateLost
from voting_svc.adapters.imports import ImportReports
from voting_svc.adapters.locks import OwnedLocks
from voting_svc.domain.ballot import Ballot
from voting_svc.domain.offline import (
    ImportReport,
    OfflineLine,
    OfflineVote,
    Reject,
    RejectReason,
    plan_import,
)
from voting_svc.service_layer.casting import PENDING_CLAIM_TTL_S, VOTES, Casting, VoteGate

log = logging.getLogger(__name__)

CHANNEL = "offline"
CHUNK = 2000
LOCK_TTL_S = 120  # extended after every chunk; a crashed importer blocks the same file this long at most
PENDING_RETRY_PAUSE_S = 1.0


@dataclass(frozen=True)
class ImportOutcome:
    report: ImportReport
    created: bool  # False: the same file was imported before and this is its first report


class OfflineImporter:
    def __init__(
        self,
        casting: Casting,
        votes: RedisVotes,
        locks: OwnedLocks,
        reports: ImportReports,
        producer: Producer,
        clock: Clock,
        gate: VoteGate,
        source: str,
    ) -> None:
        self.casting = casting
        self.votes = votes
        self.locks = locks
        self.reports = reports
        self.producer = producer
        self.clock = clock
        self.gate = gate
        self.source = source

    async def report(self, item_id: str, import_id: str, actor: Actor) -> ImportReport:
        """The report of a completed import (404 `import_not_found` otherwise)."""
        actor.require(ActorRole.OPERATOR)
        ballot = await self.casting.ballot(item_id)
        _check_agency(ballot, actor)
        report = await self.reports.get(item_id, import_id)
        if report is None:
            raise NotFound("no completed import with this id on this item", code="import_not_found")
        return report

    async def run(
        self,
        item_id: str,
        actor: Actor,
        import_id: str,
        lines: Sequence[OfflineLine],
        rejected: Sequence[Reject],
        source_name: str = "",
    ) -> ImportOutcome:
        actor.require(ActorRole.OPERATOR)
        ballot = await self.casting.ballot(item_id)
        _check_agency(ballot, actor)
        done = await self.reports.get(item_id, import_id)
        if done is not None:
            return ImportOutcome(done, created=False)
        plan = plan_import(ballot, import_id, lines, rejected)
        now = self.clock.now()
        ballot.check_open(now)
        if not self.gate.is_open:
            raise Unavailable(
                "votes are paused while the vote register is restored; retry shortly", code="votes_recovering"
            )

        owner = new_id("imp_")
        try:
            locked = await self.locks.take(self.votes.keys.import_lock(item_id, import_id), owner, LOCK_TTL_S)
        except RedisError as exc:
            raise Unavailable("the vote register is unreachable; retry shortly", code="votes_recovering") from exc
        if not locked:
            raise Conflict("this file is being imported right now", code="import_in_progress")
        try:
            # A concurrent upload of the same file may have completed just before we took the lock.
            done = await self.reports.get(item_id, import_id)
            if done is not None:
                return ImportOutcome(done, created=False)
            rejects = list(plan.rejects)
            accepted = 0
            pending: list[OfflineVote] = []
            for part in in_pieces(plan.votes, CHUNK):
                n, refused, busy = await self._import_chunk(ballot, actor, part)
                accepted += n
                rejects += refused
                pending += busy
                await self.locks.extend(self.votes.keys.import_lock(item_id, import_id), owner, LOCK_TTL_S)
            # Online votes of these citizens were in flight: they usually land; look once more.
            if pending:
                await asyncio.sleep(PENDING_RETRY_PAUSE_S)
                n, refused, busy = await self._import_chunk(ballot, actor, pending)
                accepted += n
                rejects += refused
                rejects += [
                    Reject(v.line, RejectReason.ALREADY_VOTED, "an online vote of this citizen was being recorded")
                    for v in busy
                ]
            report = ImportReport(
                import_id=import_id,
                item_id=item_id,
                kind=ballot.kind.value,
                source_name=source_name,
                lines=len(lines) + len(rejected),
                accepted=accepted,
                rejects=tuple(sorted(rejects, key=lambda r: r.line)),
                imported_at=now,
                imported_by=actor.account_id,
            )
            await self.reports.save(report)
        finally:
            try:
                await self.locks.give_back(self.votes.keys.import_lock(item_id, import_id), owner)
            except RedisError:
                log.warning("import lock of %s on %s not released; it expires", import_id, item_id)
        log.info(
            "offline import %s on %s: %d accepted, %d rejected", import_id, item_id, report.accepted, report.rejected
        )
        return ImportOutcome(report, created=True)

    async def _import_chunk(
        self, ballot: Ballot, actor: Actor, part: Sequence[OfflineVote]
    ) -> tuple[int, list[Reject], list[OfflineVote]]:
        """(votes counted, lines refused, lines waiting on an online vote in flight)."""
        item_id = ballot.item_id
        try:
            outcome = await self.votes.claim_many(
                [(item_id, v.citizen_key, v.vote_id) for v in part], PENDING_CLAIM_TTL_S
            )
        except StateLost as exc:
            self.gate.close()  # the guard restores the register and reopens
            raise Unavailable(
                "votes are paused while the vote register is restored; upload the same file again shortly",
                code="votes_recovering",
            ) from exc
        except RedisError as exc:
            self.gate.close()
            raise Unavailable(
                "the vote register is unreachable; upload the same file again shortly", code="votes_recovering"
            ) from exc
        take: list[OfflineVote] = []
        refused: list[Reject] = []
        busy: list[OfflineVote] = []
        for v, o in zip(part, outcome, strict=True):
            if o in (Claim.CLAIMED, Claim.RESUMED):
                take.append(v)
            elif o is Claim.DUPLICATE:
                refused.append(Reject(v.line, RejectReason.ALREADY_VOTED))
            else:
                busy.append(v)
        if not take:
            return 0, refused, busy
        now = self.clock.now()
        records: list[Record] = []
        for v in take:
            event = VoteCast(
                vote_id=v.vote_id,
                item_id=item_id,
                kind=ballot.kind.value,
                citizen_key=v.citizen_key,
                account_id=actor.account_id,  # the operator who entered the paper ballot
                choices=list(v.choices),
                cast_at=now,
                channel=CHANNEL,
            )
            env = Envelope.wrap(event, source=self.source, agency=ballot.agency, time=now, event_id=v.event_id)
            records.append((VoteCast.TOPIC, item_id, env.model_dump(mode="json"), {}))
        try:
            await self.producer.send_many(records)
        except Exception as exc:
            # Some of these may be durable. The claims stay pending and expire; uploading the same
            # file again resumes these lines with the same ids, and the ledger keeps one per citizen.
            log.warning("offline votes on %s not acknowledged by Kafka", item_id, exc_info=True)
            VOTES.labels(ballot.kind.value, "unavailable").inc(len(take))
            raise Unavailable(
                "the import was interrupted (the vote log is unavailable); upload the same file again shortly",
                code="import_interrupted",
            ) from exc
        try:
            await self.votes.confirm_many([(item_id, v.citizen_key, v.vote_id, v.choices) for v in take])
        except RedisError as exc:
            raise Unavailable(
                "the import was interrupted (the vote register is unreachable); upload the same file again shortly",
                code="import_interrupted",
            ) from exc
        VOTES.labels(ballot.kind.value, "accepted").inc(len(take))
        return len(take), refused, busy


def _check_agency(ballot: Ballot, actor: Actor) -> None:
    # Agency isolation: an operator imports only into their own agency's items.
    if ballot.agency != actor.agency and actor.role != ActorRole.SUPER_ADMIN:
        raise Forbidden("this item belongs to another agency", code="other_agency")
