"""The Chroma collection that holds chunks, their embeddings and metadata.

Embedded (`PersistentClient` under the data directory) by default; a Chroma server
(`HttpClient`) when `CHROMA_HOST` is set, so several API workers share one index.
Chunk ids are content hashes: syncing a document adds what is new, removes what vanished,
and leaves unchanged chunks alone.

A document is visible only whole. A second collection, the register, holds one record per
document: its title, file, checksum and the ids of its chunks. Readers (the search snapshot, the
document list) see a chunk only if its document's record lists it, and writing the record is the
single step that publishes a version: chunks written before it are invisible, stale chunks are
deleted after it. A write that fails or a process killed half-way leaves invisible leftovers,
which `prune()` at a later start-up deletes.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import chromadb
import chromadb.errors
import httpx
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.client import SharedSystemClient
from chromadb.api.models.Collection import Collection
from langchain_core.embeddings import Embeddings

from ingest import Chunk, Document
from ingest.numbering import Number, heading_number
from rag.embeddings import load_embeddings
from rag.errors import IndexUnreachable
from rag.settings import Settings

logger = logging.getLogger("plan_logement.store")

ADD_BATCH = 256
REGISTER_SUFFIX = "_documents"
PRUNE_GRACE = 3600.0  # seconds an unpublished chunk is left alone (see `ChunkStore.prune`)
_PLACEHOLDER = [1.0]  # a register record's vector: Chroma stores one per record; nothing searches them
READ_PAGE = 5000  # Chroma's SQLite fails with "too many SQL variables" on one get of ~30k+ rows


def json_list(metadata: Mapping[str, Any], key: str) -> list[str]:
    """A list field of a chunk (its path, items, parts), kept in Chroma's flat metadata as JSON."""
    return list(json.loads(str(metadata.get(key) or "[]")))


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as read back from the store: its id, cited text and flat metadata."""

    id: str
    text: str
    metadata: dict[str, Any]

    @cached_property  # decoded once per snapshot, not at every ranking of the chunk
    def items(self) -> list[str]:
        """A row's list (a plan lever's actions)."""
        return json_list(self.metadata, "items")

    @cached_property
    def parts(self) -> list[str]:
        """A structure node's or a list's parts, in reading order."""
        return json_list(self.metadata, "parts")

    @cached_property
    def path(self) -> list[str]:
        """The headings above the chunk, outermost first."""
        return json_list(self.metadata, "path")

    @property
    def kind(self) -> str:
        return str(self.metadata.get("kind", "paragraph"))

    @property
    def section(self) -> str:
        """ "III. … › A - …": the headings the chunk sits under (and its table's caption)."""
        return str(self.metadata.get("section") or "")

    @cached_property
    def numbers(self) -> list[Number | None]:
        """The numbers of the headings above ("AXE 2 –" → 2), to match "l'axe 2" in a question."""
        return [heading_number(heading) for heading in self.path]

    def to_chunk(self) -> Chunk:
        fields = {key: value for key, value in self.metadata.items() if key in Chunk.__dataclass_fields__}
        fields["items"] = tuple(self.items)
        fields["parts"] = tuple(self.parts)
        fields["path"] = tuple(self.path)
        return Chunk(text=self.text, **fields)


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    title: str
    filename: str
    sha256: str
    chunks: int
    parser: str = ""  # the `ingest.parser_version()` that cut it ("" in an index written before it was kept)


@dataclass(frozen=True)
class SyncReport:
    added: int
    removed: int
    unchanged: int


# SQLite's "file is not a database" and "database disk image is malformed", as chromadb reports them.
_CORRUPT = ("(code: 26)", "(code: 11)")


def make_client(settings: Settings) -> ClientAPI:
    """A Chroma server client when `CHROMA_HOST` is set, else the embedded store on disk. A server
    that does not answer is `IndexUnreachable` (the caller tries again later); an embedded database
    SQLite calls corrupt is moved aside and started empty: the index is rebuilt from the files."""
    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port)
        except ValueError as error:  # chromadb's word for "no server there"
            raise IndexUnreachable(f"index injoignable (serveur Chroma) : {error}") from error
        # chromadb's HTTP client waits forever (httpx.Client(timeout=None)) and has no setting for it:
        # a frozen server would hold every request. Its session takes a bounded timeout.
        session = getattr(getattr(client, "_server", None), "_session", None)
        if isinstance(session, httpx.Client):
            session.timeout = httpx.Timeout(settings.chroma_timeout)
        return client
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(settings.chroma_dir))
    except chromadb.errors.ChromaError as error:
        if not any(code in str(error) for code in _CORRUPT):
            raise
    aside = settings.chroma_dir.with_name(f"{settings.chroma_dir.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    settings.chroma_dir.rename(aside)
    logger.error("index local corrompu, mis de côté dans %s : il est reconstruit à partir des documents", aside)
    SharedSystemClient.clear_system_cache()  # chromadb caches the failed system by path
    settings.chroma_dir.mkdir(parents=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir))


P = ParamSpec("P")
R = TypeVar("R")


