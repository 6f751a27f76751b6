"""How documents are cut: passage sizes per document, for the corpus and the evaluation documents.

    python -m eval.passages

A passage is what a citation shows: paragraphs and lists (text), and table rows. Members (a row's
actions, a list's key figures) are searched alone but cited with their row or list, and structure
nodes list parts: neither is counted. The targets: text passages of median 300 characters or
more, none under 80 (a table row may be short: "Commune : Lavergnac ; LLS : 236").
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from ingest import Document, load_document

EVAL_DIR = Path(__file__).resolve().parent
FOLDERS = (EVAL_DIR.parent / "corpus", EVAL_DIR / "documents")
TEXT_KINDS = ("paragraph", "list")
SHORT = 80


@dataclass(frozen=True)
class Sizes:
    document: str
    pages: int
    text: list[int]
    rows: list[int]

    @property
    def short(self) -> int:
        return sum(size < SHORT for size in self.text)

    def row(self) -> str:
        median = statistics.median(self.text) if self.text else 0
        both = statistics.median(self.text + self.rows) if self.text or self.rows else 0
        return (
            f"| {self.document} | {self.pages} | {len(self.text)} | {median:.0f} | {self.short} | "
            f"{len(self.rows)} | {both:.0f} |"
        )


def sizes(document: Document) -> Sizes:
    text = [len(chunk.text) for chunk in document.chunks if chunk.kind in TEXT_KINDS]
    rows = [len(chunk.text) for chunk in document.chunks if chunk.kind == "row"]
    pages = max(chunk.page for chunk in document.chunks)
    return Sizes(document.id, pages, text, rows)


def documents() -> list[Document]:
    paths = sorted(path for folder in FOLDERS for path in folder.iterdir() if path.suffix in (".pdf", ".md"))
    return [load_document(path) for path in paths]


def main() -> int:
    print("| document | pages | text passages | median chars | under 80 | table rows | median, rows included |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for document in documents():
        print(sizes(document).row())
    return 0


if __name__ == "__main__":
    sys.exit(main())
