"""The verifier on written answers: what the sources support passes; an invented figure, a wrong
date, an organisation or place the sources do not name, an action not in the cited lever fail."""

from __future__ import annotations

import pytest

from rag.verifier import number_key, verify

FIGURE = "Chiffres clés sur la Région\n6,1 millions d’habitants (en 2023) sur l’ensemble, centrés sur les Métropoles"
LEVER = (
    "Travailler avec les collectivités / EPCI à la mise en place d'observatoires du foncier à des échelles "
    "cohérentes (ex. SCoT, bassin de vie)\n"
    "▪ Identifier les territoires sur lesquels des observatoires du foncier sont mis en place pour s'associer "
    "aux réflexions\n"
    "▪ Proposer un cahier de préconisations permettant aux collectivités d'alimenter leur réflexion"
)
PRESS = (
    "Le jeudi 19 décembre 2024, Pierre-André Durand, préfet de la région Occitanie, préfet de la Haute-Garonne, "
    "a réuni 350 participants pour les deuxièmes assises régionales du logement en Occitanie à Labège."
)
SOURCES = [FIGURE, LEVER, PRESS]


@pytest.mark.parametrize(
    "answer",
    [
        "La région compte 6,1 millions d'habitants en 2023, surtout autour des métropoles [1].",
        "Environ 6.1 millions d’habitants [1].",
        "Le préfet Pierre-André Durand a réuni 350 participants à Labège le 19 décembre 2024 [3].",
        "Pour le foncier, le plan prévoit de travailler avec les EPCI sur des observatoires [2] :\n"
        "- identifier les territoires qui ont un observatoire du foncier [2] ;\n"
        "- proposer un cahier de préconisations aux collectivités [2].",
    ],
)
def test_what_the_cited_passages_say_passes(answer: str) -> None:
    check = verify(answer, SOURCES)
    assert check.passed, check.problems


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("La région compte 6,3 millions d'habitants [1].", "chiffre absent des sources : 6,3"),
        ("Les assises ont eu lieu le 19 novembre 2024 à Labège [3].", "nom ou date absent des sources : novembre"),
        ("Les assises ont eu lieu le 20 décembre 2024 [3].", "chiffre absent des sources : 20"),
        ("La Banque des Territoires finance les observatoires [2].", "absent des sources : Banque des Territoires"),
        ("Les assises se sont tenues à Toulouse [3].", "nom ou date absent des sources : Toulouse"),
        (
            "Le plan prévoit [2] :\n- créer une taxe régionale sur les résidences secondaires [2].",
            "action absente des sources",
        ),
        ("La région compte 6,1 millions d'habitants.", "aucune source citée"),
        ("La région compte 6,1 millions d'habitants [7].", "source inexistante : [7]"),
        ("350 participants se sont réunis à Labège [1].", "chiffre absent des sources : 350"),  # the wrong [n]
    ],
)
def test_what_the_cited_passages_do_not_say_fails(answer: str, problem: str) -> None:
    check = verify(answer, SOURCES)
    assert not check.passed
    assert problem in check.reason


def test_numbers_compare_by_value() -> None:
    assert number_key("107 500") == number_key("107500") == "107500"
    assert number_key("6,1") == number_key("6.1") == number_key("6,10") == "6.1"
    assert number_key("2024") == "2024"
