"""Index a folder of documents into the store: the `ingest` command.

Every file is parsed before anything is written, so one unreadable file aborts the run with
a clear message and the index keeps serving what it had. Unchanged documents cost nothing: a
file whose bytes and parser match its published record is not read again, and chunk ids are
content hashes; changed ones are replaced; removed files disappear.

    ingest corpus/        # or: python -m rag.indexer corpus/
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest import SUPPORTED_SUFFIXES, Document, DocumentRejected, load_document, parser_version
from rag.settings import Settings, get_settings
from rag.store import ChunkStore, DocumentInfo

logger = logging.getLogger("plan_logement.indexer")


@dataclass(frozen=True)
class IndexReport:
    documents: int
    chunks: int
    added: int
    removed: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.documents} documents, {self.chunks} passages "
            f"({self.added} ajoutés, {self.removed} retirés) en {self.seconds:.1f} s"
        )


def source_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES)


def index_folder(
    folder: Path, store: ChunkStore, strict: bool = True, progress: Callable[[str], None] | None = None
) -> IndexReport:
    """Make the store mirror `folder`. Strict (the `ingest` command): raise `DocumentRejected`
    before writing if a file is unusable or two files share a document name. Lenient (start-up):
    leave such files out with a warning and serve the rest — of two files of one name ("plan.pdf"
    and "plan.md", left by a replace interrupted by a crash), the newer is the document."""
    started = time.perf_counter()
    if not folder.is_dir():
        raise DocumentRejected(str(folder), "dossier introuvable")
    paths = source_files(folder)
    published = store.documents()
    unchanged = _unchanged(paths, published)
    documents = _load_all([path for path in paths if path not in unchanged], strict)
    ids = [document.id for document in documents]
    if clash := sorted({id for id in ids if ids.count(id) > 1}):
        if strict:
            message = f"plusieurs fichiers portent le même nom de document : {', '.join(clash)}"
            raise DocumentRejected(str(folder), message)
        documents = _newest_per_id(folder, documents)
    added = removed = 0
    entries: list[Document | DocumentInfo] = sorted([*documents, *unchanged.values()], key=lambda e: e.filename)
    for number, entry in enumerate(entries, start=1):
        if isinstance(entry, Document):
            report = store.sync_document(entry)
            added, removed = added + report.added, removed + report.removed
            line = f"{len(entry.chunks)} passages ({report.added} ajoutés, {report.removed} retirés)"
        else:
            line = f"{entry.chunks} passages (fichier inchangé)"
        if progress:
            progress(f"[{number}/{len(entries)}] {entry.filename} : {line}")
    kept = {entry.id for entry in entries}
    for info in published:  # syncing only writes kept documents: the register read above still holds
        if info.id not in kept:
            removed += store.remove_document(info.id)
    removed += store.prune()  # what failed or interrupted writes left, never published
    chunks = sum(len(entry.chunks) if isinstance(entry, Document) else entry.chunks for entry in entries)
    return IndexReport(len(entries), chunks, added, removed, time.perf_counter() - started)


def _unchanged(paths: list[Path], published: list[DocumentInfo]) -> dict[Path, DocumentInfo]:
    """The files that need no reading: same name, same bytes (SHA-256) and same parser as their
    published record. A restart then costs a hash per file, not a parse (pypdf is not even
    imported). A name two files share (a replace a crash cut short) is always read: the newer wins."""
    records = {info.id: info for info in published}
    names = Counter(path.stem for path in paths)
    found = {}
    for path in paths:
        info = records.get(path.stem)
        if info is None or names[path.stem] > 1 or info.filename != path.name or info.parser != parser_version():
            continue
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue  # read again: `load_document` says what is wrong
        if digest == info.sha256:
            found[path] = info
    return found


def _load_all(paths: list[Path], strict: bool) -> list[Document]:
    documents = []
    for path in paths:
        try:
            documents.append(load_document(path))
        except DocumentRejected as error:
            if strict:
                raise
            logger.warning("fichier laissé de côté : %s", error)
    return documents


def _newest_per_id(folder: Path, documents: list[Document]) -> list[Document]:
    """One document per name: the most recently written file."""
    newest: dict[str, Document] = {}
    for document in sorted(documents, key=lambda d: (folder / d.filename).stat().st_mtime_ns):
        if document.id in newest:
            logger.warning(
                "%s et %s portent le même nom : %s est servi",
                newest[document.id].filename,
                document.filename,
                document.filename,
            )
        newest[document.id] = document
    return list(newest.values())


def open_store(settings: Settings) -> ChunkStore:
    return ChunkStore.open(settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ingest", description="Indexe un dossier de PDF et de Markdown.")
    parser.add_argument("folder", nargs="?", type=Path, help="dossier à indexer (défaut : RAG_CORPUS_DIR)")
    args = parser.parse_args(argv)
    settings = get_settings()
    folder = args.folder or settings.corpus_dir
    try:
        report = index_folder(folder, open_store(settings), progress=lambda line: print(f"ingest : {line}", flush=True))
    except DocumentRejected as error:
        print(f"ingest : refusé — {error}. L'index existant est inchangé.", file=sys.stderr)
        return 2
    print(f"ingest : {folder} → {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
