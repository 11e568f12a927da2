"""The CLI contract: help everywhere, documented commands, exit codes, --json shapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from wbpolicy.cli import main

REPO = Path(__file__).resolve().parents[1]


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        out.append((full, cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, full + " "))
    return out


ALL = _commands(main)


@pytest.mark.parametrize("name,cmd", ALL, ids=[n for n, _ in ALL])
def test_every_command_has_help_and_is_documented(name: str, cmd: click.Command) -> None:
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert cmd.help or cmd.short_help, f"{name} has no help text"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    top = name.split()[0]
    assert f"`{top}" in readme or f"`{name}" in readme, f"{name} is not documented in README.md"


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from wbpolicy.cli import main;"
        "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0;"
        "heavy = [m for m in ('torch', 'spacy', 'faiss', 'pdfplumber', 'sentence_transformers',"
        " 'numpy')"
        " if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_search_without_index_exits_1_with_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--index", str(tmp_path / "nope"), "search", "anything"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert len(result.output.strip().splitlines()) == 1


def test_misuse_exits_2() -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["search"]).exit_code == 2
    assert runner.invoke(main, ["search", "x", "--top-k", "0"]).exit_code == 2
    assert runner.invoke(main, ["tag"]).exit_code == 2  # neither --text nor --file
    assert runner.invoke(main, ["search", "x", "--year", "soon"]).exit_code == 2
    assert runner.invoke(main, ["search", "x", "--kind", "poem"]).exit_code == 2
    assert runner.invoke(main, ["no-such-command"]).exit_code == 2


def test_tag_json_offsets_point_into_the_text() -> None:
    text = "Kosovo* and BiH both work with the Regional Cooperation Council (RCC)."
    result = CliRunner().invoke(main, ["tag", "--json", "--text", text])
    assert result.exit_code == 0, result.output
    ents = json.loads(result.output)["entities"]
    got = {(e["text"], e["label"], e["id"]) for e in ents}
    assert ("Kosovo", "COUNTRY", "XK") in got
    assert ("BiH", "COUNTRY", "BA") in got
    assert ("RCC", "ORG", "rcc") in got
    for e in ents:
        assert text[e["start"] : e["end"]] == e["text"]


@pytest.fixture()
def small_corpus(tmp_path: Path) -> Path:
    src = tmp_path / "docs"
    src.mkdir()
    (src / "alpha-strategy.md").write_text(
        "# 1 Introduction\n\nThe Alpha strategy sets up a national CERT for incident response.\n\n"
        "# 2 Partnership\n\nGovernment and industry sign a public-private partnership on cyber"
        " security exercises every year.\n",
        encoding="utf-8",
    )
    (src / "beta-law.txt").write_text(
        "LAW ON INFORMATION SECURITY\n\nArticle 1\n\nThis law regulates the protection of"
        " networks and information systems of operators of essential services.\n",
        encoding="utf-8",
    )
    (src / "broken.pdf").write_bytes(b"not a pdf at all")
    (src / "notes.docx").write_bytes(b"PK\x03\x04")
    return src


def test_ingest_search_docs_show_remove_roundtrip(tmp_path: Path, small_corpus: Path) -> None:
    runner = CliRunner()
    base = ["--index", str(tmp_path / "idx"), "--model", "hash:64"]
    r = runner.invoke(main, [*base, "ingest", "-q", "--json", str(small_corpus)])
    assert r.exit_code == 1, r.output  # the good files went in; the status says two did not
    assert r.stderr.strip() == "Error: 2 files not indexed (listed above); 2 indexed or unchanged"
    summary = json.loads(r.stdout)
    assert summary["documents"] == 2
    bad = {Path(p["path"]).name: p["code"] for p in summary["problems"] if p["fatal"]}
    assert bad == {"broken.pdf": "corrupt", "notes.docx": "unsupported"}

    r = runner.invoke(main, [*base, "search", "public-private partnership", "--json", "-k", "3"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert set(out) >= {"query", "hits"}
    top = out["hits"][0]
    assert set(top) >= {
        "rank",
        "doc_id",
        "title",
        "page",
        "pages",
        "section",
        "text",
        "score",
        "citations",
    }
    assert top["doc_id"] == "alpha-strategy"
    assert "public-private partnership" in top["text"]
    assert top["section"] == "2 Partnership"

    r = runner.invoke(main, [*base, "docs", "--json"])
    assert r.exit_code == 0, r.output
    ids = {d["doc_id"] for d in json.loads(r.output)["documents"]}
    assert ids == {"alpha-strategy", "beta-law"}

    r = runner.invoke(main, [*base, "show", "beta-law", "--page", "1", "--json"])
    assert r.exit_code == 0, r.output
    assert "operators of essential services" in json.dumps(json.loads(r.output))

    r = runner.invoke(main, [*base, "show", "beta-law", "--page", "9"])
    assert r.exit_code == 1

    r = runner.invoke(main, [*base, "remove", "alpha-strategy"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, [*base, "search", "public-private partnership", "--json"])
    assert all(h["doc_id"] != "alpha-strategy" for h in json.loads(r.output)["hits"])
    r = runner.invoke(main, [*base, "remove", "alpha-strategy"])
    assert r.exit_code == 1


def test_search_refuses_index_built_with_another_model(tmp_path: Path, small_corpus: Path) -> None:
    runner = CliRunner()
    idx = str(tmp_path / "idx")
    r = runner.invoke(
        main, ["--index", idx, "--model", "hash:64", "ingest", "-q", str(small_corpus)]
    )
    assert r.exit_code == 1 and "2 indexed" in r.output, r.output  # two bad files reported
    r = runner.invoke(main, ["--index", idx, "--model", "hash:32", "search", "partnership"])
    assert r.exit_code == 1
    assert "model" in r.output


def test_ingest_exits_1_when_no_file_could_be_indexed(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    r = CliRunner().invoke(
        main, ["--index", str(tmp_path / "idx"), "--model", "hash:64", "ingest", "-q", str(bad)]
    )
    assert r.exit_code == 1
    assert f"{bad}: corrupt" in r.output
    assert r.output.strip().splitlines()[-1] == (
        "Error: 1 file not indexed (listed above); 0 indexed or unchanged"
    )
