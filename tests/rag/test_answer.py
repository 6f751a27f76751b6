"""The answer text: shaped by the kind of passage that answers, and what a refusal says the documents cover."""

from __future__ import annotations

import json

from rag.analyzer import tokenize
from rag.answer import MAX_SUGGESTIONS, compose, definitions, refusal, suggestions
from rag.retriever import Hit
from rag.store import StoredChunk


def test_a_refusal_is_one_sentence_then_questions_on_the_nearest_rows_and_headings() -> None:
    nearest = [
        {"kind": "row", "label": "Faciliter l'accès au foncier", "path": json.dumps(["III. Foncier", "A - Repérer"])},
        {
            "kind": "paragraph",
            "label": "",
            "path": json.dumps(["COMMUNIQUÉ DE PRESSE", "Assises régionales du logement"]),
        },
        {"kind": "figure", "label": "▪ 107 500 ménages", "path": json.dumps(["Chiffres clés de la région"])},
        {"kind": "paragraph", "path": json.dumps(["Annexe 3 – Liste des sigles et acronymes", "Le mot du président"])},
    ]
    asked = suggestions(nearest, ["II. Produire plus de logements sociaux"], {"OLS": "organisme de logement social"})
    topics = [question.split("« ")[1].split(" »")[0] for question in asked]
    # A row's label first; a heading of one or two words, in capitals, a glossary or a figure's text are no subject.
    assert topics == ["Faciliter l'accès au foncier", "Assises régionales du logement", "Chiffres clés de la région"]
    assert len(asked) == MAX_SUGGESTIONS
    assert asked[0] == "Que disent les documents sur « Faciliter l'accès au foncier » ?"
    text = refusal(asked)
    first, *rest = text.splitlines()
    assert first.endswith("ne répondent pas à cette question ; je préfère ne rien inventer.")
    assert rest[1:] == [f"- {question}" for question in asked]
    assert "raison" not in text.lower()


def test_topics_are_cut_at_a_natural_break_and_their_acronyms_spelled_out_once() -> None:
    long = "A - Accompagner les OLS dans la construction de leur plan de financement : " + "montages, " * 12
    (first, second) = suggestions(
        [{"kind": "section", "path": json.dumps([long, "Aider les OLS à trouver du foncier"])}],
        [],
        {"OLS": "organisme de logement social (bailleur)"},
    )
    assert (
        first == "Que disent les documents sur « Aider les OLS (organisme de logement social) à trouver du foncier » ?"
    )
    assert second == (
        "Que disent les documents sur « Accompagner les OLS dans la construction de leur plan de financement » ?"
    )
    assert refusal([]).count("\n") == 0


def _hit(text: str, kind: str, path: list[str], **meta: object) -> Hit:
    metadata = {"kind": kind, "path": json.dumps(path), "section": " › ".join(path), "title": "PLH", "page": 3}
    return Hit(StoredChunk("c1", text, {**metadata, **meta}), score=1.0, lexical=1.0, dense=0.0)


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
    spelled = definitions(tokenize("c'est quoi le PSLA ?"), {"PSLA": "prêt social location-accession"})
    assert spelled == ["PSLA : prêt social location-accession."]
    assert compose([paragraph], [None], spelled).startswith("PSLA : prêt social location-accession.\n\n")
