"""Shared fixtures.  Tests that need the workplace's shared corpus skip cleanly where it is absent;
everything else runs on data the tests generate themselves."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# the shared data: $WBPOLICY_SHARED, else the parent of $WBPOLICY_CORPUS, else ../shared
_CORPUS_ENV = os.environ.get("WBPOLICY_CORPUS")
SHARED = Path(
    os.environ.get("WBPOLICY_SHARED")
    or (str(Path(_CORPUS_ENV).parent) if _CORPUS_ENV else REPO.parent / "shared")
)


@pytest.fixture(autouse=True)
def _isolated_index(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test ever touches the user's real index under indexes/."""
    monkeypatch.setenv("WBPOLICY_INDEX", str(tmp_path_factory.mktemp("index")))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    return Path(_CORPUS_ENV) if _CORPUS_ENV else shared_dir / "corpus"


@pytest.fixture(scope="session")
def corpus_manifest(corpus_dir: Path) -> list[dict]:
    return json.loads((corpus_dir / "MANIFEST.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def report_pdf(corpus_dir: Path) -> Path:
    return corpus_dir / "report" / "wb-cybersecurity-report-2016.pdf"
