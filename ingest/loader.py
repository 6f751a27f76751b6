"""Read one file into a `Document`: pick the reader by type, validate, chunk."""

from __future__ import annotations

import functools
import hashlib
from importlib.metadata import version
from pathlib import Path

from ingest.blocks import Block
from ingest.chunk import Document
from ingest.chunker import chunk_blocks
from ingest.errors import DocumentRejected
from ingest.markdown_reader import read_markdown
from ingest.pdf_reader import read_pdf

SUPPORTED_SUFFIXES = (".pdf", ".md", ".markdown")
MAX_PASSAGES = 5_000  # per document: the ingestion budget (embedding is the cost)


@functools.cache
def parser_version() -> str:
    """A fingerprint of how files are cut into passages: this package's code and its readers'
    versions. A file indexed under another fingerprint is read again, since its passages may differ."""
    digest = hashlib.sha256(" ".join(version(name) for name in ("pypdf", "pdfplumber", "markdown-it-py")).encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def load_document(path: Path, data: bytes | None = None) -> Document:
    """Parse `path` (or `data`, named by `path`) into chunks; raise `DocumentRejected` if unusable."""
    filename = path.name
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise DocumentRejected(filename, f"fichier illisible ({error.strerror})") from error
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentRejected(filename, f"type non pris en charge ({suffix or 'sans extension'}) : PDF ou Markdown")
    if not data.strip():
        raise DocumentRejected(filename, "fichier vide")
    if suffix == ".pdf":
        blocks, info = read_pdf(data, filename)
    else:
        blocks, info = _read_markdown(data, filename), {}
    document_id = path.stem
    title = _title(info, blocks, document_id)
    chunks = chunk_blocks(blocks, document_id, title, info.get("author", ""))
    if not chunks:
        raise DocumentRejected(filename, "aucun passage de texte exploitable")
    if len(chunks) > MAX_PASSAGES:
        # Each passage is embedded (about 30 a second here): past this, one upload would hold the
        # server for minutes. A 526 kB Markdown of ordinary prose makes about 2,000.
        raise DocumentRejected(
            filename, f"document trop long : {len(chunks)} passages (maximum {MAX_PASSAGES}) ; découpez-le"
        )
    return Document(
        id=document_id,
        title=title,
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        chunks=tuple(chunks),
        parser=parser_version(),
    )


def _read_markdown(data: bytes, filename: str) -> list[Block]:
    if data.startswith(b"%PDF"):
        raise DocumentRejected(filename, "le contenu est un PDF, pas du Markdown (extension trompeuse)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentRejected(filename, "le texte n'est pas encodé en UTF-8") from error
    if "\x00" in text:
        raise DocumentRejected(filename, "contenu binaire, pas du texte Markdown")
    return read_markdown(text)


def _title(info: dict[str, str], blocks: list[Block], fallback: str) -> str:
    """ "Author — Subject" from PDF metadata (e.g. "USH habitat social en Occitanie — Plan d'action"),
    else the metadata title, else the first heading, else the file name."""
    if info.get("author") and info.get("subject"):
        return f"{info['author']} — {info['subject']}"
    if info.get("title"):
        return info["title"]
    heading = next((block.text for block in blocks if block.kind == "heading"), "")
    return heading or fallback.replace("_", " ").replace("-", " ")
