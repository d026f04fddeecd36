"""Fixtures shared by the model-download tests (test_models_download, test_models_files, test_models_hardening)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelserver import Server


@pytest.fixture
def server() -> Iterator[Server]:
    """A real HTTP server on 127.0.0.1, stopped (slow responses too) after the test."""
    running = Server()
    yield running
    running.close()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """An empty models folder inside a fresh data folder."""
    return tmp_path / "home" / "models"
