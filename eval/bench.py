"""`make bench`: speed, memory and scale of the assistant beside the LangChain tutorial pipeline.

    python -m eval.bench            # full run (about 30 minutes on 2 cores), results in eval/results/bench/
    python -m eval.bench --quick    # small setting, what CI runs to check the benchmark works
    python -m eval.bench --out docs/bench

Both systems are measured in the same run on the same machine, so the ratios hold on a noisy
machine even when the absolute figures move. Every HTTP figure goes through a real uvicorn
server on loopback; each measured phase starts a fresh server, so no question is ever served
from the query-embedding cache. The benchmark prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from eval.scorer import CORPUS, RESULTS_DIR, load_questions, percentile, score
from eval.synthetic import replicate

ROOT = Path(__file__).resolve().parent.parent
SYSTEMS = ("assistant", "baseline")
FACTORIES = {"assistant": "app.main:create_app", "baseline": "eval.baseline_server:create_app"}
COLLECTIONS = {"assistant": "plan_logement", "baseline": "tutorial"}
# The assistant with BM25 alone: the question is never embedded, the deployment choice when
# throughput matters more than the dense model's share of hit@1 (measured side by side).
FAST_PROFILE = {"RAG_LEXICAL_WEIGHT": "1"}
STARTUP_TIMEOUT = 600  # seconds for a server to answer its health check (1000× index included)


@dataclass
class Server:
    """A uvicorn process serving one system on loopback."""

    process: subprocess.Popen[bytes]
    url: str
    started_seconds: float

    def rss_mb(self) -> float:
        return psutil.Process(self.process.pid).memory_info().rss / 2**20


@dataclass
class Load:
    """Requests sent by `clients` concurrent clients: their latencies and the wall time."""

    clients: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    failures: list[str] = field(default_factory=list)  # what each error was: a status code or a network error
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q) if self.latencies_ms else float("nan")


@contextmanager
def serve(system: str, data_dir: Path, port: int, settings: dict[str, str] | None = None) -> Iterator[Server]:
    """Start the system's server over the index in `data_dir`, with extra `settings` in its
    environment; the corpus is not re-synced, so a synthetic index stays as built."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(settings or {})}
    if system == "assistant":
        # The load comes from one address: the per-client rate limit would measure itself.
        env |= {"RAG_DATA_DIR": str(data_dir), "RAG_SYNC_CORPUS": "false", "RAG_RATE_LIMIT_PER_MINUTE": "0"}
    else:
        env |= {"BASELINE_DIR": str(data_dir)}
    command = [sys.executable, "-m", "uvicorn", "--factory", FACTORIES[system], "--host", "127.0.0.1"]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - a pipe nobody reads would block the server
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, "--port", str(port), "--no-access-log"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"{system} server exited or never healthy:\n{log.read().decode()[-3000:]}")
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield Server(process, url, time.perf_counter() - started)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def run_load(url: str, questions: Sequence[str], clients: int) -> Load:
    """Each question sent once, shared out among `clients` threads with keep-alive connections."""
    load = Load(clients)
    lock = threading.Lock()
    queue = list(reversed(questions))

    def client() -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            while True:
                with lock:
                    if not queue:
                        return
                    question = queue.pop()
                started = time.perf_counter()
                try:
                    status = str(http.post("/api/ask", json={"question": question}).status_code)
                except httpx.TransportError as error:  # counted, not fatal: the other questions still run
                    status = type(error).__name__
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if status == "200":
                        load.latencies_ms.append(elapsed)
                    else:
                        load.errors += 1
                        load.failures.append(status)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - started
    return load


