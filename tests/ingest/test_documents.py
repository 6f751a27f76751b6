"""Documents of other kinds and layouts (eval/documents/, written blind) cut by the one document model."""

from __future__ import annotations

import statistics
from functools import cache
from pathlib import Path

import pytest

from eval.passages import SHORT, TEXT_KINDS, documents
from ingest import Chunk, Document, load_document

DOCUMENTS = Path(__file__).resolve().parents[2] / "eval" / "documents"


@cache
def load(name: str) -> Document:
    return load_document(DOCUMENTS / name)


def rows(name: str) -> list[Chunk]:
    return [chunk for chunk in load(name).chunks if chunk.kind == "row"]


def test_text_passages_are_paragraph_sized_on_every_document() -> None:
    for document in documents():
        text = [len(chunk.text) for chunk in document.chunks if chunk.kind in TEXT_KINDS]
        assert statistics.median(text) >= 300, document.id
        assert min(text) >= SHORT, document.id


def test_a_table_split_across_pages_is_one_table_of_header_value_pairs() -> None:
    production = [row for row in rows("plh-programme-actions.pdf") if "Logements à produire" in row.text]
    assert len(production) == 13  # 12 communes and the total, on two pages
    assert {row.page for row in production} == {3, 4}
    assert len({row.path for row in production}) == 1 and production[0].path[-1].startswith("Tableau 2 –")
    last = production[-1]
    assert last.label == "Total agglomération"
    assert last.text.startswith("Commune : Total agglomération ; Logements à produire 2025-2030 : 2 280 ;")


def test_merged_header_cells_name_every_column_they_span() -> None:
    montalric = next(row for row in rows("pdalhpd-departement.pdf") if row.label == "Montalric")
    assert "Hébergement CHRS : 412" in montalric.text
    assert "Logement accompagné Résidences sociales : 684" in montalric.text


def test_a_table_drawn_with_rules_only_is_read_by_columns() -> None:
    patrimoine = [row for row in rows("rapport-activite-bailleur.pdf") if row.text.startswith("Commune :")]
    assert [row.label for row in patrimoine[:2]] == ["Montalric", "Castelbrune"]
    assert "Taux de vacance (%) : 3,4" in patrimoine[0].text
    assert not any("QPV : quartier prioritaire" in row.text for row in patrimoine)  # the note is text


def test_a_form_without_headers_is_read_as_text_under_its_sheet() -> None:
    chunks = load("pdalhpd-departement.pdf").chunks
    pilot = next(chunk for chunk in chunks if "Pilote(s) : Direction départementale de l’emploi" in chunk.text)
    assert pilot.kind in TEXT_KINDS
    assert pilot.path[-1].startswith("Fiche-action n° 1 :")


def test_a_two_column_page_is_read_column_by_column() -> None:
    chunks = load("plh-programme-actions.pdf").chunks
    growth = next(chunk for chunk in chunks if chunk.text.startswith("L'agglomération gagne en moyenne 570 habitants"))
    assert "(+0,2 % par an)" in growth.text  # the left column's sentence, not the right column's words
    assert "demandes actives" not in growth.text


def test_markdown_tables_and_numbered_headings() -> None:
    chunks = load("note-ddt-sru.md").chunks
    table = [chunk for chunk in chunks if chunk.kind == "row"]
    assert table and all(" : " in chunk.text for chunk in table)
    assert any(len(chunk.path) >= 2 for chunk in chunks if chunk.kind in TEXT_KINDS)


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("plh-programme-actions.pdf", "Action 1.1 –"),
        ("circulaire-instruction-prefets.pdf", "I. –"),
        ("circulaire-instruction-prefets.pdf", "1.1. La répartition"),  # italic, body size: by its number
        ("deliberation-aides-habitat.pdf", "Article 1 –"),
    ],
)
def test_numbered_headings_become_sections(name: str, heading: str) -> None:
    """Bold, italic or plain, a numbered heading starts a section the passages under it name."""
    paths = [chunk.path for chunk in load(name).chunks if chunk.kind in TEXT_KINDS]
    assert any(title.startswith(heading) for path in paths for title in path)
