"""Turn blocks into chunks that follow the plan's structure.

- A table row under "I. …" › "A - …" becomes one `enjeu` chunk (the lever: enjeu + all its
  actions) and one `action` chunk per ▪ action, each carrying its axis, sub-axis and enjeu.
- A bullet holding a number is a key `figure`; other text becomes `paragraph` chunks, long
  paragraphs cut at sentence ends so a citation stays tight, short consecutive lines (contacts,
  letterheads), a list with its lead-in, and a paragraph that refers back ("Cette crise…") with
  the one before kept together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ingest.blocks import Block
from ingest.chunk import Chunk
from ingest.structure import structure_nodes

AXIS = re.compile(r"^[IVX]+\.\s")
SUB_AXIS = re.compile(r"^[A-Z]\s*[-–]\s")
MAX_PASSAGE = 420  # characters: a citation a reader can check at a glance
MAX_SENTENCE = 2 * MAX_PASSAGE  # a "sentence" longer than this is cut at spaces
SHORT_LINE = 70  # lines shorter than this (names, phone numbers) are merged with their neighbours
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý«\"])")
_HAS_NUMBER = re.compile(r"\d")
# A paragraph opening on "Cette crise…", "Ces actions…" means nothing cited alone: keep it with the one before.
_LEANS_BACK = re.compile(r"^(Cette|Ces|Ce|Cet|Cela|Celle|Celui|Il|Elle|Ils|Elles|Leur|Leurs)\b")
MIN_WORDS = 4  # shorter text without a number is a label, not a passage


@dataclass
class _Path:
    section: str = ""
    axis: str = ""
    sub_axis: str = ""
    section_level: int = 99


def chunk_blocks(blocks: list[Block], document: str, title: str, author: str = "") -> list[Chunk]:
    """Chunks in reading order, then the structure nodes above them, with `position` numbering them."""
    passages = list(_chunks(blocks, document, title, author))
    chunks = [*passages, *structure_nodes(passages)]
    return [_renumber(chunk, position) for position, chunk in enumerate(chunks)]


def _chunks(blocks: list[Block], document: str, title: str, author: str) -> Iterator[Chunk]:
    path = _Path()
    pending: list[Block] = []  # paragraphs/bullets waiting to be grouped

    def make(text: str, page: int, kind: str, **extra: object) -> Chunk:
        return Chunk(
            text=text,
            document=document,
            title=title,
            author=author,
            page=page,
            kind=kind,  # type: ignore[arg-type]
            section=path.section,
            axis=path.axis,
            sub_axis=path.sub_axis,
            **extra,  # type: ignore[arg-type]
        )

    def flush() -> Iterator[Chunk]:
        for group in _group_text(pending):
            first = group[0]
            if first.kind == "bullet" and len(group) == 1 and _HAS_NUMBER.search(first.text):
                yield make(first.text, first.page, "figure")
            else:
                # A lead-in and its list ("… autour de 5 axes :" + bullets) is a structure of its
                # own: its items are its parts, and a question about them is answered by it whole.
                items = tuple(block.text for block in group[1:] if block.kind == "bullet")
                listing = first.text.endswith(":") and bool(items)
                for passage in _split_passages(" ".join(block.text for block in group)):
                    if _informative(passage):
                        yield make(passage, first.page, "paragraph", parts=items if listing else ())
        pending.clear()

    for block in blocks:
        if block.kind == "heading":
            yield from flush()
            if AXIS.match(block.text):
                path = _Path(section=block.text, axis=block.text, section_level=block.level)
            elif SUB_AXIS.match(block.text) and path.axis:
                path.sub_axis = block.text
            else:
                if block.level <= path.section_level or not path.axis:
                    path = _Path(section=block.text, section_level=block.level)
        elif block.kind == "row":
            yield from flush()
            actions = tuple(block.cells)
            lever = "\n".join([block.text, *(f"▪ {action}" for action in actions)])
            yield make(lever, block.page, "enjeu", enjeu=block.text, actions=actions)
            for action in actions:
                yield make(action, block.page, "action", enjeu=block.text)
        else:
            pending.append(block)
    yield from flush()


def _group_text(blocks: list[Block]) -> Iterator[list[Block]]:
    """Keep a list with its lead-in ("… autour de 5 axes :" + bullets) and runs of short lines."""
    group: list[Block] = []
    for block in blocks:
        if group and _belongs_with(group, block):
            group.append(block)
            continue
        if group:
            yield group
        group = [block]
    if group:
        yield group


def _belongs_with(group: list[Block], block: Block) -> bool:
    lead = group[0]
    if block.page != lead.page:
        return False
    if lead.kind == "paragraph" and lead.text.endswith(":") and block.kind == "bullet":
        return True
    size = sum(len(item.text) for item in group) + len(block.text)
    if block.kind != lead.kind or lead.kind != "paragraph" or size > MAX_PASSAGE:
        return False
    short_run = all(len(item.text) < SHORT_LINE for item in group) and len(block.text) < SHORT_LINE
    return short_run or _LEANS_BACK.match(block.text) is not None


def _informative(text: str) -> bool:
    """Mottos and labels ("Liberté Égalité Fraternité") say nothing a question could ask about;
    as chunks they would only catch the words of their heading."""
    return len(text.split()) >= MIN_WORDS or bool(_HAS_NUMBER.search(text))


def _split_passages(text: str) -> list[str]:
    """Cut long text at sentence ends into passages of at most MAX_PASSAGE characters; a sentence
    longer than MAX_SENTENCE (a list without full stops, a table flattened into one line) is cut
    at spaces, so no passage is too long to cite or to embed."""
    if len(text) <= MAX_PASSAGE:
        return [text]
    passages: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        for piece in _at_spaces(sentence, MAX_SENTENCE):
            if passages and len(passages[-1]) + len(piece) + 1 <= MAX_PASSAGE:
                passages[-1] = f"{passages[-1]} {piece}"
            else:
                passages.append(piece)
    return passages


def _at_spaces(text: str, size: int) -> list[str]:
    """`text` in pieces of at most about `size` characters, cut at the last space before the size."""
    pieces = []
    while len(text) > size:
        cut = text.rfind(" ", 0, size)
        cut = cut if cut > size // 2 else size
        pieces.append(text[:cut].strip())
        text = text[cut:].strip()
    return [*pieces, text] if text else pieces


def _renumber(chunk: Chunk, position: int) -> Chunk:
    from dataclasses import replace

    return replace(chunk, position=position)
