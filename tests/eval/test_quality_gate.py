"""The regression gate: the test split scored against the thresholds committed in eval/."""

from __future__ import annotations

from eval.scorer import main


def test_test_split_meets_committed_thresholds(capsys) -> None:  # type: ignore[no-untyped-def]
    status = main(["--split", "gated", "--gate"])
    report = capsys.readouterr()
    assert status == 0, report.err
    assert "gate passed" in report.out
