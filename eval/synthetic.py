"""Synthetic corpora N times the size of the real one, to measure how serving grows with the index.

Each copy of a chunk keeps its text and its embedding (nothing is re-embedded, so building
1000× takes minutes, not hours) and is labelled as synthetic in its metadata: document
`synthetic-0007-<id>`, title `[variante synthétique 7] <title>`. These indexes exist only for
the benchmark; they are never served to users.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import chromadb

BATCH = 5000  # under Chroma's max batch size


def replicate(source_dir: Path, collection: str, target_dir: Path, factor: int) -> int:
    """Copy `collection` from the Chroma store in `source_dir` into `target_dir`, `factor` times
    over (the original plus `factor - 1` labelled variants). Returns the number of chunks written."""
    original = chromadb.PersistentClient(path=str(source_dir)).get_collection(collection)
    rows = original.get(include=["documents", "metadatas", "embeddings"])
    target = chromadb.PersistentClient(path=str(target_dir)).get_or_create_collection(
        collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )
    ids: list[str] = []
    texts: list[str] = []
    metadatas: list[Any] = []  # Chroma's metadata mappings, copied as read
    embeddings: list[Any] = []
    written = 0
    for copy in range(factor):
        for chunk_id, text, meta, vector in zip(
            rows["ids"], rows["documents"] or [], rows["metadatas"] or [], _rows(rows["embeddings"]), strict=True
        ):
            ids.append(chunk_id if copy == 0 else f"{chunk_id}-s{copy}")
            texts.append(text)
            metadatas.append(dict(meta) if copy == 0 else _variant(dict(meta), copy))
            embeddings.append(vector)
            if len(ids) == BATCH:
                target.add(ids=ids, documents=texts, metadatas=metadatas, embeddings=embeddings)
                written += len(ids)
                ids, texts, metadatas, embeddings = [], [], [], []
    if ids:
        target.add(ids=ids, documents=texts, metadatas=metadatas, embeddings=embeddings)
        written += len(ids)
    return written


def _variant(meta: dict[str, Any], copy: int) -> dict[str, Any]:
    for key in ("document", "source"):  # ours / the tutorial pipeline's name for the document
        if key in meta:
            meta[key] = f"synthetic-{copy:04d}-{meta[key]}"
    meta["title"] = f"[variante synthétique {copy}] {meta.get('title', '')}"
    return meta


def _rows(embeddings: Any) -> list[Any]:
    """Chroma returns embeddings as a numpy array (whose truth value is ambiguous) or None."""
    return [] if embeddings is None else list(embeddings)
