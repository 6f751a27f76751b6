"""Where a question is about: "en Espagne", "à Nîmes", "dans le Gers", "le plan de la
Nouvelle-Aquitaine". A place the documents never name cannot be answered by them."""

from __future__ import annotations

import re

from rag.analyzer import fold, stem, stop_words

# "en Nouvelle-Aquitaine", "à Nîmes", "dans le Gers", "in Carcassonne": where the question is about.
_SCOPED_PLACE = re.compile(
    r"(?:^|\s)(?:en|au|aux|dans|pour|in|à)\s+(?:la\s+|le\s+|les\s+|l['’])?([A-ZÀ-Ý][^\W\d_]+(?:-[^\W\d_]+)*)"
)
# The asker introducing themselves, up to the end of the clause: "je suis maire d'un village de 400 âmes
# dans le Ségala,", "nous sommes une commune de l'Aveyron.", "élue à Millau :".
_INTRODUCTION = re.compile(
    r"\b(?:je\s+suis|j['’]\s*habite|nous\s+sommes|on\s+est|ici\s+(?:à|a|en|dans)|chez\s+nous|"
    r"(?:ma|notre)\s+(?:commune|ville|village|mairie|interco\w*|agglo\w*|communauté)|"
    r"(?:maire|élue?|elue?|adjointe?|conseill[eè]re?\s+\w+)\s+(?:de|du|d['’]|à|a|en|dans))"
    r"[^.;:!?,]*",
    re.IGNORECASE,
)
# Whose plan: "le plan logement de la Nouvelle-Aquitaine", "le plan d'action de l'AR HLM Provence-…".
_PLAN_OF_PLACE = re.compile(
    r"\b(?:[Pp]lan|[Pp]rogramme|[Pp]olitique|[Ss]trat[ée]gie|[Ss]ch[ée]ma)\b[^?.!;]{0,40}?\b(?:de|du|d['’])\s*"
    r"(?:la\s+|le\s+|l['’])?(?:[A-Z]{2,}\s+)*([A-ZÀ-Ý][^\W\d_]+(?:-[^\W\d_]+)*)"
)


def scoped_places(question: str) -> list[str]:
    """The proper nouns the question is located in: "en Espagne", "dans le Gers", "à Labège", "le
    plan de la Nouvelle-Aquitaine" (not acronyms: "en EPCI"; not stop words: "en Ce moment"). Where
    the asker introduces themselves ("je suis maire à Saint-Affrique en Aveyron, …") a place is
    context, not what the question is about. Read on the question as written: capitals matter."""
    places = []
    asked = _INTRODUCTION.sub(" ", question)
    for match in [*_SCOPED_PLACE.finditer(asked), *_PLAN_OF_PLACE.finditer(asked)]:
        name = match.group(1)
        first = name.split("-")[0]
        if not first.isupper() and fold(first) not in stop_words():
            places.append(name)
    return places


def is_known(place: str, vocabulary: frozenset[str]) -> bool:
    """Whether the documents use the place's name ("Toulouse", "Occitanie")."""
    return stem(fold(place.split("-")[0])) in vocabulary


def place_stems(places: list[str]) -> frozenset[str]:
    """Stems of the words of place names ("Saint-Affrique" → saint, affriqu)."""
    return frozenset(stem(fold(word)) for place in places for word in place.split("-"))
