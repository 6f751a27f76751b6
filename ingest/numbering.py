"""How documents number their parts: "Orientation 2", "Action 1.2", "Article 3", "III.", "A -", "1.1.".

A heading's number says where it sits ("1.2" lies under "1") and lets a question name a part by it
("l'axe 2", "l'article 3", "III.A"). Shared by the readers (a numbered line is a heading) and by
retrieval (which part a question points at).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.blocks import fold

ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10, "xi": 11}
# Nouns that name a part of a document in French administrative writing (and their English forms).
PART_NOUNS = (
    "axe",
    "axis",
    "orientation",
    "action",
    "fiche action",
    "fiche",
    "article",
    "titre",
    "chapitre",
    "chapter",
    "partie",
    "part",
    "volet",
    "objectif",
    "annexe",
    "mesure",
    "priorite",
    "enjeu",
    "section",
    "programme",
)
# Nouns a bare number answers ("l'axe 2" is "II. …"); the others name their part in the heading.
GENERIC_PART_NOUNS = frozenset({"axe", "axis", "partie", "part", "chapitre", "chapter", "titre", "section", "volet"})
_NOUN = "|".join(noun.replace(" ", r"[\s-]+") for noun in PART_NOUNS)
_LABEL = re.compile(
    rf"^(?:({_NOUN})s?\s*(?:n\s*[°o]\s*)?)?([ivx]{{1,4}}|\d{{1,2}}(?:\.\d{{1,2}}){{0,3}}|[a-h])(?:er|ere)?"
    r"(?=\s*(?:[.):\-–—/]|$)|\s+\w)"
)


@dataclass(frozen=True)
class Number:
    """A part's number, normalised: `noun` ("axe", or "" for a bare "III."), `parts` ("1", "2") for
    "1.2", roman numerals as digits, letters lower-case."""

    noun: str
    parts: tuple[str, ...]

    @property
    def depth(self) -> int:
        return len(self.parts)


def heading_number(heading: str) -> Number | None:
    """The number a heading opens with, if any. A bare letter or roman numeral counts only when
    followed by a separator ("A - Faire…", "II. Agir…"), not as a word ("A la demande…")."""
    folded = fold(heading.strip())
    match = _LABEL.match(folded)
    if not match:
        return None
    noun = (match.group(1) or "").replace("-", " ")
    noun = " ".join(noun.split())
    value = match.group(2)
    rest = folded[match.end() :]
    if not noun and (len(value) == 1 and value.isalpha() or not value[0].isdigit()):
        if not re.match(r"\s*[.)\-–—]", rest):  # "A la…", "Vu le…" are words, not numbers
            return None
    if not noun and value[0].isdigit() and not re.match(r"\s*[.)\-–—]", rest) and "." not in value:
        return None  # "2025 sera…", "12 communes…": a sentence that opens on a number
    parts = (str(ROMAN[value]),) if value in ROMAN else tuple(value.split("."))
    return Number(noun, parts)


def same_part(asked: str, number: Number) -> bool:
    """Whether a number asked in a question ("2", "1.2", "b") is this heading's number."""
    return ".".join(number.parts) == asked
