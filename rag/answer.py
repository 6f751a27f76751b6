"""Write the French answer from retrieved passages, without an LLM.

The best passage is answered in full: a plan lever with all its actions and its axis path, a
key figure or a sentence quoted as written, then its source. Close runners-up are listed
as "À voir aussi". Every figure and action in the answer is quoted from a cited passage.
Wording lives in `data/answers.toml`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from langchain_core.documents import Document as LCDocument

from rag.analyzer import fold, glossary
from rag.store import actions_of

SEE_ALSO_RATIO = 0.8  # a runner-up scoring at least this share of the best is worth mentioning
MAX_SEE_ALSO = 2
MAX_DEFINITIONS = 3
# A refusal names at most this many documents: with hundreds uploaded, a list of all of them would be
# read by nobody (and cost 6 ms per refusal to write at 2,000 documents, measured).
MAX_COVERAGE_LINES = 5


@lru_cache
def templates() -> dict[str, Any]:
    text = resources.files("rag.data").joinpath("answers.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def axis_path(meta: dict[str, Any]) -> str:
    """ "III. … › A - …": where a plan passage sits ("" outside the plan's axes)."""
    return " › ".join(str(part) for part in (meta.get("axis"), meta.get("sub_axis")) if part)


def section_path(meta: dict[str, Any]) -> str:
    """ "III. … › A - … › enjeu" for plan passages (the enjeu for an action), the heading for others."""
    if meta.get("axis"):
        enjeu = meta.get("enjeu", "") if meta.get("kind") == "action" else ""
        return " › ".join(part for part in (axis_path(meta), str(enjeu)) if part)
    return str(meta.get("section") or "")


def source_line(meta: dict[str, Any]) -> str:
    where = axis_path(meta) or str(meta.get("section") or "")
    return templates()["source"].format(title=meta["title"], page=meta["page"], where=f", {where}" if where else "")


def render_passage(document: LCDocument, lever: LCDocument | None) -> str:
    """The body for one passage: a whole lever for plan rows, a quotation otherwise."""
    t = templates()
    meta = document.metadata
    if lever is not None:
        lever_meta = lever.metadata
        lines = "\n".join(t["action_line"].format(action=action) for action in actions_of(lever_meta))
        return t["lever"].format(enjeu=lever_meta["enjeu"], path=axis_path(lever_meta), actions=lines)
    if meta.get("kind") == "figure":
        return t["figure"].format(text=document.page_content)
    if (kind := str(meta.get("kind"))) in t["structure_intro"]:
        return render_structure(document.page_content, kind)
    return t["passage"].format(text=document.page_content)


def render_structure(text: str, kind: str) -> str:
    """A structure node: its title, what it is, then its parts one per line ("▪ A - … : levers")."""
    title, *lines = text.split("\n")
    parts = [line.removeprefix("▪ ") for line in lines if line.startswith("▪ ")]
    lead = [line for line in lines if not line.startswith("▪ ")]
    intro = templates()["structure_intro"][kind].format(count=len(parts))
    items = "\n".join(templates()["action_line"].format(action=part) for part in parts)
    return "\n".join([f"**{title}**", *lead, intro, items])


def summary(document: LCDocument) -> str:
    meta = document.metadata
    if meta.get("enjeu"):
        return f"levier « {meta['enjeu']} »"
    text = document.page_content
    return f"« {text if len(text) <= 160 else text[:157].rstrip() + '…'} »"


def definitions(question: str) -> list[str]:
    """ "ZAN : zéro artificialisation nette." for each glossary acronym the question names; a
    two-letter one ("AO") only when written in capitals, as a lower-case "ao" is rarely meant."""
    words = set(re.findall(r"[^\W\d_]+", question))
    folded = {fold(word) for word in words}
    named = [
        acronym
        for acronym in glossary()
        if acronym.short in words or (len(acronym.short) > 2 and fold(acronym.short) in folded)
    ]
    return [templates()["definition"].format(short=a.short, long=a.long) for a in named[:MAX_DEFINITIONS]]


def compose(documents: Sequence[LCDocument], levers: Sequence[LCDocument | None], question: str = "") -> str:
    """Answer from the ranked passages; `levers[i]` is the whole lever of passage i, if any. The
    acronyms the question names are spelled out first: officials ask what they mean."""
    t = templates()
    best = documents[0]
    parts = [render_passage(best, levers[0]), source_line(best.metadata)]
    if spelled := definitions(question):
        parts.insert(0, "\n".join(spelled))
    top = best.metadata.get("score", 0.0) or 1e-9
    others = [doc for doc in documents[1:] if doc.metadata.get("score", 0.0) >= SEE_ALSO_RATIO * top]
    if others:
        lines = [
            t["see_also_line"].format(summary=summary(doc), title=doc.metadata["title"], page=doc.metadata["page"])
            for doc in others[:MAX_SEE_ALSO]
        ]
        parts.append("\n".join([t["see_also_header"], *lines]))
    return "\n\n".join(parts)


def pieces(text: str) -> list[str]:
    """The answer in pieces (a word and its following space each) to show as they come."""
    return re.findall(r"\S+\s*", text) or [text]


def refusal(coverage: dict[str, list[str]], nearest: Sequence[str] = ()) -> str:
    """A polite refusal that says what the documents do cover: titles and their main topics, the
    `nearest` titles first (the documents of the passages the question came closest to), at most
    `MAX_COVERAGE_LINES`, then how many others there are."""
    t = templates()
    if not coverage:
        return t["empty_index"]
    titles = list(dict.fromkeys([title for title in nearest if title in coverage] + list(coverage)))
    lines = [
        t["coverage_line"].format(title=title, topics=" ; ".join(coverage[title]))
        for title in titles[:MAX_COVERAGE_LINES]
    ]
    more = len(titles) - MAX_COVERAGE_LINES
    if more > 0:
        lines.append(t["coverage_more"].format(count=more) if more > 1 else t["coverage_one_more"])
    return t["refusal"].format(coverage="\n".join(lines))
