"""The answer text: shaped by the kind of passage that answers, and what a refusal says the documents cover."""

from __future__ import annotations

import json

from langchain_core.documents import Document as LCDocument

from rag.answer import MAX_COVERAGE_LINES, compose, definitions, refusal


def test_a_refusal_over_many_documents_names_the_nearest_few_and_counts_the_others() -> None:
    coverage = {f"Plan {number:04d}": ["foncier", "chiffres clés"] for number in range(2_000)}
    text = refusal(coverage, nearest=["Plan 1234", "Plan 1234", "Plan absent"])
    listed = [line for line in text.splitlines() if line.startswith("- Plan")]
    assert len(listed) == MAX_COVERAGE_LINES
    assert listed[0] == "- Plan 1234 : foncier ; chiffres clés"  # the nearest first, once
    assert "et 1995 autres documents" in text


def test_a_refusal_over_few_documents_lists_them_all() -> None:
    coverage = {"Plan d'action": ["I. Produire"], "Communiqué": ["Assises"]}
    text = refusal(coverage, nearest=["Communiqué"])
    assert text.index("- Communiqué : Assises") < text.index("- Plan d'action : I. Produire")
    assert "autre" not in text.split("Je peux vous renseigner sur :")[1].split("Essayez")[0]
    coverage["Note"] = ["Loyers"]
    coverage |= {f"Note {number}": ["Loyers"] for number in range(3)}
    assert "- et un autre document" in refusal(coverage)


def _hit(text: str, kind: str, path: list[str], **meta: object) -> LCDocument:
    metadata = {"kind": kind, "path": json.dumps(path), "section": " › ".join(path), "title": "PLH", "page": 3}
    return LCDocument(page_content=text, metadata={**metadata, **meta})


def test_a_table_row_is_answered_by_its_header_value_pairs_under_its_table() -> None:
    row = _hit(
        "Commune : Lavergnac ; Logements à produire : 170 ; dont LLS : 43",
        "row",
        ["Orientation 1", "Tableau 2 – Objectifs par commune"],
    )
    text = compose([row], [None])
    assert text.startswith("**Orientation 1 › Tableau 2 – Objectifs par commune**\n- Commune : Lavergnac\n")
    assert "- dont LLS : 43" in text and "Source : PLH, p. 3" in text


def test_a_paragraph_is_quoted_under_its_heading_and_definitions_come_only_when_given() -> None:
    paragraph = _hit("L'agglomération aide les ménages à acheter.", "paragraph", ["Action 1.3 – Accession"])
    assert compose([paragraph], [None]).startswith("**Action 1.3 – Accession**\n« L'agglomération aide")
    spelled = definitions("c'est quoi le PSLA ?", {"PSLA": "prêt social location-accession"})
    assert spelled == ["PSLA : prêt social location-accession."]
    assert compose([paragraph], [None], spelled).startswith("PSLA : prêt social location-accession.\n\n")
