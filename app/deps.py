"""FastAPI dependencies: the settings, the assistant and the document library built once at start-up."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from rag.assistant import Assistant
from rag.library import DocumentLibrary
from rag.settings import Settings


def get_assistant(request: Request) -> Assistant:
    return request.app.state.assistant


def get_library(request: Request) -> DocumentLibrary:
    return request.app.state.library


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


AssistantDep = Annotated[Assistant, Depends(get_assistant)]
LibraryDep = Annotated[DocumentLibrary, Depends(get_library)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
