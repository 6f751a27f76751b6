"""Rebuild the structure of a PDF from pdfplumber's words and ruled tables.

pdfplumber reports every word with its exact position, font and size, and finds ruled tables
cell by cell. From those we recover, for any layout:
- tables as rows of (column header, value) pairs: header rows (two of them under merged header
  cells), merged cells, a list inside a cell, a table continued on the next page;
- text in reading order, two-column pages read column by column;
- headings by typography (bigger or bold short lines) and numbering ("Article 3", "1.1."), their
  level ranked by size, weight and numbering depth;
- paragraphs (vertical gaps) and bullets; running headers, footers and page numbers dropped.
pypdf opens the file first: it rejects what cannot be read (encrypted, corrupted, too big) before
the slower layout analysis, and gives the metadata (title, author, subject).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ingest.blocks import Block, is_bullet, join_lines, normalize_space, strip_bullet
from ingest.errors import DocumentRejected
from ingest.numbering import heading_number

if TYPE_CHECKING:
    from pypdf import PdfReader

TOP_MARGIN = 0.06  # top band of the page where running headers live
BOTTOM_MARGIN = 0.07  # bottom band: footers and page numbers
PARAGRAPH_GAP = 1.45  # a baseline-to-baseline gap above this many font sizes starts a new paragraph
COLUMN_GAP = 1.8  # a horizontal gap wider than this many font sizes separates two columns
MIN_COLUMN_ROWS = 4  # lines on each side of the gutter a page needs to be read as two columns
RULE_WIDTH = 0.4  # a horizontal rule this share of the page wide may separate table rows…
RULE_GAP = 40  # …when the next rule is at most this many points below
COLUMN_SPACE = 7  # points of blank no word crosses between two columns of a rules-only table
BIGGER = 1.0  # points above the body size that make a short line a heading
HEADING_CHARS = 200  # a heading is at most this long (a bigger or bold line)
NUMBERED_HEADING_CHARS = 120  # a numbered body-size line longer than this is a numbered paragraph
HEADER_CELL_CHARS = 60  # a table's header cells are short
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]{3,}")
MAX_PAGES = 1_000  # the ingestion budget of one PDF: pages…
MAX_PAGE_INSTRUCTIONS = 2_000_000  # …and bytes of drawing instructions per page (the corpus: about 5 kB)


@dataclass
class Line:
    """A run of words on one baseline, within one column."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    page: int


@dataclass
class Table:
    """A ruled table: its cells row by row (None where a merged cell continues) and which rows are bold."""

    rows: list[list[str | None]]
    bold: list[bool]
    top: float
    x0: float
    x1: float
    page: int


def read_pdf(data: bytes, filename: str) -> tuple[list[Block], dict[str, str]]:
    """Return the blocks of a PDF and its metadata (title, author, subject)."""
    reader = _open(data, filename)
    _within_budget(reader, filename)
    meta: dict[str, Any] = dict(reader.metadata or {})
    info = {key: str(meta.get(f"/{key.title()}") or "").strip() for key in ("title", "author", "subject")}
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [_page_items(page, number) for number, page in enumerate(pdf.pages, start=1)]
            heights = [float(page.height) for page in pdf.pages]
    except DocumentRejected:
        raise
    except Exception as error:  # pdfminer raises many types on broken content streams
        raise DocumentRejected(filename, f"contenu de page illisible ({error})") from error
    pages = _drop_running_lines(pages, heights)
    items = [item for page in pages for item in page]
    if not any(isinstance(item, Line) for item in items) and not any(isinstance(item, Table) for item in items):
        raise DocumentRejected(filename, "aucun texte extractible (PDF scanné ou image seule ?)")
    return _blocks(items), info


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


# --- one page: tables, lines, columns -------------------------------------------------------------


def _page_items(page: Any, number: int) -> list[Line | Table]:
    """The page's tables and lines in reading order (a two-column page: left column, then right)."""
    found: list[tuple[Any, set[int]]] = [(table, set()) for table in page.find_tables()]
    found += _tables_between_rules(page, [table.bbox for table, _ in found])
    tables = [table for table in (_table(page, *item, number) for item in found) if table is not None]
    boxes = [table.bbox for table, _ in found]
    words = [
        word
        for word in page.extract_words(extra_attrs=["fontname", "size"], use_text_flow=False)
        if not any(_inside(word, box) for box in boxes)
    ]
    lines, aligned = _tables_without_rules(_lines(words, number))
    return _reading_order([*lines, *tables, *aligned], float(page.width))


