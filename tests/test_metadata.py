"""Metadata a user controls: options, sidecars, folder files, and inference that reads the
document before its file name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from wbpolicy.cli import main
from wbpolicy.docmeta import UserMetadata, checked
from wbpolicy.enrich.classify import infer_country, infer_year
from wbpolicy.errors import WbpolicyError

DRAFT_TITLE = "Kosovo Cybersecurity Strategy 2023-2027"


def draft_pdf(path: Path, title: str = DRAFT_TITLE) -> Path:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    pdf.set_xy(60, 80)
    pdf.cell(0, 24, title)
    pdf.set_font("Helvetica", "", 11)
    body = (
        "The Government of Kosovo sets out its objectives for cyber security. The Ministry of "
        "Internal Affairs coordinates a public-private partnership with operators of critical "
        "infrastructure, and KOS-CERT handles incidents."
    )
    pdf.set_xy(60, 130)
    pdf.multi_cell(470, 14, body)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def run(index: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--index", str(index), "--model", "hash:64", *args])


def stored(index: Path) -> dict[str, dict]:
    r = run(index, "docs", "--json")
    assert r.exit_code == 0, r.output
    return {d["doc_id"]: d for d in json.loads(r.stdout)["documents"]}


def test_a_draft_is_known_by_its_title_not_its_file_name_prefix(tmp_path: Path) -> None:
    """`my-` is an ordinary word, not Malaysia; the title names Kosovo and the years."""
    idx = tmp_path / "idx"
    path = draft_pdf(tmp_path / "my-kosovo-strategy-draft.pdf")
    r = run(idx, "ingest", "-q", str(path))
    assert r.exit_code == 0, r.output
    (doc,) = stored(idx).values()
    assert (doc["title"], doc["country"], doc["kind"], doc["year"]) == (
        DRAFT_TITLE,
        "XK",
        "strategy",
        2023,
    )


def test_inference_order() -> None:
    # a real prefix still counts when nothing in the document says otherwise
    assert infer_country(None, "Some text without a country.", "rs-law-2016.txt") == "RS"
    # an ordinary-word prefix counts only when the text mentions that country
    assert infer_country(None, "Notes without a country.", "me-notes.txt") is None
    assert infer_country(None, "Montenegro adopted it. Montenegro", "me-notes.txt") == "ME"
    # the title speaks before the file name
    assert infer_country("Strategy of Albania", "", "rs-strategy.txt") == "AL"
    assert infer_year("Strategy 2021-2025", "plan-2019.pdf") == 2021
    assert infer_year(None, "plan-2019.pdf") == 2019


def test_options_set_the_metadata_of_one_file(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    path = draft_pdf(tmp_path / "draft.pdf", "Working notes")
    r = run(
        idx,
        "ingest",
        "-q",
        str(path),
        "--country",
        "Kosovo",
        "--kind",
        "law",
        "--year",
        "2024",
        "--title",
        "Law on Cyber Security (draft)",
        "--language",
        "sq",
    )
    assert r.exit_code == 0, r.output
    (doc,) = stored(idx).values()
    assert (doc["title"], doc["country"], doc["kind"], doc["year"], doc["language"]) == (
        "Law on Cyber Security (draft)",
        "XK",
        "law",
        2024,
        "sq",
    )
    # a search filtered to what the user set finds it
    r = run(idx, "search", "partnership", "--country", "XK", "--kind", "law", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["hits"]
    # options for several files at once are refused, and typos are named
    other = draft_pdf(tmp_path / "other.pdf", "Other")
    r = run(idx, "ingest", "-q", str(path), str(other), "--country", "XK")
    assert r.exit_code == 1 and "name exactly one file (2 found)" in r.output
    r = run(idx, "ingest", "-q", str(path), "--country", "Atlantis")
    assert r.exit_code == 1 and "'Atlantis' is not a country" in r.output


def test_sidecar_and_folder_file(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    folder = tmp_path / "docs"
    a = draft_pdf(folder / "sub" / "a.pdf", "Working notes A")
    b = draft_pdf(folder / "sub" / "b-draft.pdf", "Working notes B")
    (folder / "sub" / "a.meta.yaml").write_text("country: ME\nyear: 2019\n", encoding="utf-8")
    (folder / "wbpolicy.yaml").write_text(
        "defaults:\n  kind: strategy\nfiles:\n  'sub/*-draft.pdf':\n    country: AL\n",
        encoding="utf-8",
    )
    r = run(idx, "ingest", "-q", str(folder))
    assert r.exit_code == 0, r.output  # the sidecars themselves are not documents
    docs = {Path(d["path"]).name: d for d in stored(idx).values()}
    assert set(docs) == {a.name, b.name}
    assert (docs["a.pdf"]["country"], docs["a.pdf"]["year"], docs["a.pdf"]["kind"]) == (
        "ME",
        2019,
        "strategy",
    )
    assert (docs["b-draft.pdf"]["country"], docs["b-draft.pdf"]["kind"]) == ("AL", "strategy")


def test_checked_refuses_unknown_fields_and_bad_values() -> None:
    assert checked({"country": "BiH", "kind": "strategies"}, "x") == UserMetadata(
        kind="strategy", country="BA"
    )
    for bad, message in (
        ({"colour": "red"}, "unknown field 'colour'"),
        ({"year": "20x"}, "not a four-digit year"),
        ({"kind": "poem"}, "unknown kind 'poem'"),
        ({"language": "English please"}, "not a code"),
    ):
        with pytest.raises(WbpolicyError, match=message):
            checked(bad, "x")


def test_docs_set_edits_metadata_in_place_and_retags_passage_countries(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    path = tmp_path / "notes.txt"
    path.write_text("Working notes\n\nThe national CERT handles incidents for operators.\n")
    assert run(idx, "ingest", "-q", str(path)).exit_code == 0
    r = run(idx, "search", "incidents", "--country", "XK", "--json")
    assert json.loads(r.stdout)["hits"] == []  # nothing says it is about Kosovo yet
    r = run(idx, "docs", "set", "notes", "--country", "Kosovo", "--year", "2024", "--json")
    assert r.exit_code == 0, r.output
    assert (json.loads(r.stdout)["country"], json.loads(r.stdout)["year"]) == ("XK", 2024)
    r = run(idx, "search", "incidents", "--country", "XK", "--year", "2024", "--json")
    assert [h["doc_id"] for h in json.loads(r.stdout)["hits"]] == ["notes"]
    # nothing was re-read: an unchanged re-ingest keeps the edit... and reports it unchanged
    r = run(idx, "ingest", "-q", "--json", str(path))
    assert json.loads(r.stdout)["unchanged"] == 1
    assert stored(idx)["notes"]["country"] == "XK"
    r = run(idx, "docs", "set", "nosuch", "--country", "XK")
    assert r.exit_code == 1 and "no document 'nosuch'" in r.output


def test_a_bad_sidecar_fails_its_file_only(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_text("Albania adopted a law on cyber security.\n")
    (folder / "bad.txt").write_text("Serbia drafted a strategy on awareness.\n")
    (folder / "bad.meta.yaml").write_text("country: Atlantis\n", encoding="utf-8")
    r = run(idx, "ingest", "-q", str(folder))
    assert r.exit_code == 1
    assert "bad.txt: metadata:" in r.output and "'Atlantis' is not a country" in r.output
    assert "Traceback" not in r.output
    assert list(stored(idx)) == ["good"]
