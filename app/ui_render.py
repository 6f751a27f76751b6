"""HTML for the chat: answers with their source cards, refusals, and the plan outline.

Kept apart from the Gradio wiring (app/ui.py) so the rendering can be read and tested alone.
Everything shown comes from the index; text is escaped before it reaches the page.
"""

from __future__ import annotations

from html import escape

from app.markdown_page import anchor
from rag.assistant import Answer, Citation
from rag.outline import Outline, Section


def source_link(citation: Citation) -> str:
    """The source file at the passage: a PDF at its page, a Markdown document at its section."""
    if citation.format == "md":
        heading = citation.section.split(" › ")[-1] if citation.section else ""
        return f"/documents/{escape(citation.document)}.md" + (f"#{anchor(heading)}" if heading else "")
    return f"/documents/{escape(citation.document)}.pdf#page={citation.page}"


def _link_label(citation: Citation) -> str:
    return (
        "Ouvrir le document à cette section" if citation.format == "md" else f"Ouvrir le PDF à la page {citation.page}"
    )


def source_card(number: int, citation: Citation) -> str:
    """One source: title, page, the headings above the passage, the passage, a link to the PDF page."""
    where = f"<div class='where'>{escape(citation.section)}</div>" if citation.section else ""
    passage = escape(citation.text).replace("\n", "<br>")
    link = (
        f"<a href='{source_link(citation)}' target='_blank' rel='noopener'>{_link_label(citation)}</a>"
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


SUGGESTIONS_NOTE = "Questions proches auxquelles les documents répondent (cliquez pour les poser) :"
WRITTEN_NOTE = "Réponse rédigée par un modèle de langage et vérifiée sur les sources."


def answer_markdown(answer: Answer) -> str:
    """The answer text; a refusal is set apart so it is not mistaken for an answer."""
    if answer.refused:  # its sentence; the questions it suggests are buttons under it (the reason is logged)
        sentence = answer.answer.split("\n", 1)[0]
        more = f"\n\n{SUGGESTIONS_NOTE}" if answer.suggestions else ""
        return f"ℹ️ {sentence}{more}"
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
        parts += [_section_html(section, depth=0) for section in outline.sections]
        parts.append("</section>")
    return "".join(parts) or "<p>Aucun document indexé.</p>"


def _section_html(section: Section, depth: int) -> str:
    """A section, open at the top level, with its rows (and their items) and its sub-sections."""
    opened = " open" if depth == 0 else ""
    rows = "".join(
        f"<li class='lever'><strong>{escape(row.label)}</strong> <span class='page'>(p. {row.page})</span>"
        f"<ul>{''.join(f'<li>{escape(item)}</li>' for item in row.items)}</ul></li>"
        for row in section.rows
    )
    children = "".join(_section_html(child, depth + 1) for child in section.children)
    return (
        f"<details{opened}><summary class='level-{depth + 1}'>{escape(section.title)} "
        f"<span class='page'>(p. {section.page})</span></summary>"
        f"{f'<ul>{rows}</ul>' if rows else ''}{children}</details>"
    )
