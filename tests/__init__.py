"""The test suite."""

import os

# The suite runs on its own settings, none from a developer's .env or shell: this package is imported
# before its conftest and any module that reads the settings, and the servers it starts inherit it.
for name in [name for name in os.environ if name.startswith("RAG_")]:
    del os.environ[name]
os.environ["RAG_ENV_FILE"] = os.devnull
