"""Rebuild the structure of a PDF from the text positions pypdf reports.

pypdf's visitor gives each text run with its position, font and size. From those we recover:
headings (bold runs, ranked by size), paragraphs (lines separated by vertical gaps), bullets,
and two-column tables such as the USH plan ("Enjeux et freins" | "Leviers d'intervention"),
whose rows are rebuilt cell by cell instead of gluing the columns together line by line.
Running headers, footers and page numbers (text repeated in the page margins) are dropped.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ingest.blocks import BULLET_CHARS, Block, BlockKind, join_lines, strip_bullet
from ingest.errors import DocumentRejected

if TYPE_CHECKING:
    from pypdf import PdfReader

MARGIN_RATIO = 0.07  # top/bottom band where running headers and footers live
PARAGRAPH_GAP = 1.45  # a vertical gap above this many font sizes starts a new paragraph
COLUMN_GAP = 2.0  # a horizontal gap wider than this many font sizes separates table columns
CHAR_WIDTH = 0.55  # average glyph width in font sizes, to tell touching runs from table columns
_DIGITS = re.compile(r"\d+")
MAX_PAGES = 1_000  # the ingestion budget of one PDF: pages…
MAX_PAGE_INSTRUCTIONS = 2_000_000  # …and bytes of drawing instructions per page (the corpus: about 5 kB)


@dataclass
class Line:
    """One text run placed on the page (y grows upwards, as in PDF space)."""

    text: str
    x: float
    y: float
    size: float
    bold: bool
    page: int


def read_pdf(data: bytes, filename: str) -> tuple[list[Block], dict[str, str]]:
    """Return the blocks of a PDF and its metadata (title, author, subject)."""
    reader = _open(data, filename)
    _within_budget(reader, filename)
    pages = [_page_lines(page, number) for number, page in enumerate(reader.pages, start=1)]
    heights = [float(page.mediabox.height) for page in reader.pages]
    pages = _drop_running_lines(pages, heights)
    if not any(pages):
        raise DocumentRejected(filename, "aucun texte extractible (PDF scanné ou image seule ?)")
    heading_levels = _heading_levels([line for page in pages for line in page])
    blocks = [block for page in pages for block in _page_blocks(page, heading_levels)]
    meta: dict[str, Any] = dict(reader.metadata or {})
    info = {key: str(meta.get(f"/{key.title()}") or "").strip() for key in ("title", "author", "subject")}
    return blocks, info


def _within_budget(reader: PdfReader, filename: str) -> None:
    """Refuse, before extracting text, what would hold the server: too many pages, or a page whose
    drawing instructions are megabytes long (a plan's page holds a few kB; text extraction walks
    every instruction)."""
    if len(reader.pages) > MAX_PAGES:
        raise DocumentRejected(filename, f"trop de pages ({len(reader.pages)}, maximum {MAX_PAGES}) ; découpez-le")
    for number, page in enumerate(reader.pages, start=1):
        contents = page.get_contents()
        size = len(contents.get_data()) if contents is not None else 0
        if size > MAX_PAGE_INSTRUCTIONS:
            megabytes = size / 1_000_000
            raise DocumentRejected(
                filename, f"page {number} trop complexe ({megabytes:.1f} Mo d'instructions de dessin)"
            )


def _open(data: bytes, filename: str) -> PdfReader:
    # pypdf is imported when a PDF is read, not with the server: 8 MB of its memory that a server
    # whose index is built never needs (measured).
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.startswith(b"%PDF"):
        raise DocumentRejected(filename, "le contenu n'est pas un PDF (en-tête %PDF absent)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentRejected(filename, "PDF chiffré (protégé par mot de passe)")
        if not reader.pages:
            raise DocumentRejected(filename, "PDF sans aucune page")
    except DocumentRejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise DocumentRejected(filename, f"PDF illisible ou corrompu ({error})") from error
    return reader


def _page_lines(page, number: int) -> list[Line]:  # type: ignore[no-untyped-def]
    lines: list[Line] = []

    def visit(text, cm, tm, font_dict, font_size):  # type: ignore[no-untyped-def]
        if not text.strip():
            return
        font = str((font_dict or {}).get("/BaseFont", ""))
        scale = abs(tm[3]) or 1.0
        lines.append(
            Line(
                text=text.strip(),
                x=cm[4] + tm[4],
                y=cm[5] + tm[5],
                size=round(float(font_size) * scale, 1),
                bold="bold" in font.lower(),
                page=number,
            )
        )

    try:
        page.extract_text(visitor_text=visit)
    except Exception as error:  # pypdf raises many types on broken content streams
        raise DocumentRejected(f"page {number}", f"contenu de page illisible ({error})") from error
    # Reading order: top to bottom, then left to right (runs of one line stay separate lines).
    return sorted(lines, key=lambda item: (-round(item.y, 1), item.x))


def _end_x(line: Line) -> float:
    """Where a run ends, estimated from its length (pypdf does not report widths to visitors)."""
    return line.x + len(line.text) * line.size * CHAR_WIDTH


def _drop_running_lines(pages: list[list[Line]], heights: list[float]) -> list[list[Line]]:
    """Remove page numbers and headers/footers: margin text that repeats (digits aside) across pages."""

    def signature(line: Line) -> str:
        return _DIGITS.sub("#", line.text).strip()

    def in_margin(line: Line) -> bool:
        height = heights[line.page - 1]
        return line.y < height * MARGIN_RATIO or line.y > height * (1 - MARGIN_RATIO / 2)

    margin_counts = Counter(signature(line) for page in pages for line in page if in_margin(line))
    repeated = {sig for sig, count in margin_counts.items() if count > 1}
    return [
        [line for line in page if not (in_margin(line) and (signature(line) in repeated or line.text.isdigit()))]
        for page in pages
    ]


def _heading_levels(lines: list[Line]) -> dict[float, int]:
    """Rank the sizes of bold text: the biggest is level 1. Body text is the most common size."""
    body = Counter(line.size for line in lines if not line.bold).most_common(1)
    body_size = body[0][0] if body else 0.0
    sizes = sorted({line.size for line in lines if line.bold and line.size >= body_size}, reverse=True)
    return {size: level for level, size in enumerate(sizes, start=1)}


def _page_blocks(lines: list[Line], heading_levels: dict[float, int]) -> list[Block]:
    blocks: list[Block] = []
    table_column: float | None = None  # x where the right column of the current table starts
    table_lines: list[Line] = []
    text_lines: list[Line] = []

    def flush_text() -> None:
        blocks.extend(_text_blocks(text_lines))
        text_lines.clear()

    def flush_table() -> None:
        if table_column is not None:
            blocks.extend(_table_rows(table_lines, table_column))
        table_lines.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        same_baseline = [
            other
            for other in lines[index + 1 :]
            if abs(other.y - line.y) < 1 and other.x - _end_x(line) > COLUMN_GAP * line.size
        ]
        if line.bold and line.size in heading_levels:
            flush_text()
            flush_table()
            table_column = None
            blocks.append(Block("heading", line.text, line.page, level=heading_levels[line.size]))
            # A heading wrapped over several lines: following bold lines of the same size.
            while index + 1 < len(lines) and lines[index + 1].bold and lines[index + 1].size == line.size:
                index += 1
                blocks[-1].text = join_lines([blocks[-1].text, lines[index].text])
        elif table_column is None and same_baseline and not line.text.startswith(tuple(BULLET_CHARS)):
            # Two runs side by side on one baseline: the header row of a two-column table.
            flush_text()
            table_column = min(other.x for other in same_baseline) - 4
            index += len(same_baseline)
        elif table_column is not None:
            table_lines.append(line)
        else:
            text_lines.append(line)
        index += 1
    flush_text()
    flush_table()
    return blocks


def _text_blocks(lines: list[Line]) -> list[Block]:
    """Group consecutive lines into paragraphs and bullets, using vertical gaps and bullet signs."""
    blocks: list[Block] = []
    current: list[Line] = []

    def flush() -> None:
        if current:
            first = current[0].text
            kind: BlockKind = "bullet" if first.startswith(tuple(BULLET_CHARS)) else "paragraph"
            text = join_lines([strip_bullet(first)] + [line.text for line in current[1:]])
            blocks.append(Block(kind, text, current[0].page))
            current.clear()

    for line in lines:
        if current:
            gap = current[-1].y - line.y
            if line.text.startswith(tuple(BULLET_CHARS)) or gap > line.size * PARAGRAPH_GAP:
                flush()
        current.append(line)
    flush()
    return blocks


@dataclass
class _Row:
    top: float
    bottom: float
    enjeu: list[str]
    actions: list[list[str]]


def _table_rows(lines: list[Line], column: float) -> list[Block]:
    """Rebuild rows: left cells are gap-separated blocks; each right-column bullet joins the row
    whose left cell starts at or above it (cells are top-aligned)."""
    rows: list[_Row] = []
    for line in (line for line in lines if line.x < column):
        if rows and rows[-1].bottom - line.y <= line.size * PARAGRAPH_GAP:
            rows[-1].enjeu.append(line.text)
            rows[-1].bottom = line.y
        else:
            rows.append(_Row(top=line.y, bottom=line.y, enjeu=[line.text], actions=[]))
    if not rows:
        return []
    for line in (line for line in lines if line.x >= column):
        owner = next((row for row in reversed(rows) if row.top >= line.y - 1), rows[0])
        if line.text.startswith(tuple(BULLET_CHARS)) or not owner.actions:
            owner.actions.append([strip_bullet(line.text)])
        else:
            owner.actions[-1].append(line.text)
    return [
        Block("row", join_lines(row.enjeu), lines[0].page, cells=[join_lines(a) for a in row.actions]) for row in rows
    ]
