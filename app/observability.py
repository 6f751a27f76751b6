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
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

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


def _route_of(request: Request) -> str:
    """The route template ("/api/documents/{document_id}"), not the raw path, to bound label values."""
    route = request.scope.get("route")
    return getattr(route, "path", None) or "unmatched"


def _log_to_stdout() -> None:
    """One JSON line per request on stdout (uvicorn's own access log is then redundant)."""
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def install_observability(app: FastAPI) -> None:
    _log_to_stdout()
    metrics = Metrics()
    app.state.metrics = metrics

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        incoming = request.headers.get("x-request-id", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.state.request_id = request_id
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = request_id
            return response
        finally:
            seconds = time.perf_counter() - started
            route = _route_of(request)
            if not route.startswith("/metrics"):
                metrics.latency.labels(request.method, route).observe(seconds)
                metrics.responses.labels(request.method, route, str(status)).inc()
            logger.info(
                json.dumps(
                    {
                        "request_id": request_id,
                        "method": request.method,
                        "route": route,
                        "path": request.url.path,
                        "status": status,
                        "ms": round(seconds * 1000, 2),
                        **(
                            {"refusal_reason": reason}
                            if (reason := getattr(request.state, "refusal_reason", ""))
                            else {}
                        ),
                    }
                )
            )

    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        """Prometheus metrics of this process."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)