def http_phases(
    system: str,
    data_dir: Path,
    port: int,
    questions: Sequence[str],
    levels: Sequence[int],
    settings: dict[str, str],
    repeats: int,
) -> dict[str, Any]:
    """Latency and throughput at each level of concurrency, a fresh server per run (the query
    cache starts empty). Each level runs `repeats` times and reports its median run by
    throughput: a run of 622 questions at 16 clients lasts 4 s, and on this machine two single
    runs of the same code differed by 10 %. Memory is each level's median, the largest level
    kept; errors are counted over every run."""
    row: dict[str, Any] = {}
    for clients in levels:
        runs: list[tuple[Load, float]] = []
        for _ in range(repeats):
            with serve(system, data_dir, port, settings) as server:
                runs.append((run_load(server.url, questions, clients), server.rss_mb()))
        load = sorted(runs, key=lambda run: run[0].throughput)[len(runs) // 2][0]
        row[f"clients_{clients}"] = {
            "throughput_rps": round(load.throughput, 1),
            "p50_ms": round(load.p(50), 1),
            "p95_ms": round(load.p(95), 1),
            "p99_ms": round(load.p(99), 1),
            "runs_rps": [round(run.throughput, 1) for run, _ in runs],
            "errors": sum(run.errors for run, _ in runs),
            "failures": [failure for run, _ in runs for failure in run.failures],
        }
        rss = round(statistics.median(rss for _, rss in runs), 1)
        row["rss_mb"] = max(row.get("rss_mb", 0.0), rss)
        print(f"  {clients} client(s): {row[f'clients_{clients}']}, RSS {rss} MiB", flush=True)
    return row


def ingest_timings(system: str, root: Path) -> dict[str, float]:
    """Cold = the whole fresh process (interpreter, imports, model load, ingest); warm and
    unchanged as measured inside it (see eval/ingest_timing.py)."""
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, "-m", "eval.ingest_timing", system, str(root)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    ).stdout
    timings = json.loads(output.strip().splitlines()[-1])
    timings["cold"] = time.perf_counter() - started
    return timings


def index_dir(system: str, data_dir: Path) -> Path:
    """Where the system's Chroma files live under its data directory."""
    return data_dir / "chroma" if system == "assistant" else data_dir


def disk_mb(path: Path) -> float:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file()) / 2**20


def quality(split: str) -> dict[str, dict[str, float]]:
    """hit@1, hit@3 and refusal accuracy of both systems, and of the fast profile, on one split."""
    from eval.baseline import TutorialBaseline
    from eval.scorer import build_assistant
    from rag.settings import Settings

    questions = load_questions(split)
    with tempfile.TemporaryDirectory() as tmp:
        fast = Settings(data_dir=Path(tmp), corpus_dir=CORPUS, lexical_weight=float(FAST_PROFILE["RAG_LEXICAL_WEIGHT"]))
        asks = {
            "assistant": build_assistant(Path(tmp)).ask,
            "baseline": TutorialBaseline(CORPUS).ask,
            "fast": build_assistant(Path(tmp), fast).ask,
        }
        return {system: score(ask, questions, system, split).metrics() for system, ask in asks.items()}


def stage_profile(data_dir: Path, questions: Sequence[str]) -> dict[str, float]:
    """Median milliseconds of each step of an answer, timed on the functions the chain calls,
    each question seen for the first time (query-embedding cache cold)."""
    from rag.assistant import Assistant
    from rag.question import analyse, read
    from rag.settings import Settings

    assistant = Assistant.from_settings(Settings(data_dir=data_dir, corpus_dir=CORPUS))
    model = assistant.store.embeddings
    names = ("understand", "bm25", "embed", "dense search", "whole answer")
    stages: dict[str, list[float]] = {name: [] for name in names}
    for question in questions:
        clock = time.perf_counter()
        query = analyse(read(question), assistant.index)
        stages["understand"].append(_since(clock))
        clock = time.perf_counter()
        assistant.index.bm25.search(list(query.terms), assistant.settings.candidates)
        stages["bm25"].append(_since(clock))
        clock = time.perf_counter()
        vector = model.embed_query(query.text)
        stages["embed"].append(_since(clock))
        clock = time.perf_counter()
        if assistant.index.vectors is not None:  # a small index: the dense search runs in memory
            assistant.index.dense_search(vector, assistant.settings.candidates)
        else:
            assistant.store.dense_search(query.text, assistant.settings.candidates)
        stages["dense search"].append(_since(clock))
        clock = time.perf_counter()
        assistant.ask(question)  # embedding now cached: the rest of the chain
        stages["whole answer"].append(_since(clock) + stages["embed"][-1])
    return {name: round(statistics.median(values), 2) for name, values in stages.items()}


def _since(clock: float) -> float:
    return (time.perf_counter() - clock) * 1000


def pyinstrument_report(data_dir: Path, questions: Sequence[str], out: Path) -> None:
    """A call-tree profile of answering, written next to the results for the details."""
    from pyinstrument import Profiler

    from rag.assistant import Assistant
    from rag.settings import Settings

    assistant = Assistant.from_settings(Settings(data_dir=data_dir, corpus_dir=CORPUS))
    profiler = Profiler(interval=0.0005)
    with profiler:
        for question in questions:
            assistant.ask(question)
    out.write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")


