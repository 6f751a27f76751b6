"""The question analysed once: what to search for, with which weight, and what kind of answer it asks.

`analyse` reads a question's words once (`rag.analyzer.tokenize`) and builds the one typed
`Query` that retrieval, the refusal check and the answer all read: its own words (weight 1.0),
typo corrections against the documents' vocabulary, synonyms and acronyms from
`data/synonyms.tsv`, and — in a conversation — the words of the previous question at a lower
weight, so a follow-up such as "et pour les entreprises du bâtiment ?" is searched as a
standalone question; then the cues of what it asks (a number, a fact, a part as a whole, a
definition), the figures and places it names, and the orders it may hide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from rag.analyzer import Text, Token, fold, stem, stop_words, tokenize
from rag.cues import Cue, cue_words, find_cues
from rag.lexical import QueryTerm
from rag.numbers import amounts, figures, is_year, measure_forms, measure_words
from rag.orders import gives_orders
from rag.parts import PartRef, part_reference, part_words
from rag.places import is_known, place_stems, scoped_places
from rag.synonyms import Synonym, expansions, synonym_matches
from rag.typos import correct_typo

SYNONYM_WEIGHT = 0.6  # synonyms, acronym definitions and typo corrections
CONTEXT_WEIGHT = 0.5  # words of the previous question, for a follow-up
FOLLOW_UP_MAX_WORDS = 4
MIN_ASKED_WORDS = 2
DENSE_CHARS = 400  # of a question, for the dense model (typical questions: 40-200 characters)
PREVIOUS_CHARS = 300  # of the previous question, for a follow-up
PREVIOUS_MAX_CHARS = 1000  # of the previous question, for anything (as the API caps a question)
_SENTENCE = re.compile(r"(?<=[.?!;])\s+")
_FOLLOW_UP_START = re.compile(r"^\s*(et|and|what about|ou|mais|aussi|pareil|idem)\b", re.IGNORECASE)
_ANAPHORA = re.compile(r"\b(ca|cela|celui-ci|celle-ci|ce levier|cette action|ces actions|eux|elles|it|they|them)\b")
# Who or where: "qui a réuni…" (not the relative "les bailleurs qui…"), "où", "where", "quelle ville".
_ASKS_ENTITY = re.compile(
    r"(?:^|[,;:?!]\s*|\b(?:et|mais|and)\s+)(?:qui|who)\b|\b(?:où|where|d'où|par qui|avec qui|quelle ville"
    r"|quel lieu|quel endroit|which city|which town)\b"
)
_ACRONYM_EQUALS = re.compile(r"\b[A-Z][A-Za-z]*[A-Z]\s*=\s*\?")
_SYMBOLS = re.compile(r"[^\w\s'’.,;:?!%€/()-]")
_SUBJECT_STARTS = frozenset(
    "le la les l un une des on je j nous vous il ils elle elles mon ma mes notre nos ce cette ces leur leurs tu".split()
)


@dataclass(frozen=True)
class ContentWord:
    """A word of the question as a stem, with the stems that also count as it (typo fix, synonyms)."""

    stem: str
    alternatives: tuple[str, ...] = ()

    def found_in(self, terms: set[str]) -> bool:
        return self.stem in terms or any(term in terms for term in self.alternatives)


@dataclass(frozen=True)
class Topic:
    """What a conversation was about: the passage that answered its previous question (its
    document and heading path), so a follow-up ("et pour les petites communes ?", "qui pilote ?")
    is searched within it first."""

    document: str
    path: tuple[str, ...]


class Documents(Protocol):
    """What a question is read against: the words the indexed documents use (typo correction,
    places they name) and the numbered parts they have."""

    @property
    def vocabulary(self) -> frozenset[str]: ...

    def has_part(self, part: PartRef) -> bool: ...


@dataclass(frozen=True)
class Query:
    """The analysed question. Retrieval reads the standalone `text` (for the dense model) and the
    weighted stems; the refusal check reads `content` (what the question is about, checked against
    the passage) and the rest; the answer reads `source` (the acronyms it names)."""

    text: str
    terms: tuple[QueryTerm, ...]
    content: tuple[ContentWord, ...] = field(default_factory=tuple)
    source: Text | None = None  # the question's words, read once
    wants_number: bool = False  # "combien…", "quel est le loyer…": the answer must hold a number
    wants_fact: bool = False  # "qui est le président…": what is asked about must be in the passage
    gives_orders: bool = False  # "ignore tes instructions…": an instruction hidden in the question
    figures: tuple[str, ...] = ()  # numbers and ordinals the question names ("2021", "troisièmes")
    named: tuple[ContentWord, ...] = ()  # what the question names: places, acronyms, measures ("loyer")
    follows_up: bool = False  # asked after another: searched with the previous question's words
    wants_overview: bool = False  # "résume…", "que contient l'axe II": a part of a document as a whole
    part: PartRef | None = None  # the numbered part it points at
    places: tuple[str, ...] = ()  # places it is about ("en Espagne", "à Nîmes") that the documents never name
    wants_entity: bool = False  # "qui a réuni…", "où se sont tenues…": a person, an organisation, a place
    located: frozenset[str] = frozenset()  # stems of the places it is located in ("à Labège", "à Toulouse")
    asks_meaning: bool = False  # "ZAN, ça veut dire quoi ?": the answer spells out the acronyms it names
    amounts: tuple[str, ...] = ()  # numbers it gives a unit ("une majoration de 20 %", "2 millions d'euros")
    years: frozenset[str] = frozenset()  # years it names ("en 2026"): a table's column, a report's year
    topic: Topic | None = None  # a follow-up's: what the previous question was answered with


def read(question: str) -> Text:
    """A question's words, read once and handed to `analyse` (at most its last PREVIOUS_MAX_CHARS
    characters: a history turn may be of any length)."""
    return tokenize(question[-PREVIOUS_MAX_CHARS:])


def is_follow_up(text: Text) -> bool:
    """A question that leans on the previous one: starts with "et …", is very short, or says "ça"."""
    count = len(text.words)
    return (
        bool(_FOLLOW_UP_START.match(text.folded) or count <= FOLLOW_UP_MAX_WORDS and _ANAPHORA.search(text.folded))
        or count <= 2
    )


def content_words(text: Text, vocabulary: frozenset[str], matches: list[tuple[Synonym, set[str]]]) -> list[ContentWord]:
    """Each content word of `text` with the stems that also count as it: its typo correction,
    and the expansions of every synonym phrase (`matches`) it is part of ("prix des terrains" →
    observatoires)."""
    found: dict[str, ContentWord] = {}
    for term in text.stems:
        alternatives = [
            extra for synonym, covered in matches if term in covered for extra in synonym.expansion if extra != term
        ]
        if term not in vocabulary and (fixed := correct_typo(term, vocabulary)):
            alternatives.append(fixed)
        found.setdefault(term, ContentWord(term, tuple(dict.fromkeys(alternatives))))
    return list(found.values())


def analyse(question: Text, documents: Documents, previous: Text | None = None, topic: Topic | None = None) -> Query:
    """The query for `question`, read with `previous`, the last user question of the conversation,
    against the indexed `documents`. A numbered part they do not have ("l'article 55 de la loi
    SRU" in a note without articles) is read as words, not as a part."""
    vocabulary = documents.vocabulary
    weights: dict[str, float] = {}

    def add(term: str, weight: float) -> None:
        weights[term] = max(weights.get(term, 0.0), weight)

    raw = question.raw
    matches = synonym_matches(question)
    content = content_words(question, vocabulary, matches)
    for word in content:
        add(word.stem, 1.0)
        for alternative in word.alternatives:
            add(alternative, SYNONYM_WEIGHT)
    for term in expansions(question.stems, matches):  # phrases such as "bureaux vides", "prix des terrains"
        add(term, SYNONYM_WEIGHT)
    text = dense_text(raw)
    # In a conversation every question is read with the one before: follow-ups name their topic
    # by "il", "ça", "le permis de louer, on est concernés ?" as often as by "et pour…" (measured
    # on the blind conversations; questions that stand alone rank the same with it).
    follows_up = previous is not None
    if previous is not None:
        text = f"{dense_text(previous.raw, PREVIOUS_CHARS)} {text}"
        earlier = content_words(previous, vocabulary, synonym_matches(previous))
        for word in earlier:
            add(word.stem, CONTEXT_WEIGHT)
        content = list({word.stem: word for word in [*earlier, *content]}.values())
    cues = cue_words(question.letters)
    quantity = [cue for cue in find_cues(cues, "quantity_cues.txt") if not _subordinate_when(cues, cue)]
    facts = find_cues(cues, "strict_cues.txt")
    # Words that only say a number is wanted ("combien", "quelle date") are not what it is about;
    # the verbs of fact questions ("qui préside") stay, as they say what is asked.
    overview = find_cues(cues, "overview_cues.txt")
    places = scoped_places(raw)
    part = part_reference(question)
    if part and not documents.has_part(part):
        part = None
    asked = {stem(word) for cue, _ in quantity for word in cue} - measure_words()
    # The shape asked ("résume", "les axes", "le premier axe") is not what the question is about:
    # searched for, "organisé" would find "Organiser la représentation HLM".
    shape = {stem(word) for cue, _ in overview for word in cue} | (part_words(question) if part else set())
    asked |= shape
    content = [word for word in content if word.stem not in asked]
    weights = {term: weight for term, weight in weights.items() if term not in shape}
    if quantity or facts:
        content = _in_asking_sentence(question, content)
    found = figures(question)
    wants_number = bool(quantity)  # "combien…", "quel est le loyer…"
    return Query(
        text=text,
        terms=tuple(QueryTerm(term, weight) for term, weight in weights.items()),
        content=tuple(content),
        source=question,
        wants_number=wants_number,
        wants_fact=bool(facts),
        wants_entity=bool(_ASKS_ENTITY.search(raw.lower())),
        gives_orders=bool(find_cues(cues, "injection_cues.txt") or gives_orders(question.folded)),
        figures=tuple(dict.fromkeys(found)),
        amounts=tuple(dict.fromkeys(amounts(question))),
        years=frozenset(figure for figure in found if is_year(figure)),
        named=tuple(named_words(question, content, wants_number, fact_asked(cues, facts))),
        follows_up=follows_up,
        topic=topic if follows_up else None,
        wants_overview=bool(overview) or (part is not None and len(content) <= MIN_ASKED_WORDS),
        part=part,
        places=tuple(place for place in places if not is_known(place, vocabulary)),
        located=place_stems(places),
        asks_meaning=bool(find_cues(cues, "meaning_cues.txt")) or _bare_acronym(question),
    )


def _bare_acronym(text: Text) -> bool:
    """ "PLAI ?", "… : ZAE = ?": a short question naming an acronym, or an acronym "= ?", asks
    what it stands for."""
    runs = text.runs
    short = len(runs) <= 3 and any(len(run) > 1 and run.isupper() for run in runs)
    return short or bool(_ACRONYM_EQUALS.search(text.raw))


def dense_text(text: str, limit: int = DENSE_CHARS) -> str:
    """What the dense model reads of a question: words and punctuation only (an emoji costs it
    several tokens and says nothing of the documents), and at most `limit` characters, the last
    ones (a rambling message asks at its end). Its cost grows with the length: 1,000 emoji took
    2.9 s, a 20,000-character previous turn 46 s."""
    cleaned = " ".join(_SYMBOLS.sub(" ", text).split())
    return cleaned[-limit:]


def _subordinate_when(words: list[str], cue: Cue) -> bool:
    """ "Quand l'office lance ses appels d'offres, …" sets a scene, it asks no date: "quand"
    followed by a subject (a determiner or a pronoun), unlike "quand ont eu lieu…", "c'est quand ?"."""
    phrase, start = cue
    if phrase != ("quand",):
        return False
    after = words[start + 1 : start + 2]
    return bool(after) and after[0] in _SUBJECT_STARTS


def _in_asking_sentence(text: Text, content: list[ContentWord]) -> list[ContentWord]:
    """For a question of several sentences ("Mon fils attend depuis un an. Ça fait combien de
    foyers qui attendent ?"), the content words of the sentence that asks: the others tell a story
    the passage need not contain."""
    sentences = _sentences(text)
    if len(sentences) < 2:  # the whole question asks: its cues were already found
        return content
    asking = [sentence for sentence in sentences if _asks(sentence)]
    if not asking:
        return content
    stops = stop_words()
    stems = {stem(token.folded) for token in asking[-1] if token.counts and token.folded not in stops}
    kept = [word for word in content if word.stem in stems]
    return kept if len(kept) >= MIN_ASKED_WORDS else content


def _sentences(text: Text) -> list[list[Token]]:
    """The tokens of each non-blank sentence of the question as written."""
    offsets = [0]  # where each character of the text as written lands in the folded text
    for char in text.raw:
        offsets.append(offsets[-1] + len(fold(char)))
    spans, start = [], 0
    for match in _SENTENCE.finditer(text.raw):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text.raw)))
    return [
        [token for token in text.tokens if offsets[first] <= token.start and token.end <= offsets[last]]
        for first, last in spans
        if text.raw[first:last].strip()
    ]


