"""Rate and size limits, and the access log line of every request.

The rate limit is a token bucket per caller (client id once authenticated, the
remote address before): ``per_minute`` requests with bursts up to the same
number. It lives in process memory, so with several workers each enforces its
own share. The body limit refuses a declared ``Content-Length`` above the
maximum at once and stops a chunked body as soon as it exceeds it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sohoa.errors import SohoaError, TooLargeError
from sohoa.logs import get_logger

log = get_logger("api.access")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RateLimitedError(SohoaError):
    http_status = 429
    code = "rate_limited"


class RequestTooLargeError(TooLargeError):
    """An HTTP body above ``settings.api_max_upload_bytes``: 413, not the CLI's 422."""

    http_status = 413
    code = "request_too_large"


class RateLimiter:
    """Token buckets keyed by caller; ``hit`` raises RateLimitedError when one is empty."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                raise RateLimitedError(
                    "Quá nhiều yêu cầu; hãy thử lại sau ít giây", "too many requests; retry in a few seconds"
                )
            self._buckets[key] = (tokens - 1.0, now)


def _too_large(limit: int) -> RequestTooLargeError:
    return RequestTooLargeError(
        f"Yêu cầu vượt quá {limit} byte", f"request body exceeds {limit} bytes", detail=f"limit={limit}"
    )


async def _send_error(send: Send, error: SohoaError) -> None:
    body = json.dumps(error.to_json(), ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": error.http_status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Refuse request bodies above ``limit`` bytes with 413 and the bilingual error JSON."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _send_error(send, _too_large(self.limit))
            return
        await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the body through while counting; past the limit, whatever the app answers becomes 413."""
        seen, exceeded, answered = 0, False, False

        async def counted() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                exceeded = True
                raise _too_large(self.limit)
            return message

        async def guarded(message: Message) -> None:
            nonlocal answered
            if not exceeded:
                await send(message)
            elif message["type"] == "http.response.start" and not answered:
                await _send_error(send, _too_large(self.limit))
            answered = answered or message["type"] == "http.response.start"

        try:
            await self.app(scope, counted, guarded)
        except RequestTooLargeError:
            if not answered:
                await _send_error(send, _too_large(self.limit))


class AccessLogMiddleware:
    """One JSON log line per request: method, route template (never the raw path), status, ms."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            route = scope.get("route")
            log.info(
                "request",
                method=scope["method"],
                route=getattr(route, "path", "?"),
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 2),
                client=scope.get("state", {}).get("client_id"),
            )
