"""What the acronyms of the indexed documents stand for, read from the documents themselves.

Documents define their acronyms in two ways: in running text ("… au plan départemental d'action
pour le logement et l'hébergement des personnes défavorisées (PDALHPD) …") and in a list of
acronyms ("CRHH : comité régional de l'habitat et de l'hébergement", or a "Sigle | Signification"
table). The long form in running text is found as Schwartz and Hearst do (2003): the shortest run
of words before the parenthesis in which the acronym's letters appear in order, the first at the
start of a word. The domain glossary (`data/glossary.tsv`) fills in acronyms the documents use
without defining.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rag.analyzer import fold, stop_words
from rag.synonyms import glossary

_IN_PARENTHESES = re.compile(r"\(([A-Z][A-Za-z0-9&\-]{1,11})\)")
_DEFINED_AS = re.compile(r"^\s*(?:▪\s*)?([A-Z][A-Z0-9&\-]{1,11}[a-z]?)\s*(?::|–|—|=|\s-\s)\s*([^\n;]{6,160})", re.M)
_CAPITALS = re.compile(r"[A-Z]")
_ELISION = re.compile(r"^[ldjmnstc]['’]", re.IGNORECASE)
MAX_EXTRA_WORDS = 5  # words a long form may hold beyond its acronym's letters ("de", "la", "pour"...)


def is_acronym(word: str) -> bool:
    """ "PDALHPD", "SCoT", "AR-HLM": at least two capitals and no lower-case run longer than one letter."""
    return len(_CAPITALS.findall(word)) >= 2 and not re.search(r"[a-z]{2,}", word)


def long_form(acronym: str, before: str) -> str | None:
    """The definition just before "(ACRONYM)" in `before`, or None when its letters are not there:
    the nearest run of words whose content words' initials spell the acronym ("Direction
    départementale de l'emploi, du travail et des solidarités" for DDETS), else the shortest run
    holding its letters in order (Schwartz and Hearst)."""
    letters = [char for char in fold(acronym) if char.isalnum()]
    words = before.split()[-(len(letters) + MAX_EXTRA_WORDS) :]
    for start in range(len(words) - 1, -1, -1):
        initials = [fold(word)[0] for word in (_content(w) for w in words[start:]) if word]
        if initials == letters:
            return _trimmed(" ".join(words[start:]))
    candidate = " ".join(words)
    folded = fold(candidate)
    position = len(folded) - 1
    for index in range(len(letters) - 1, -1, -1):
        letter = letters[index]
        while position >= 0 and (
            folded[position] != letter or (index == 0 and position > 0 and folded[position - 1].isalnum())
        ):
            position -= 1
        if position < 0:
            return None
        position -= 1
    found = _trimmed(candidate[candidate.rfind(" ", 0, position + 2) + 1 :])
    return found if len(found) > len(acronym) else None


def _content(word: str) -> str:
    """A word that carries a letter of an acronym: not a stop word, without its elision ("l'emploi")."""
    word = _ELISION.sub("", word.strip(",;:()«»\"'"))
    return "" if len(word) < 3 or fold(word) in stop_words() else word


def _trimmed(text: str) -> str:
    return _ELISION.sub("", text.strip(" ,;:–-("))


def defined_acronyms(texts: Iterable[str]) -> dict[str, str]:
    """Each acronym the texts define, with its first definition."""
    found: dict[str, str] = {}
    for text in texts:
        for match in _IN_PARENTHESES.finditer(text):
            acronym = match.group(1)
            if is_acronym(acronym) and acronym not in found:
                if meaning := long_form(acronym, text[: match.start()]):
                    found[acronym] = meaning
        for match in _DEFINED_AS.finditer(text):
            acronym, meaning = match.group(1), match.group(2).strip().rstrip(".")
            if is_acronym(acronym) and acronym not in found and not is_acronym(meaning.split()[0]):
                found[acronym] = meaning
    return found


def row_definitions(text: str) -> dict[str, str]:
    """A glossary table's row, "Sigle : CRHH ; Signification : comité régional…" (two pairs side by
    side in a four-column table): each acronym value followed by its meaning."""
    values = [pair.split(" : ", 1)[-1].strip() for pair in text.split(" ; ")]
    return {
        short: meaning.rstrip(".")
        for short, meaning in zip(values, values[1:], strict=False)
        if is_acronym(short) and len(short) <= 12 and meaning and not is_acronym(meaning.split()[0])
    }


def acronym_table(texts: Iterable[str], rows: Iterable[str] = ()) -> dict[str, str]:
    """The documents' definitions (running text and lists, then glossary tables' rows), then the
    domain glossary's for the acronyms they do not define."""
    table = defined_acronyms(texts)
    for row in rows:
        for short, meaning in row_definitions(row).items():
            table.setdefault(short, meaning)
    for entry in glossary():
        table.setdefault(entry.short, entry.long)
    return table