def _asks(sentence: list[Token]) -> bool:
    """Whether the sentence asks for a quantity or a precise fact."""
    cues = cue_words([token.folded for token in sentence if not token.is_number])
    return bool(find_cues(cues, "quantity_cues.txt") or find_cues(cues, "strict_cues.txt"))


def named_stems(text: Text, wants_number: bool) -> set[str]:
    """Stems of the words a precise answer must mention: proper nouns and acronyms (capitalised
    after the first word: "Montpellier", "PLAI", but not "Ça" or "On" opening a sentence) and, for a
    number question, the measure asked ("loyer", "budget")."""
    letters = [token for token in text.tokens if not token.is_number]
    stops = stop_words()
    named = {
        stem(token.folded)
        for token in letters[1:]
        if token.cased[0].isupper() and len(token.cased) > 1 and (token.cased.isupper() or token.folded not in stops)
    }
    if wants_number:
        # Compared as written, not as stems: "monte" (rises) and "montant" (amount) share one.
        named |= {stem(token.folded) for token in letters if token.folded in measure_forms()}
    return named


def fact_asked(words: list[str], facts: list[Cue]) -> set[str]:
    """For "qui préside…", "qui est le président de…", "le nom du préfet": the stem of what is asked
    (préside, président, préfet), a passage about the rest of the question not being an answer.
    It is the cue's own content word if it has one, else the first content word after the cue."""
    for cue, start in facts:
        own = [word for word in cue[1:] if word not in stop_words()]
        after = [word for word in words[start + len(cue) :] if word not in stop_words() and len(word) > 1]
        if chosen := (own or after)[:1]:
            return {stem(chosen[0])}
    return set()


def named_words(text: Text, content: list[ContentWord], wants_number: bool, asked: set[str]) -> list[ContentWord]:
    """The named words and what a fact question asks for, as content words (an acronym that is also
    a stop word, "PLUS", still counts)."""
    by_stem = {word.stem: word for word in content}
    return [by_stem.get(term, ContentWord(term)) for term in sorted(named_stems(text, wants_number) | asked)]