def plot(scale_rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (latency_axes, memory_axes) = plt.subplots(1, 2, figsize=(11, 4.2))
    for system in SYSTEMS:
        rows = [row for row in scale_rows if row["system"] == system]
        chunks = [row["chunks"] for row in rows]
        latency_axes.plot(chunks, [row["p50_ms"] for row in rows], marker="o", label=f"{system} p50")
        latency_axes.plot(chunks, [row["p95_ms"] for row in rows], marker="x", linestyle="--", label=f"{system} p95")
        memory_axes.plot(chunks, [row["rss_mb"] for row in rows], marker="o", label=system)
    for axes, label in ((latency_axes, "/api/ask latency (ms)"), (memory_axes, "serving RSS (MiB)")):
        axes.set_xscale("log")
        axes.set_xlabel("chunks in the index (synthetic replicas of the corpus beyond 1×)")
        axes.set_ylabel(label)
        axes.grid(True, alpha=0.3)
        axes.legend()
    figure.suptitle("Plan Logement Occitanie vs LangChain tutorial: growth with corpus size")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eval.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small setting (CI): fewer requests, scales 1× and 10×")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "bench", help="folder for bench.md/json/png")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    scales = (1, 10) if args.quick else (1, 10, 100, 1000)
    all_questions = [q.question for split in ("dev", "test") for q in load_questions(split)]
    questions = all_questions[:40] if args.quick else all_questions
    scale_questions = questions[:20] if args.quick else questions[:100]
    levels = (1, 4) if args.quick else (1, 4, 16)
    repeats = 1 if args.quick else 3
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"quick": args.quick, "questions": len(questions), "repeats": repeats, "systems": {}}

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp_name:
        tmp = Path(tmp_name)
        print("quality on the test split…", flush=True)
        results["quality"] = quality("test")
        for system in SYSTEMS:
            print(f"{system}: ingest…", flush=True)
            row: dict[str, Any] = {"ingest": ingest_timings(system, tmp / system)}
            data_dir = tmp / system / "first"
            row |= http_phases(system, data_dir, args.port, questions, levels, {}, repeats)
            row["index_mb"] = round(disk_mb(index_dir(system, data_dir)), 2)
            results["systems"][system] = row
        print(f"assistant, fast profile {FAST_PROFILE}…", flush=True)
        results["fast"] = http_phases(
            "assistant", tmp / "assistant" / "first", args.port, questions, levels, FAST_PROFILE, repeats
        )

        print("where the time goes…", flush=True)
        assistant_dir = tmp / "assistant" / "first"
        half = len(questions) // 2  # each half seen once, so neither profile hits the query cache
        results["stages_ms"] = stage_profile(assistant_dir, questions[:half])
        pyinstrument_report(assistant_dir, questions[half:], args.out / "profile.txt")

        scale_rows = []
        for factor in scales:
            for system in SYSTEMS:
                source = index_dir(system, tmp / system / "first")
                target = tmp / f"{system}-x{factor}"
                started = time.perf_counter()
                chunks = replicate(source, COLLECTIONS[system], index_dir(system, target), factor)
                built = time.perf_counter() - started
                with serve(system, target, args.port) as server:
                    load = run_load(server.url, scale_questions, 1)
                    scale_rows.append(
                        {
                            "system": system,
                            "factor": factor,
                            "chunks": chunks,
                            "p50_ms": round(load.p(50), 1),
                            "p95_ms": round(load.p(95), 1),
                            "rss_mb": round(server.rss_mb(), 1),
                            "index_mb": round(disk_mb(index_dir(system, target)), 1),
                            "startup_s": round(server.started_seconds, 1),
                            "build_s": round(built, 1),
                            "errors": load.errors,
                        }
                    )
                print(f"  {factor}×: {scale_rows[-1]}", flush=True)
                shutil.rmtree(target, ignore_errors=True)
        results["scale"] = scale_rows

    plot(scale_rows, args.out / "latency_vs_corpus.png")
    report = format_report(results, levels)
    print("\n" + report)
    (args.out / "bench.md").write_text(report + "\n", encoding="utf-8")
    (args.out / "bench.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nwritten: {args.out}/bench.md, bench.json, latency_vs_corpus.png, profile.txt")
    return 0


