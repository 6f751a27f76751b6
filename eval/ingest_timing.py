"""One ingest of the corpus in a fresh process, for the benchmark's cold and warm figures.

    python -m eval.ingest_timing assistant|baseline DIR

Indexes `corpus/` into DIR/first (the benchmark's parent process times this whole process: the
cold figure includes interpreter start, imports and model load), then again into DIR/second
with everything loaded (warm), then re-runs the first ingest on the unchanged corpus (ours
only: content-hash ids make it a no-op). Prints the in-process seconds as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def ingest_assistant(data_dir: Path) -> int:
    from rag.indexer import index_folder, open_store
    from rag.settings import Settings

    store = open_store(Settings(data_dir=data_dir, corpus_dir=CORPUS))
    index_folder(CORPUS, store)
    return store.count()


def ingest_baseline(data_dir: Path) -> int:
    from eval.baseline import TutorialBaseline

    return len(TutorialBaseline(CORPUS, persist_dir=data_dir).chunks)


def main(argv: list[str]) -> None:
    system, root = argv[0], Path(argv[1])
    ingest = ingest_assistant if system == "assistant" else ingest_baseline
    timings: dict[str, float] = {}
    started = time.perf_counter()
    timings["chunks"] = ingest(root / "first")
    timings["first_in_process"] = time.perf_counter() - started
    started = time.perf_counter()
    ingest(root / "second")
    timings["warm"] = time.perf_counter() - started
    if system == "assistant":
        started = time.perf_counter()
        ingest(root / "first")
        timings["unchanged"] = time.perf_counter() - started
    print(json.dumps(timings))


if __name__ == "__main__":
    main(sys.argv[1:])
