"""What a user finds without reading the code: full ids, filters on docs, every problem listed,
show that never prints None, open, ask with search's filters, and empty results that say why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from wbpolicy.cli import main

LONG_ID = "a-national-strategy-with-a-very-long-file-name-for-cyber-security-2021-2025"


def run(index: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--index", str(index), "--model", "hash:64", *args])


@pytest.fixture()
def index(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / f"{LONG_ID}.txt").write_text(
        "National Strategy of Albania\n\nAlbania builds a national CERT for incident response.\n",
        encoding="utf-8",
    )
    (src / "rs-law-2016.txt").write_text(
        "Law on Information Security of Serbia\n\nSerbia regulates incident response by law.\n",
        encoding="utf-8",
    )
    (src / "broken.pdf").write_bytes(b"not a pdf")
    idx = tmp_path / "idx"
    r = run(idx, "ingest", "-q", str(src), "--json")
    assert r.exit_code == 1, r.output  # broken.pdf is reported; the others are in
    return idx


def test_docs_shows_full_ids_titles_and_filters(index: Path) -> None:
    r = run(index, "docs")
    assert r.exit_code == 0
    assert LONG_ID in r.output and "National Strategy of Albania" in r.output
    r = run(index, "docs", "--country", "Serbia", "--json")
    assert [d["doc_id"] for d in json.loads(r.stdout)["documents"]] == ["rs-law-2016"]
    r = run(index, "docs", "--kind", "strategy", "--year", "2010..2020", "--json")
    assert json.loads(r.stdout)["documents"] == []
    r = run(index, "docs", "--year", "2016", "--json")
    assert [d["doc_id"] for d in json.loads(r.stdout)["documents"]] == ["rs-law-2016"]
    # the id printed is the id `show` takes
    assert run(index, "show", LONG_ID).exit_code == 0


def test_docs_problems_lists_every_failed_file(index: Path) -> None:
    r = run(index, "docs", "--problems")
    assert r.exit_code == 0
    assert "NOT INDEXED:" in r.output and "broken.pdf: corrupt" in r.output
    problems = json.loads(run(index, "docs", "--problems", "--json").stdout)["problems"]
    assert [(Path(p["path"]).name, p["code"], p["fatal"]) for p in problems] == [
        ("broken.pdf", "corrupt", True)
    ]


def test_show_never_prints_none_and_checks_the_passage_belongs(index: Path) -> None:
    r = run(index, "show", "rs-law-2016")
    assert r.exit_code == 0 and "None" not in r.output
    assert "source:    unknown" in r.output and "year:      2016" in r.output
    hits = json.loads(run(index, "search", "incident response", "--json").stdout)["hits"]
    by_doc = {h["doc_id"]: h["passage_id"] for h in hits}
    pid = str(by_doc["rs-law-2016"])
    assert run(index, "show", "rs-law-2016", "--passage", pid).exit_code == 0
    r = run(index, "show", LONG_ID, "--passage", pid)
    assert r.exit_code == 1
    assert f"passage {pid} belongs to rs-law-2016, not to {LONG_ID}" in r.output


def test_open_prints_the_address_of_the_page(index: Path, tmp_path: Path) -> None:
    r = run(index, "open", "rs-law-2016", "--print", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["url"] == (tmp_path / "src" / "rs-law-2016.txt").resolve().as_uri()
    assert run(index, "open", "nosuch", "--print").exit_code == 1


def test_ask_takes_the_filters_of_search(index: Path) -> None:
    r = run(index, "ask", "Who handles incident response?", "--json")
    assert r.exit_code == 0, r.output
    r = run(index, "ask", "Who handles incident response?", "--doc", "rs-law-2016", "--json")
    answer = json.loads(r.stdout)
    assert {h["doc_id"] for h in answer["hits"]} == {"rs-law-2016"}
    r = run(index, "ask", "Who handles incident response?", "--year", "2030..", "--json")
    answer = json.loads(r.stdout)
    assert answer["abstained"] and answer["hits"] == []
    assert answer["message"] == "Nothing to search: no document from 2030 is indexed."


def test_a_search_whose_filters_match_nothing_says_so(index: Path) -> None:
    r = run(index, "search", "incident response", "--country", "XK", "--kind", "strategy")
    assert r.exit_code == 0
    assert r.output.strip() == "no passage in a strategy about Kosovo (XK) is indexed"
    out = json.loads(
        run(index, "search", "incident", "--country", "XK", "--kind", "strategy", "--json").stdout
    )
    assert out["hits"] == [] and out["message"].startswith("no passage in a strategy")
