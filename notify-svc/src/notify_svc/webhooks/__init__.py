"""Webhooks for partner agencies: subscriptions, signed deliveries (Standard Webhooks), retries
with backoff, dead letters, replays, and the per-subscription delivery lanes."""
