"""The `/api` routes. Each route's docstring is its OpenAPI description."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from app.deps import AssistantDep
from app.errors import IndexUnavailable
from app.schemas import AskRequest, AskResponse, DocumentOut, ErrorOut, HealthOut
from rag.assistant import Turn

router = APIRouter(prefix="/api", tags=["assistant"])

ERRORS = {422: {"model": ErrorOut, "description": "Requête invalide (le message dit pourquoi)."}}
UNAVAILABLE = {503: {"model": ErrorOut, "description": "Aucun document indexé."}}


@router.post("/ask", response_model=AskResponse, responses={**ERRORS, **UNAVAILABLE})
async def ask(request: AskRequest, assistant: AssistantDep) -> AskResponse:
    """Répond à une question à partir des documents indexés, avec ses sources (ou refuse)."""
    if not assistant.index.chunks:
        raise IndexUnavailable("aucun document indexé : lancez l'ingestion du corpus")
    history = [Turn(turn.role, turn.content) for turn in request.history]
    reply = await run_in_threadpool(assistant.ask, request.question, history)
    return AskResponse.model_validate(asdict(reply))


@router.get("/health", response_model=HealthOut, responses=UNAVAILABLE)
def health(assistant: AssistantDep) -> HealthOut:
    """200 quand l'index est chargé et contient des documents."""
    if not assistant.index.chunks:
        raise IndexUnavailable("index vide : aucun document indexé")
    documents = {chunk.metadata["document"] for chunk in assistant.index.chunks.values()}
    return HealthOut(status="ok", documents=len(documents), chunks=len(assistant.index.chunks))


@router.get("/documents", response_model=list[DocumentOut])
def documents(assistant: AssistantDep) -> list[DocumentOut]:
    """Les documents indexés et leur nombre de passages."""
    return [
        DocumentOut(id=info.id, title=info.title, filename=info.filename, chunks=info.chunks)
        for info in assistant.store.documents()
    ]
