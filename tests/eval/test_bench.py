"""`make bench` runs end to end on its small setting (the benchmark prints figures; it is not a test of them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.bench import main
from tests.conftest import free_port


@pytest.mark.slow
def test_quick_benchmark_measures_both_systems(tmp_path: Path) -> None:
    assert main(["--quick", "--out", str(tmp_path), "--port", str(free_port())]) == 0
    results = json.loads((tmp_path / "bench.json").read_text())
    for system in ("assistant", "baseline"):
        row = results["systems"][system]
        assert row["clients_1"]["errors"] == 0 and row["clients_1"]["throughput_rps"] > 0
        assert row["rss_mb"] > 0 and row["index_mb"] > 0
        chunks = {row["factor"]: row["chunks"] for row in results["scale"] if row["system"] == system}
        assert chunks[10] == 10 * chunks[1] > 0
    fast = results["fast"]["clients_1"]
    assert fast["errors"] == 0 and fast["throughput_rps"] > 0
    report = (tmp_path / "bench.md").read_text()
    assert "| /api/ask p50_ms, 1 client |" in report and "Fast profile" in report
    assert (tmp_path / "latency_vs_corpus.png").stat().st_size > 0
    assert "Assistant.ask" in (tmp_path / "profile.txt").read_text()
