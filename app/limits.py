"""What any client can cost, bounded at the edge: body sizes, request rates, and safe headers.

Pure ASGI middlewares, so a body is refused (413) while it streams in, before it is read whole,
and a burst of anonymous requests gets 429 before any work is done. Staff calls carrying a valid
API key are not rate-limited. Limits are settings (`RAG_MAX_REQUEST_BYTES`, `RAG_RATE_LIMIT_*`).
"""

from __future__ import annotations

import hmac
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Gradio's own routes accept files (its upload route); the chat has no file input, so they take none.
UPLOAD_PATHS = ("/gradio_api/upload", "/upload")
UPLOAD_LIMIT = 1024
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        # Gradio's page runs inline scripts and styles and talks to its own server only.
        b"default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob:; connect-src 'self'; "
        b"frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
]


async def _json_error(send: Send, status: int, detail: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """nosniff, a referrer policy, no framing and a CSP the chat works under, on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(h for h in SECURITY_HEADERS if h[0] not in present),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyLimit:
    """413 for a body over its route's limit: from Content-Length at once, else as it streams in."""

    def __init__(self, app: ASGIApp, request_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.request_bytes = request_bytes
        self.upload_bytes = upload_bytes

    def limit(self, path: str) -> int:
        if path.startswith("/api/documents"):
            return self.upload_bytes + 64 * 1024  # the file and its multipart envelope
        if path.endswith(UPLOAD_PATHS):
            return UPLOAD_LIMIT
        return self.request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        declared = dict(scope.get("headers", [])).get(b"content-length")
        too_large = f"corps de requête trop volumineux (maximum {limit} octets pour cette route)"
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _json_error(send, 413, too_large)
            return
        received = 0
        started = refused = False

        async def counted() -> Message:
            """The body as it comes; past the limit, answer 413 at once and tell the app the client left."""
            nonlocal received, refused
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                if not started and not refused:
                    refused = True
                    await _json_error(send, 413, too_large)
                return {"type": "http.disconnect"}
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if refused:  # the 413 is the answer; what the app sends after it is dropped
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, tracked)


MAX_CLIENTS = 100_000  # buckets kept; the least recently seen client is forgotten first
WRONG_KEYS_PER_MINUTE = 10  # requests with a wrong X-API-Key, per client…
WRONG_KEYS_BURST = 5  # …of which this many at once


def key_accepted(given: str | None, keys: frozenset[str]) -> bool:
    """Whether `given` is one of `keys`, compared in constant time against every key (how long a
    wrong key takes says nothing about the right ones)."""
    candidate = (given or "").encode()
    found = False
    for key in keys:
        found |= hmac.compare_digest(candidate, key.encode())
    return found


def client_address(scope: Scope, trusted: frozenset[str]) -> str:
    """The address a request comes from: its peer, unless the peer is a configured proxy
    (`RAG_TRUSTED_PROXIES`), then the last address of X-Forwarded-For that is not one. Anyone can
    write that header: believed from anyone, a client would pick a new address per request."""
    peer = str((scope.get("client") or ("?", 0))[0])
    if peer not in trusted:
        return peer
    forwarded = dict(scope.get("headers", [])).get(b"x-forwarded-for", b"").decode("latin-1")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return next((hop for hop in reversed(hops) if hop not in trusted), peer)


class Buckets:
    """A token bucket per client: `per_minute` tokens a minute, at most `burst` at once; at most
    `MAX_CLIENTS` buckets, the least recently seen client forgotten first (constant cost per request,
    whatever the number of addresses)."""

    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(burst, 1))
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client → (tokens, last refill)
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 if a token was taken, else the seconds until one is available."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.burst, now))  # re-inserted last: most recent
            if len(self._buckets) >= MAX_CLIENTS:
                self._buckets.popitem(last=False)
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate


class RateLimit:
    """Token buckets per client address. On the anonymous routes that cost work: `per_minute`
    requests a minute, bursts of `burst`; requests with a valid API key are not counted. On every
    route, a request carrying a wrong API key spends a token of `WRONG_KEYS_PER_MINUTE`: guessing
    keys went at 700 a second, it now gets 429 after `WRONG_KEYS_BURST` tries."""

    def __init__(
        self,
        app: ASGIApp,
        per_minute: int,
        burst: int,
        paths: tuple[str, ...],
        keys: frozenset[str],
        trusted: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.paths = paths
        self.keys = keys
        self.trusted = trusted
        self._questions = Buckets(per_minute, burst) if per_minute > 0 else None
        self._wrong_keys = Buckets(WRONG_KEYS_PER_MINUTE, WRONG_KEYS_BURST)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (refused := self._refused(scope)):
            bucket, wait = refused
            detail = f"{bucket} : réessayez dans {math.ceil(wait)} s"
            await _json_error(send, 429, detail, ((b"retry-after", str(math.ceil(wait)).encode()),))
            return
        await self.app(scope, receive, send)

    def _refused(self, scope: Scope) -> tuple[str, float] | None:
        """What refuses this request (and for how long), or None."""
        given = dict(scope.get("headers", [])).get(b"x-api-key")
        valid = given is not None and key_accepted(given.decode("latin-1"), self.keys)
        if given is not None and not valid:
            if wait := self._wrong_keys.take(client_address(scope, self.trusted)):
                return "trop de clés API refusées", wait
        if valid or self._questions is None:
            return None
        if scope.get("method") != "POST" or not scope["path"].startswith(self.paths):
            return None
        if wait := self._questions.take(client_address(scope, self.trusted)):
            return "trop de requêtes", wait
        return None
