"""Accounts, as far as notify-svc must know them to reach people: the gateway announces each
account once on `gongnon.accounts`, keyed by the account id. Private: it carries the e-mail."""

from __future__ import annotations

from datetime import datetime

from gongnon_contracts.envelope import EventData
from gongnon_contracts.events.common import ActorRole
from gongnon_contracts.registry import register
from gongnon_contracts.topics import Topic


@register
class AccountCreated(EventData):
    TYPE = "account.created"
    TOPIC = Topic.ACCOUNTS.value
    PUBLIC = False
    SUMMARY = "An account exists: where to reach it (e-mail) and what it does (role, agency, department)"
    account_id: str
    email: str
    display_name: str
    role: ActorRole
    agency: str
    department_id: str | None
    created_at: datetime

    def subject(self) -> str:
        return self.account_id
