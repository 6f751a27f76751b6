"""The regression gate: the test and held-out splits scored against the thresholds committed in eval/."""

from __future__ import annotations

import pytest

from eval.scorer import main


@pytest.mark.slow
def test_gated_splits_meet_committed_thresholds(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--split", "gated", "--gate"])
    report = capsys.readouterr()
    assert status == 0, report.err
    assert "gate passed" in report.out