def _tables_without_rules(lines: list[Line]) -> tuple[list[Line], list[Table]]:
    """Two-column tables drawn with no rule at all: two short labels side by side on one baseline
    (the header row), then, below, lists (▪ items) in the right column beside the left column's
    cells. Each right-hand line joins the row whose left cell starts at or above it (cells are
    top-aligned). The table ends at a line across both columns or a bold line on the left."""
    ordered = sorted(lines, key=lambda line: (line.top, line.x0))
    tables: list[Table] = []
    used: set[int] = set()
    for index, left in enumerate(ordered):
        right = _header_pair(ordered, index)
        if right is None or id(left) in used:
            continue
        column = right.x0 - 2
        body: list[Line] = []
        for line in ordered[index + 1 :]:
            if line is right or line.top <= left.bottom:
                continue
            if line.x0 < column < line.x1 or (line.bold and line.x1 <= column):
                break
            body.append(line)
        if not any(line.x0 >= column and is_bullet(line.text) for line in body):
            continue  # a table of lists: items on the right…
        if any(line.x1 <= column and is_bullet(line.text) for line in body):
            continue  # …beside cells of text, not two columns of running text with their own lists
        rows = _aligned_rows(body, column)
        if not rows:
            continue
        used |= {id(left), id(right), *(id(line) for line in body)}
        cells: list[list[str | None]] = [[left.text, right.text], *rows]
        x1 = max(line.x1 for line in [right, *body])
        tables.append(Table(cells, [left.bold and right.bold] * len(cells), left.top, left.x0, x1, left.page))
    return [line for line in lines if id(line) not in used], tables


def _header_pair(ordered: list[Line], index: int) -> Line | None:
    """The label on the same baseline right of ordered[index], when both are column names: short,
    no figure, no sentence punctuation (not two lines of running text side by side)."""
    left = ordered[index]
    if not _column_name(left.text):
        return None
    for other in ordered[index + 1 : index + 4]:
        beside = abs(other.bottom - left.bottom) <= 2 and other.x0 > left.x1 + COLUMN_GAP * left.size
        if beside and _column_name(other.text):
            return other
    return None


def _column_name(text: str) -> bool:
    return (
        len(text) <= HEADER_CELL_CHARS
        and text[:1].isupper()
        and not is_bullet(text)
        and not any(char.isdigit() for char in text)
        and not text.rstrip().endswith((".", ";", ",", ":", ")", "-", "–"))
    )


def _aligned_rows(body: list[Line], column: float) -> list[list[str | None]]:
    """The rows of an unruled two-column table: left cells split by vertical gaps, right lines by top."""
    starts: list[tuple[float, list[str], list[str]]] = []
    bottom = 0.0
    for line in (line for line in body if line.x1 <= column):
        if starts and line.bottom - bottom <= line.size * PARAGRAPH_GAP:
            starts[-1][1].append(line.text)
        else:
            starts.append((line.top, [line.text], []))
        bottom = line.bottom
    if not starts:
        return []
    for line in (line for line in body if line.x0 >= column):
        owner = next((row for row in reversed(starts) if row[0] <= line.top + 1), starts[0])
        owner[2].append(line.text)
    return [["\n".join(left), "\n".join(right)] for _, left, right in starts]


