"""Feedback on answers: anyone may give it (the chat does); staff export it with the API key."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from app import service
from app.documents_routes import AUTH_ERRORS, StaffKey
from app.feedback import FeedbackStore
from app.schemas import ErrorOut, FeedbackIn, FeedbackOut

router = APIRouter(prefix="/api/feedback", tags=["feedback"])


def feedback_store(request: Request) -> FeedbackStore:
    return request.app.state.feedback


@router.post("", response_model=FeedbackOut, status_code=status.HTTP_201_CREATED, responses={422: {"model": ErrorOut}})
def give_feedback(feedback: FeedbackIn, request: Request) -> FeedbackOut:
    """Enregistre un 👍/👎 (et un commentaire facultatif) sur une réponse."""
    return FeedbackOut(id=service.give_feedback(feedback_store(request), feedback))


@router.get(
    "/export",
    dependencies=[StaffKey],
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}, "application/x-ndjson": {}}, "description": "Tous les avis."},
        **AUTH_ERRORS,
        422: {"model": ErrorOut},
    },
)
def export_feedback(request: Request, format: Annotated[Literal["csv", "jsonl"], Query()] = "csv") -> Response:
    """Exporte tous les avis (CSV ou JSON Lines) — clé API requise."""
    media_type = "text/csv" if format == "csv" else "application/x-ndjson"
    headers = {"Content-Disposition": f'attachment; filename="feedback.{format}"'}
    rows = feedback_store(request).export(format)
    return StreamingResponse(rows, media_type=f"{media_type}; charset=utf-8", headers=headers)
