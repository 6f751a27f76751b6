"""The layout-free shape every reader produces: headings, paragraphs, bullets and table rows.

Readers (PDF, Markdown) only recover the document's structure; `chunker` decides what a passage is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "paragraph", "bullet", "row"]

BULLET_CHARS = "•▪◦●■-–*"
_HYPHEN_BREAK = re.compile(r"(?<=[A-Za-zÀ-ÿ])-\s*\n\s*(?=[a-zà-ÿ])")
_URL_BREAK = re.compile(r"((?:https?://|www\.)\S*[/_=&?-])\n(?=[\w%#~])")
_SPACES = re.compile(r"\s+")


@dataclass
class Block:
    """A unit of the page. A heading has a `level` (1 = biggest). A table row has its first cell
    as `text` (what the row is about), its other cells as (column header, value) pairs, the list
    a cell holds as `items` (a plan row: an issue and its ▪ actions)."""

    kind: BlockKind
    text: str
    page: int
    level: int = 0
    cells: list[tuple[str, str]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    header: str = ""  # a row: the header of its first column ("Commune")


def join_lines(lines: list[str]) -> str:
    """Rejoin wrapped lines: "multi-" + "opérations" → "multi-opérations", a web address cut after
    "/", "-", "_", "=", "&" or "?" in one piece (a link split in two leads to the site's home page),
    others with one space."""
    text = "\n".join(line.strip() for line in lines)
    text = _HYPHEN_BREAK.sub("-", text)
    text = _URL_BREAK.sub(r"\1", text)
    return normalize_space(text)


def normalize_space(text: str) -> str:
    """Collapse every run of whitespace (including non-breaking spaces) to one space."""
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def fold(text: str) -> str:
    """Lower-case without accents or apostrophe variants: "L’Équipe" → "l'equipe". Shared by the
    readers (a heading's number) and by retrieval (every word of a question and a passage)."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'").replace("œ", "oe"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def strip_bullet(text: str) -> str:
    """Remove a leading bullet sign ("▪ Animer..." → "Animer...")."""
    return text.lstrip(BULLET_CHARS + " ").strip()


def is_bullet(text: str) -> bool:
    """A line opening on a bullet sign; a dash only when a space follows ("- item", not "-5 %")."""
    text = text.strip()
    return len(text) > 1 and text[0] in BULLET_CHARS and (text[1] == " " or text[0] not in "-–*")
