"""The documents the assistant serves, kept safe while staff add, replace or remove them.

Files live in the corpus folder; the index mirrors it. Every write follows the same order so
that a reader only ever sees whole documents and a failed write leaves nothing behind:

1. parse the new content first — an unusable file is refused before anything changes;
2. write the file under a temporary name in the folder (`.upload-…`, never indexed);
3. sync the index: new chunks (invisible), then the document's register record that publishes
   them in one step, then stale chunks removed (see `rag.store`);
4. rename the file into place (`os.replace`), and swap the in-memory search snapshot.

A failure in 3 deletes the temporary file: the client is told, and nothing of the document is
listed or cited (the chunks written are invisible, and pruned). A crash is repaired at the next
start by `reconcile()`: temporary files whose lease is over deleted (another worker's upload in
progress is left alone), superseded versions of a replaced document deleted (the register says
which file was published last), the index synced with the folder (chunk ids are content hashes, so
finished work is not redone), invisible leftovers pruned.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import tempfile
import threading
import time
import unicodedata
from pathlib import Path

from ingest import SUPPORTED_SUFFIXES, Document, DocumentRejected, load_document
from ingest.worker import Budget, read_within_budget
from rag.assistant import Assistant
from rag.errors import DocumentNotFound, DocumentTooLarge, DuplicateDocument
from rag.indexer import IndexReport, index_folder, source_files
from rag.store import DocumentInfo

logger = logging.getLogger("plan_logement.library")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
STAGED_PREFIX = ".upload-"
# An upload on disk under its temporary name carries a lease: its owner (this machine, this process)
# and the time until which it may be writing. A worker restarting meanwhile (several share the
# folder) leaves another live worker's upload alone instead of deleting it under it; a file whose
# owner died on this machine, or whose lease is over, is a crash's leftover.
STAGE_LEASE_SECONDS = 3600  # as long as a large document's embedding may take
_MACHINE = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _lease() -> str:
    return f"{STAGED_PREFIX}{int(time.time() + STAGE_LEASE_SECONDS)}-{_MACHINE}-{os.getpid()}-"


def _lease_expired(name: str) -> bool:
    """Whether a staged file (".upload-<until>-<machine>-<pid>-…") is a leftover: its lease is over,
    its owner is a dead process of this machine, or it has no lease (older code)."""
    parts = name.removeprefix(STAGED_PREFIX).split("-")
    if len(parts) < 4 or not parts[0].isdigit() or not parts[2].isdigit():
        return True
    if int(parts[0]) < time.time():
        return True
    return parts[1] == _MACHINE and not _alive(int(parts[2]))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def safe_filename(name: str) -> str:
    """A plain file name: no folders, no traversal, ASCII letters, digits, '.', '_' and '-'."""
    base = Path(name.replace("\\", "/")).name
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("-", ascii_name).strip(".-_")
    stem, suffix = os.path.splitext(cleaned)
    if not stem or suffix.lower() not in SUPPORTED_SUFFIXES:
        raise DocumentRejected(name or "(sans nom)", "nom de fichier invalide : attendu un .pdf ou un .md")
    return f"{stem[:100]}{suffix.lower()}"


class DocumentLibrary:
    """Add, replace, remove and re-index documents; one write at a time."""

    def __init__(self, assistant: Assistant, folder: Path, max_bytes: int, budget: Budget | None = None) -> None:
        self.assistant = assistant
        self.folder = folder
        self.max_bytes = max_bytes
        self.budget = budget  # an upload is read in a process of its own within it (None: in this one)
        self._lock = threading.Lock()

    def reconcile(self) -> IndexReport:
        """Make the index mirror the folder (at start-up: finishes an interrupted write). Never
        fails on what the folder holds: an unusable or clashing file is logged and left out.
        Questions meanwhile get 503 "indexation en cours" (`Assistant.indexing`)."""
        with self._lock:
            self.assistant.indexing = True
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                for staged in self.folder.glob(f"{STAGED_PREFIX}*"):
                    if _lease_expired(staged.name):  # a write a crash interrupted, not another worker's
                        staged.unlink(missing_ok=True)
                self._drop_superseded()
                report = index_folder(self.folder, self.assistant.store, strict=False)
                self.assistant.reload()
                return report
            finally:
                self.assistant.indexing = False

    def list(self) -> list[DocumentInfo]:
        return self.assistant.store.documents()

    def get(self, document_id: str) -> DocumentInfo:
        for info in self.list():
            if info.id == document_id:
                return info
        raise DocumentNotFound(document_id)

    def add(self, filename: str, data: bytes, cancelled: threading.Event | None = None) -> tuple[DocumentInfo, bool]:
        """Index an uploaded file; returns its info and whether it replaced a document of that name.
        Reading it stops when `cancelled` is set (its sender hung up) or its budget runs out."""
        name = safe_filename(filename)
        if len(data) > self.max_bytes:
            raise DocumentTooLarge(name, f"fichier trop volumineux ({len(data)} octets, maximum {self.max_bytes})")
        if self.budget is None:
            document = load_document(Path(name), data)
        else:
            document = read_within_budget(name, data, self.budget, cancelled)
        with self._lock:
            indexed = self.list()
            for info in indexed:
                if info.sha256 == document.sha256 and info.id != document.id:
                    raise DuplicateDocument(f"contenu identique déjà indexé sous « {info.filename} »")
            previous = next((info for info in indexed if info.id == document.id), None)
            staged = self._stage(data)
            try:
                self.assistant.store.sync_document(document)
            except BaseException:
                staged.unlink(missing_ok=True)
                raise
            os.replace(staged, self.folder / name)
            if previous and previous.filename != name:  # "plan.md" replacing "plan.pdf"
                (self.folder / previous.filename).unlink(missing_ok=True)
            self.assistant.reload()
        return self.get(document.id), previous is not None

    def remove(self, document_id: str) -> None:
        """Unpublish the document, then delete every file of its name (a replace a crash cut short
        leaves "plan.pdf" beside "plan.md": the older one would come back at the next start)."""
        with self._lock:
            self.get(document_id)
            self.assistant.store.remove_document(document_id)  # first: if the index fails, nothing changed
            for path in self._files_of(document_id):
                path.unlink(missing_ok=True)
            self.assistant.reload()

    def _files_of(self, document_id: str) -> tuple[Path, ...]:
        return tuple(path for path in source_files(self.folder) if path.stem == document_id)

    def _drop_superseded(self) -> None:
        """At start-up: of several files of one name, the register says which one was last
        published (a replace records the new file before removing the old one); the others are
        superseded versions and are deleted, so a later delete cannot bring one back."""
        for info in self.assistant.store.documents():
            files = self._files_of(info.id)
            if len(files) > 1 and any(path.name == info.filename for path in files):
                for path in files:
                    if path.name != info.filename:
                        logger.warning("%s remplacé par %s : ancienne version supprimée", path.name, info.filename)
                        path.unlink(missing_ok=True)

    def reindex(self, document_id: str) -> DocumentInfo:
        """Re-read a document's file and bring its chunks up to date (after a parser change)."""
        with self._lock:
            info = self.get(document_id)
            path = self.folder / info.filename
            if not path.is_file():
                raise DocumentNotFound(document_id)
            self._sync(load_document(path))
        return self.get(document_id)

    def _stage(self, data: bytes) -> Path:
        """The upload on disk under a temporary name in the folder, flushed (renamed by `add`)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.folder, prefix=_lease(), delete=False) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return Path(handle.name)

    def _sync(self, document: Document) -> None:
        self.assistant.store.sync_document(document)
        self.assistant.reload()
