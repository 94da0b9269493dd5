"""A person's own notification settings and delivery record (only their own: the account is the
caller's, never a parameter)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from gongnon_chassis.clock import Clock
from notify_svc.adapters.contacts import ContactRepository, PreferenceRepository
from notify_svc.adapters.outgoing import OutgoingRepository


@dataclass
class PreferenceService:
    preferences: PreferenceRepository
    contacts: ContactRepository
    outgoing: OutgoingRepository
    clock: Clock

    async def view(self, account_id: str) -> dict[str, Any]:
        prefs = await self.preferences.get(account_id)
        contact = await self.contacts.get(account_id)
        return {**asdict(prefs), "email_address": contact.email if contact else None}

    async def change(self, account_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        updated = (await self.preferences.get(account_id)).changed(changes)
        await self.preferences.save(account_id, updated, self.clock.now())
        return await self.view(account_id)

    async def deliveries(self, account_id: str, limit: int) -> list[dict[str, Any]]:
        return [
            {
                "id": d["_id"],
                "channel": d["channel"],
                "kind": d["kind"],
                "item_id": d["item_id"],
                "title": d.get("title", ""),
                "status": d.get("status", "pending"),
                "attempts": int(d.get("attempts") or 0),
                "last_error": d.get("last_error"),
                "delivered_at": d.get("delivered_at"),
                "digest": d.get("mode") == "digest",
                "at": d["at"],
            }
            for d in await self.outgoing.of_account(account_id, limit)
        ]
