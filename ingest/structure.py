"""Nodes for the levels above the passages: the document, each axis, each sub-axis, each section.

A question such as "que contient l'axe II ?" or "résume le communiqué" is answered by no single
passage: it asks for a part of the document as a whole. Each node lists its parts, built from
the structure the chunker recovered (headings, plan axes and sub-axes, levers), so it works for
any uploaded document with headings. A node's text quotes only titles and passages of the
document (a long paragraph is cited by its first sentence), so an answer built from it stays
grounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from ingest.chunk import Chunk

LEAD_MIN_WORDS = 15  # the lead paragraph says what the document is about; a dateline does not
LINE_CHARS = 220  # a section's passage longer than this is listed by its first sentence
MAX_LISTED = 40  # parts a node lists at most (a section of 3,000 paragraphs is no overview)
_FIRST_SENTENCE = re.compile(r"^(.{40,}?[.!?])\s")


def structure_nodes(passages: list[Chunk]) -> list[Chunk]:
    """The document node, then one node per axis, sub-axis and section holding passages."""
    if not passages:
        return []
    levers = [chunk for chunk in passages if chunk.kind == "enjeu"]
    nodes = [*_axis_nodes(levers), *_section_nodes(passages)]
    document = _document_node(passages, levers)
    return [document, *nodes] if document else nodes


def _document_node(passages: list[Chunk], levers: list[Chunk]) -> Chunk | None:
    """The document's title, lead paragraph and top-level parts (sections, then axes with their
    sub-axes); none for a document of one part, which its passages already answer."""
    first = passages[0]
    parts: dict[str, str] = {}
    for chunk in passages:
        if chunk.axis:
            subs = " ; ".join(dict.fromkeys(c.sub_axis for c in levers if c.axis == chunk.axis and c.sub_axis))
            parts.setdefault(chunk.axis, f"{chunk.axis} : {subs}" if subs else chunk.axis)
        elif chunk.section and chunk.kind != "action":
            parts.setdefault(chunk.section, chunk.section)
    if len(parts) < 2:
        return None
    lead = next((c.text for c in passages if c.kind == "paragraph" and len(c.text.split()) >= LEAD_MIN_WORDS), "")
    lines = [first.title, _line(lead) if lead else "", *(f"▪ {line}" for line in parts.values())]
    return replace(
        first,
        text="\n".join(line for line in lines if line),
        kind="document",
        page=1,
        section="",
        axis="",
        sub_axis="",
        enjeu="",
        actions=(),
        parts=tuple(parts),
    )


def _axis_nodes(levers: list[Chunk]) -> Iterable[Chunk]:
    """Per axis: its sub-axes with their levers; per sub-axis: its levers with their actions."""
    axes: dict[str, dict[str, list[Chunk]]] = {}
    for lever in levers:
        if lever.axis:
            axes.setdefault(lever.axis, {}).setdefault(lever.sub_axis, []).append(lever)
    for axis, sub_axes in axes.items():
        first = next(iter(sub_axes.values()))[0]
        lines = [f"▪ {sub} : {' ; '.join(lever.enjeu for lever in items)}" for sub, items in sub_axes.items() if sub]
        titled = [sub for sub in sub_axes if sub]
        if titled:
            yield _node(first, "axis", [axis, *lines], titled, sub_axis="")
        for sub, items in sub_axes.items():
            if not sub:
                continue
            lines = [f"▪ {lever.enjeu} : {' ; '.join(lever.actions)}" for lever in items]
            yield _node(items[0], "sub_axis", [sub, *lines], [lever.enjeu for lever in items], sub_axis=sub)


def _section_nodes(passages: list[Chunk]) -> Iterable[Chunk]:
    """Per heading outside the plan's axes holding at least two passages: those passages, listed."""
    sections: dict[str, list[Chunk]] = {}
    for chunk in passages:
        if chunk.section and not chunk.axis:
            sections.setdefault(chunk.section, []).append(chunk)
    for section, items in sections.items():
        if len(items) >= 2:
            lines = [f"▪ {c.text if c.parts else _line(c.text)}" for c in items[:MAX_LISTED]]  # a list stays whole
            more = [f"[… {len(items) - MAX_LISTED} passages de plus]"] if len(items) > MAX_LISTED else []
            yield _node(items[0], "section", [section, *lines, *more], [])


def _node(first: Chunk, kind: str, lines: list[str], parts: list[str], **where: str) -> Chunk:
    return replace(
        first,
        text="\n".join(lines),
        kind=kind,  # type: ignore[arg-type]
        enjeu="",
        actions=(),
        parts=tuple(parts),
        **where,  # type: ignore[arg-type]
    )


def _line(text: str) -> str:
    """A passage as one line of a list: whole when short, else its first sentence."""
    if len(text) <= LINE_CHARS:
        return text
    sentence = _FIRST_SENTENCE.match(text)
    return f"{sentence.group(1)} […]" if sentence and len(sentence.group(1)) <= LINE_CHARS else text[:LINE_CHARS] + "…"
