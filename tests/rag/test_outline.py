"""The outline is rebuilt from the real index: the plan's 3 axes, 6 sub-axes, 16 rows, 34 actions, 7 figures."""

from __future__ import annotations

from rag.assistant import Assistant
from rag.outline import build_outlines


def test_outline_of_the_plan(assistant: Assistant) -> None:
    outlines = build_outlines(assistant.index.chunks.values())
    plan = next(outline for outline in outlines if outline.document.startswith("ush-occitanie"))
    axes = [section for section in plan.sections if section.title[:2] in ("I.", "II")]
    assert [axis.title[:4] for axis in axes] == ["I. A", "II. ", "III."]
    assert [len(axis.children) for axis in axes] == [2, 2, 2]
    rows = [row for axis in axes for sub in axis.children for row in sub.rows]
    assert len(rows) == 16 and sum(len(row.items) for row in rows) == 34
    assert rows[0].label == "Renforcer les actions de communication auprès du grand public" and rows[0].page == 2
    assert len(plan.figures) == 7 and plan.figures[0].text.startswith("6,1 millions")
    assert [section.title for section in plan.sections[:2]] == [
        "Constat : Une production de logements sociaux en baisse",
        "Chiffres clés sur la Région",
    ]