def reachable(method: Callable[Concatenate[ChunkStore, P], R]) -> Callable[Concatenate[ChunkStore, P], R]:
    """A Chroma server that is down, refuses or times out becomes `IndexUnreachable` (503), not a
    stack trace. After a failure the store fails fast for `chroma_timeout` seconds (a circuit
    breaker, for a Chroma server only): with it frozen, every question waited its own timeout,
    queued behind the answer threads (2-4× the timeout each, measured); now the calls in flight wait
    once and the others are told at once. The first call after the window tries again, so service
    resumes once the server is back."""

    @functools.wraps(method)
    def call(store: ChunkStore, *args: P.args, **kwargs: P.kwargs) -> R:
        if (wait := store.broken_until - time.monotonic()) > 0:
            raise IndexUnreachable(f"index injoignable (serveur Chroma) : nouvel essai dans {wait:.0f} s")
        try:
            return method(store, *args, **kwargs)
        except (httpx.HTTPError, ConnectionError) as error:
            store.broken_until = time.monotonic() + store.breaker_seconds
            raise IndexUnreachable(f"index injoignable (serveur Chroma) : {type(error).__name__}") from error

    return call


class ChunkStore:
    """Chunks of every indexed document in one collection (cosine space; we embed ourselves), and
    the register of published documents beside it."""

    def __init__(
        self,
        connect: Callable[[], ClientAPI],
        collection: str,
        embeddings: Embeddings,
        folder: Path | None = None,
        breaker_seconds: float = 0.0,
    ) -> None:
        self.embeddings = embeddings
        self._connect = connect  # called on first use, and again until it succeeds: a server down at start-up
        self._folder = folder  # the embedded store's files (None: a Chroma server's)
        self.breaker_seconds = breaker_seconds  # after a server failure, fail fast this long (`reachable`)
        self.broken_until = 0.0
        if space := getattr(embeddings, "space", ""):  # another vector space: another collection
            collection = f"{collection}_{space}"
        self._name = collection

    @cached_property
    def _client(self) -> ClientAPI:
        return self._connect()

    @cached_property
    def _collection(self) -> Collection:
        return self._client.get_or_create_collection(
            self._name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )

    @cached_property
    def _register(self) -> Collection:
        return self._client.get_or_create_collection(f"{self._name}{REGISTER_SUFFIX}", embedding_function=None)

    @classmethod
    def open(cls, settings: Settings) -> ChunkStore:
        """The store the settings name: the Chroma server or the embedded files, in the collection
        of the configured model's vector space."""
        embeddings = load_embeddings(settings.embedding_model, settings.embedding_adapter)
        folder = None if settings.chroma_host else settings.chroma_dir
        connect = functools.partial(make_client, settings)
        breaker = settings.chroma_timeout if settings.chroma_host else 0.0  # only a server can freeze
        return cls(connect, settings.collection, embeddings, folder, breaker_seconds=breaker)

    @reachable
    def generation(self) -> int:
        """A counter bumped by every write, so other processes sharing the index see it changed.
        Embedded, its files must still be there: Chroma keeps answering from a deleted database it
        holds open, so a removed data folder would look healthy until the next restart lost it all."""
        _ = self._collection  # connects, and creates the collection, on first use
        if self._folder is not None and not (self._folder / "chroma.sqlite3").exists():
            raise IndexUnreachable(
                f"index introuvable : {self._folder} a été supprimé ; redémarrez pour le reconstruire"
            )
        metadata = self._client.get_collection(self._name).metadata or {}
        return int(metadata.get("generation", 0))

    def _bump_generation(self) -> None:
        self._collection.modify(metadata={"generation": self.generation() + 1})

    @reachable
    def count(self) -> int:
        return self._collection.count()

    def _read(self, where: dict[str, Any] | None, include: list[str]) -> dict[str, list[Any]]:
        """Every row matching `where`, read a page at a time (ids, and the `include` fields)."""
        rows: dict[str, list[Any]] = {"ids": [], **{field: [] for field in include}}
        while True:
            page = self._collection.get(
                where=where,
                include=include,  # type: ignore[arg-type]
                limit=READ_PAGE,
                offset=len(rows["ids"]),
            )
            for field, values in rows.items():
                values.extend(page[field] or [])  # type: ignore[literal-required]
            if len(page["ids"]) < READ_PAGE:
                return rows

    @reachable
    def all_chunks(self, document: str | None = None) -> list[StoredChunk]:
        """The published chunks (of one document, or all)."""
        published = self._published()
        rows = self._read({"document": document} if document else None, ["documents", "metadatas"])
        return [
            StoredChunk(id, text or "", dict(meta or {}))
            for id, text, meta in zip(rows["ids"], rows["documents"], rows["metadatas"], strict=True)
            if meta and id in published.get(str(meta["document"]), ())
        ]

    @reachable
    def vectors(self, ids: list[str]) -> np.ndarray:
        """The stored embeddings of `ids`, one row each in that order (read a page at a time)."""
        found: dict[str, Any] = {}
        for start in range(0, len(ids), READ_PAGE):
            page = self._collection.get(ids=ids[start : start + READ_PAGE], include=["embeddings"])
            found.update(zip(page["ids"], page["embeddings"] if page["embeddings"] is not None else [], strict=True))
        if not ids:
            return np.zeros((0, 0), dtype=np.float32)
        return np.asarray([found[id] for id in ids], dtype=np.float32).reshape(len(ids), -1)

    @reachable
    def documents(self) -> list[DocumentInfo]:
        """The published documents, by id."""
        infos = [
            DocumentInfo(
                id=id,
                title=str(meta["title"]),
                filename=str(meta["filename"]),
                sha256=str(meta["sha256"]),
                chunks=len(json.loads(str(meta["ids"]))),
                parser=str(meta.get("parser", "")),
            )
            for id, meta in self._records().items()
        ]
        return sorted(infos, key=lambda info: info.id)

    def _published(self) -> dict[str, frozenset[str]]:
        """Per published document, the ids of its chunks."""
        return {id: frozenset(json.loads(str(meta["ids"]))) for id, meta in self._records().items()}

    def _records(self) -> dict[str, Any]:
        """The register: each published document's record (title, file, checksum, chunk ids)."""
        rows = self._register.get(include=["metadatas"])
        return {id: meta for id, meta in zip(rows["ids"], rows["metadatas"] or [], strict=True) if meta}

    @reachable
    def sync_document(self, document: Document) -> SyncReport:
        """Make the store hold exactly this version of the document, published in one step.

        The new chunks are written first (invisible), then the register record that lists them,
        then the stale chunks are deleted (already invisible): a reader sees the old version
        whole, then the new one whole. Re-running after a crash finishes the job (ids are
        content hashes: what was written is not embedded again).
        """
        existing = set(self._read({"document": document.id}, [])["ids"])
        wanted = {chunk.id: chunk for chunk in document.chunks}
        new = [chunk for chunk_id, chunk in wanted.items() if chunk_id not in existing]
        for start in range(0, len(new), ADD_BATCH):
            batch, now = new[start : start + ADD_BATCH], time.time()
            vectors = self.embeddings.embed_documents([chunk.search_text for chunk in batch])
            self._collection.upsert(
                ids=[chunk.id for chunk in batch],
                embeddings=vectors,  # type: ignore[arg-type]
                documents=[chunk.text for chunk in batch],
                metadatas=[
                    {**chunk.metadata(), "filename": document.filename, "sha256": document.sha256, "written": now}
                    for chunk in batch
                ],
            )
        record = {
            "title": document.title,
            "filename": document.filename,
            "sha256": document.sha256,
            "parser": document.parser,
            "ids": json.dumps(sorted(wanted)),
        }
        published = self._register.get(ids=[document.id], include=["metadatas"])["metadatas"] or []
        republished = not published or published[0] != record
        if republished:
            self._register.upsert(ids=[document.id], embeddings=[_PLACEHOLDER], metadatas=[record])  # type: ignore[arg-type,list-item]
        stale = sorted(existing - wanted.keys())
        if stale:
            self._delete(stale)
        if new or stale or republished:
            self._bump_generation()
        return SyncReport(added=len(new), removed=len(stale), unchanged=len(existing & wanted.keys()))

    @reachable
    def prune(self, grace: float = PRUNE_GRACE) -> int:
        """Delete the chunks no published document lists, written more than `grace` seconds ago:
        leftovers of a failed or interrupted write. The grace spares a write another process has
        in progress (a worker restarting while another one indexes an upload)."""
        published = self._published()
        rows = self._read(None, ["metadatas"])
        before = time.time() - grace
        leftovers = [
            id
            for id, meta in zip(rows["ids"], rows["metadatas"], strict=True)
            if not meta
            or (id not in published.get(str(meta["document"]), ()) and float(meta.get("written", 0)) <= before)
        ]
        if leftovers:
            self._delete(leftovers)
        return len(leftovers)

    @reachable
    def remove_document(self, document_id: str) -> int:
        """Unpublish the document (one step), then delete its chunks."""
        self._register.delete(ids=[document_id])
        ids = self._read({"document": document_id}, [])["ids"]
        if ids:
            self._delete(ids)
        self._bump_generation()
        return len(ids)

    def _delete(self, ids: list[str]) -> None:
        for start in range(0, len(ids), READ_PAGE):
            self._collection.delete(ids=ids[start : start + READ_PAGE])

    @reachable
    def dense_search(self, query: str, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the `k` chunks nearest to the query (fewer if the collection
        holds fewer: Chroma caps `n_results` itself, and counting first cost as much as the search)."""
        result = self._collection.query(
            query_embeddings=[self.embeddings.embed_query(query)],  # type: ignore[arg-type]
            n_results=k,
            where=where,
            include=["distances"],
        )
        distances = (result["distances"] or [[]])[0]
        return [(id, 1.0 - float(distance)) for id, distance in zip(result["ids"][0], distances, strict=True)]
