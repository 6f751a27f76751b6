"""Turn blocks into passages of a readable size that follow the document's sections.

- Headings make a tree of sections; every passage carries its heading path.
- A section's text is packed into passages of at most MAX_PASSAGE characters at paragraph
  boundaries: short lines and bullets stay with their paragraph, a list with its lead-in
  ("… autour de 5 axes :" + items), a long paragraph is cut at sentence ends. Small sections side
  by side (an action sheet's "Pilote", "Calendrier", "Budget") are packed together, each
  introduced by its heading ("Pilote : Service habitat").
- A table row with column headers is a passage of its own, read as "header : value" pairs under
  the table's caption; a row whose cell holds a list (a plan's issue and its actions) also gives
  one searchable member per list item. A two-column table without headers is a form ("Pilote |
  DDETS"): its rows are read as text.
- A list of key figures (bullets straight under their heading, two in three holding a number)
  gives one searchable member per figure.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from ingest.blocks import Block
from ingest.chunk import Chunk, ChunkKind
from ingest.structure import structure_nodes

MAX_PASSAGE = 600  # characters: a citation a reader checks at a glance, cut at paragraph ends
MIN_PASSAGE = 80  # shorter text is merged with the passage next to it in its section
MAX_SENTENCE = MAX_PASSAGE  # a "sentence" longer than this (a list without full stops) is cut at spaces
CAPTION_CHARS = 160  # a short paragraph just above a table's rows is its caption
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-ZÀ-Ý«\"0-9•▪–-])")
_HAS_NUMBER = re.compile(r"\d")
# A list item's own numbering ("Orientation 2 –", "1°", "a)") is no figure.
_LABEL = re.compile(r"^\W*(?:[^\W\d]+[\s-]+)?(?:n\s*°\s*)?(?:\d+(?:\.\d+)*|[a-z])\s*(?:°|[–.:)-])")
MIN_WORDS = 4  # a lone passage shorter than this, without a number, is a label ("Liberté Égalité Fraternité")


@dataclass
class _Section:
    heading: str
    level: int
    page: int
    blocks: list[Block] = field(default_factory=list)
    children: list[_Section] = field(default_factory=list)


@dataclass
class _Unit:
    """A piece of a section's text: a paragraph, a list (lead-in + items), or a small section inline."""

    text: str
    page: int
    items: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    child: str = ""  # the heading of a small section packed inline


@dataclass
class _Passage:
    path: tuple[str, ...]
    units: list[_Unit]

    @property
    def text(self) -> str:
        return "\n".join(unit.text for unit in self.units)


def chunk_blocks(blocks: list[Block], document: str, title: str, author: str = "") -> list[Chunk]:
    """Chunks in reading order, then the structure nodes above them, with `position` numbering them."""
    root = _tree(blocks)
    made = _Maker(document, title, author)
    passages = list(made.section(root, ()))
    chunks = [*passages, *structure_nodes(passages, root.heading)]
    return [replace(chunk, position=position) for position, chunk in enumerate(chunks)]


def _tree(blocks: list[Block]) -> _Section:
    """Sections nested by heading level. A lone top heading opening the document (its title, the
    only one of its level) is not a section, everything would sit under it: it is the root's."""
    headings = [block for block in blocks if block.kind == "heading"]
    top = min((block.level for block in headings), default=0)
    title_only = bool(headings) and headings[0].level == top and sum(b.level == top for b in headings) == 1
    root = _Section("", 0, 1)
    stack = [root]
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            if title_only and block is headings[0] and not any(b.kind != "heading" for b in blocks[:index]):
                root.heading = block.text  # the document's own title, shown by its node
                continue
            while len(stack) > 1 and stack[-1].level >= block.level:
                stack.pop()
            section = _Section(block.text, block.level, block.page)
            stack[-1].children.append(section)
            stack.append(section)
        else:
            stack[-1].blocks.append(block)
    return root


