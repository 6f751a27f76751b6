"""HTML for the chat: answers with their source cards, refusals, and the plan outline.

Kept apart from the Gradio wiring (app/ui.py) so the rendering can be read and tested alone.
Everything shown comes from the index; text is escaped before it reaches the page.
"""

from __future__ import annotations

from html import escape

from rag.assistant import Answer, Citation
from rag.outline import Outline


def pdf_link(citation: Citation) -> str:
    return f"/documents/{escape(citation.document)}.pdf#page={citation.page}"


def source_card(number: int, citation: Citation) -> str:
    """One source: title, page, axis › sub-axis (› lever), the passage, a link to the PDF page."""
    where = f"<div class='where'>{escape(citation.section)}</div>" if citation.section else ""
    passage = escape(citation.text).replace("\n", "<br>")
    link = (
        f"<a href='{pdf_link(citation)}' target='_blank' rel='noopener'>Ouvrir le PDF à la page {citation.page}</a>"
        if citation.document
        else ""
    )
    return (
        f"<div class='source-card'><div class='source-head'><strong>Source {number}</strong> · "
        f"{escape(citation.title)} · <span class='page'>p. {citation.page}</span></div>"
        f"{where}<blockquote>{passage}</blockquote>{link}</div>"
    )


def sources_html(answer: Answer, limit: int = 3) -> str:
    if answer.refused or not answer.citations:
        return ""
    cards = "".join(source_card(number, citation) for number, citation in enumerate(answer.citations[:limit], 1))
    return f"<div class='sources'><div class='sources-title'>Sources à vérifier</div>{cards}</div>"


WRITTEN_NOTE = "Réponse rédigée par un modèle de langage et vérifiée sur les sources."


def answer_markdown(answer: Answer) -> str:
    """The answer text; a refusal is set apart so it is not mistaken for an answer."""
    if answer.refused:
        why = f"\n\n_Raison : {answer.refusal_reason}._" if answer.refusal_reason else ""
        return "ℹ️ **Les documents ne répondent pas à cette question.**\n\n" + answer.answer + why
    if answer.mode == "llm":
        return f"{answer.answer}\n\n<small>{WRITTEN_NOTE}</small>"
    return answer.answer


def outline_html(outlines: list[Outline]) -> str:
    """Nested, keyboard-friendly disclosure lists (details/summary) of each document's structure."""
    parts = []
    for outline in outlines:
        parts.append(f"<section class='outline'><h2>{escape(outline.title)}</h2>")
        if outline.figures:
            figures = "".join(
                f"<li>{escape(f.text)} <span class='page'>(p. {f.page})</span></li>" for f in outline.figures
            )
            parts.append(f"<details open><summary>Chiffres clés</summary><ul>{figures}</ul></details>")
        for axis in outline.axes:
            parts.append(f"<details open><summary class='axis'>{escape(axis.title)}</summary>")
            for sub in axis.sub_axes:
                parts.append(f"<details><summary class='sub-axis'>{escape(sub.title)}</summary><ul>")
                for lever in sub.levers:
                    actions = "".join(f"<li>{escape(action)}</li>" for action in lever.actions)
                    parts.append(
                        f"<li class='lever'><strong>{escape(lever.enjeu)}</strong> "
                        f"<span class='page'>(p. {lever.page})</span><ul>{actions}</ul></li>"
                    )
                parts.append("</ul></details>")
            parts.append("</details>")
        parts.append("</section>")
    return "".join(parts) or "<p>Aucun plan indexé.</p>"
