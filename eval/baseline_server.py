"""The tutorial baseline behind the same `POST /api/ask` contract, so the benchmark times both
through a real uvicorn server in the same way.

    BASELINE_DIR=/tmp/tutorial uvicorn --factory eval.baseline_server:create_app

It opens the Chroma index the benchmark built in `BASELINE_DIR` (the corpus is never
re-ingested at start-up) and, like a tutorial user's FastAPI wrapper, answers with the best chunk.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

from fastapi import FastAPI
from pydantic import BaseModel, Field

from eval.baseline import TutorialBaseline


class Question(BaseModel):
    question: str = Field(min_length=1, max_length=1000)


def create_app() -> FastAPI:
    baseline = TutorialBaseline.open(Path(os.environ["BASELINE_DIR"]))
    app = FastAPI(title="LangChain tutorial baseline")

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/ask")
    def ask(body: Question) -> dict[str, object]:
        return asdict(baseline.ask(body.question))

    return app
