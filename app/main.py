"""The application factory: API routes, error handlers, and the assistant built once.

    uvicorn --factory app.main:create_app
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.errors import install_error_handlers
from app.routes import router
from rag.assistant import Assistant
from rag.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the embedding model and the index load in the lifespan, not at import."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.assistant = Assistant.from_settings(settings)
        yield

    app = FastAPI(
        title="Plan Logement Occitanie",
        description="Assistant de recherche sur le plan d'action logement social en Occitanie : réponses citées.",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(router)
    return app
