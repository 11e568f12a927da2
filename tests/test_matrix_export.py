"""Matrices and briefs to hand on: a standalone HTML page, a compact Markdown table, CSV safe for
spreadsheets, the documents' years, year ranges, known topics only, ``wbpolicy topics``, --json,
and one catalog read per run (on the tiny index of test_ask, and on hand-made items)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from test_ask import REPORT_ID, STRATEGY_ID, build_index
from wbpolicy.answer import brief, matrix
from wbpolicy.answer.briefing import Brief, CountrySection, Quote
from wbpolicy.answer.country_matrix import Cell, Matrix
from wbpolicy.answer.export import (
    SNIPPET_CHARS,
    References,
    csv_cell,
    references_html,
    references_markdown,
    shorten,
    source_line,
)
from wbpolicy.answer.topic import NO_EVIDENCE, UnknownTopic, resolve_topic
from wbpolicy.answer.types import AnswerItem, CitedNote
from wbpolicy.cli import main
from wbpolicy.cli.report_cmd import topics_cmd
from wbpolicy.knowledge import knowledge
from wbpolicy.models import Document
from wbpolicy.text import normalise_ws

LONG = " ".join(f"Sentence word{i} of the national cybersecurity strategy" for i in range(60))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("exportidx")
    idx = build_index(tmp)
    yield idx, tmp / "index"
    idx.close()


@pytest.fixture(scope="module")
def index(built):
    return built[0]


def cli(index_dir: Path, *args: str):
    return CliRunner().invoke(main, ["--index", str(index_dir), "--model", "hash:64", *args])


def item(text: str, doc_id: str = "doc-a", year: int | None = 2016, **kw) -> AnswerItem:
    base: dict = {
        "text": text,
        "doc_id": doc_id,
        "title": f"Title of {doc_id}",
        "doc_kind": "report",
        "page": 12,
        "pages": (12,),
        "page_exact": True,
        "section": "4 State > 4.4 Kosovo*",
        "citations": (),
        "group": "country document",
        "country": "XK",
        "score": 0.9,
        "passage_id": 1,
        "start": 0,
        "end": len(text),
        "year": year,
    }
    base.update(kw)
    return AnswerItem(**base)


def hand_made_matrix(texts: dict[tuple[str, str], str | None], marks=None) -> Matrix:
    ts = tuple(resolve_topic(t) for t in dict.fromkeys(t for _, t in texts))
    countries = tuple(dict.fromkeys(c for c, _ in texts))
    docs = {
        "doc-a": Document("doc-a", "Title of doc-a", year=2016, source_url="http://ex.org/a.pdf")
    }
    refs = References(docs)
    cells = {}
    for (c, t), text in texts.items():
        it = item(text) if text is not None else None
        mark = (marks or {}).get((c, t))
        cells[(c, t)] = Cell(c, t, it, mark, refs.for_item(it) if it else ())
    return Matrix(ts, countries, cells, refs.references())


def visible(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.split("<body>", 1)[1]))


# -- HTML --------------------------------------------------------------------------------------
def test_matrix_html_is_a_standalone_printable_page_with_legend_and_references(index):
    m = matrix(index, ["cert", "ppp"], countries=("XK", "ME", "AL"))
    page = m.to_html()
    assert page.startswith("<!DOCTYPE html>\n")
    assert '<meta charset="utf-8">' in page
    assert re.search(r"<title>[^<]*n-CERT[^<]*</title>", page)
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "@media print" in style and "overflow-x: auto" in style
    assert "1600px" not in page and not re.search(r"width:\s*\d{4}px", style)
    assert '<div class="table-wrap">\n<table class="wbpolicy-matrix">' in page
    # the legend explains the report's marks and the empty cell
    legend = page.split('<dl class="legend">', 1)[1].split("</dl>", 1)[0]
    for mark in ("Table 1: +", "Table 1: -/+", "Table 1: -", NO_EVIDENCE):
        assert f"<dt>{html.escape(mark)}</dt>" in legend
    assert "basics are in place" in legend
    # every cell with evidence shows its year and cites numbered references that exist
    refs = set(re.findall(r'<li id="ref-(\d+)"', page))
    for c in m.countries:
        for t in m.topics:
            cell = m.cell(c, t.id)
            if cell.item is None:
                continue
            assert cell.refs and all(str(n) in refs for n in cell.refs)
            assert f'<a href="#ref-{cell.refs[0]}">[{cell.refs[0]}]</a>' in page
            where = source_line(cell.item).removeprefix("— ")
            assert f"<cite>{html.escape(where)} <a " in page and f"({cell.item.year})" in where
    assert page.rstrip().endswith("</html>")


def test_matrix_html_prints_each_url_once():
    m = hand_made_matrix({("XK", "cert"): "KOS-CERT works.", ("ME", "cert"): "MNE-CERT works."})
    page = m.to_html()
    assert visible(page).count("http://ex.org/a.pdf") == 1
    # one reference for the document, with its year and both pages
    assert [r.number for r in m.references] == [1]
    assert m.references[0].year == 2016


def test_references_print_a_url_once_across_documents_and_footnotes():
    docs = {
        "rep": Document("rep", "Report", year=2016),
        "strat": Document("strat", "Strategy", year=2013, source_url="http://ex.org/s.pdf"),
    }
    note = CitedNote(
        "3",
        "Strategy, at http://ex.org/s.pdf",
        "http://ex.org/s.pdf",
        linked_doc_id="strat",
        linked_title="Strategy",
    )
    refs = References(docs)
    nums = refs.for_item(item("The strategy says so.", "rep", citations=(note,)))
    out = refs.references()
    assert nums == (1, 2) and [r.kind for r in out] == ["document", "footnote", "document"]
    assert out[1].linked_number == 3
    text = "\n".join(references_markdown(out))
    assert text.count("http://ex.org/s.pdf") == 1  # in the footnote's own text only
    assert "3. Strategy, 2013 (`strat`) — URL as in [2]" in text
    page = references_html(out)
    assert visible(f"<body>{page}").count("http://ex.org/s.pdf") == 1
    assert 'id="ref-3"' in page and '(in the corpus: <a href="#ref-3">[3]</a>' in page


# -- Markdown ----------------------------------------------------------------------------------
def test_shorten_keeps_a_prefix_of_whole_words():
    short = shorten(LONG)
    assert short.endswith("…") and len(short) <= SNIPPET_CHARS + 1
    kept = short[:-1]
    assert normalise_ws(LONG).startswith(kept)
    assert normalise_ws(LONG)[len(kept)] == " "  # cut at a word boundary
    assert shorten("A short sentence.") == "A short sentence."


def test_markdown_matrix_is_compact_with_legend_and_references():
    m = hand_made_matrix({("XK", "cert"): LONG, ("XK", "ppp"): None}, {("XK", "cert"): "+"})
    md = m.to_markdown()
    rows = [x for x in md.splitlines() if x.startswith("| Kosovo")]
    assert len(rows) == 1 and len(rows[0]) < 400
    assert "**Table 1: +** “Sentence word0" in rows[0] and "…” (2016, p. 12) [1]" in rows[0]
    assert f"_{NO_EVIDENCE}_" in rows[0]
    assert "Legend:" in md and md.index("Legend:") < md.index("| Country")
    assert "- **Table 1: -/+** — the report's own mark" in md
    refs = md.split("\n## References\n", 1)[1]
    assert refs.strip().startswith(
        "1. Title of doc-a, 2016 (`doc-a`), p. 12 — <http://ex.org/a.pdf>"
    )
    # the JSON form keeps the whole verbatim sentence
    assert m.to_json()["cells"][0]["evidence"]["text"] == LONG


def test_markdown_cells_escape_table_and_emphasis_characters():
    m = hand_made_matrix({("XK", "cert"): "Kosovo* has a | pipe and Kosovo* again."})
    row = next(x for x in m.to_markdown().splitlines() if x.startswith("| Kosovo"))
    assert "Kosovo\\* has a \\| pipe and Kosovo\\* again." in row
    assert row.count(" | ") == 1  # country | cell


# -- CSV ---------------------------------------------------------------------------------------
DANGEROUS = ['=HYPERLINK("http://x")', "+1 cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_csv_cell_neutralises_formulas(value):
    assert csv_cell(value) == "'" + value
    assert csv_cell("safe") == "safe" and csv_cell(3) == "3" and csv_cell(None) == ""


def test_matrix_and_brief_csv_have_no_formula_cells():
    texts = {("XK", t): DANGEROUS[i] for i, t in enumerate(["cert", "ppp", "law", "strategy"])}
    marks = {("XK", "cert"): "+", ("XK", "ppp"): "-/+", ("XK", "law"): "-"}
    m = hand_made_matrix(texts, marks)
    rows = list(csv.reader(io.StringIO(m.to_csv())))
    assert len({len(r) for r in rows}) == 1  # a row per cell, every row as wide as the header
    b = Brief(
        resolve_topic("cert"),
        (CountrySection("XK", "Kosovo", tuple(Quote(item(t), (1,)) for t in DANGEROUS)),),
        (),
    )
    rows += list(csv.reader(io.StringIO(b.to_csv())))
    for row in rows:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), row
    by_topic = {r[1]: r for r in rows[1:5]}
    assert by_topic["cert"][2] == "'+" and by_topic["ppp"][2] == "'-/+"
    assert by_topic["law"][2] == "'-"
    assert by_topic["cert"][3] == "'" + DANGEROUS[0]
    assert by_topic["cert"][6] == "2016"  # the year column


# -- years -------------------------------------------------------------------------------------
def test_items_carry_their_documents_year(index):
    b = brief(index, "ppp", countries=("ME",), per_country=3)
    years = {q.item.doc_id: q.item.year for q in b.sections[0].quotes}
    assert years.get(STRATEGY_ID) == 2013 and years.get(REPORT_ID) == 2016
    md = b.to_markdown()
    # the markdown strategy has no pages: it is cited by its section
    assert "for Montenegro 2013-2017 (2013), § 4 Public-private partnership [1]" in md
    assert "Cyber Readiness in the Test Region (2016), p. 2, § 4 State of play" in md
    assert {r["year"] for r in csv.DictReader(io.StringIO(b.to_csv()))} == {"2013", "2016"}
    m = matrix(index, ["cert"], countries=("XK",))
    assert m.cell("XK", "cert").item.year == 2016
    assert "(2016, p. 2)" in m.to_markdown()


def test_year_range_restricts_the_evidence(index):
    full = brief(index, "ppp", countries=("ME",), per_country=3)
    assert {q.item.year for q in full.sections[0].quotes} == {2013, 2016}
    late = brief(index, "ppp", countries=("ME",), per_country=3, year_min=2014)
    assert late.sections[0].quotes and {q.item.year for q in late.sections[0].quotes} == {2016}
    early = brief(index, "ppp", countries=("ME",), per_country=3, year_max=2013)
    assert {q.item.year for q in early.sections[0].quotes} == {2013}
    assert "Only documents of 2013 or earlier were searched." in early.to_markdown()
    none = matrix(index, ["cert"], countries=("XK",), year_min=2017)
    cell = none.cell("XK", "cert")
    assert cell.item is None and cell.text() == NO_EVIDENCE


# -- topics ------------------------------------------------------------------------------------
def test_unknown_topic_is_an_error_listing_the_valid_ids(index):
    with pytest.raises(UnknownTopic) as err:
        matrix(index, ["cert", "quantum widgets"], countries=("XK",))
    assert "quantum widgets" in str(err.value) and "cybercrime-law" in str(err.value)
    with pytest.raises(UnknownTopic):
        brief(index, "quantum widgets", countries=("XK",))
    # free text stays possible in the library on request
    adhoc = brief(index, "quantum widgets", countries=("XK",), strict=False)
    assert adhoc.topic.terms == ("quantum widgets",)


def test_cli_unknown_topic_exits_2_with_the_valid_ids(built):
    _, index_dir = built
    for args in (["brief", "quantum widgets"], ["matrix", "--topics", "cert,widgets"]):
        r = cli(index_dir, *args)
        assert r.exit_code == 2, r.output
        assert "cybercrime-law" in r.output and "ppp" in r.output


def test_topics_command_lists_ids_labels_and_terms():
    r = CliRunner().invoke(topics_cmd, ["--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)["topics"]
    assert [t["id"] for t in data] == list(knowledge().topics.ids)
    cert = next(t for t in data if t["id"] == "cert")
    assert cert["table1"] == "n-CERT" and "CERT" in cert["terms"] and "csirt" in cert["aliases"]
    text = CliRunner().invoke(topics_cmd, []).output
    assert re.search(r"^cert\s+National CERT", text, re.M)
    assert "(Table 1: n-CERT)" in text and "matches: CERT" in text


# -- the CLI's --json, --year and --since ------------------------------------------------------
def test_json_flag_is_format_json(built):
    _, index_dir = built
    a = cli(index_dir, "matrix", "--topics", "cert", "--countries", "XK", "--json")
    b = cli(index_dir, "matrix", "--topics", "cert", "--countries", "XK", "--format", "json")
    assert a.exit_code == 0, a.output
    assert json.loads(a.output) == json.loads(b.output)
    c = cli(index_dir, "brief", "ppp", "--countries", "ME", "--json")
    assert c.exit_code == 0, c.output
    assert json.loads(c.output)["topic"]["id"] == "ppp"
    bad = cli(index_dir, "brief", "ppp", "--json", "--format", "csv")
    assert bad.exit_code == 2


def test_cli_writes_every_format(built, tmp_path):
    _, index_dir = built
    for command, fmt, start in (
        (["brief", "ppp", "--countries", "ME"], "md", "# Briefing: Public-private partnership"),
        (["brief", "ppp", "--countries", "ME"], "csv", "country,rank,text,"),
        (["matrix", "--topics", "cert", "--countries", "XK"], "md", "# Evidence matrix: n-CERT"),
        (["matrix", "--topics", "cert", "--countries", "XK"], "csv", "country,topic,table1,"),
        (["matrix", "--topics", "cert", "--countries", "XK"], "html", "<!DOCTYPE html>"),
    ):
        out = tmp_path / f"{command[0]}.{fmt}"
        r = cli(index_dir, *command, "--format", fmt, "--out", str(out))
        assert r.exit_code == 0, r.output
        assert out.read_text(encoding="utf-8").startswith(start)
    r = cli(index_dir, "brief", "ppp", "--countries", "ME")
    assert r.exit_code == 0 and r.output.startswith("# Briefing:"), r.output


def test_cli_year_and_since(built):
    _, index_dir = built
    r = cli(index_dir, "brief", "ppp", "--countries", "ME", "--since", "2014", "--json")
    assert r.exit_code == 0, r.output
    quotes = json.loads(r.output)["countries"][0]["quotes"]
    assert quotes and all(q["year"] >= 2014 for q in quotes)
    r = cli(index_dir, "matrix", "--topics", "ppp", "--countries", "ME", "--year", "2013", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["cells"][0]["evidence"]["year"] == 2013
    assert cli(index_dir, "matrix", "--year", "2019..2015").exit_code == 2
    assert cli(index_dir, "brief", "ppp", "--year", "2015", "--since", "2014").exit_code == 2


# -- speed: each (topic, country) analysed once per process ---------------------------------
def test_matrix_analyses_each_cell_once_per_process(index, monkeypatch):
    from wbpolicy.answer import topic as topic_mod

    calls: list[str] = []
    analyse = topic_mod.analyse

    def counted_analyse(text, *a):
        calls.append(text)
        return analyse(text, *a)

    monkeypatch.setattr(topic_mod, "analyse", counted_analyse)
    topic_mod._topic_query.cache_clear()
    countries = ("XK", "ME", "AL")
    first = matrix(index, ["cert", "ppp", "law"], countries=countries)
    assert len(calls) == 9 and len(set(calls)) == 9
    second = matrix(index, ["cert", "ppp", "law"], countries=countries)
    assert len(calls) == 9  # a second run re-analyses nothing ...
    assert second.to_json() == first.to_json()  # ... and finds the same evidence
