"""Nodes for the levels above the passages: the document and each section, at any level.

A question such as "que contient l'axe II ?" or "résume le communiqué" is answered by no single
passage: it asks for a part of the document as a whole. Each node lists its parts, rebuilt from
the heading paths the passages carry: a section's sub-sections (with what each holds), its table
rows, its passages. A node's text quotes only titles and passages of the document (a long
passage is listed by its first sentence), so an answer built from it stays grounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ingest.chunk import MEMBER_KINDS, Chunk

LEAD_MIN_WORDS = 15  # the lead paragraph says what the document is about; a dateline does not
LINE_CHARS = 220  # a section's passage longer than this is listed by its first sentence
MAX_LISTED = 40  # parts a node lists at most (a section of 3,000 paragraphs is no overview)
SUMMARY_CHARS = 300  # what a sub-section's line says of its own parts, at most
_FIRST_SENTENCE = re.compile(r"^(.{40,}?[.!?])\s")


@dataclass
class _Part:
    """A section as the passages' paths describe it: its sub-sections and passages in reading order."""

    path: tuple[str, ...]
    children: list[_Part | Chunk] = field(default_factory=list)
    index: dict[str, _Part] = field(default_factory=dict)

    @property
    def heading(self) -> str:
        return self.path[-1] if self.path else ""

    def first(self) -> Chunk:
        child = self.children[0]
        return child if isinstance(child, Chunk) else child.first()


def structure_nodes(passages: list[Chunk], heading: str = "") -> list[Chunk]:
    """The document node (with the document's own title `heading`, when it opens with one), then
    one node per section holding at least two parts."""
    cited = [chunk for chunk in passages if chunk.kind not in MEMBER_KINDS]
    if not cited:
        return []
    root = _Part(())
    for chunk in cited:
        part = root
        for depth, title in enumerate(chunk.path):
            if title not in part.index:
                child = _Part(chunk.path[: depth + 1])
                part.index[title] = child
                part.children.append(child)
            part = part.index[title]
        part.children.append(chunk)
    nodes = [node for part in _walk(root) if part.path and len(part.children) >= 2 for node in [_section_node(part)]]
    document = _document_node(root, cited, heading)
    return [document, *nodes] if document else nodes


def _walk(part: _Part) -> list[_Part]:
    found = [part]
    for child in part.children:
        if isinstance(child, _Part):
            found += _walk(child)
    return found


def _section_node(part: _Part) -> Chunk:
    lines = [f"▪ {_describe(child)}" for child in part.children[:MAX_LISTED]]
    if len(part.children) > MAX_LISTED:
        lines.append(f"[… {len(part.children) - MAX_LISTED} parties de plus]")
    titles = [child.heading if isinstance(child, _Part) else child.label for child in part.children]
    return _node(part.first(), "section", [part.heading, *lines], [t for t in titles if t], part.path)


def _describe(child: _Part | Chunk) -> str:
    """One line for a part: a sub-section with what it holds, a row with its actions, a passage."""
    if isinstance(child, _Part):
        inner = [c.heading if isinstance(c, _Part) else c.label for c in child.children]
        inner = [title for title in inner if title]
        summary = " ; ".join(inner)
        if summary and len(summary) <= SUMMARY_CHARS:
            return f"{child.heading} : {summary}"
        return child.heading
    if child.kind == "row" and child.items:
        return f"{child.label} : {' ; '.join(child.items)}"
    if child.kind == "row" or child.parts:
        return child.text.replace("\n", " ")
    return _line(child.text)


def _document_node(root: _Part, passages: list[Chunk], heading: str) -> Chunk | None:
    """The document's title, lead paragraph and top-level parts; none for a document of one part,
    which its passages already answer."""
    tops = [child for child in root.children if isinstance(child, _Part)]
    if len(tops) < 2:
        return None
    first = passages[0]
    lead = next((c.text for c in passages if c.kind == "paragraph" and len(c.text.split()) >= LEAD_MIN_WORDS), "")
    own = heading if heading and heading != first.title else ""
    lines = [first.title, own, _line(lead) if lead else "", *(f"▪ {_describe(top)}" for top in tops[:MAX_LISTED])]
    return replace(
        first,
        text="\n".join(line for line in lines if line),
        kind="document",
        page=1,
        path=(),
        label="",
        items=(),
        group="",
        parts=tuple(top.heading for top in tops),
    )


def _node(first: Chunk, kind: str, lines: list[str], parts: list[str], path: tuple[str, ...]) -> Chunk:
    return replace(
        first,
        text="\n".join(lines),
        kind=kind,  # type: ignore[arg-type]
        path=path,
        label="",
        items=(),
        group="",
        parts=tuple(parts),
    )


def _line(text: str) -> str:
    """A passage as one line of a list: whole when short, else its first sentence."""
    text = text.replace("\n", " ")
    if len(text) <= LINE_CHARS:
        return text
    sentence = _FIRST_SENTENCE.match(text)
    return f"{sentence.group(1)} […]" if sentence and len(sentence.group(1)) <= LINE_CHARS else text[:LINE_CHARS] + "…"
