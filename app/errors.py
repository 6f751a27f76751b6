"""Turn domain errors and invalid requests into JSON `{"detail": "..."}` with the right status.

Routes raise domain exceptions (`ingest/errors.py`, `rag/errors.py`, the feedback store's and the
two write-permission errors here); `STATUS` is the one place that says which HTTP status answers
each. No route returns a 200 carrying an error; anything else is a JSON 500 with its request id.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.feedback import FeedbackFull
from ingest import DocumentRejected
from rag.errors import DocumentNotFound, DocumentTooLarge, DuplicateDocument, IndexUnavailable, UnknownFilter

logger = logging.getLogger("plan_logement.errors")


class Unauthorized(PermissionError):
    """A write without a valid API key."""


class Forbidden(PermissionError):
    """Writes are disabled on this server (no API key configured)."""


# The status of each domain error; a subclass not listed (IndexUnreachable) is answered as its base.
STATUS: dict[type[Exception], int] = {
    DocumentTooLarge: 413,
    DocumentRejected: 422,
    DocumentNotFound: 404,
    DuplicateDocument: 409,
    UnknownFilter: 422,
    IndexUnavailable: 503,
    Unauthorized: 401,
    Forbidden: 403,
    FeedbackFull: 507,
}
DOMAIN_ERRORS: tuple[type[Exception], ...] = tuple(STATUS)


def status_of(error: Exception) -> int:
    """The HTTP status answering `error`: its own class's, else its nearest listed base's."""
    return next((STATUS[kind] for kind in type(error).__mro__ if kind in STATUS), 500)


# Pydantic's messages are English; an official's tool and the chat answer in French.
MESSAGES = {
    "missing": "champ obligatoire absent",
    "extra_forbidden": "champ inconnu",
    "string_too_long": "{max_length} caractères au plus",
    "string_too_short": "{min_length} caractère(s) au moins",
    "too_long": "{max_length} éléments au plus",
    "too_short": "{min_length} élément(s) au moins",
    "string_type": "texte attendu",
    "bool_type": "booléen attendu (true ou false)",
    "bool_parsing": "booléen attendu (true ou false)",
    "int_type": "nombre entier attendu",
    "int_parsing": "nombre entier attendu",
    "list_type": "liste attendue",
    "model_type": "objet attendu",
    "dict_type": "objet attendu",
    "literal_error": "valeur attendue : {expected}",
    "enum": "valeur attendue : {expected}",
    "greater_than_equal": "{ge} au moins",
    "less_than_equal": "{le} au plus",
    "string_pattern_mismatch": "format invalide",
}


def describe(error: dict[str, Any]) -> str:
    """One validation error in French: where (the field's path) and what is wrong."""
    if error.get("type") == "json_invalid":
        return "le corps de la requête n'est pas un JSON valide"
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "corps de la requête"
    template = MESSAGES.get(str(error.get("type")))
    if template:
        context = {
            key: str(value).replace("'", "").replace(" or ", " ou ") for key, value in (error.get("ctx") or {}).items()
        }
        try:
            return f"{where} : {template.format(**context)}"
        except KeyError:
            pass
    message = str(error.get("msg", "valeur invalide")).removeprefix("Value error, ")  # our validators: French
    return f"{where} : {message}"


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": "; ".join(describe(e) for e in exc.errors())})


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    status = status_of(exc)
    detail = str(exc)
    headers = {"WWW-Authenticate": "X-API-Key"} if status == 401 else None
    return JSONResponse(status_code=status, content={"detail": detail}, headers=headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    """Any other exception: a JSON 500 with the request id, to quote when reporting it (the
    traceback goes to the log under the same id)."""
    request_id = str(getattr(request.state, "request_id", ""))
    logger.error("erreur interne (request_id=%s)", request_id, exc_info=exc)
    detail = "erreur interne du serveur : signalez-la avec son identifiant de requête"
    return JSONResponse(
        status_code=500, content={"detail": detail, "request_id": request_id}, headers={"X-Request-ID": request_id}
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    for kind in DOMAIN_ERRORS:
        app.add_exception_handler(kind, _domain)
    app.add_exception_handler(Exception, _unexpected)
