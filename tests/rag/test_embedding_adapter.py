"""The trained embedding adapter (`eval.train_retriever`): what it keeps of French, and that an
index is never read in another vector space than it was written in."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eval.train_retriever import general_separation
from rag.e5_files import default_folder
from rag.e5_onnx import OnnxE5
from rag.embeddings import ADAPTER, OnnxE5Embeddings, load_embeddings
from rag.indexer import open_store
from rag.settings import Settings


@pytest.fixture(scope="module")
def model() -> OnnxE5:
    return OnnxE5(default_folder())


def test_the_adapter_is_committed_and_close_to_the_identity() -> None:
    weights = np.load(ADAPTER)
    assert weights.shape == (384, 384) and weights.dtype == np.float32
    assert np.linalg.norm(weights - np.eye(384)) < np.linalg.norm(np.eye(384))  # a correction, not a new map


def test_everyday_french_keeps_its_separation(model: OnnxE5) -> None:
    """Pairs outside housing (a question and its answer, a paraphrase) against unrelated pairs: the
    adapter learned the domain without forgetting how the model reads French."""
    gap_before, ordered_before = general_separation(model, None)
    gap_after, ordered_after = general_separation(model, np.load(ADAPTER))
    assert ordered_after >= ordered_before - 0.02
    assert gap_after >= 0.9 * gap_before


def test_questions_and_passages_are_mapped_alike() -> None:
    plain, adapted = load_embeddings("e5-small-onnx"), load_embeddings("e5-small-onnx", adapter=True)
    assert isinstance(adapted, OnnxE5Embeddings) and adapted.space.startswith("adapter-")
    text = "Que prévoit le plan pour les logements vacants ?"
    for vector in (adapted.embed_query(text), adapted.embed_documents([text])[0]):
        assert abs(np.linalg.norm(vector) - 1) < 1e-5
    # The map is on both sides: a question still finds its own words as a passage first.
    other = "Le conseil communautaire fixe le montant de la subvention aux bailleurs sociaux."
    for model in (plain, adapted):
        same, different = model.embed_documents([text, other])
        assert np.dot(model.embed_query(text), same) > np.dot(model.embed_query(text), different) + 0.1


def test_each_vector_space_has_its_own_collection(isolated_data_dir: Path) -> None:
    """Passages embedded without the adapter are never compared with adapted questions: switching
    the setting indexes the documents again, in another collection."""
    names = set()
    for adapter in (False, True):
        store = open_store(Settings(data_dir=isolated_data_dir, embedding_adapter=adapter))
        names.add(store._name)
    adapted = load_embeddings("e5-small-onnx", adapter=True)
    assert isinstance(adapted, OnnxE5Embeddings)
    assert names == {"plan_logement", f"plan_logement_{adapted.space}"}
