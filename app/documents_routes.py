"""Staff routes: manage the indexed documents (writes need an API key) and search without answering."""

from __future__ import annotations

import threading
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, File, Header, Query, Request, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse

from app.deps import AssistantDep, LibraryDep, SettingsDep
from app.errors import Forbidden, Unauthorized
from app.limits import key_accepted
from app.markdown_page import markdown_page
from app.schemas import CitationOut, DocumentOut, ErrorOut, Responses, UploadOut
from rag.errors import DocumentNotFound
from rag.retriever import Filters

router = APIRouter(prefix="/api", tags=["documents"])

MAX_K = 50
DISCONNECT_POLL_SECONDS = 0.5  # while a file is read: how often to check its sender is still there
AUTH_ERRORS: Responses = {
    401: {"model": ErrorOut, "description": "Clé API absente ou invalide (en-tête X-API-Key)."},
    403: {"model": ErrorOut, "description": "Écritures désactivées : aucune clé API configurée."},
    429: {"model": ErrorOut, "description": "Trop de clés API refusées depuis cette adresse : réessayez plus tard."},
}
NOT_FOUND: Responses = {404: {"model": ErrorOut, "description": "Document inconnu."}}
REJECTED: Responses = {
    409: {"model": ErrorOut, "description": "Même contenu déjà indexé sous un autre nom."},
    413: {"model": ErrorOut, "description": "Fichier trop volumineux."},
    422: {"model": ErrorOut, "description": "Fichier refusé (illisible, chiffré, vide, image seule, mauvais type)."},
}


def require_api_key(settings: SettingsDep, x_api_key: Annotated[str | None, Header()] = None) -> None:
    """Writes need one of the keys of RAG_API_KEYS; with none configured, writes are off."""
    keys = settings.accepted_api_keys
    if not keys:
        raise Forbidden("écritures désactivées : aucune clé API n'est configurée (réglage RAG_API_KEYS)")
    if not key_accepted(x_api_key, keys):
        raise Unauthorized("clé API absente ou invalide : envoyez l'en-tête X-API-Key")


StaffKey = Depends(require_api_key)


@router.post(
    "/documents",
    response_model=UploadOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[StaffKey],
    responses={**AUTH_ERRORS, **REJECTED, 200: {"model": UploadOut, "description": "Document remplacé."}},
)
async def upload_document(
    library: LibraryDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
    file: Annotated[UploadFile, File()],
) -> UploadOut:
    """Ajoute un PDF ou un Markdown (ou remplace le document du même nom), de façon atomique. Sa
    lecture a un budget (`RAG_INGEST_CPU_SECONDS`, `RAG_INGEST_MEMORY_MB`) et s'arrête si le client
    se déconnecte."""
    # One byte past the limit is enough for the library to refuse it (the size rule lives there; the
    # body limit only stops a larger body while it arrives).
    data = await file.read(settings.max_upload_bytes + 1)
    cancelled = threading.Event()
    failure: Exception | None = None
    async with anyio.create_task_group() as watching:
        watching.start_soon(_watch_disconnect, request, cancelled)
        try:
            info, replaced = await run_in_threadpool(library.add, file.filename or "", data, cancelled)
        except Exception as error:  # raised outside the task group: not wrapped in an ExceptionGroup
            failure = error
        watching.cancel_scope.cancel()
    if failure is not None:
        raise failure
    if replaced:
        response.status_code = status.HTTP_200_OK
    return UploadOut(id=info.id, title=info.title, filename=info.filename, chunks=info.chunks, replaced=replaced)


async def _watch_disconnect(request: Request, cancelled: threading.Event) -> None:
    """Set `cancelled` when the client hangs up: reading its file then stops (`ingest.worker`)."""
    while not await request.is_disconnected():
        await anyio.sleep(DISCONNECT_POLL_SECONDS)
    cancelled.set()


@router.delete(
    "/documents/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[StaffKey],
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
async def delete_document(document_id: str, library: LibraryDep) -> Response:
    """Retire un document de l'index et du corpus."""
    await run_in_threadpool(library.remove, document_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/documents/{document_id}/reindex",
    response_model=DocumentOut,
    dependencies=[StaffKey],
    responses={**AUTH_ERRORS, **NOT_FOUND, **REJECTED},
)
async def reindex_document(document_id: str, library: LibraryDep) -> DocumentOut:
    """Relit le fichier d'un document et met ses passages à jour."""
    info = await run_in_threadpool(library.reindex, document_id)
    return DocumentOut(id=info.id, title=info.title, filename=info.filename, chunks=info.chunks)


@router.get("/search", response_model=list[CitationOut], responses={422: {"model": ErrorOut}})
def search(
    assistant: AssistantDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="Texte recherché.")],
    k: Annotated[int, Query(ge=1, le=MAX_K, description="Nombre de passages.")] = 5,
    document: Annotated[str | None, Query(max_length=200, description="Identifiant de document.")] = None,
    axis: Annotated[
        str | None, Query(max_length=300, description="Partie de premier niveau, titre tel qu'écrit (« III. … »).")
    ] = None,
) -> list[CitationOut]:
    """Recherche seule (sans réponse ni refus), avec filtres par document et par axe."""
    hits = assistant.search(q, k, Filters(document=document, part=axis))
    return [CitationOut.model_validate(hit, from_attributes=True) for hit in hits]


files_router = APIRouter(tags=["documents"])


@files_router.get(
    "/documents/{document_id}.pdf",
    response_class=FileResponse,
    responses={200: {"content": {"application/pdf": {}}}, **NOT_FOUND},
)
def document_pdf(document_id: str, library: LibraryDep) -> FileResponse:
    """Le PDF d'un document indexé, pour vérifier une source (ajoutez #page=N pour l'ouvrir à la page)."""
    info = library.get(document_id)
    path = library.folder / info.filename
    if path.suffix.lower() != ".pdf" or not path.is_file():
        raise DocumentNotFound(document_id)
    return FileResponse(path, media_type="application/pdf", content_disposition_type="inline")


@files_router.get(
    "/documents/{document_id}.md",
    response_class=Response,  # not HTMLResponse: its 404 is JSON like every error
    responses={200: {"content": {"text/html": {}}, "description": "La page du document."}, **NOT_FOUND},
)
def document_markdown(document_id: str, library: LibraryDep) -> Response:
    """Un document Markdown indexé, rendu en page pour vérifier une source (ajoutez #ancre-du-titre
    pour l'ouvrir à une section ; le HTML écrit dans le fichier est affiché, jamais exécuté)."""
    info = library.get(document_id)
    path = library.folder / info.filename
    if path.suffix.lower() != ".md" or not path.is_file():
        raise DocumentNotFound(document_id)
    return HTMLResponse(markdown_page(path.read_text(encoding="utf-8-sig"), info.title))
