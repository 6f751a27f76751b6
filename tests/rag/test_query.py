"""Query understanding: what a question names, asks and counts (no model needed)."""

from __future__ import annotations

from rag.query import PartRef, build_query, figures_of, named_stems, part_reference


def test_a_date_counts_the_same_in_digits_and_in_words() -> None:
    assert figures_of("CP du 20/12/2024") == figures_of("Toulouse, le 20 décembre 2024") == ["20", "12", "2024"]
    assert figures_of("le 05/01/2025") == figures_of("le 5 janvier 2025")


def test_new_is_not_nine_and_first_is_not_an_edition() -> None:
    # "du neuf" is new housing and "le premier axe" a place in a list; "troisièmes" is an edition.
    assert figures_of("des programmes neufs, le premier axe") == []
    assert figures_of("les troisièmes assises") == ["troisiem"]


def test_a_capital_opening_a_sentence_is_not_a_name() -> None:
    named = named_stems("Mon fils attend. Ça fait combien ? On m'a parlé du PLUS à Montpellier.", True)
    assert {"ca", "on"}.isdisjoint(named)
    assert {"plus", "montpelli"} <= named  # an acronym that is also a stop word still counts


def test_quand_meme_asks_for_no_date() -> None:
    assert not build_query("on peut construire quand même avec le ZAN ?", frozenset()).wants_number
    assert build_query("quand ont eu lieu les assises ?", frozenset()).wants_number


def test_a_number_question_is_about_the_sentence_that_asks() -> None:
    query = build_query("Mon fils attend depuis un an. Ça fait combien de foyers qui attendent ?", frozenset())
    assert query.wants_number
    assert [word.stem for word in query.content] == ["foyer", "attendent"]  # not the son's story


def test_numbered_parts_are_recognised_in_their_usual_spellings() -> None:
    assert part_reference("Le premier axe du plan, il parle de quoi ?") == PartRef("axe", ("1",))
    assert part_reference("Axe II : de quoi est-il composé ?") == PartRef("axe", ("2",))
    assert part_reference("Sous-axe III.A sur le foncier") == PartRef("axe", ("3", "a"))
    assert part_reference("le sous-axe B de l'axe 3") == PartRef("axe", ("3", "b"))
    assert part_reference("il y a 3 axes ?") is None
    # Any document's numbering: orientations, articles, sheets, dotted actions.
    assert part_reference("que dit l'article 4 ?") == PartRef("article", ("4",))
    assert part_reference("la fiche-action n°3") == PartRef("fiche action", ("3",))
    assert part_reference("l'action 1.2 du PLH") == PartRef("action", ("1.2",))
    assert part_reference("la deuxième orientation") == PartRef("orientation", ("2",))


def test_when_that_sets_a_scene_asks_no_date() -> None:
    vocabulary: frozenset[str] = frozenset()
    scene = "Quand l'office lance ses appels d'offres, le plan aide les artisans ?"
    assert not build_query(scene, vocabulary).wants_number
    assert build_query("quand ont eu lieu les assises ?", vocabulary).wants_number
    assert build_query("les assises, c'était quand ?", vocabulary).wants_number


def test_what_is_done_asks_for_no_fact_and_amounts_keep_their_unit() -> None:
    vocabulary: frozenset[str] = frozenset()
    assert not build_query("qu'est-ce qui est fait pour aider les jeunes ?", vocabulary).wants_fact
    assert build_query("qui est le président du comité ?", vocabulary).wants_fact
    query = build_query("une majoration de 20 % des aides et 2 millions d'euros, au bout de trois ans ?", vocabulary)
    assert query.amounts == ("20", "2")


def test_a_mayor_introducing_himself_is_not_asking_about_his_commune() -> None:
    vocabulary: frozenset[str] = frozenset()
    query = build_query("Je suis maire à Saint-Affrique en Aveyron, le plan aide-t-il les communes ?", vocabulary)
    assert query.places == ()
    assert build_query("comment marche le plan logement en Espagne ?", vocabulary).places == ("Espagne",)