class _Maker:
    """Builds the chunks of one document."""

    def __init__(self, document: str, title: str, author: str) -> None:
        self.document, self.title, self.author = document, title, author

    def chunk(self, text: str, page: int, kind: ChunkKind, path: tuple[str, ...], **extra: object) -> Chunk:
        return Chunk(
            text=text,
            document=self.document,
            title=self.title,
            author=self.author,
            page=page,
            kind=kind,
            path=path,
            **extra,  # type: ignore[arg-type]
        )

    def section(self, section: _Section, above: tuple[str, ...], lead: list[_Unit] | None = None) -> Iterator[Chunk]:
        """The passages of a section and of the sections under it, in reading order; `lead` is
        text too short to stand alone just above the section (a dateline), read with its start."""
        path = (*above, section.heading) if section.heading and section.level else above
        units: list[_Unit] = list(lead or [])

        def flush() -> Iterator[Chunk]:
            yield from self.passages(_merge_small(_pack(units, path)))
            units.clear()

        rows: list[Block] = []
        caption = ""
        for block in section.blocks:
            if _is_data_row(block):
                if not rows:
                    caption = _caption(units)
                    yield from flush()
                rows.append(block)
                continue
            if rows:
                yield from self.rows(rows, (*path, caption) if caption else path)
                rows, caption = [], ""
            units.extend(_units([block]))
        if rows:
            yield from self.rows(rows, (*path, caption) if caption else path)
        for child in section.children:
            if _small(child):
                units.append(_inline(child))
                continue
            carried = None
            if units and sum(len(unit.text) for unit in units) < MIN_PASSAGE:
                carried = list(units)
                units.clear()
            yield from flush()
            yield from self.section(child, path, carried)
        yield from flush()

    def passages(self, passages: list[_Passage]) -> Iterator[Chunk]:
        for passage in passages:
            text = passage.text
            if len(text) < MIN_PASSAGE and len(text.split()) < MIN_WORDS and not _HAS_NUMBER.search(text):
                continue  # a motto or a label: nothing a question could ask about
            items = tuple(item for unit in passage.units for item in unit.items)
            figures = tuple(figure for unit in passage.units for figure in unit.figures)
            kind: ChunkKind = "list" if items else "paragraph"
            page = passage.units[0].page
            group = _group(passage.path, text) if figures else ""
            lead = next((unit.text.split("\n", 1)[0] for unit in passage.units if unit.items), "")
            yield self.chunk(text, page, kind, passage.path, parts=items, group=group, label=lead if items else "")
            label = lead or (passage.path[-1] if passage.path else "")
            for figure in figures:
                yield self.chunk(figure, page, "figure", passage.path, label=label, group=group)

    def rows(self, rows: list[Block], path: tuple[str, ...]) -> Iterator[Chunk]:
        """Each row a passage of "header : value" pairs; a row holding a list gives its items too."""
        for row in rows:
            if row.items:
                text = "\n".join([row.text, *(f"▪ {item}" for item in row.items)])
            else:
                pairs = [f"{row.header} : {row.text}" if row.header else row.text]
                pairs += [f"{header} : {value}" if header else value for header, value in row.cells]
                text = " ; ".join(pair for pair in pairs if pair.strip())
            group = _group(path, text)
            column = row.cells[0][0] if row.items and row.cells else ""
            yield self.chunk(
                text, row.page, "row", path, label=row.text, items=tuple(row.items), group=group, column=column
            )
            for item in row.items:
                yield self.chunk(item, row.page, "item", path, label=row.text, group=group)


def _caption(units: list[_Unit]) -> str:
    """The short paragraph just before a table ("Tableau 2 – Objectifs par commune"), taken out of the text."""
    if units and not units[-1].items and not units[-1].child and len(units[-1].text) <= CAPTION_CHARS:
        return units.pop().text.rstrip(" :")
    return ""


def _units(blocks: list[Block]) -> Iterator[_Unit]:
    """Paragraphs, and lists with their lead-in; a form's row ("Pilote | DDETS") as "Pilote : DDETS"."""
    for block in blocks:
        if block.kind == "row":  # a row of a table without headers: a form's field
            value = " ".join(value for _, value in block.cells)
            if block.items:
                listed = "\n".join(f"▪ {item}" for item in block.items)
                yield _Unit(f"{block.text} :\n{listed}", block.page, tuple(block.items))
            else:
                yield _Unit(f"{block.text} : {value}" if value else block.text, block.page)
        elif block.kind == "bullet":
            yield _Unit(f"▪ {block.text}", block.page, (block.text,))
        else:
            yield _Unit(block.text, block.page)


def _lists(units: list[_Unit]) -> list[_Unit]:
    """Bullets joined into one list with the paragraph that leads into them (ending with ":")."""
    merged: list[_Unit] = []
    for unit in units:
        bullet = bool(unit.items) and unit.text.startswith("▪ ") and not unit.child
        previous = merged[-1] if merged else None
        if bullet and previous is not None and not previous.child and (previous.items or previous.text.endswith(":")):
            lead_items = previous.items if previous.items else ()
            merged[-1] = _Unit(f"{previous.text}\n{unit.text}", previous.page, (*lead_items, *unit.items))
        else:
            merged.append(replace(unit))
    for index, unit in enumerate(merged):
        numbered = [item for item in unit.items if _HAS_NUMBER.search(_LABEL.sub("", item, count=1))]
        lead_in = not unit.text.startswith("▪ ")
        if not lead_in and len(unit.items) >= 2 and len(numbered) * 3 >= 2 * len(unit.items):
            merged[index] = replace(unit, figures=tuple(numbered))  # a list of key figures, not a list of steps
    return merged


