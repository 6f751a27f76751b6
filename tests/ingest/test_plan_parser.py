"""The USH plan PDF is rebuilt as its structure, checked against the plain-text ground truth."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from ingest import Chunk, load_document
from tests.conftest import DATA, PLAN_PDF

AXIS_PAGES = {"I": 2, "II": 3, "III": 4}  # one axis per page in the PDF


def squash(text: str) -> str:
    """Compare "verbatim up to whitespace": hyphenated wraps rejoined, then all whitespace removed."""
    return re.sub(r"\s+", "", text.replace("’", "'"))


@dataclass
class Row:
    axis: str
    sub_axis: str
    enjeu: str
    actions: list[str] = field(default_factory=list)


def ground_truth() -> tuple[list[Row], list[str]]:
    """Rows (axis letter, sub-axis letter, enjeu, actions) and key figures of the plain text."""
    text = (DATA / "ush-occitanie_plan-action-production-logements-sociaux.txt").read_text(encoding="utf-8")
    blocks = [" ".join(block.split()) for block in re.split(r"\n\s*\n|\n(?=\s*[IVX]+\. )", text) if block.strip()]
    rows: list[Row] = []
    figures: list[str] = []
    axis = sub_axis = ""
    for block in blocks:
        if match := re.match(r"^([IVX]+)\. ", block):
            axis, sub_axis = match.group(1), ""
        elif match := re.match(r"^([A-Z]) - ", block):
            sub_axis = match.group(1)
        elif block.startswith("•"):
            figures.append(block.lstrip("• "))
        elif block.startswith("▪"):
            rows[-1].actions.append(block.lstrip("▪ "))
        elif sub_axis:
            rows.append(Row(axis, sub_axis, block))
    return rows, figures


@pytest.fixture(scope="module")
def plan_chunks() -> list[Chunk]:
    return list(load_document(PLAN_PDF).chunks)


def test_ground_truth_has_the_whole_plan() -> None:
    rows, figures = ground_truth()
    assert len(rows) == 16
    assert sum(len(row.actions) for row in rows) == 34
    assert len(figures) == 7


def test_every_action_is_in_the_row_of_its_own_enjeu(plan_chunks: list[Chunk]) -> None:
    """The plan's two-column table is one layout of the generic model: a table row whose first
    cell is the enjeu and whose other cell is the list of its actions, under axis › sub-axis."""
    rows, _ = ground_truth()
    table_rows = [chunk for chunk in plan_chunks if chunk.kind == "row"]
    assert len(table_rows) == len(rows) == 16
    for row in rows:
        found = next(chunk for chunk in table_rows if squash(chunk.label) == squash(row.enjeu))
        axis, sub_axis = found.path
        assert axis.startswith(f"{row.axis}. ")
        assert sub_axis.startswith(f"{row.sub_axis} - ")
        assert found.page == AXIS_PAGES[row.axis]
        assert found.column == "Leviers d’interventions identifiés"
        assert [squash(action) for action in found.items] == [squash(action) for action in row.actions]
        for action in row.actions:
            assert squash(action) in squash(found.text)


def test_every_action_is_searched_alone_and_cited_with_its_row(plan_chunks: list[Chunk]) -> None:
    rows, _ = ground_truth()
    actions = [chunk for chunk in plan_chunks if chunk.kind == "item"]
    expected = sorted((squash(row.enjeu), squash(action)) for row in rows for action in row.actions)
    assert sorted((squash(chunk.label), squash(chunk.text)) for chunk in actions) == expected
    groups = {chunk.group: chunk for chunk in plan_chunks if chunk.kind == "row"}
    assert all(squash(chunk.text) in squash(groups[chunk.group].text) for chunk in actions)
    recurring = [chunk for chunk in actions if chunk.text == "Animer des webinaires thématiques d'information"]
    assert len({chunk.label for chunk in recurring}) == 2, "a recurring action belongs to each of its rows"


def test_every_key_figure_is_searched_alone_in_its_list(plan_chunks: list[Chunk]) -> None:
    _, figures = ground_truth()
    found = [chunk for chunk in plan_chunks if chunk.kind == "figure"]
    assert [squash(chunk.text) for chunk in found] == [squash(figure) for figure in figures]
    assert all(chunk.page == 1 and chunk.path == ("Chiffres clés sur la Région",) for chunk in found)
    lists = {chunk.group: chunk for chunk in plan_chunks if chunk.kind == "list"}
    assert all(squash(chunk.text) in squash(lists[chunk.group].text) for chunk in found)


def test_intro_paragraphs_are_passages_on_page_one(plan_chunks: list[Chunk]) -> None:
    paragraphs = [chunk for chunk in plan_chunks if chunk.kind == "paragraph"]
    assert any("animés par Aatiko" in chunk.text for chunk in paragraphs)
    crisis = next(c for c in paragraphs if c.text.startswith("Le secteur du logement fait face à une crise majeure"))
    assert "Cette crise a des incidences" in crisis.text  # short paragraphs are packed with their neighbours
    assert crisis.path == ("Constat : Une production de logements sociaux en baisse",)
    assert all(chunk.page == 1 for chunk in paragraphs)


def test_no_running_header_footer_or_page_number(plan_chunks: list[Chunk]) -> None:
    header = "Plan d’action production de logements sociaux"
    for chunk in plan_chunks:
        assert header not in chunk.text
        assert not re.search(r"(^|\s)[1-4]$", chunk.text), chunk.text
        assert "Enjeux et freins répertoriés" not in chunk.text
        assert "Leviers d’interventions identifiés" not in chunk.text


def test_wrapped_lines_are_rejoined(plan_chunks: list[Chunk]) -> None:
    texts = " ".join(chunk.text for chunk in plan_chunks)
    assert "\n" not in " ".join(chunk.label for chunk in plan_chunks)
    assert "mobiliser sur les AO avec des conditions maîtrisées" in texts
    assert "multi-" in texts and "multi-\n" not in texts


def test_chunk_ids_are_stable_content_hashes(plan_chunks: list[Chunk]) -> None:
    again = load_document(PLAN_PDF).chunks
    assert [chunk.id for chunk in plan_chunks] == [chunk.id for chunk in again]
    assert len({chunk.id for chunk in plan_chunks}) == len(plan_chunks)
