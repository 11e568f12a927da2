"""brief and matrix on the tiny index of test_ask (hash:64, real ingest)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from test_ask import REPORT_ID, REPORT_TITLE, STRATEGY_ID, build_index
from wbpolicy.answer import brief, matrix
from wbpolicy.answer.topic import NO_EVIDENCE


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory):
    idx = build_index(tmp_path_factory.mktemp("briefidx"))
    yield idx
    idx.close()


def test_brief_markdown_sections_quotes_and_references(index):
    b = brief(index, "ppp", countries=("ME", "XK"), per_country=2)
    md = b.to_markdown()
    assert md.startswith("# Briefing: Public-private partnership\n")
    assert "\n## Montenegro (ME)\n" in md and "\n## Kosovo (XK)\n" in md
    me = md.split("## Montenegro (ME)")[1].split("## Kosovo (XK)")[0]
    assert "> “Montenegro will build a public-private partnership" in me
    xk = md.split("## Kosovo (XK)")[1].split("## References")[0]
    assert "_No passage in" in xk and "Public-private partnership for Kosovo (XK)" in xk
    refs = md.split("## References\n")[1]
    # numbered, each document and each cited footnote once, with URLs
    lines = [x for x in refs.splitlines() if x]
    assert [x.split(".")[0] for x in lines] == [str(i) for i in range(1, len(lines) + 1)]
    assert any(REPORT_TITLE in x and f"`{REPORT_ID}`" in x for x in lines)
    assert any(f"`{STRATEGY_ID}`" in x for x in lines)
    fn3 = next(x for x in lines if "Footnote 3" in x)
    assert "http://example.org/docs/Montenegro_2013_Cyber%20Security" in fn3
    assert f"(in the corpus: `{STRATEGY_ID}`)" in fn3


def test_brief_quotes_point_to_their_references(index):
    b = brief(index, "ppp", countries=("ME",), per_country=3)
    refs = {r.number: r for r in b.references}
    for q in b.sections[0].quotes:
        assert refs[q.refs[0]].kind == "document" and refs[q.refs[0]].doc_id == q.item.doc_id
        assert [refs[n].marker for n in q.refs[1:]] == [c.marker for c in q.item.citations]


def test_brief_csv_and_json(index):
    b = brief(index, "public-private partnership", countries=("ME", "XK"), per_country=2)
    rows = list(csv.DictReader(io.StringIO(b.to_csv())))
    assert {r["country"] for r in rows} == {"ME", "XK"}
    assert [r["text"] for r in rows if r["country"] == "XK"] == [NO_EVIDENCE]
    me = [r for r in rows if r["country"] == "ME"]
    assert me[0]["rank"] == "1" and me[0]["page"] in {"1", "2"}
    data = json.loads(json.dumps(b.to_json()))
    assert data["topic"]["id"] == "ppp"
    assert [c["country"] for c in data["countries"]] == ["ME", "XK"]
    assert data["countries"][1]["quotes"] == []
    assert all(r["number"] == i for i, r in enumerate(data["references"], start=1))


def test_matrix_cells_evidence_or_none(index):
    m = matrix(index, ["cert", "ppp"], countries=("XK", "ME", "AL"))
    cert_xk = m.cell("XK", "cert")
    assert cert_xk.item is not None and cert_xk.item.text.startswith("KOS-CERT")
    assert cert_xk.item.page == 2
    assert m.cell("AL", "ppp").item is None
    assert m.cell("AL", "ppp").text() == NO_EVIDENCE
    # the report's own Table 1 marks travel with the cells, so the two can be compared
    assert m.cell("XK", "cert").table1 == "+"
    assert m.cell("ME", "ppp").table1 == "-/+"
    md = m.to_markdown()
    assert md.startswith("# Evidence matrix: n-CERT, Substantial PPP\n")
    table = [x for x in md.splitlines() if x.startswith("|")]
    assert table[0] == "| Country | n-CERT | Substantial PPP |"
    assert len(table) == 2 + 3  # header, rule, one row per country
    assert table[2].startswith("| Kosovo (XK) | **Table 1: +** “KOS-CERT")
    assert NO_EVIDENCE in md
    rows = list(csv.DictReader(io.StringIO(m.to_csv())))
    assert len(rows) == 6
    assert (
        next(r for r in rows if r["country"] == "AL" and r["topic"] == "ppp")["evidence"]
        == NO_EVIDENCE
    )


def test_matrix_html_is_escaped(index):
    m = matrix(index, ["cert"], countries=("MK",))
    item = m.cell("MK", "cert").item
    assert item is not None and 'R&D "Cyber"' in item.text
    page = m.to_html()
    assert "R&amp;D &quot;Cyber&quot;" in page
    assert 'R&D "Cyber"' not in page
    assert page.startswith("<!DOCTYPE html>")
    assert '<table class="wbpolicy-matrix">' in page


def test_matrix_defaults_to_table1_topics(index):
    m = matrix(index, countries=("XK",))
    assert [t.id for t in m.topics] == [
        "law",
        "cybercrime-law",
        "strategy",
        "cert",
        "ppp",
        "education",
    ]


def test_table1_marks_align_a_header_shifted_left():
    """pdfplumber may return the header without the empty cell above the row labels."""
    from wbpolicy.answer.country_matrix import marks_from_tables

    rows = [
        ["ALB", "BIH", "KOS", ""],
        ["CS/IS Law", "-/+", "-", "+"],
        ["n-CERT", "+", "-/+", "+"],
        ["Something else", "x", "y", "z"],
    ]
    assert marks_from_tables([rows]) == {
        ("CS/IS Law", "AL"): "-/+",
        ("CS/IS Law", "BA"): "-",
        ("CS/IS Law", "XK"): "+",
        ("n-CERT", "AL"): "+",
        ("n-CERT", "BA"): "-/+",
        ("n-CERT", "XK"): "+",
    }
