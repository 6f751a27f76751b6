"""FastAPI dependencies: the settings and the assistant built once at start-up."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from rag.assistant import Assistant
from rag.settings import Settings


def get_assistant(request: Request) -> Assistant:
    return request.app.state.assistant


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


AssistantDep = Annotated[Assistant, Depends(get_assistant)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
