"""Write the French answer from retrieved passages, without an LLM.

The best passage is answered in full, shaped by its kind: a table row holding a list with its
whole list (a plan's issue and its actions), a table row as its "header : value" pairs under
its table, a key figure, a section with its parts, a paragraph quoted under its heading; then its
source. Close runners-up are listed as "À voir aussi". Every figure and action in the answer is
quoted from a cited passage. Wording lives in `data/answers.toml`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from rag.analyzer import Text
from rag.retriever import Hit
from rag.store import StoredChunk, json_list

SEE_ALSO_RATIO = 0.8  # a runner-up scoring at least this share of the best is worth mentioning
MAX_SEE_ALSO = 2
MAX_DEFINITIONS = 3
MAX_SUGGESTIONS = 3  # questions a refusal offers to ask instead
MAX_TOPIC_CHARS = 100
_NUMBERING = re.compile(r"^(?:[▪•\-–]\s*|(?:[IVX]+|\d+(?:\.\d+)*|[A-H])\s*[.)]?\s*[-–.]\s+|(?:[IVX]+|\d+)\.\s+)")


@lru_cache
def templates() -> dict[str, Any]:
    text = resources.files("rag.data").joinpath("answers.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def source_line(chunk: StoredChunk) -> str:
    where = chunk.section
    return templates()["source"].format(
        title=chunk.metadata["title"], page=chunk.metadata["page"], where=f", {where}" if where else ""
    )


def render_passage(chunk: StoredChunk, parent: StoredChunk | None) -> str:
    """The body for one hit, by its kind (see the module docstring); `parent` is the row or list
    a member hit belongs to."""
    t = templates()
    kind = chunk.kind
    where = chunk.section
    if parent is not None and parent.items:
        column = str(parent.metadata.get("column") or "")
        intro = t["row_list_intro"].format(column=column, path=parent.section) if column else parent.section
        items = "\n".join(t["item_line"].format(item=item) for item in parent.items)
        return t["row_list"].format(label=parent.metadata["label"], intro=intro, items=items)
    if kind == "figure":  # the figure asked about, then the other figures of its list
        template = t["figure_in"] if where else t["figure"]
        figure = template.format(text=chunk.text, where=where)
        others = [item for item in (parent.parts if parent else []) if item != chunk.text]
        lines = [t["item_line"].format(item=item) for item in others]
        return "\n".join([figure, t["figure_others"], *lines]) if lines else figure
    if kind in t["structure_intro"]:
        return render_structure(chunk.text, kind)
    if kind == "row":
        pairs = "\n".join(t["item_line"].format(item=pair) for pair in chunk.text.split(" ; "))
        return t["row"].format(where=where or chunk.metadata["title"], pairs=pairs)
    if chunk.path:
        return t["passage_in"].format(heading=chunk.path[-1], text=chunk.text)
    return t["passage"].format(text=chunk.text)


def render_structure(text: str, kind: str) -> str:
    """A structure node: its title, what it is, then its parts one per line ("▪ A - … : rows")."""
    title, *lines = text.split("\n")
    parts = [line.removeprefix("▪ ") for line in lines if line.startswith("▪ ")]
    lead = [line for line in lines if not line.startswith("▪ ")]
    intro = templates()["structure_intro"][kind].format(count=len(parts))
    items = "\n".join(templates()["item_line"].format(item=part) for part in parts)
    return "\n".join([f"**{title}**", *lead, intro, items])


def summary(chunk: StoredChunk) -> str:
    text = str(chunk.metadata.get("label") or "") or chunk.text
    return f"« {text if len(text) <= 160 else text[:157].rstrip() + '…'} »"


def definitions(question: Text, acronyms: Mapping[str, str]) -> list[str]:
    """ "ZAN : zéro artificialisation nette." for each acronym the question names (written as an
    acronym, or in lower case when longer than two letters: "c koi le zan")."""
    words = {token.cased for token in question.tokens if not token.is_number}
    lowered = {token.folded for token in question.tokens if not token.is_number}
    named = [short for short in acronyms if short in words or (len(short) > 2 and short.lower() in lowered)]
    return [templates()["definition"].format(short=short, long=acronyms[short]) for short in named[:MAX_DEFINITIONS]]


def compose(hits: Sequence[Hit], parents: Sequence[StoredChunk | None], definitions: Sequence[str] = ()) -> str:
    """Answer from the ranked hits; `parents[i]` is the row or list of hit i, if any; the
    `definitions` of the acronyms a question asks about come first."""
    t = templates()
    best = hits[0]
    parts = [render_passage(best.chunk, parents[0]), source_line(best.chunk)]
    if definitions:
        parts.insert(0, "\n".join(definitions))
    top = best.score or 1e-9
    others = [hit.chunk for hit in hits[1:] if hit.score >= SEE_ALSO_RATIO * top]
    if others:
        lines = [
            t["see_also_line"].format(
                summary=summary(chunk), title=chunk.metadata["title"], page=chunk.metadata["page"]
            )
            for chunk in others[:MAX_SEE_ALSO]
        ]
        parts.append("\n".join([t["see_also_header"], *lines]))
    return "\n\n".join(parts)


def pieces(text: str) -> list[str]:
    """The answer in pieces (a word and its following space each) to show as they come."""
    return re.findall(r"\S+\s*", text) or [text]


def refusal(suggested: Sequence[str]) -> str:
    """One sentence saying the documents do not answer, then the `suggested` questions (see
    `suggestions`) as a list: a reader knows at once what to ask instead. No internal reason: it
    travels apart (`Answer.refusal_reason`) to the API and the log."""
    t = templates()
    if not suggested:
        return t["refusal"]
    lines = "\n".join(t["item_line"].format(item=question) for question in suggested)
    return f"{t['refusal']}\n{t['refusal_suggestions']}\n{lines}"


def suggestions(
    metas: Sequence[Mapping[str, Any]],
    topics: Sequence[str],
    acronyms: Mapping[str, str] | None = None,
    limit: int = MAX_SUGGESTIONS,
) -> list[str]:
    """Questions the documents do answer, near the one refused: the rows and headings of the
    passages it came closest to (`metas`, best first), then the documents' top-level parts
    (`topics`). Headings that name no subject (see `_askable`) are skipped; the acronyms they use
    are spelled out once ("les OLS (organismes de logement social)"), for a reader who does not
    know them."""
    template = templates()["suggestion"]
    found: list[str] = []
    for meta in metas:
        path = json_list(meta, "path")
        found += [str(meta.get("label") or "") if meta.get("kind") == "row" else "", *reversed(path[-2:])]
    found += list(topics)
    chosen = list(dict.fromkeys(topic for topic in map(_as_topic, dict.fromkeys(found)) if _askable(topic)))[:limit]
    spelled: set[str] = set()
    for number, topic in enumerate(chosen):
        for short, long in (acronyms or {}).items():
            match = re.search(rf"\b{re.escape(short)}\b", topic)
            inside = match is not None and topic[: match.start()].count("(") > topic[: match.start()].count(")")
            if match and short not in spelled and not inside:
                topic = f"{topic[: match.end()]} ({long.split(' (')[0]}){topic[match.end() :]}"
                spelled.add(short)
        chosen[number] = topic
    return [template.format(topic=topic) for topic in chosen]


def _askable(topic: str) -> bool:
    """A subject one can ask about: at least three words that say something (not "Le mot du
    président", "Objet de la note"), not in capitals, not a quotation or a fragment a report sets
    large ("« Nous ne construisons pas… »", "— Nadia B., directrice", "juger, mais…"), not mostly
    numbers ("Séance du 10 avril 2025, délibération n° 2025-052"), and not a document's furniture
    (a glossary, an annex, contacts: `answers.toml`'s `not_topics`)."""
    letters = [char for char in topic if char.isalpha()]
    shouting = sum(char.isupper() for char in letters) > len(letters) * 0.6
    quoted = topic[:1] in '«»"“”—–-' or topic.rstrip("…").endswith(("»", "”", '"'))
    tokens = topic.split()
    numbers = sum(any(char.isdigit() for char in token) for token in tokens)
    words = [word for word in re.findall(r"[^\W\d_]+", topic.lower()) if len(word) > 3]
    furniture = any(word.startswith(tuple(templates()["not_topics"])) for word in words)
    mostly_numbers = numbers * 3 > len(tokens)
    return len(words) >= 3 and not (shouting or quoted or furniture or mostly_numbers or topic[:1].islower())


def _as_topic(heading: str) -> str:
    """A heading as a subject to ask about: without its number or trailing colon; a long one cut at
    its last natural break (" : ", " – ", " (", ", ") that leaves three words, else after a word."""
    text = _NUMBERING.sub("", heading.strip().rstrip(" :"))
    if len(text) <= MAX_TOPIC_CHARS:
        return text
    head = text[:MAX_TOPIC_CHARS]
    for mark in (" : ", " – ", " (", ", "):
        cut = head.rfind(mark)
        if cut > 0 and len(head[:cut].split()) >= 3:
            return head[:cut].rstrip(" ,;:–-")
    return head.rsplit(" ", 1)[0].rstrip(" ,;:–-") + "…"
