"""Turn domain errors and invalid requests into JSON `{"detail": "..."}` with the right status.

Routes raise domain exceptions; this module alone decides their HTTP status, so no route
returns a 200 carrying an error.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ingest import DocumentRejected
from rag.library import DocumentNotFound, DocumentTooLarge, DuplicateDocument


class IndexUnavailable(RuntimeError):
    """No document is indexed yet: the assistant cannot answer anything."""


class Unauthorized(PermissionError):
    """A write without a valid API key."""


class Forbidden(PermissionError):
    """Writes are disabled on this server (no API key configured)."""


STATUS: dict[type[Exception], int] = {
    DocumentTooLarge: 413,
    DocumentRejected: 422,
    DocumentNotFound: 404,
    DuplicateDocument: 409,
    Unauthorized: 401,
    Forbidden: 403,
    IndexUnavailable: 503,
}


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
    status = next(code for kind, code in STATUS.items() if isinstance(exc, kind))
    detail = f"document inconnu : {exc.args[0]}" if isinstance(exc, DocumentNotFound) else str(exc)
    headers = {"WWW-Authenticate": "X-API-Key"} if status == 401 else None
    return JSONResponse(status_code=status, content={"detail": detail}, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    for kind in STATUS:
        app.add_exception_handler(kind, _domain)
