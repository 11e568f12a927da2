"""The structure the rest of the code relies on: one query analysis, one home for each domain
fact, settings objects that really steer the code, the knowledge cache, and the small defects
found when the architecture was redrawn (each with a test that fails without its fix)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wbpolicy.cli import main

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "wbpolicy"


def _sources() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in SRC.rglob("*.py")}


def test_sql_lives_only_in_the_index_package() -> None:
    sql = re.compile(r"\b(?:SELECT\s+\w|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b")
    offenders = [
        str(p.relative_to(SRC))
        for p, text in _sources().items()
        if sql.search(text) and p.parent.name != "index"
    ]
    assert offenders == []


def test_one_definition_of_stopwords_stemmer_region_and_kinds() -> None:
    sources = _sources()
    stopword_lists = [p for p, t in sources.items() if re.search(r"^_?STOPWORDS\s*=", t, re.M)]
    assert [p.name for p in stopword_lists] == ["lexicon.py"]
    stemmers = [p for p, t in sources.items() if re.search(r"^def _?stem\(", t, re.M)]
    assert [p.name for p in stemmers] == ["lexicon.py"]
    # the Western Balkans and the document kinds are data, never lists in code
    for p, t in sources.items():
        assert not re.search(r'"AL",\s*"BA",\s*"HR"', t), p
        assert not re.search(r'"report",\s*"strategy",\s*"law"', t), p


def test_search_and_ask_share_the_query_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    """ask analyses a question once and hands the same Query to search."""
    import wbpolicy.answer.question as A
    import wbpolicy.query as Q
    from wbpolicy import search as S

    calls: list[str] = []
    real = Q.analyse

    def counting(text: str, *a: object, **k: object) -> Q.Query:
        calls.append(text)
        return real(text, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(A, "analyse", counting)
    monkeypatch.setattr(S, "analyse", counting)
    seen: list[object] = []

    def fake_search(index: object, query: object, **kw: object) -> S.SearchResult:
        seen.append(query)
        return S.SearchResult("q", "hybrid", ())

    monkeypatch.setattr(S, "search", fake_search)

    class _Reader:
        def documents(self) -> dict:
            from wbpolicy.models import Document

            return {
                "xk": Document("xk", "Strategy", "strategy", "XK"),
                "rep": Document("rep", "Report", "report", "WB"),
            }

        def document_instruments(self) -> dict:
            return {}

        def footnote_entities(self, text: str, doc_id: str) -> None:
            return None

        def footnotes(self, doc_id: str) -> list:
            return []

    class _Store:
        generation = 1

    class _Index:
        reader = _Reader()
        store = _Store()
        cache: dict = {}

    ans = A.ask(_Index(), "What does Kosovo's strategy say about public-private partnership?")
    assert calls == ["What does Kosovo's strategy say about public-private partnership?"]
    assert seen and all(q is ans.understood for q in seen)
    assert ans.abstained


def test_settings_steer_search(tmp_path: Path) -> None:
    """A settings object is read, not decoration: a huge footnote penalty moves a footnote."""
    from tiny_index import build_tiny_index
    from wbpolicy.search import search
    from wbpolicy.settings import SearchSettings

    index = build_tiny_index(tmp_path)
    try:
        q = "e-SEE agenda 2007"
        default = search(index, q, top_k=3)
        harsh = search(index, q, top_k=3, settings=SearchSettings(footnote_penalty=5.0))
        assert default.hits[0].kind == "footnote"
        assert harsh.hits[0].kind != "footnote"
    finally:
        index.close()


def test_knowledge_cache_is_compiled_and_invalidated(tmp_path: Path) -> None:
    env = {**os.environ, "WBPOLICY_CACHE": str(tmp_path)}
    code = (
        "import time; t = time.perf_counter(); from wbpolicy.knowledge import knowledge; "
        "k = knowledge(); print(len(k.gazetteer.entries), 'yaml' in __import__('sys').modules)"
    )
    first = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert list(tmp_path.glob("knowledge-*.pickle")), "no compiled cache written"
    second = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    n, yaml_loaded = second.stdout.split()
    assert n == first.stdout.split()[0] and int(n) > 300
    assert yaml_loaded == "False", "a cached load must not parse YAML"
    # a broken cache file is rebuilt, never trusted
    for f in tmp_path.glob("knowledge-*.pickle"):
        f.write_bytes(b"garbage")
    third = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert third.stdout.split()[0] == n


def test_broken_knowledge_file_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import wbpolicy.knowledge as K

    real_read = K._read

    def broken(name: str, directory: Path | None = None) -> str:
        return "topics: [ {id: x" if name == "topics.yaml" else real_read(name, directory)

    from tiny_index import build_tiny_index

    build_tiny_index(tmp_path).close()
    monkeypatch.setattr(K, "_read", broken)
    K.knowledge.cache_clear()
    try:
        result = CliRunner().invoke(
            main, ["--index", str(tmp_path), "--model", "hash:64", "search", "Kosovo CERT"]
        )
    finally:
        K.knowledge.cache_clear()
    assert result.exit_code == 1, result.output
    assert "topics.yaml" in result.output and "Traceback" not in result.output


def test_tag_reads_stdin_with_dash() -> None:
    result = CliRunner().invoke(
        main, ["tag", "--json", "--file", "-"], input="Kosovo* works with the RCC."
    )
    assert result.exit_code == 0, result.output
    ids = {e["id"] for e in json.loads(result.output)["entities"]}
    assert {"XK", "rcc"} <= ids


def test_interrupted_search_does_not_talk_about_the_index(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import wbpolicy.cli.query as CQ

    def interrupted(ctx: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(CQ, "open_index", interrupted)
    result = CliRunner().invoke(main, ["search", "anything"])
    assert result.exit_code == 130
    assert "index is intact" not in result.output


def test_corpus_dir_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wbpolicy.settings import default_corpus_dir

    monkeypatch.setenv("WBPOLICY_CORPUS", str(tmp_path))
    assert default_corpus_dir() == tmp_path


def test_citation_linker_is_per_index(tmp_path: Path) -> None:
    """Two indexes open in one process never share a linker (an id() may be reused)."""
    from tiny_index import build_tiny_index
    from wbpolicy.answer.citations import CitationLinker

    a = build_tiny_index(tmp_path / "a")
    b = build_tiny_index(tmp_path / "b")
    try:
        assert CitationLinker.for_index(a) is CitationLinker.for_index(a)
        assert CitationLinker.for_index(a) is not CitationLinker.for_index(b)
    finally:
        a.close()
        b.close()


def test_python_api_in_five_lines(tmp_path: Path) -> None:
    import wbpolicy
    from tiny_index import build_tiny_index

    build_tiny_index(tmp_path).close()
    index = wbpolicy.open_index(tmp_path, model="hash:64")
    try:
        hits = index.search("KOS-CERT", top_k=2, mode="lexical").hits
        assert hits and hits[0].doc_id == "report"
        answer = index.ask("Which unit is Kosovo's national CERT?")
        assert "Question:" in wbpolicy.format_answer(answer)
        assert wbpolicy.ask(index, "Which unit is Kosovo's national CERT?") == answer
    finally:
        index.close()


def test_python_dash_m_runs_the_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "wbpolicy", "--help"], capture_output=True, text=True, check=True
    )
    assert "Usage:" in out.stdout and "search" in out.stdout


def test_every_test_docs_reliability_names_exists() -> None:
    """docs/RELIABILITY.md maps each promise to tests: each one it names must be there."""
    import re

    repo = Path(__file__).resolve().parents[1]
    doc = (repo / "docs" / "RELIABILITY.md").read_text(encoding="utf-8")
    named = 0
    for cell in re.findall(r"`([^`]+)`", doc):
        m = re.match(r"(test_\w+\.py)(?:::(\w+\*?))?$", cell)
        if not m:
            continue
        module = repo / "tests" / m.group(1)
        assert module.is_file(), f"{m.group(1)} named in RELIABILITY.md does not exist"
        text = module.read_text(encoding="utf-8")
        if m.group(2):
            name = m.group(2).rstrip("*")
            assert f"def {name}" in text, f"{m.group(1)}::{m.group(2)} does not exist"
            named += 1
    # "::test_x" cells after a first full reference name tests of the same module
    for cell in re.findall(r"`::(\w+\*?)`", doc):
        assert cell.rstrip("*") in " ".join(
            p.read_text(encoding="utf-8") for p in (repo / "tests").glob("test_*.py")
        ), f"::{cell} named in RELIABILITY.md does not exist"
        named += 1
    assert named >= 25
