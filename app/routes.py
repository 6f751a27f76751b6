"""The `/api` routes. Each route's docstring is its OpenAPI description."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.concurrency import iterate_in_threadpool
from fastapi.responses import StreamingResponse

from app import service
from app.deps import AssistantDep
from app.schemas import AskRequest, AskResponse, DocumentOut, ErrorOut, HealthOut, LiveOut, Responses
from rag.assistant import Replace

router = APIRouter(prefix="/api", tags=["assistant"])

ERRORS: Responses = {422: {"model": ErrorOut, "description": "Requête invalide (le message dit pourquoi)."}}
UNAVAILABLE: Responses = {503: {"model": ErrorOut, "description": "Aucun document indexé, ou index injoignable."}}


@router.post("/ask", response_model=AskResponse, responses={**ERRORS, **UNAVAILABLE})
async def ask(request: AskRequest, http: Request) -> AskResponse:
    """Répond à une question à partir des documents indexés, avec ses sources (ou refuse)."""
    reply = await service.ask(http.app.state, request, "api", http.state.request_id)
    http.state.refusal_reason = reply.refusal_reason  # in the request's log line (never the question's words)
    return AskResponse.model_validate({**asdict(reply), "refusal_reason": reply.explained_reason})


@router.post(
    "/ask/stream",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "SSE : token…, [replace], citations, done."},
        **ERRORS,
        **UNAVAILABLE,
    },
)
async def ask_stream(request: AskRequest, http: Request) -> StreamingResponse:
    """Comme /ask, en flux SSE : le texte par morceaux (`token`), puis les sources (`citations`), puis `done`.
    Avec un LLM configuré, les morceaux sont ses tokens ; si sa réponse échoue à la vérification, un
    événement `replace` donne la réponse extractive qui la remplace."""
    streamed = await service.ask_stream(http.app.state, request, "api", http.state.request_id)
    reply = streamed.answer
    http.state.refusal_reason = reply.refusal_reason
    citations = AskResponse.model_validate({**asdict(reply), "refusal_reason": reply.explained_reason}).citations

    async def events() -> AsyncIterator[str]:
        mode = "llm" if streamed.written else "extractive"
        async for piece in iterate_in_threadpool(streamed.pieces):  # an LLM's tokens come as it writes
            if isinstance(piece, Replace):  # the written answer failed its check: the extractive one
                mode = "extractive"
                yield _event("replace", piece.text)
            else:
                yield _event("token", piece)
        yield _event("citations", [citation.model_dump() for citation in citations])
        done = {"refused": reply.refused, "refusal_reason": reply.explained_reason, "mode": mode}
        yield _event("done", {**done, "suggestions": reply.suggestions})

    return StreamingResponse(events(), media_type="text/event-stream")


def _event(name: str, data: object) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.get("/live", response_model=LiveOut)
def live() -> LiveOut:
    """Vivacité : 200 tant que le processus répond, sans toucher à l'index (un orchestrateur ne
    redémarre pas un serveur parce que Chroma est injoignable ou que l'indexation est en cours)."""
    return LiveOut(status="ok")


@router.get("/health", response_model=HealthOut, responses=UNAVAILABLE)
def health(assistant: AssistantDep) -> HealthOut:
    """Disponibilité : 200 quand l'index répond et contient des documents ; 503 sinon (indexation en
    cours au démarrage, index vide ou injoignable) : un répartiteur de charge attend."""
    documents, chunks = assistant.health()
    return HealthOut(status="ok", documents=documents, chunks=chunks)


@router.get("/documents", response_model=list[DocumentOut])
def documents(assistant: AssistantDep) -> list[DocumentOut]:
    """Les documents indexés et leur nombre de passages."""
    return [
        DocumentOut(id=info.id, title=info.title, filename=info.filename, chunks=info.chunks)
        for info in assistant.documents()
    ]
