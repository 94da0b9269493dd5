"""The AsyncAPI 3.0 document, generated from the registered event models so it cannot drift."""

from __future__ import annotations

from typing import Any

from gongnon_contracts.envelope import Envelope
from gongnon_contracts.registry import all_events


def _rewrite_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        return {
            k: (v.replace("#/$defs/", prefix) if k == "$ref" and isinstance(v, str) else _rewrite_refs(v, prefix))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(v, prefix) for v in node]
    return node


def build_asyncapi(public_only: bool = False, server: str = "127.0.0.1:9092") -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    env_schema = Envelope.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["Envelope"] = env_schema
    for cls in all_events():
        if public_only and not cls.PUBLIC:
            continue
        name = cls.__name__
        schema = cls.model_json_schema(ref_template="#/components/schemas/{model}")
        for dname, dschema in schema.pop("$defs", {}).items():
            schemas[dname] = dschema
        schemas[name] = schema
        messages[name] = {
            "name": cls.TYPE,
            "title": name,
            "summary": cls.SUMMARY,
            "contentType": "application/json",
            "headers": {"type": "object", "properties": {"type": {"const": cls.TYPE}}},
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/Envelope"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": cls.TYPE},
                            "version": {"const": cls.VERSION},
                            "data": {"$ref": f"#/components/schemas/{name}"},
                        },
                    },
                ]
            },
            "x-public": cls.PUBLIC,
        }
        channel = channels.setdefault(
            cls.TOPIC.replace(".", "_"),
            {"address": cls.TOPIC, "messages": {}, "description": "Keyed by the item id (subject)"},
        )
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    for cname, ch in channels.items():
        operations[f"receive_{cname}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{cname}"},
            "messages": [{"$ref": f"#/channels/{cname}/messages/{m}"} for m in ch["messages"]],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Gongnon events",
            "version": "1.0.0",
            "description": "Events of the Gongnon civic platform. Every message is an Envelope keyed "
            "by its subject (the item id). These are the platform's internal events; a separate public "
            "stream for partner agencies (webhooks, feed, Kafka credentials) is not built yet.",
        },
        "defaultContentType": "application/json",
        "servers": {"kafka": {"host": server, "protocol": "kafka"}},
        "channels": channels,
        "operations": operations,
        "components": {"schemas": _rewrite_refs(schemas, "#/components/schemas/"), "messages": messages},
    }
