"""The answer text: what a refusal says the documents cover."""

from __future__ import annotations

from rag.answer import MAX_COVERAGE_LINES, refusal


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
