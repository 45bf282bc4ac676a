"""JSON bodies with a repeated key are refused, not read as their last value.

`{"type": "objection", "type": "consent_given"}` is valid JSON to Python's parser,
which keeps the last value: a client (or a proxy that rewrote the body) would get
a receipt for a choice other than the one a reader of its body sees first. RFC 8259
leaves such objects' meaning to the reader; this service reads them as an error
(400). The check runs inside the parse FastAPI does anyway, so it costs no second
pass over the body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

DUPLICATE = "duplicate key"


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _Duplicate(k)
            seen.add(k)
    return out


def loads(body: bytes | str) -> Any:
    """`json.loads`, but a repeated key in any object is a `json.JSONDecodeError`."""
    try:
        return json.loads(body, object_pairs_hook=_no_duplicates)
    except _Duplicate as dup:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        raise json.JSONDecodeError(f"{DUPLICATE} {dup.key!r}", text, 0) from None


class _StrictRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    """A route whose JSON body is parsed with `loads`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(_StrictRequest(request.scope, request.receive))

        return strict