def _pack(units: list[_Unit], path: tuple[str, ...]) -> list[_Passage]:
    """Consecutive units in passages of at most MAX_PASSAGE characters; a longer one cut in pieces."""
    passages: list[_Passage] = []
    for unit in _lists(units):
        for piece in _split_unit(unit):
            last = passages[-1] if passages else None
            if last is not None and len(last.text) + len(piece.text) + 1 <= MAX_PASSAGE:
                last.units.append(piece)
            else:
                passages.append(_Passage(path, [piece]))
    for passage in passages:  # one small section packed alone: it is where the passage sits
        if len(passage.units) == 1 and passage.units[0].child:
            passage.path = (*path, passage.units[0].child)
    return passages


def _merge_small(passages: list[_Passage]) -> list[_Passage]:
    """A passage shorter than MIN_PASSAGE joins the one before it in the section (or the one after)."""
    merged: list[_Passage] = []
    for passage in passages:
        if merged and (len(passage.text) < MIN_PASSAGE or len(merged[-1].text) < MIN_PASSAGE):
            last = merged[-1]
            merged[-1] = _Passage(_common(last.path, passage.path), [*last.units, *passage.units])
        else:
            merged.append(passage)
    return merged


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    size = 0
    while size < min(len(a), len(b)) and a[size] == b[size]:
        size += 1
    return a[:size]


def _split_unit(unit: _Unit) -> list[_Unit]:
    """A unit longer than MAX_PASSAGE in pieces: a list by items (its lead-in repeated), text at sentence ends."""
    if len(unit.text) <= MAX_PASSAGE:
        return [unit]
    if unit.items and not unit.child:
        lines = unit.text.split("\n")
        lead = lines[0] if not lines[0].startswith("▪ ") else ""
        body = lines[1:] if lead else lines
        pieces: list[_Unit] = []
        current: list[str] = []
        for line in body:
            if current and len("\n".join([lead, *current, line])) > MAX_PASSAGE:
                pieces.append(_piece(unit, lead, current))
                current = []
            current.append(line)
        if current:
            pieces.append(_piece(unit, lead, current))
        return pieces
    return [_Unit(text, unit.page, child=unit.child if i == 0 else "") for i, text in enumerate(_split_text(unit.text))]


def _piece(unit: _Unit, lead: str, lines: list[str]) -> _Unit:
    items = tuple(line.removeprefix("▪ ") for line in lines if line.startswith("▪ "))
    figures = tuple(figure for figure in unit.figures if figure in items)
    text = "\n".join([lead, *lines]) if lead else "\n".join(lines)
    return _Unit(text, unit.page, items, figures, unit.child)


def _split_text(text: str) -> list[str]:
    """Cut long text at sentence ends into pieces of at most MAX_PASSAGE characters, of even size."""
    sentences = [piece for sentence in _SENTENCE_END.split(text) for piece in _at_spaces(sentence, MAX_SENTENCE)]
    count = -(-len(text) // MAX_PASSAGE)
    target = len(text) / count
    pieces: list[str] = []
    for sentence in sentences:
        if pieces and len(pieces[-1]) + len(sentence) + 1 <= MAX_PASSAGE and len(pieces[-1]) < target:
            pieces[-1] = f"{pieces[-1]} {sentence}"
        else:
            pieces.append(sentence)
    return pieces


def _at_spaces(text: str, size: int) -> list[str]:
    """`text` in pieces of at most about `size` characters, cut at the last space before the size."""
    pieces = []
    while len(text) > size:
        cut = text.rfind(" ", 0, size)
        cut = cut if cut > size // 2 else size
        pieces.append(text[:cut].strip())
        text = text[cut:].strip()
    return [*pieces, text] if text else pieces


def _is_data_row(block: Block) -> bool:
    """A row of a table with column headers (a form's rows have none: they are read as text)."""
    return block.kind == "row" and bool(block.header or any(header for header, _ in block.cells))


def _small(section: _Section) -> bool:
    """A section with no sections or table rows under it, short enough to be packed with its siblings."""
    if section.children or any(_is_data_row(block) for block in section.blocks):
        return False
    return (
        sum(len(block.text) + sum(len(v) for _, v in block.cells) for block in section.blocks) + len(section.heading)
        < MAX_PASSAGE
    )


def _inline(section: _Section) -> _Unit:
    """A small section as one unit: "Pilote : Service habitat", or its heading over its list."""
    units = _lists(list(_units(section.blocks)))
    heading = section.heading.rstrip(" :")
    page = section.page
    if not units:
        return _Unit(heading, page, child=section.heading)
    body = "\n".join(unit.text for unit in units)
    items = tuple(item for unit in units for item in unit.items)
    figures = tuple(figure for unit in units for figure in unit.figures)
    separator = "\n" if "\n" in body or len(units) > 1 else " "
    return _Unit(f"{heading} :{separator}{body}", page, items, figures, child=section.heading)


def _group(path: tuple[str, ...], text: str) -> str:
    """The key a row or list shares with its members: unique in the document (two "Total" rows differ)."""
    return hashlib.sha256("\n".join([*path, text]).encode("utf-8")).hexdigest()[:16]
