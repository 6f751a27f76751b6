"""Markdown press releases: headings, paragraphs and bullets, markup stripped."""

from __future__ import annotations

import re

from ingest import load_document
from ingest.chunk import STRUCTURE_KINDS
from ingest.markdown_reader import read_markdown, strip_markup
from tests.conftest import DATA, PRESS_PDF

PRESS_MD = DATA / "2024-12-20_prefet-occitanie_communique-assises-logement.md"


def test_markup_link_targets_and_emphasis_are_stripped() -> None:
    assert strip_markup("**Élus** et *bailleurs* : [le site](https://x.fr) <https://y.fr/b>") == (
        "Élus et bailleurs : le site https://y.fr/b"
    )
    assert strip_markup("***très*** _important_") == "très important"


def test_headings_paragraphs_and_bullets() -> None:
    blocks = read_markdown("# Titre\n\nUn paragraphe\nsur deux lignes.\n\n- premier\n- second point\n")
    assert [(block.kind, block.text) for block in blocks] == [
        ("heading", "Titre"),
        ("paragraph", "Un paragraphe sur deux lignes."),
        ("bullet", "premier"),
        ("bullet", "second point"),
    ]


def test_press_release_markdown_matches_its_pdf() -> None:
    markdown = load_document(PRESS_MD)
    pdf = load_document(PRESS_PDF)
    # Passages only: the structure nodes above them also quote the title, which differs by format.
    text = " ".join(chunk.text for chunk in markdown.chunks if chunk.kind not in STRUCTURE_KINDS)
    assert "**" not in text and "](" not in text and "<https" not in text
    assert "Pierre-André Durand" in text
    assert "Retrouvez-nous sur X et Facebook" in text

    def words(doc_text: str) -> list[str]:
        return re.findall(r"\w+", doc_text.lower())

    # Same words in both renderings; short PDF headings live in the chunks' section, not their text.
    pdf_text = " ".join(f"{chunk.section} {chunk.text}" for chunk in pdf.chunks if chunk.kind not in STRUCTURE_KINDS)
    # The PDF wraps the URL ("2emes") and drops its motto, a label with nothing to cite.
    assert set(words(text)) - set(words(pdf_text)) <= {"2emes", "liberté", "égalité", "fraternité"}


def test_accented_markdown_keeps_accents_and_lists() -> None:
    document = load_document(DATA / "awkward" / "accents.md")
    passage = next(chunk for chunk in document.chunks if chunk.kind == "list")
    assert passage.text.startswith("Élus et bailleurs : voir le site ou https://exemple.fr/b.\n")
    assert passage.parts == ("Première action : « réhabiliter » 12 logements", "Deuxième action : créer l'observatoire")
    assert passage.title == "Habitat à Nîmes"  # the only top heading is the document's title, not a section
