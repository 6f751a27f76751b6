"""The plan as its structure, rebuilt from the index: axes → sub-axes → levers → actions, and the
key figures. The "Parcourir le plan" tab shows it; nothing here is written by hand."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rag.store import StoredChunk


@dataclass
class Lever:
    enjeu: str
    page: int
    actions: list[str]


@dataclass
class SubAxis:
    title: str
    levers: list[Lever] = field(default_factory=list)


@dataclass
class Axis:
    title: str
    sub_axes: list[SubAxis] = field(default_factory=list)


@dataclass
class Figure:
    text: str
    page: int


@dataclass
class Outline:
    document: str
    title: str
    axes: list[Axis]
    figures: list[Figure]


def build_outlines(chunks: Iterable[StoredChunk]) -> list[Outline]:
    """One outline per document that has plan structure (levers) or key figures, in reading order."""
    by_document: dict[str, list[StoredChunk]] = {}
    for chunk in sorted(chunks, key=lambda c: (str(c.metadata["document"]), int(c.metadata.get("position", 0)))):
        by_document.setdefault(str(chunk.metadata["document"]), []).append(chunk)
    outlines = []
    for document, items in by_document.items():
        axes: list[Axis] = []
        figures = [Figure(c.text, int(c.metadata["page"])) for c in items if c.metadata.get("kind") == "figure"]
        for chunk in (c for c in items if c.metadata.get("kind") == "enjeu"):
            meta = chunk.metadata
            if not axes or axes[-1].title != meta.get("axis"):
                axes.append(Axis(str(meta.get("axis", ""))))
            axis = axes[-1]
            if not axis.sub_axes or axis.sub_axes[-1].title != meta.get("sub_axis"):
                axis.sub_axes.append(SubAxis(str(meta.get("sub_axis", ""))))
            axis.sub_axes[-1].levers.append(Lever(str(meta["enjeu"]), int(meta["page"]), chunk.actions))
        if axes or figures:
            outlines.append(Outline(document, str(items[0].metadata.get("title", document)), axes, figures))
    return outlines
