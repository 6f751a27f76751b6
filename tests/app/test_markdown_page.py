"""A Markdown source as a page: headings anchored as the citation links name them, raw HTML inert."""

from __future__ import annotations

from app.markdown_page import anchor, markdown_page
from app.ui_render import source_link
from rag.assistant import Citation


def test_a_markdown_citation_opens_its_page_at_the_heading_it_sits_under() -> None:
    text = "# Note SRU\n\n## 1.2 Le taux légal : 25 % ou 20 %\n\nTexte <script>alert(1)</script>\n"
    page = markdown_page(text, "Note <SRU>")
    citation = Citation("Texte", "note-sru", "Note", 1, "Note SRU › 1.2 Le taux légal : 25 % ou 20 %", 1.0, format="md")
    link = source_link(citation)
    assert link == "/documents/note-sru.md#1-2-le-taux-legal-25-ou-20"
    assert f'id="{link.split("#")[1]}"' in page
    assert "<script>" not in page and "&lt;script&gt;" in page and "<title>Note &lt;SRU&gt;</title>" in page
    assert anchor("Habitat à Nîmes") == "habitat-a-nimes"
    pdf = Citation("Texte", "plan", "Plan", 4, "III. Foncier", 1.0)
    assert source_link(pdf) == "/documents/plan.pdf#page=4"