def _tables_between_rules(page: Any, known: list[tuple[float, float, float, float]]) -> list[tuple[Any, set[int]]]:
    """Tables drawn with horizontal rules only (a report's style: a shaded header, a line under
    each row), each with the rows a note runs across. pdfplumber's finder needs the columns: they
    are the vertical gaps no word of the region crosses, given to it as explicit lines."""
    height, width = float(page.height), float(page.width)
    rules = sorted(
        (float(edge["top"]), float(edge["x0"]), float(edge["x1"]))
        for edge in page.edges
        if edge["orientation"] == "h"
        and float(edge["x1"]) - float(edge["x0"]) > RULE_WIDTH * width
        and TOP_MARGIN * height < float(edge["top"]) < (1 - BOTTOM_MARGIN) * height
        and not any(box[1] - 2 <= float(edge["top"]) <= box[3] + 2 for box in known)  # a ruled table's own
    )
    found: list[tuple[Any, set[int]]] = []
    for top, bottom, left, right in _rule_runs(rules):
        region = page.crop((left - 1, top - 1, right + 1, bottom + 1), strict=False)
        words = region.extract_words()
        if not words:
            continue
        columns = _column_edges(words)
        if len(columns) < 3:  # a single column: ruled paragraphs, not a table
            continue
        settings = {"vertical_strategy": "explicit", "explicit_vertical_lines": columns, "horizontal_strategy": "lines"}
        for table in region.find_tables(settings):
            if len(table.rows) >= 2:
                spanning = {i for i, row in enumerate(table.rows) if _crosses(region, row.bbox, columns[1:-1])}
                found.append((table, spanning))
    return found


def _crosses(region: Any, box: tuple[float, float, float, float], edges: list[float]) -> bool:
    """Whether a word of the row runs across a column boundary: a note under the table, not a row."""
    words = region.crop(box, strict=False).extract_words()
    return any(word["x0"] < edge < word["x1"] for word in words for edge in edges)


