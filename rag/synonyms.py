"""The paraphrase table and the acronym glossary: the words officials use, mapped to the words
of housing policy.

Two data files, kept apart: `data/synonyms.tsv` holds paraphrases ("prix des terrains" →
observatoire foncier; English terms → French), each line earning its place on the questions it
changes (`python -m eval.audit`); `data/glossary.tsv` holds domain facts (what an acronym stands
for), kept whatever the questions. Both expand a question's search terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.analyzer import Phrases, Text, analyze, data_lines, first_occurrences, phrase_index, tokenize


@dataclass(frozen=True)
class Synonym:
    trigger: tuple[str, ...]  # stems that must appear consecutively in the question
    expansion: tuple[str, ...]  # stems added to the query


@dataclass(frozen=True)
class Acronym:
    """A glossary entry: "ZAN" stands for "zéro artificialisation nette"; `extra` are words the
    documents use beside it ("bailleur" for OLS), searched too but not part of the definition."""

    short: str
    long: str
    extra: str = ""


@lru_cache
def glossary() -> tuple[Acronym, ...]:
    entries = []
    for line in data_lines("glossary.tsv"):
        short, _, rest = line.partition("\t")
        long, _, extra = rest.partition("|")
        entries.append(Acronym(short.strip(), long.strip(), extra.strip()))
    return tuple(entries)


@lru_cache
def synonyms() -> tuple[Synonym, ...]:
    """The paraphrase table, then each acronym of the glossary expanded to its definition."""
    table = []
    for line in data_lines("synonyms.tsv"):
        trigger, _, expansion = line.partition("\t")
        table.append(Synonym(tokenize(trigger).all_stems, tuple(analyze(expansion))))
    for acronym in glossary():
        expansion = f"{acronym.long} {acronym.extra}".replace("(", " ").replace(")", " ")
        table.append(Synonym(tokenize(acronym.short).all_stems, tuple(analyze(expansion))))
    return tuple(table)


@lru_cache
def _trigger_index() -> Phrases:
    return phrase_index(synonym.trigger for synonym in synonyms())


def synonym_matches(text: Text) -> list[tuple[Synonym, set[str]]]:
    """The entries whose trigger occurs in `text`, each with the stems it covers there, in the
    table's order."""
    table = synonyms()
    found = first_occurrences(text.all_stems, _trigger_index())
    return [(table[rank], set(table[rank].trigger)) for rank in sorted(found)]


def expansions(present: Sequence[str], matches: list[tuple[Synonym, set[str]]]) -> list[str]:
    """Stems the matched entries add (those not already `present`)."""
    seen = set(present)
    added: list[str] = []
    for synonym, _ in matches:
        added.extend(term for term in synonym.expansion if term not in seen and term not in added)
    return added
