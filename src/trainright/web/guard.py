"""The outer layer every request passes: per-client rate limit, body size, headers.

Pure ASGI, so it costs little on the hot path. Bodies larger than the limit are
refused before the application reads them: by Content-Length when it is given,
by counting when the body is chunked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trainright.web.ratelimit import RateLimiter
from trainright.web.service import Refusal

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    (b"cache-control", b"no-store"),
]


class Guard:
    """Rate-limit clients, cap body sizes and add security headers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        max_body: int,
        refuse: Callable[[HTTPConnection, Refusal], Response],
        uploads: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.max_body = max_body
        self.refuse = refuse
        #: paths that take photos, with their own (larger) body limit
        self.uploads = dict(uploads or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        client = scope.get("client")
        wait = self.limiter.check(client[0] if client else None)
        if wait:
            r = Refusal(429, "rate_limited", "too many requests from this client", int(wait) + 1)
            await self.refuse(conn, r)(scope, receive, send)
            return
        length = conn.headers.get("content-length")
        max_body = self.uploads.get(scope["path"], self.max_body)
        too_large = Refusal(413, "too_large", f"the request body exceeds {max_body} bytes")
        if length is not None and (not length.isdigit() or int(length) > max_body):
            await self.refuse(conn, too_large)(scope, receive, send)
            return
        if length is None and scope["method"] in ("POST", "PUT", "PATCH"):
            buffered = await self._buffer(receive, max_body)
            if buffered is None:
                await self.refuse(conn, too_large)(scope, receive, send)
                return
            receive = _replay(buffered)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _buffer(self, receive: Receive, max_body: int) -> list[Message] | None:
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > max_body:
                return None
            if message["type"] != "http.request" or not message.get("more_body"):
                return messages


def _replay(messages: list[Message]) -> Receive:
    queue = list(messages)

    async def receive() -> Message:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    return receive
