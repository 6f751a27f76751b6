"""Query understanding: what a question names, asks and counts (no model needed)."""

from __future__ import annotations

from dataclasses import dataclass

from rag.analyzer import tokenize
from rag.numbers import figures
from rag.parts import PartRef, part_reference
from rag.question import Query, analyse, named_stems, read


@dataclass(frozen=True)
class _Documents:
    """Documents using `vocabulary`, with every numbered part a question may name."""

    vocabulary: frozenset[str]

    def has_part(self, part: PartRef) -> bool:
        return True


def _analysed(question: str, vocabulary: frozenset[str]) -> Query:
    return analyse(read(question), _Documents(vocabulary))


def test_a_date_counts_the_same_in_digits_and_in_words() -> None:
    in_digits = figures(tokenize("CP du 20/12/2024"))
    assert in_digits == figures(tokenize("Toulouse, le 20 décembre 2024")) == ["20", "12", "2024"]
    assert figures(tokenize("le 05/01/2025")) == figures(tokenize("le 5 janvier 2025"))


def test_new_is_not_nine_and_first_is_not_an_edition() -> None:
    # "du neuf" is new housing and "le premier axe" a place in a list; "troisièmes" is an edition.
    assert figures(tokenize("des programmes neufs, le premier axe")) == []
    assert figures(tokenize("les troisièmes assises")) == ["troisiem"]


def test_a_capital_opening_a_sentence_is_not_a_name() -> None:
    named = named_stems(read("Mon fils attend. Ça fait combien ? On m'a parlé du PLUS à Montpellier."), True)
    assert {"ca", "on"}.isdisjoint(named)
    assert {"plus", "montpelli"} <= named  # an acronym that is also a stop word still counts


def test_quand_meme_asks_for_no_date() -> None:
    assert not _analysed("on peut construire quand même avec le ZAN ?", frozenset()).wants_number
    assert _analysed("quand ont eu lieu les assises ?", frozenset()).wants_number


def test_a_number_question_is_about_the_sentence_that_asks() -> None:
    query = _analysed("Mon fils attend depuis un an. Ça fait combien de foyers qui attendent ?", frozenset())
    assert query.wants_number
    assert [word.stem for word in query.content] == ["foyer", "attendent"]  # not the son's story


def test_numbered_parts_are_recognised_in_their_usual_spellings() -> None:
    assert part_reference(read("Le premier axe du plan, il parle de quoi ?")) == PartRef("axe", ("1",))
    assert part_reference(read("Axe II : de quoi est-il composé ?")) == PartRef("axe", ("2",))
    assert part_reference(read("Sous-axe III.A sur le foncier")) == PartRef("axe", ("3", "a"))
    assert part_reference(read("le sous-axe B de l'axe 3")) == PartRef("axe", ("3", "b"))
    assert part_reference(read("il y a 3 axes ?")) is None
    # Any document's numbering: orientations, articles, sheets, dotted actions.
    assert part_reference(read("que dit l'article 4 ?")) == PartRef("article", ("4",))
    assert part_reference(read("la fiche-action n°3")) == PartRef("fiche action", ("3",))
    assert part_reference(read("l'action 1.2 du PLH")) == PartRef("action", ("1.2",))
    assert part_reference(read("la deuxième orientation")) == PartRef("orientation", ("2",))


def test_when_that_sets_a_scene_asks_no_date() -> None:
    vocabulary: frozenset[str] = frozenset()
    scene = "Quand l'office lance ses appels d'offres, le plan aide les artisans ?"
    assert not _analysed(scene, vocabulary).wants_number
    assert _analysed("quand ont eu lieu les assises ?", vocabulary).wants_number
    assert _analysed("les assises, c'était quand ?", vocabulary).wants_number


def test_what_is_done_asks_for_no_fact_and_amounts_keep_their_unit() -> None:
    vocabulary: frozenset[str] = frozenset()
    assert not _analysed("qu'est-ce qui est fait pour aider les jeunes ?", vocabulary).wants_fact
    assert _analysed("qui est le président du comité ?", vocabulary).wants_fact
    query = _analysed("une majoration de 20 % des aides et 2 millions d'euros, au bout de trois ans ?", vocabulary)
    assert query.amounts == ("20", "2")


def test_a_mayor_introducing_himself_is_not_asking_about_his_commune() -> None:
    vocabulary: frozenset[str] = frozenset()
    query = _analysed("Je suis maire à Saint-Affrique en Aveyron, le plan aide-t-il les communes ?", vocabulary)
    assert query.places == ()
    assert _analysed("comment marche le plan logement en Espagne ?", vocabulary).places == ("Espagne",)
