"""HTTP API (FastAPI) and chat UI (Gradio) over the assistant service."""
