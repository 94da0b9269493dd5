"""Gongnon's shared event contracts: the envelope, topics, event models and AsyncAPI."""

from gongnon_contracts.envelope import Envelope, EventData, new_id
from gongnon_contracts.topics import Topic

__all__ = ["Envelope", "EventData", "Topic", "new_id"]
