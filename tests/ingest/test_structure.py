"""Structure nodes: the document and its sections at every level, each listing its parts."""

from __future__ import annotations

from pathlib import Path

from ingest import load_document
from ingest.chunk import STRUCTURE_KINDS
from tests.conftest import PLAN_PDF


def test_plan_has_a_node_per_section_at_every_level_listing_their_parts() -> None:
    chunks = load_document(PLAN_PDF).chunks
    sections = [chunk for chunk in chunks if chunk.kind == "section"]
    axes = [chunk for chunk in sections if len(chunk.path) == 1 and chunk.heading[:2] in ("I.", "II", "II")]
    assert [axis.heading[:4] for axis in axes] == ["I. A", "II. ", "III."]
    second = axes[1]
    assert second.parts == (
        "A - Aider les OLS dans la construction de leur plan de financement",
        "B - Sécuriser les appels d'offres travaux lancés par les OLS",
    )
    assert second.page == 3 and second.section.startswith("II. Aider")
    sub_axis = next(chunk for chunk in sections if chunk.heading.startswith("B - Sécuriser"))
    assert len(sub_axis.path) == 2 and sub_axis.path[0].startswith("II. Aider")
    assert len(sub_axis.parts) == 2 and "Structurer un tissu de fournisseurs" in sub_axis.parts[0]
    assert "Négocier en inter-bailleurs" in sub_axis.text  # the rows' actions are listed too
    # Indexed by its title and its rows' titles, not by the actions: those belong to the rows.
    assert sub_axis.search_text.startswith("B - Sécuriser les appels d'offres travaux lancés par les OLS")
    assert "Structurer un tissu" in sub_axis.search_text and "Négocier" not in sub_axis.search_text


def test_document_node_lists_sections_and_axes_with_the_lead_paragraph() -> None:
    document = next(chunk for chunk in load_document(PLAN_PDF).chunks if chunk.kind == "document")
    assert "Constat : Une production de logements sociaux en baisse" in document.parts
    assert "Une analyse a été menée" in document.text
    assert "▪ III. Accompagner les OLS dans l’accès au foncier : A - Faciliter" in document.text


def test_any_markdown_with_headings_gets_its_structure(tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text(
        "# Note habitat\n\n## Diagnostic\n\n"
        + "La vacance augmente dans les centres anciens du département, surtout dans les bourgs ruraux. " * 5
        + "\n\n"
        + "La demande reste forte sur le littoral, en particulier pour les petits logements des jeunes. " * 5
        + "\n\n## Propositions\n\n"
        + "- Créer une aide à la remise sur le marché des logements vacants depuis plus de deux ans\n" * 8,
        encoding="utf-8",
    )
    chunks = load_document(note).chunks
    document = next(chunk for chunk in chunks if chunk.kind == "document")
    assert document.parts == ("Diagnostic", "Propositions")
    section = next(chunk for chunk in chunks if chunk.kind == "section")
    assert section.heading == "Diagnostic" and "La demande reste forte" in section.text


def test_a_document_of_one_part_has_no_structure_node(tmp_path: Path) -> None:
    note = tmp_path / "court.md"
    note.write_text("# Court\n\nUn seul paragraphe sur la réhabilitation du parc.\n", encoding="utf-8")
    assert not [chunk for chunk in load_document(note).chunks if chunk.kind in STRUCTURE_KINDS]
