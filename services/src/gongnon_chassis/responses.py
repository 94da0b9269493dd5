"""Replies written directly, for hot routes: FastAPI's encoding and validation of a returned dict
costs more than the few fields it carries."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


def json_response(body: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json")