def _rule_runs(rules: list[tuple[float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Runs of at least three horizontal rules of about the same width, close to each other: the
    rows of a table (top, bottom, left, right)."""
    runs: list[list[tuple[float, float, float]]] = []
    for rule in rules:
        last = runs[-1][-1] if runs else None
        if last and rule[0] - last[0] <= RULE_GAP and abs(rule[1] - last[1]) < 3 and abs(rule[2] - last[2]) < 3:
            runs[-1].append(rule)
        elif not (last and abs(rule[0] - last[0]) < 1):  # the same rule drawn twice
            runs.append([rule])
    return [(run[0][0], run[-1][0], run[0][1], run[0][2]) for run in runs if len(run) >= 3]


def _column_edges(words: list[dict[str, Any]]) -> list[float]:
    """x positions of the column boundaries: the table's sides and every vertical band at least
    COLUMN_SPACE points wide that the words of almost no row cross (a note under the table, a
    long title, may run across the columns)."""
    rows: dict[int, list[tuple[int, int]]] = {}
    for word in words:
        rows.setdefault(round(float(word["top"]) / 2), []).append((int(word["x0"]), int(word["x1"]) + 1))
    left = min(x0 for spans in rows.values() for x0, _ in spans)
    right = max(x1 for spans in rows.values() for _, x1 in spans)
    occupied = [0] * (right - left + 1)
    for spans in rows.values():
        covered = {x for x0, x1 in spans for x in range(x0, x1)}
        for x in covered:
            occupied[x - left] += 1
    tolerance = max(1, len(rows) // 8)
    edges = [left - 2.0]
    start = None
    for offset, count in enumerate(occupied):
        if count <= tolerance and start is None:
            start = offset
        elif count > tolerance and start is not None:
            if offset - start >= COLUMN_SPACE:
                edges.append(left + (start + offset) / 2)
            start = None
    return [*edges, right + 2.0]


def _inside(word: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    x = (word["x0"] + word["x1"]) / 2
    y = (word["top"] + word["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _lines(words: list[dict[str, Any]], page: int) -> list[Line]:
    """Words on one baseline, split where a gap wider than a column gap separates them."""
    rows: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (round(w["bottom"]), w["x0"])):
        if rows and abs(rows[-1][0]["bottom"] - word["bottom"]) <= 2:
            rows[-1].append(word)
        else:
            rows.append([word])
    lines = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        segment = [row[0]]
        for word in row[1:]:
            size = max(segment[-1]["size"], word["size"])
            if word["x0"] - segment[-1]["x1"] > COLUMN_GAP * size:
                lines.append(_line(segment, page))
                segment = []
            segment.append(word)
        lines.append(_line(segment, page))
    return lines


def _line(words: list[dict[str, Any]], page: int) -> Line:
    sizes = Counter(round(float(w["size"]), 1) for w in words for _ in w["text"])
    return Line(
        text=normalize_space(" ".join(w["text"] for w in words)),
        x0=min(w["x0"] for w in words),
        x1=max(w["x1"] for w in words),
        top=min(w["top"] for w in words),
        bottom=max(w["bottom"] for w in words),
        size=sizes.most_common(1)[0][0],
        bold=all(_is_bold(str(w["fontname"])) for w in words),
        page=page,
    )


def _is_bold(font: str) -> bool:
    font = font.lower()
    return any(weight in font for weight in ("bold", "black", "heavy", "semibold", "demi"))


def _reading_order(items: list[Line | Table], width: float) -> list[Line | Table]:
    """Top to bottom; where the page is set in two columns (a vertical band in the middle third
    that many lines end before or start after, and few cross), each stretch of the page between
    lines that cross it is read left column first."""
    ordered = sorted(items, key=lambda item: (item.top, item.x0))
    gutter = _gutter([item for item in items if isinstance(item, Line)], width)
    if gutter is None:
        return ordered
    result: list[Line | Table] = []
    left: list[Line | Table] = []
    right: list[Line | Table] = []
    for item in ordered:
        if item.x1 <= gutter + 1:
            left.append(item)
        elif item.x0 >= gutter - 1:
            right.append(item)
        else:  # across the gutter (a title over both columns): closes the stretch
            result.extend(left + right)
            left, right = [], []
            result.append(item)
    return result + left + right


def _gutter(lines: list[Line], width: float) -> float | None:
    """The x between the two columns of a two-column page, or None for a one-column page."""
    best: tuple[int, float] | None = None
    for step in range(int(0.3 * width), int(0.7 * width), 2):
        x = float(step)
        left = sum(1 for line in lines if line.x1 <= x)
        right = sum(1 for line in lines if line.x0 >= x)
        crossing = len(lines) - left - right
        if left >= MIN_COLUMN_ROWS and right >= MIN_COLUMN_ROWS and crossing * 6 <= left + right:
            if best is None or crossing < best[0]:
                best = (crossing, x)
    return best[1] if best else None


# --- tables -----------------------------------------------------------------------------------------


def _table(page: Any, found: Any, spanning: set[int], number: int) -> Table | None:
    """A table found by pdfplumber as cells; `spanning` rows (a note across the columns) as one cell."""
    rows = [[cell if cell is None else cell.strip() for cell in row] for row in found.extract()]
    if not rows:
        return None
    for index in spanning:
        text = page.crop(found.rows[index].bbox, strict=False).extract_text() or ""
        rows[index] = [text] + [None] * (len(rows[index]) - 1)
    chars = [char for char in page.chars if char["text"].strip()]  # one pass per row, not a crop per cell
    bold = []
    for row in found.rows:
        left, top, right, bottom = row.bbox
        inside = [
            char
            for char in chars
            if left <= (char["x0"] + char["x1"]) / 2 <= right and top <= (char["top"] + char["bottom"]) / 2 <= bottom
        ]
        bold.append(bool(inside) and all(_is_bold(str(char["fontname"])) for char in inside))
    x0, top, x1, _ = (float(value) for value in found.bbox)
    return Table(rows=rows, bold=bold, top=top, x0=x0, x1=x1, page=number)


def _cell_lines(text: str | None) -> tuple[str, list[str]]:
    """A cell's text, and its items when it holds a bulleted list."""
    if not text:
        return "", []
    items: list[list[str]] = []
    lead: list[str] = []
    for line in text.splitlines():
        if is_bullet(line):
            items.append([strip_bullet(line)])
        elif items:
            items[-1].append(line)
        else:
            lead.append(line)
    joined = [join_lines(item) for item in items]
    whole = join_lines([*lead, *(f"▪ {item}" for item in joined)]) if joined else join_lines(lead)
    return whole, joined


def _looks_header(row: list[str | None], bold: bool) -> bool:
    """A header row: at least two short cells, no list, no sentence; a bold label beside a plain
    value is a key/value row instead ("Pilote | Service habitat")."""
    cells = [cell for cell in row if cell]
    if len(cells) < 2 or any(len(cell) > HEADER_CELL_CHARS or is_bullet(cell) for cell in cells):
        return False
    if not any(_WORD.search(cell) for cell in cells):
        return False
    if any(cell[0].isdigit() and len(_WORD.findall(cell)) > 1 for cell in cells):
        return False  # "1 186 ménages prioritaires": a key figure, not a column name
    return bold or not any(cell.rstrip().endswith((".", ";", ":")) for cell in cells)


@dataclass
class _Columns:
    """The header of a table, kept to read its continuation on the next page."""

    names: list[str]
    first_row: list[str]
    count: int


def _table_blocks(table: Table, previous: _Columns | None) -> tuple[list[Block], _Columns | None]:
    """Rows as blocks of (column header, value) pairs; `previous` is the header of a table this one
    may continue (same columns, at the top of the next page)."""
    columns = [c for c in range(max(len(row) for row in table.rows)) if any(_cell(row, c) for row in table.rows)]
    rows = [[row[c] if c < len(row) else "" for c in columns] for row in table.rows]
    bold = table.bold
    if len(columns) < 2:  # a framed box: its text is a paragraph
        text = join_lines([cell or "" for row in rows for cell in row])
        return ([Block("paragraph", text, table.page)] if text else []), None
    header_rows = 0
    names: list[str] = []
    first = [normalize_space(cell or "") for cell in rows[0]]
    if previous is not None and previous.count == len(columns):
        names = previous.names
        header_rows = 1 if first == previous.first_row else 0
    elif _looks_header(rows[0], bold[0]):
        header_rows = 1
        if len(rows) > 2 and None in rows[0][1:] and _looks_header(rows[1], bold[1] if len(bold) > 1 else False):
            header_rows = 2
        names = _header_names(rows[:header_rows], len(columns))
    body = rows[header_rows:]
    blocks: list[Block] = []
    above: list[str | None] = [None] * len(columns)
    for row in body:
        if row[0] and all(cell is None for cell in row[1:]):  # one cell across the table: a note
            blocks.append(Block("paragraph", join_lines([row[0]]), table.page))
            continue
        filled = [cell if cell is not None else (above[i] if i == 0 else "") for i, cell in enumerate(row)]
        above = list(filled)
        if not any(filled):
            continue
        if not names and len(columns) > 2:  # a grid of boxes (key figures): each box says one thing
            blocks += [Block("paragraph", join_lines([cell]), table.page) for cell in filled if cell]
            continue
        label, _ = _cell_lines(filled[0])
        cells: list[tuple[str, str]] = []
        items: list[str] = []
        for index, cell in enumerate(filled[1:], start=1):
            text, cell_items = _cell_lines(cell)
            if text:
                cells.append((names[index] if names else "", text))
                items = cell_items if not items else items
        if len(cells) != 1:
            items = []
        header = names[0] if names else ""
        blocks.append(Block("row", label, table.page, cells=cells, items=items, header=header))
    kept = _Columns(names, first if header_rows else (previous.first_row if previous else []), len(columns))
    return blocks, kept if names else None


def _cell(row: list[str | None], column: int) -> str:
    return (row[column] or "") if column < len(row) else ""


def _header_names(rows: list[list[str | None]], count: int) -> list[str]:
    """Each column's name: its header cells top to bottom, a merged cell spreading to the columns it spans."""
    names: list[list[str]] = [[] for _ in range(count)]
    for row in rows:
        spread = ""
        for index in range(count):
            cell = row[index] if index < len(row) else None
            if cell is None:
                cell = spread
            else:
                spread = cell
            text = normalize_space(cell)
            if text and text not in names[index]:
                names[index].append(text)
    return [" ".join(parts) for parts in names]


# --- pages to blocks ------------------------------------------------------------------------------


def _drop_running_lines(pages: list[list[Line | Table]], heights: list[float]) -> list[list[Line | Table]]:
    """Remove page numbers and headers/footers: margin text that repeats (digits aside) across pages."""

    def signature(line: Line) -> str:
        return _DIGITS.sub("#", line.text).strip()

    def in_margin(line: Line) -> bool:
        height = heights[line.page - 1]
        return line.top < height * TOP_MARGIN or line.bottom > height * (1 - BOTTOM_MARGIN)

    lines = [item for page in pages for item in page if isinstance(item, Line)]
    margin_counts = Counter(signature(line) for line in lines if in_margin(line))
    repeated = {sig for sig, count in margin_counts.items() if count > 1}

    def running(item: Line | Table) -> bool:
        if not isinstance(item, Line) or not in_margin(item):
            return False
        return signature(item) in repeated or not _WORD.search(item.text)

    return [[item for item in page if not running(item)] for page in pages]


def _blocks(items: list[Line | Table]) -> list[Block]:
    """Lines grouped into headings, paragraphs and bullets; tables into rows."""
    groups = _groups(items)
    lines = [line for group in groups if isinstance(group, list) for line in group]
    body = _body_size(lines)
    candidates = {id(group): _heading_key(group, body) for group in groups if isinstance(group, list)}
    keys = sorted({key for key in candidates.values() if key is not None})
    levels = {key: level for level, key in enumerate(keys, start=1)}
    blocks: list[Block] = []
    columns: _Columns | None = None
    last_page = 0
    for group in groups:
        if isinstance(group, Table):
            continued = columns if group.page == last_page + 1 and not _text_above(blocks, group.page) else None
            rows, columns = _table_blocks(group, continued)
            blocks += rows
            last_page = group.page
            continue
        key = candidates[id(group)]
        text = join_lines([line.text for line in group])
        page = group[0].page
        if key is not None:
            blocks.append(Block("heading", text, page, level=levels[key]))
        elif is_bullet(group[0].text):
            blocks.append(
                Block("bullet", join_lines([strip_bullet(group[0].text)] + [x.text for x in group[1:]]), page)
            )
        else:
            blocks.append(Block("paragraph", text, page))
    return blocks


def _text_above(blocks: list[Block], page: int) -> bool:
    """Whether text precedes, on `page`, a table that would continue the previous page's."""
    return any(block.page == page and block.kind != "row" for block in blocks[-3:])


def _groups(items: list[Line | Table]) -> list[list[Line] | Table]:
    """Consecutive lines of one style with no paragraph gap between them; a bullet starts a group."""
    groups: list[list[Line] | Table] = []
    current: list[Line] = []
    for item in items:
        if isinstance(item, Table):
            if current:
                groups.append(current)
                current = []
            groups.append(item)
            continue
        if current:
            last = current[-1]
            gap = item.bottom - last.bottom
            same_style = last.bold == item.bold and abs(last.size - item.size) < 0.6
            new_column = item.top < last.top - 1 or item.page != last.page
            if is_bullet(item.text) or not same_style or new_column or gap > item.size * PARAGRAPH_GAP:
                groups.append(current)
                current = []
        current.append(item)
    if current:
        groups.append(current)
    return groups


def _body_size(lines: list[Line]) -> float:
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _heading_key(group: list[Line], body: float) -> tuple[float, int, int] | None:
    """The style of a heading, or None for body text: bigger than the body and short, bold and
    short, or a short numbered line ("1.1. Les objectifs"). Ranked by size, weight, then depth."""
    text = join_lines([line.text for line in group])
    if is_bullet(text) or not _WORD.search(text) or sum(c.isdigit() for c in text) * 2 > len(text):
        return None
    size, bold = group[0].size, all(line.bold for line in group)
    number = heading_number(text)
    depth = max(1, number.depth if number else 1)
    ends_sentence = text.rstrip().endswith((".", ";", ",")) and not (number and len(text) < 12)
    if size >= body + BIGGER and len(text) <= HEADING_CHARS:
        return (-size, 0 if bold else 1, depth)
    if bold and len(text) <= HEADING_CHARS * 3 // 4 and not ends_sentence and not text.endswith(":"):
        return (-size, 0, depth)  # a bold label ending with ":" ("Nombre de conseillers :") leads into its text
    if (
        number
        and len(group) == 1
        and len(text) <= NUMBERED_HEADING_CHARS
        and not text.rstrip().endswith((".", ";", ",", ":"))
    ):
        return (-size, 1, depth)
    return None
