"""The application factories: API routes, error handlers, and the assistant built once.

uvicorn --factory app.main:create_app                  # API and chat, one process (`make run`)
uvicorn --factory app.main:create_api --workers 4      # API only, any number of workers

The chat runs in one process: Gradio keeps its queue in memory, so a chat message and its event
stream must reach the same process, which several workers behind one port do not guarantee (README:
"Plusieurs workers").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI

from app.api_docs import install_api_docs
from app.documents_routes import files_router
from app.documents_routes import router as documents_router
from app.errors import install_error_handlers
from app.feedback import FeedbackStore
from app.feedback_routes import router as feedback_router
from app.limits import BodyLimit, RateLimit, SecurityHeaders
from app.observability import WrittenAnswers, install_observability
from app.routes import router
from app.ui import mount_ui
from ingest.worker import Budget
from rag.assistant import Assistant
from rag.errors import IndexUnreachable
from rag.library import DocumentLibrary
from rag.settings import Settings, get_settings

logger = logging.getLogger("plan_logement.startup")
RECONNECT_SECONDS = 2.0  # at start-up with the index server down: how often to try again


def _reconcile(library: DocumentLibrary, retry_seconds: float) -> None:
    """Bring the index in line with the corpus folder; while the index server is down, try again
    every `retry_seconds` (requests meanwhile say 503 themselves)."""
    while True:
        try:
            logger.warning("index à jour du corpus : %s", library.reconcile())
            return
        except IndexUnreachable as error:
            logger.error("%s : mise à jour de l'index reportée de %s s", error, retry_seconds)
            time.sleep(retry_seconds)
        except Exception:
            logger.exception("mise à jour de l'index au démarrage impossible")
            return


def create_app(settings: Settings | None = None, with_ui: bool = True) -> FastAPI:
    """Build the app; the embedding model and the index load in the lifespan, not at import."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        assistant = Assistant.from_settings(settings)
        budget = Budget(settings.ingest_cpu_seconds, settings.ingest_memory_mb * 2**20)
        library = DocumentLibrary(assistant, settings.corpus_dir, settings.max_upload_bytes, budget)
        if settings.sync_corpus:
            # Index what corpus/ holds (finishing a write a crash interrupted) while the port is
            # already open: a large corpus would otherwise keep it closed for a minute.
            assistant.indexing = True
            retry = max(settings.refresh_interval, RECONNECT_SECONDS)
            threading.Thread(target=_reconcile, args=(library, retry), name="reconcile", daemon=True).start()
        app.state.settings, app.state.assistant, app.state.library = settings, assistant, library
        app.state.answer_threads = anyio.CapacityLimiter(settings.answer_thread_count)
        app.state.metrics.registry.register(WrittenAnswers(assistant.llm_outcomes))
        app.state.feedback = FeedbackStore(settings.data_dir / "feedback.sqlite3", settings.max_feedback_rows)
        yield

    app = FastAPI(
        title="Plan Logement Occitanie",
        description="Assistant de recherche sur le plan d'action logement social en Occitanie : réponses citées.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_api_docs(app)
    install_error_handlers(app)
    limited = ("/api/ask", "/api/feedback", "/gradio_api/queue/join", "/gradio_api/run", "/gradio_api/call")
    app.add_middleware(
        RateLimit,
        per_minute=settings.rate_limit_per_minute,
        burst=settings.rate_limit_burst,
        paths=limited,
        keys=settings.accepted_api_keys,
        trusted=settings.trusted_proxy_addresses,
    )
    app.add_middleware(BodyLimit, request_bytes=settings.max_request_bytes, upload_bytes=settings.max_upload_bytes)
    app.add_middleware(SecurityHeaders)
    install_observability(app)  # outermost: the 413s and 429s of the limits are logged and counted too
    app.include_router(router)
    app.include_router(documents_router)
    app.include_router(feedback_router)
    app.include_router(files_router)
    return mount_ui(app) if with_ui else app


def create_api() -> FastAPI:
    """The API without the chat, for `uvicorn --workers N` (see the module docstring)."""
    return create_app(with_ui=False)
