"""The audit of `rag/data/` (`python -m eval.audit`, run with its gate by `make eval`): a line is removed
only while it is judged, on the questions holding its words, and the report counts the idle ones."""

from __future__ import annotations

from eval.audit import Asked, LineReport, format_report, held_stems, key_stems, without
from eval.scorer import Question
from rag.assistant import Assistant
from rag.question import analyse, read


def test_a_line_is_left_out_only_while_it_is_judged(assistant: Assistant) -> None:
    def asks_a_number() -> bool:
        return analyse(read("combien de logements sociaux ?"), assistant.index).wants_number

    assert asks_a_number()
    with without("quantity_cues.txt", ["combien"]):
        assert not asks_a_number()
    assert asks_a_number()


def test_a_line_acts_only_on_questions_holding_its_words() -> None:
    assert key_stems("synonyms.tsv", "logements sociaux\tLLS OLS") == frozenset({"log", "social"})
    assert key_stems("measures.txt", "montant\t€ euros") == frozenset({"mont"})
    # A cue is matched on every word, elisions included: "qu'est-ce que" holds "qu est ce que".
    assert key_stems("meaning_cues.txt", "qu est ce que") <= held_stems("Qu'est-ce que le ZAN ?")


def test_the_report_counts_the_lines_that_change_nothing_and_those_never_tried() -> None:
    asked = Asked(Question("q", "combien ?", "figure", "12"), "dev", "corpus")
    acting = LineReport("quantity_cues.txt", "combien", [asked], exercised=3, fixed=1)
    idle = LineReport("strict_cues.txt", "qui est", exercised=2)
    reports = [acting, idle, LineReport("idioms.txt", "quand meme")]
    text = format_report(reports)
    assert text.startswith("3 audited lines; 1 change no answer of the questions holding their words; 1 held by no")
    assert "| quantity_cues.txt | `combien` | 1 | dev 1 |" in text
