"""The shared chassis every Gongnon service is built on: settings, Kafka, MongoDB with a
transactional outbox, Redis, idempotent consumers, telemetry, health. No business logic."""