def format_report(results: dict[str, Any], levels: Sequence[int]) -> str:
    ours, theirs = results["systems"]["assistant"], results["systems"]["baseline"]
    both = (ours, theirs)

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}×" if b else "n/a"

    def line(label: str, a: float, b: float) -> str:
        return f"| {label} | {a} | {b} | {ratio(a, b)} |"

    quality = results["quality"]
    lines = [
        "## Benchmark: assistant vs LangChain tutorial pipeline (same run, same machine)",
        "",
        f"{'quick setting (CI) — not the reported figures' if results['quick'] else 'full run'}; "
        f"{results['questions']} distinct questions from the evaluation set per HTTP phase; "
        f"fresh server per run (query cache empty); each level is the median of {results.get('repeats', 1)} runs "
        "by throughput (every run's figure in bench.json), memory the median of its runs.",
        "",
        "| measure | assistant | tutorial baseline | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for metric in ("hit@1", "hit@3", "refusal_accuracy"):
        lines.append(line(f"{metric} (test split)", quality["assistant"][metric], quality["baseline"][metric]))
    lines += [
        line("ingest cold, s (process start + model load)", *(round(row["ingest"]["cold"], 2) for row in both)),
        line("ingest warm, s", *(round(row["ingest"]["warm"], 2) for row in both)),
        f"| re-ingest unchanged corpus, s | {round(ours['ingest']['unchanged'], 3)} | (rebuilds) | |",
        line("chunks", int(ours["ingest"]["chunks"]), int(theirs["ingest"]["chunks"])),
    ]
    for name in ("p50_ms", "p95_ms", "p99_ms"):
        lines.append(line(f"/api/ask {name}, 1 client", ours["clients_1"][name], theirs["clients_1"][name]))
    for clients in levels:
        key = f"clients_{clients}"
        lines.append(line(f"throughput, {clients} clients, req/s", *(row[key]["throughput_rps"] for row in both)))
    errors = sum(row[f"clients_{c}"]["errors"] for row in (ours, theirs, results["fast"]) for c in levels)
    lines += [
        line("serving RSS, MiB", ours["rss_mb"], theirs["rss_mb"]),
        line("index on disk, MiB", ours["index_mb"], theirs["index_mb"]),
        f"| HTTP errors | {errors} | | |",
        "",
        "### Where an answer's time goes (assistant, median ms per question, in process)",
        "",
        "| " + " | ".join(results["stages_ms"]) + " |",
        "|" + " --- |" * len(results["stages_ms"]),
        "| " + " | ".join(str(v) for v in results["stages_ms"].values()) + " |",
        "",
        "### Growth with corpus size (beyond 1×: synthetic, labelled replicas of the corpus; 1 client)",
        "",
        "| system | corpus | chunks | p50 ms | p95 ms | RSS MiB | index MiB | server start s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in results["scale"]:
        lines.append(
            f"| {row['system']} | {row['factor']}× | {row['chunks']} | {row['p50_ms']} | {row['p95_ms']} | "
            f"{row['rss_mb']} | {row['index_mb']} | {row['startup_s']} |"
        )
    for system in SYSTEMS:
        rows = [row for row in results["scale"] if row["system"] == system]
        lines.append(f"\n{system}: p50 at {rows[-1]['factor']}× = {ratio(rows[-1]['p50_ms'], rows[0]['p50_ms'])} of 1×")
    fast = results["fast"]
    setting = " ".join(f"{name}={value}" for name, value in FAST_PROFILE.items())
    lines += [
        "",
        f"### Fast profile: the assistant with BM25 alone (`{setting}`), same run",
        "",
        "| measure | assistant, fast profile | tutorial baseline | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for metric in ("hit@1", "hit@3", "refusal_accuracy"):
        lines.append(line(f"{metric} (test split)", quality["fast"][metric], quality["baseline"][metric]))
    for name in ("p50_ms", "p95_ms"):
        lines.append(line(f"/api/ask {name}, 1 client", fast["clients_1"][name], theirs["clients_1"][name]))
    for clients in levels:
        key = f"clients_{clients}"
        lines.append(
            line(f"throughput, {clients} clients, req/s", fast[key]["throughput_rps"], theirs[key]["throughput_rps"])
        )
    lines.append(line("serving RSS, MiB", fast["rss_mb"], theirs["rss_mb"]))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
