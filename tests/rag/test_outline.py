"""The plan outline is rebuilt from the real index: 3 axes, 6 sub-axes, 16 levers, 34 actions, 7 figures."""

from __future__ import annotations

from rag.assistant import Assistant
from rag.outline import build_outlines


def test_outline_of_the_plan(assistant: Assistant) -> None:
    outlines = build_outlines(assistant.index.chunks.values())
    plan = next(outline for outline in outlines if outline.document.startswith("ush-occitanie"))
    assert [axis.title[:4] for axis in plan.axes] == ["I. A", "II. ", "III."]
    assert [len(axis.sub_axes) for axis in plan.axes] == [2, 2, 2]
    levers = [lever for axis in plan.axes for sub in axis.sub_axes for lever in sub.levers]
    assert len(levers) == 16 and sum(len(lever.actions) for lever in levers) == 34
    assert levers[0].enjeu == "Renforcer les actions de communication auprès du grand public" and levers[0].page == 2
    assert len(plan.figures) == 7 and plan.figures[0].text.startswith("6,1 millions")
