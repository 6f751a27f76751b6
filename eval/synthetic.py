"""Synthetic corpora N times the size of the real one, to measure how serving grows with the index.

Each copy of a chunk keeps its text and its embedding (nothing is re-embedded, so building
1000× takes minutes, not hours) and is labelled as synthetic in its metadata: document
`synthetic-0007-<id>`, title `[variante synthétique 7] <title>`. These indexes exist only for
the benchmark; they are never served to users.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import chromadb
import numpy as np

from rag.store import REGISTER_SUFFIX

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
    _replicate_register(source_dir, collection, target_dir, factor)
    return written


def _replicate_register(source_dir: Path, collection: str, target_dir: Path, factor: int) -> None:
    """The assistant's register of published documents (rag.store), copied with the variants'
    ids: without it their chunks would be unpublished, invisible. The tutorial's store has none."""
    name = f"{collection}{REGISTER_SUFFIX}"
    source = chromadb.PersistentClient(path=str(source_dir))
    if name not in {existing.name for existing in source.list_collections()}:
        return
    rows = source.get_collection(name).get(include=["metadatas"])
    target = chromadb.PersistentClient(path=str(target_dir)).get_or_create_collection(name, embedding_function=None)
    for copy in range(factor):
        ids: list[str] = []
        metadatas: list[Any] = []  # Chroma's metadata mappings, copied as read
        for document, meta in zip(rows["ids"], rows["metadatas"] or [], strict=True):
            record = dict(meta)
            if copy:
                record["ids"] = json.dumps([f"{chunk}-s{copy}" for chunk in json.loads(str(record["ids"]))])
                record["title"] = f"[variante synthétique {copy}] {record['title']}"
            ids.append(document if copy == 0 else f"synthetic-{copy:04d}-{document}")
            metadatas.append(record)
        target.add(ids=ids, metadatas=metadatas, embeddings=np.ones((len(ids), 1), dtype=np.float32))


def _variant(meta: dict[str, Any], copy: int) -> dict[str, Any]:
    for key in ("document", "source"):  # ours / the tutorial pipeline's name for the document
        if key in meta:
            meta[key] = f"synthetic-{copy:04d}-{meta[key]}"
    meta["title"] = f"[variante synthétique {copy}] {meta.get('title', '')}"
    return meta


def _rows(embeddings: Any) -> list[Any]:
    """Chroma returns embeddings as a numpy array (whose truth value is ambiguous) or None."""
    return [] if embeddings is None else list(embeddings)
