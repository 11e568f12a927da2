"""Catalog views over an index built from a hand-made extraction (pages, sections, footnotes)."""

from __future__ import annotations

from pathlib import Path

import pytest

import wbpolicy.extract
from wbpolicy.errors import ExtractionError, IndexNotFound, NotFound
from wbpolicy.index import catalog
from wbpolicy.ingest import ingest
from wbpolicy.models import Block, Citation, Extraction, Footnote, PageText, Problem
from wbpolicy.settings import Settings

S = ("4 State of play", "4.4 Kosovo*")
P1 = "The strategy was adopted in 2015. It covers the period to 2019."
P2 = "A national CERT operates under the regulator."
FN = Footnote(
    "66", "See the action plan at http://example.org/plan", 2, ("http://example.org/plan",)
)


def report(path: Path) -> Extraction:
    cit = Citation(FN.marker, FN.text, FN.urls[0], FN.page, offset=P1.index(" It"), urls=FN.urls)
    return Extraction(
        path=str(path),
        format="pdf",
        title="Hand-made report",
        pages=(PageText(1, "page one text"), PageText(2, "page two text"), PageText(3, "", False)),
        blocks=(
            Block("4.4 Kosovo*", "heading", S, ((0, 1),)),
            Block(P1, "paragraph", S, ((0, 1), (P1.index("It"), 2)), (cit,)),
            Block(P2, "paragraph", S, ((0, 2),)),
        ),
        footnotes=(FN,),
        problems=(Problem(str(path), "no-text", "no text layer on 1 page", (3,)),),
    )


@pytest.fixture()
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    good, bad = tmp_path / "report.pdf", tmp_path / "broken.pdf"
    good.write_bytes(b"%PDF-1.4 stand-in")
    bad.write_bytes(b"%PDF- truncated")

    def fake_extract(path, **layouts):
        if Path(path).name == "broken.pdf":
            raise ExtractionError(path, "corrupt", "truncated file")
        return report(Path(path))

    monkeypatch.setattr(wbpolicy.extract, "extract", fake_extract, raising=False)
    monkeypatch.setattr(
        wbpolicy.extract, "iter_documents", lambda paths: [good, bad], raising=False
    )
    s = Settings(index_dir=tmp_path / "idx", model="hash:64")
    with pytest.raises(IndexNotFound):
        catalog.list_documents(s)
    ingest([tmp_path], s)
    return s


def test_documents(settings):
    (doc,) = catalog.list_documents(settings)
    assert (doc.doc_id, doc.title, doc.format, doc.pages) == (
        "report",
        "Hand-made report",
        "pdf",
        3,
    )
    assert doc.passages == 2  # one body passage (both paragraphs fit) + one footnote passage
    assert [(p.code, p.pages, p.fatal) for p in doc.problems] == [("no-text", (3,), False)]
    assert catalog.get_document(settings, "report") == doc
    with pytest.raises(NotFound):
        catalog.get_document(settings, "nope")
    problems = catalog.list_problems(settings)
    assert {(Path(p.path).name, p.code, p.fatal) for p in problems} == {
        ("broken.pdf", "corrupt", True),
        ("report.pdf", "no-text", False),
    }


def test_show_page_and_passage(settings):
    view = catalog.show_page(settings, "report", 2)
    assert view.text == "page two text" and view.pages == 3
    body = [p for p in view.passages if p.kind == "body"]
    assert [p.text for p in body] == [f"{P1}\n\n{P2}"]
    assert body[0].pages == (1, 2) and body[0].section == "4 State of play > 4.4 Kosovo*"
    (c,) = body[0].citations
    assert (c.marker, c.url, c.offset) == ("66", "http://example.org/plan", P1.index(" It"))
    notes = [p for p in view.passages if p.kind == "footnote"]
    assert [p.text for p in notes] == [FN.text]
    assert view.to_json()["citations"][0]["marker"] == "66"
    assert "[66] See the action plan" in view.render()
    page1 = catalog.show_page(settings, "report", 1)
    assert [p.kind for p in page1.passages] == ["body"]
    assert catalog.show_page(settings, "report", 3).passages == ()
    with pytest.raises(NotFound):
        catalog.show_page(settings, "report", 4)
    passage = catalog.show_passage(settings, body[0].passage_id)
    assert passage == body[0]
    assert passage.to_json()["pages"] == [1, 2]
    with pytest.raises(NotFound):
        catalog.show_passage(settings, 10_000)
