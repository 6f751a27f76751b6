"""Turn domain errors and invalid requests into JSON `{"detail": "..."}` with the right status."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ingest import DocumentRejected


class IndexUnavailable(RuntimeError):
    """No document is indexed yet: the assistant cannot answer anything."""


def _describe(error: dict) -> str:
    if error.get("type") == "json_invalid":
        return "le corps de la requête n'est pas un JSON valide"
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "corps de la requête"
    message = str(error.get("msg", "valeur invalide")).removeprefix("Value error, ")
    return f"{where} : {message}"


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": "; ".join(_describe(e) for e in exc.errors())})


async def _rejected(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": str(exc)})


async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=503, content={"detail": str(exc)})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(DocumentRejected, _rejected)
    app.add_exception_handler(IndexUnavailable, _unavailable)
