"""Check a written answer against the passages it cites, before anyone reads it.

A language model writes fluent French whether or not the sources say it. What an official acts on
is checked here, mechanically: every number (figures, percentages, years, days), every month,
every name (an organisation, a place, a person, an acronym) and every action listed as a bullet
must be found in the passages the answer cites by their [n]. Accents and case do not count,
numbers are compared normalised ("6,1" = "6.1", "107 500" = "107500"). One failure and the
written answer is replaced by the extractive one (`rag.assistant`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rag.analyzer import analyze, fold
from rag.numbers import MONTHS

ACTION_SUPPORT = 0.6  # share of a bullet's content words that the cited passages must hold
_CITATION = re.compile(r"\[(\d{1,2})\]")
_NUMBER = re.compile(r"\d+(?:[  \u202f]\d{3})*(?:[.,]\d+)?")
_CAPITALISED = r"[A-ZÀ-Ý][\w’'-]*"
# "Labège", "Pierre-André Durand", "Banque des Territoires": capitalised words, joined by de/des/du/la.
_NAME = re.compile(rf"\b{_CAPITALISED}(?:\s+(?:(?:de|des|du|la|le|d’|d'|l’|l')\s*)?{_CAPITALISED})*")
_CONNECTORS = frozenset("de des du la le d’ d' l’ l'".split())
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*(?:[-*•▪]|\d+[.)])?\s*)([A-ZÀ-Ý][\w’'-]*)")
_BULLET = re.compile(r"^\s*(?:[-*•▪]|\d+[.)])\s+(.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Check:
    """The verifier's finding: the problems found, none when the answer holds."""

    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def reason(self) -> str:
        return " ; ".join(self.problems)


def number_key(number: str) -> str:
    """ "107 500" → "107500", "6,1" → "6.1", "2,50" → "2.5": one spelling per value."""
    digits = re.sub(r"[  \u202f]", "", number).replace(",", ".")
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    return digits


def verify(answer: str, passages: Sequence[str]) -> Check:
    """The problems of `answer` against `passages` (numbered from 1 in the order given)."""
    problems: list[str] = []
    cited = sorted({int(number) for number in _CITATION.findall(answer)})
    if not cited:
        problems.append("aucune source citée")
    if unknown := [number for number in cited if not 1 <= number <= len(passages)]:
        problems.append(f"source inexistante : {', '.join(f'[{number}]' for number in unknown)}")
    sources = [passages[number - 1] for number in cited if 1 <= number <= len(passages)]
    source_text = fold(" ".join(sources))
    text = _CITATION.sub(" ", answer)

    source_numbers = {number_key(number) for number in _NUMBER.findall(" ".join(sources))}
    if missing := _unique(n for n in _NUMBER.findall(text) if number_key(n) not in source_numbers):
        problems.append(f"chiffre absent des sources : {', '.join(missing)}")

    starts = {match.start(1) for match in _SENTENCE_START.finditer(text)}
    names = [name for match in _NAME.finditer(text) if (name := _name(match, starts))]
    months = [word for word in re.findall(r"[^\W\d_]+", fold(text)) if word in MONTHS]
    if missing := _unique(word for word in (*names, *months) if fold(word).strip("’'-") not in source_text):
        problems.append(f"nom ou date absent des sources : {', '.join(missing)}")

    source_terms = set(analyze(" ".join(sources)))
    for bullet in _BULLET.findall(text):
        terms = [term for term in analyze(bullet) if not term[0].isdigit()]
        if terms and sum(term in source_terms for term in terms) / len(terms) < ACTION_SUPPORT:
            problems.append(f"action absente des sources : « {bullet.strip()[:80]} »")
    return Check(tuple(problems))


def _name(match: re.Match[str], sentence_starts: set[int]) -> str:
    """The name a match holds: without its first word when that word opens a sentence ("Le",
    "Pour"), and without leading connectors; "" when nothing is left."""
    words = match.group(0).split()
    if match.start() in sentence_starts:
        words = words[1:]
    while words and words[0] in _CONNECTORS:
        words = words[1:]
    return " ".join(words)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
