"""Numbers in questions and passages: figures (digits, number words, dates), amounts with a
unit, years, and the measures a number question names ("le loyer", "le montant")."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.analyzer import Text, data_lines, fold, stem

_NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2,4})\b")
_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:%|€|euros?\b|pour\s*cent\b|(?:m|k)€|millions?\b|milliards?\b)")
MONTHS = "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre".split()


def is_year(figure: str) -> bool:
    return len(figure) == 4 and figure.isdigit() and figure[:2] in ("19", "20")


@lru_cache
def number_words() -> frozenset[str]:
    return frozenset(stem(fold(line.strip())) for line in data_lines("number_words.txt"))


@lru_cache
def cardinal_words() -> frozenset[str]:
    """The number words that count ("trois", "mille"), not the ordinals ("troisièmes") nor the
    orders of magnitude ("des millions", "un milliard": an amount of that size is asked)."""
    words = (fold(line.strip()) for line in data_lines("number_words.txt"))
    return frozenset(stem(word) for word in words if not word.rstrip("s").endswith(("ieme", "illion", "illiard")))


def figures(text: Text) -> list[str]:
    """Stems of the digits and number words of `text` (stop words included: "trois" is one).
    A date counts its month as a number whichever way it is written: "20/12/2024" and
    "20 décembre 2024" both give 20, 12, 2024."""
    dates = [match.span() for match in _NUMERIC_DATE.finditer(text.folded)]
    found = []
    previous = ""
    for token in text.tokens:
        word = token.folded
        if previous.isdigit() and word in MONTHS:
            found.append(str(MONTHS.index(word) + 1))
        elif word.isdigit() and any(start <= token.start and token.end <= end for start, end in dates):
            found.append(str(int(word)))  # "05/03/2024": 5 and 3, as "5 mars 2024"
        elif (term := stem(word))[0].isdigit() or term in number_words():
            found.append(term)
        previous = word
    return found


def amounts(text: Text) -> list[str]:
    """The numbers `text` gives a unit, as `figures` writes them: "20 %" → "20", "1,5 M€" → "1,5"."""
    return [stem(number.replace(" ", "")) for number in _AMOUNT.findall(text.folded)]


@lru_cache
def _measures() -> dict[str, tuple[str, ...]]:
    """Each measure as written, with the signs that show it in a figure (measures.txt)."""
    measures = {}
    for line in data_lines("measures.txt"):
        word, _, signs = line.partition("\t")
        measures[fold(word.strip())] = tuple(signs.split())
    return measures


@lru_cache
def measure_forms() -> frozenset[str]:
    return frozenset(_measures())


@lru_cache
def measure_words() -> frozenset[str]:
    return frozenset(stem(word) for word in _measures())


@lru_cache
def measure_signs() -> dict[str, tuple[str, ...]]:
    """By stem, the signs that show a generic measure in a figure: "mont" → ("€", "euros")."""
    return {stem(word): signs for word, signs in _measures().items() if signs}
