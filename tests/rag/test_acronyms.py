"""What the documents say their acronyms stand for, read from their own text."""

from __future__ import annotations

from rag.acronyms import acronym_table, defined_acronyms, long_form, row_definitions


def test_the_long_form_before_the_parenthesis_is_found_by_its_initials() -> None:
    text = "La Direction départementale de l’emploi, du travail et des solidarités (DDETS) pilote l’action."
    assert defined_acronyms([text]) == {"DDETS": "Direction départementale de l’emploi, du travail et des solidarités"}
    assert long_form("AIVS", "captés par l’agence immobilière à vocation sociale") == (
        "agence immobilière à vocation sociale"
    )
    assert long_form(
        "PDALHPD", "le plan départemental d’action pour le logement et l’hébergement des personnes défavorisées"
    ) == ("plan départemental d’action pour le logement et l’hébergement des personnes défavorisées")
    assert long_form("XYZ", "rien de tel ici") is None


def test_lists_and_glossary_tables_define_acronyms() -> None:
    assert defined_acronyms(["▪ CRHH : comité régional de l’habitat et de l’hébergement"]) == {
        "CRHH": "comité régional de l’habitat et de l’hébergement"
    }
    assert row_definitions(
        "Sigle : BRS ; Signification : bail réel solidaire ; Sigle : OFS ; Signification : "
        "organisme de foncier solidaire"
    ) == {
        "BRS": "bail réel solidaire",
        "OFS": "organisme de foncier solidaire",
    }


def test_the_documents_own_definition_comes_before_the_domain_glossary() -> None:
    table = acronym_table(["le programme local de l'habitat intercommunal (PLH)"])
    assert table["PLH"] == "programme local de l'habitat intercommunal"
    assert table["ZAN"] == "zéro artificialisation nette"  # from the glossary: the text does not define it
