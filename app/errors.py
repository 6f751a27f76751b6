"""Turn domain errors and invalid requests into JSON `{"detail": "..."}` with the right status.

Routes raise domain exceptions, each carrying its HTTP status (`rag/errors.py`, and the two
write-permission errors here); no route returns a 200 carrying an error.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.feedback import FeedbackFull
from ingest import DocumentRejected
from rag.errors import DocumentNotFound, DuplicateDocument, IndexUnavailable


class Unauthorized(PermissionError):
    """A write without a valid API key."""

    status = 401


class Forbidden(PermissionError):
    """Writes are disabled on this server (no API key configured)."""

    status = 403


# Each carries its status (`status`); a subclass (DocumentTooLarge, IndexUnreachable) is handled by its base.
DOMAIN_ERRORS: tuple[type[Exception], ...] = (
    DocumentRejected,
    DocumentNotFound,
    DuplicateDocument,
    IndexUnavailable,
    Unauthorized,
    Forbidden,
    FeedbackFull,
)


def _describe(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        return "le corps de la requête n'est pas un JSON valide"
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "corps de la requête"
    message = str(error.get("msg", "valeur invalide")).removeprefix("Value error, ")
    return f"{where} : {message}"


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": "; ".join(_describe(e) for e in exc.errors())})


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    status = int(getattr(exc, "status", 500))
    detail = str(exc)
    headers = {"WWW-Authenticate": "X-API-Key"} if status == 401 else None
    return JSONResponse(status_code=status, content={"detail": detail}, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    for kind in DOMAIN_ERRORS:
        app.add_exception_handler(kind, _domain)
