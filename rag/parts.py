"""The numbered part of a document a question points at: "l'axe 2", "le deuxième axe",
"III.A", "sous-axe B", "l'article 4", "l'action 1.2"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.numbering import PART_NOUNS, ROMAN
from rag.analyzer import Text, stem

_ORDINALS = {
    **dict.fromkeys(("premier", "premiere", "1er", "1ere", "first"), 1),
    **dict.fromkeys(("deuxieme", "second", "seconde", "2e", "2eme", "2nd"), 2),
    **dict.fromkeys(("troisieme", "3e", "3eme", "third", "3rd"), 3),
    **dict.fromkeys(("quatrieme", "4e", "4eme", "fourth"), 4),
    **dict.fromkeys(("cinquieme", "5e", "5eme", "fifth"), 5),
}
_PART_NOUN = "(" + "|".join(noun.replace(" ", r"[\s-]+") for noun in PART_NOUNS) + ")s?"
_NUMBERED_PART = re.compile(
    rf"\b{_PART_NOUN}\s+(?:n\s*[°o]?\s*)?([ivx]{{1,4}}|\d{{1,2}}(?:\.\d{{1,2}})*)(?:\s*[.\-]\s*([a-d]))?\b"
)
_ORDINAL_PART = re.compile(rf"\b({'|'.join(_ORDINALS)})\s+(?:grand\s+|grande\s+)?{_PART_NOUN}\b")
_DOTTED_PART = re.compile(r"\b([ivx]{1,4})\s*[.\-]\s*([a-d])\b")
_SUB_PART = re.compile(r"\bsous[\s-]?(?:axe|partie)\s+([a-d])\b")
_ALNUM = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class PartRef:
    """A part of a document the question points at by its number: "l'axe 2" ("axe", ("2",)), "le
    deuxième axe", "III.A" ("", ("3", "a")), "sous-axe B" ("", ("b",)), "l'article 4", "l'action 1.2"."""

    noun: str
    numbers: tuple[str, ...]


def part_reference(text: Text) -> PartRef | None:
    """The numbered part of a document the question names, if any."""
    folded = text.folded
    noun, numbers = "", []
    if found := _NUMBERED_PART.search(folded):
        noun = " ".join(found.group(1).replace("-", " ").split())
        numbers = [_arabic(found.group(2)), *([found.group(3)] if found.group(3) else [])]
    elif found := _ORDINAL_PART.search(folded):
        noun = " ".join(found.group(2).replace("-", " ").split())
        numbers = [str(_ORDINALS[found.group(1)])]
    elif found := _DOTTED_PART.search(folded):
        numbers = [_arabic(found.group(1)), found.group(2)]
    if (sub := _SUB_PART.search(folded)) and len(numbers) < 2:
        numbers.append(sub.group(1))
    return PartRef(noun, tuple(numbers)) if numbers else None


def part_words(text: Text) -> set[str]:
    """Stems of the words that name a numbered part ("premier axe", "axe II", "sous-axe B"), as
    the part's grammar cuts them ("1.2" is two numbers there)."""
    spans = [
        match.group(0)
        for regex in (_NUMBERED_PART, _ORDINAL_PART, _DOTTED_PART, _SUB_PART)
        for match in regex.finditer(text.folded)
    ]
    return {stem(word) for span in spans for word in _ALNUM.findall(span)}


def _arabic(number: str) -> str:
    """ "iii" → "3"; digits as they are."""
    return str(ROMAN[number]) if number in ROMAN else number
