"""Each document as its structure, rebuilt from the index: its sections at every level, the table
rows that hold a list (a plan's issues and their actions), and its key figures. The "Parcourir"
tab shows it; nothing here is written by hand."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest.chunk import MEMBER_KINDS, STRUCTURE_KINDS
from rag.store import StoredChunk


@dataclass
class Row:
    """A table row holding a list: what it is about and its items (a plan's issue and its actions)."""

    label: str
    page: int
    items: list[str]


@dataclass
class Section:
    title: str
    page: int
    rows: list[Row] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)


@dataclass
class Figure:
    text: str
    page: int


@dataclass
class Outline:
    document: str
    title: str
    sections: list[Section]
    figures: list[Figure]


def build_outlines(chunks: Iterable[StoredChunk]) -> list[Outline]:
    """One outline per document, in reading order: its sections (with their rows) and key figures."""
    by_document: dict[str, list[StoredChunk]] = {}
    for chunk in sorted(chunks, key=lambda c: (str(c.metadata["document"]), int(c.metadata.get("position", 0)))):
        by_document.setdefault(str(chunk.metadata["document"]), []).append(chunk)
    outlines = []
    for document, items in by_document.items():
        root = Section("", 0)
        figures = [Figure(c.text, int(c.metadata["page"])) for c in items if c.kind == "figure"]
        for chunk in items:
            if chunk.kind in STRUCTURE_KINDS or chunk.kind in MEMBER_KINDS:
                continue
            node = root
            for heading in chunk.path:
                if not node.children or node.children[-1].title != heading:
                    node.children.append(Section(heading, int(chunk.metadata["page"])))
                node = node.children[-1]
            if chunk.kind == "row" and chunk.items:
                node.rows.append(Row(str(chunk.metadata.get("label", "")), int(chunk.metadata["page"]), chunk.items))
        if root.children or figures:
            outlines.append(Outline(document, str(items[0].metadata.get("title", document)), root.children, figures))
    return outlines
