"""The HTTP contract, through a real uvicorn server on loopback."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from rag.settings import Settings


def test_health_and_documents(server: str) -> None:
    health = httpx.get(f"{server}/api/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "documents": 2, "chunks": health.json()["chunks"]}
    documents = httpx.get(f"{server}/api/documents").json()
    assert {doc["id"] for doc in documents} == {
        "ush-occitanie_plan-action-production-logements-sociaux",
        "2024-12-20_prefet-occitanie_communique-assises-logement",
    }
    assert all(doc["chunks"] > 0 for doc in documents)


def test_ask_returns_answer_and_citations(server: str) -> None:
    response = httpx.post(f"{server}/api/ask", json={"question": "Quel levier du plan concerne l'accès au foncier ?"})
    assert response.status_code == 200
    body = response.json()
    assert body["refused"] is False
    first = body["citations"][0]
    assert set(first) >= {"text", "document", "title", "page", "section", "score"}
    assert "observatoires du foncier" in first["text"]
    assert first["page"] == 4 and first["section"].startswith("III.")
    assert first["document"] == "ush-occitanie_plan-action-production-logements-sociaux"


def test_figure_and_refusal(server: str) -> None:
    figure = httpx.post(
        f"{server}/api/ask", json={"question": "De combien le parc locatif a-t-il crû entre 2016 et 2021 ?"}
    )
    assert "13,3%" in figure.json()["citations"][0]["text"]
    refusal = httpx.post(f"{server}/api/ask", json={"question": "Quelle est la capitale de l'Australie ?"}).json()
    assert refusal["refused"] is True and refusal["citations"] == []
    assert refusal["refusal_reason"]  # a short French phrase saying why
    elsewhere = httpx.post(f"{server}/api/ask", json={"question": "Et en Bretagne, quel plan pour le logement ?"})
    assert elsewhere.json()["refusal_reason"] == "lieu absent des documents : Bretagne"


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({"question": ""}, "question"),
        ({"question": "   "}, "question"),
        ({}, "question"),
        ({"question": "x" * 1001}, "question"),
        ({"question": 42}, "question"),
        ({"question": "ok ?", "unknown": 1}, "unknown"),
    ],
)
def test_bad_questions_get_a_4xx_naming_the_problem(server: str, payload: dict, named: str) -> None:
    response = httpx.post(f"{server}/api/ask", json=payload)
    assert response.status_code == 422
    assert named in response.json()["detail"]


def test_validation_errors_are_in_french(server: str) -> None:
    too_long = httpx.post(f"{server}/api/ask", json={"question": "x" * 1001}).json()["detail"]
    assert too_long == "question : 1000 caractères au plus"
    unknown = httpx.post(f"{server}/api/ask", json={"question": "ok ?", "inconnu": 1}).json()["detail"]
    assert unknown == "inconnu : champ inconnu"
    rating = httpx.post(f"{server}/api/feedback", json={"rating": "bof", "question": "q", "answer": "a"})
    assert rating.json()["detail"] == "rating : valeur attendue : up ou down"


def test_an_unexpected_error_is_a_json_500_with_the_request_id(corpus_settings: Settings) -> None:
    app = create_app(corpus_settings, with_ui=False)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("bug")

    response = TestClient(app, raise_server_exceptions=False).get("/boom", headers={"X-Request-ID": "trace-42"})
    assert response.status_code == 500 and response.headers["content-type"] == "application/json"
    assert response.json()["request_id"] == "trace-42" == response.headers["x-request-id"]
    assert "bug" not in response.text  # the traceback goes to the log, not to the caller


def test_a_refusal_offers_questions_the_documents_answer(server: str) -> None:
    refusal = httpx.post(f"{server}/api/ask", json={"question": "Quelle est la capitale de l'Australie ?"}).json()
    assert refusal["refused"] and 1 <= len(refusal["suggestions"]) <= 3
    assert refusal["answer"].count("\n") == len(refusal["suggestions"]) + 1  # one sentence, a lead-in, the list
    for suggestion in refusal["suggestions"]:
        answered = httpx.post(f"{server}/api/ask", json={"question": suggestion}).json()
        assert not answered["refused"] and answered["citations"]


def test_non_json_body_is_a_clear_4xx(server: str) -> None:
    response = httpx.post(
        f"{server}/api/ask", content=b"question=foncier", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "JSON" in response.json()["detail"]
    form = httpx.post(f"{server}/api/ask", content=b"\xff\xfe", headers={"content-type": "text/plain"})
    assert 400 <= form.status_code < 500


@pytest.mark.parametrize("log_questions", [False, True])
def test_the_answer_log_keeps_no_question_words_unless_asked(
    corpus_settings: Settings, caplog: pytest.LogCaptureFixture, log_questions: bool
) -> None:
    """An official's question may name people or places: by default the log keeps its hash and
    length, and a refusal's fixed reason without the words it is about."""
    settings = corpus_settings.model_copy(update={"log_questions": log_questions, "sync_corpus": False})
    question = "Et en Bretagne, quel plan pour le logement ?"
    with TestClient(create_app(settings, with_ui=False)) as client:
        answers = logging.getLogger("plan_logement.answers")  # its own handler, not propagated: listen there
        answers.addHandler(caplog.handler)
        try:
            body = client.post("/api/ask", json={"question": question}).json()
        finally:
            answers.removeHandler(caplog.handler)
    assert body.get("refusal_reason") == "lieu absent des documents : Bretagne", body  # the asker sees their words
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "plan_logement.answers"]
    assert len(lines) == 1
    line = lines[0]
    assert line["refusal_reason"] == "lieu absent des documents"
    assert line["question_chars"] == len(question) and len(line["question_sha256"]) == 16
    assert ("Bretagne" in json.dumps(line, ensure_ascii=False)) is log_questions
    assert line.get("question") == (question if log_questions else None)
