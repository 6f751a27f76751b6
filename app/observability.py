"""Request ids, structured request logs and Prometheus metrics (latency histogram per route).

Every response carries an `X-Request-ID` (the caller's, if it sent a sane one) and every
request is logged as one JSON line with that id, so staff can trace a complaint to its log.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections import Counter as CounterType
from collections.abc import Iterator

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("plan_logement.requests")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """One registry per app, so several apps in one process (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Latency of HTTP requests by route",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.responses = Counter(
            "http_responses_total",
            "HTTP responses by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )


class WrittenAnswers:
    """`llm_answers_total{outcome}`: written answers accepted, rejected by the verifier, or lost to
    an endpoint failure (read from the assistant's counter at each scrape)."""

    def __init__(self, outcomes: CounterType[str]) -> None:
        self.outcomes = outcomes

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily("llm_answers", "Written answers by outcome", labels=["outcome"])
        for outcome in ("accepted", "rejected", "failed"):
            family.add_metric([outcome], self.outcomes[outcome])
        yield family


def _route_of(request: Request) -> str:
    """The route template ("/api/documents/{document_id}"), not the raw path, to bound label values."""
    route = request.scope.get("route")
    return getattr(route, "path", None) or "unmatched"


def _log_to_stdout() -> None:
    """One JSON line per request, and one per answer (app/service.py, whichever doorway asked), on
    stdout (uvicorn's own access log is then redundant)."""
    for log in (logger, logging.getLogger("plan_logement.answers")):
        if not log.handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(message)s"))
            log.addHandler(handler)
            log.setLevel(logging.INFO)
            log.propagate = False


class Observe:
    """Pure ASGI middleware (Starlette's `BaseHTTPMiddleware` runs each request through an extra
    task and memory streams): request id, latency histogram, one JSON log line per request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        incoming = request.headers.get("x-request-id", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.state.request_id = request_id
        started = time.perf_counter()
        status = 500

        async def with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, with_id)
        finally:
            self._record(request, request_id, status, time.perf_counter() - started)

    def _record(self, request: Request, request_id: str, status: int, seconds: float) -> None:
        route = _route_of(request)
        if not route.startswith("/metrics"):
            self.metrics.latency.labels(request.method, route).observe(seconds)
            self.metrics.responses.labels(request.method, route, str(status)).inc()
        line: dict[str, object] = {
            "request_id": request_id,
            "method": request.method,
            "route": route,
            "path": request.url.path,
            "status": status,
            "ms": round(seconds * 1000, 2),
        }
        if reason := getattr(request.state, "refusal_reason", ""):
            line["refusal_reason"] = reason
        logger.info(json.dumps(line))


def install_observability(app: FastAPI) -> None:
    _log_to_stdout()
    metrics = Metrics()
    app.state.metrics = metrics
    app.add_middleware(Observe, metrics=metrics)

    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        """Prometheus metrics of this process."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)
