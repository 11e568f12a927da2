"""OCR of PDF pages without a usable text layer: image pages read by Tesseract, blank pages known
as blank, the switch in PdfLayout, the cache, and the real Belgian strategy (French)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest

from ocr_fixtures import (
    HEADING,
    HEADING_TOP_PT,
    IMAGE_LINES,
    LEFT_PT,
    PAGE_H,
    PAGE_W,
    SECOND_PARAGRAPH,
    build,
    find_font,
)
from wbpolicy.errors import ExtractionError
from wbpolicy.extract import ocr
from wbpolicy.extract.pdf import PdfLayout, extract_pdf

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract is not installed"
)
OFF = PdfLayout(ocr=False)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test reads through a cache of its own (never the user's)."""
    monkeypatch.setenv("WBPOLICY_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    font = find_font()
    if font is None:
        pytest.skip("no TrueType font on this system to draw the test page with")
    return build(tmp_path_factory.mktemp("ocr-fixtures"), font)


def _words(text: str) -> list[str]:
    return [w.strip(".,") for w in text.split()]


# --- with Tesseract --------------------------------------------------------------------------


@needs_tesseract
def test_image_page_is_read_and_marked(pdfs: dict[str, Path]) -> None:
    ex = extract_pdf(pdfs["mixed"])
    assert ex.problems == ()  # the image page is read, the blank page is no problem
    text_page, image_page, blank_page = ex.pages
    assert image_page.ocr and image_page.has_text
    page_words = set(_words(image_page.text))
    expected = _words(" ".join([HEADING, *IMAGE_LINES, *SECOND_PARAGRAPH]))
    assert sum(w in page_words for w in expected) >= 0.9 * len(expected)
    assert "lighthouse" in image_page.text and "Volunteers" in image_page.text
    # the blank page: known as blank, no text, not OCR text
    assert not blank_page.has_text and not blank_page.ocr and blank_page.text == ""
    # the text page is read from its text layer, exactly as without OCR
    assert not text_page.ocr and text_page.words == ()
    assert text_page == extract_pdf(pdfs["mixed"], OFF).pages[0]
    # blocks say where their text comes from; page numbers stay exact
    by_page = {b.pages: b for b in ex.blocks}
    assert not by_page[(1,)].ocr
    ocr_blocks = [b for b in ex.blocks if b.ocr]
    assert ocr_blocks and all(b.pages == (2,) for b in ocr_blocks)
    heading = next(b for b in ocr_blocks if b.kind == "heading")
    assert heading.text == HEADING
    body = " ".join(b.text for b in ocr_blocks if b.kind != "heading")
    assert "published its findings" in body and "autumn storms" in body


@needs_tesseract
def test_word_boxes_are_in_pdf_points(pdfs: dict[str, Path]) -> None:
    page = extract_pdf(pdfs["mixed"]).pages[1]
    assert page.words
    for _text, x0, top, x1, bottom in page.words:
        assert 0 <= x0 < x1 <= PAGE_W and 0 <= top < bottom <= PAGE_H
    first = next(w for w in page.words if w[0] == HEADING.split()[0])
    _, x0, top, _, bottom = first
    assert abs(x0 - LEFT_PT) < 4  # drawn at 72 pt from the left ...
    assert HEADING_TOP_PT - 2 < top < HEADING_TOP_PT + 12  # ... 100 pt from the top
    assert 10 < bottom - top < 25  # an 18 pt heading


@needs_tesseract
def test_image_only_document_is_read(pdfs: dict[str, Path]) -> None:
    ex = extract_pdf(pdfs["scan"])
    assert [p.ocr for p in ex.pages] == [True]
    assert ex.blocks and all(b.ocr for b in ex.blocks)
    assert "lighthouse" in ex.pages[0].text


@needs_tesseract
def test_undecodable_text_layer_is_read_from_the_image(
    pdfs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import wbpolicy.extract.pdf.pages as pages

    monkeypatch.setattr(pages, "page_is_garbage", lambda chars, layout: True)
    with pytest.raises(ExtractionError) as info:
        extract_pdf(pdfs["mixed"], OFF)
    assert info.value.code == "garbage-text"
    ex = extract_pdf(pdfs["mixed"])
    assert ex.problems == ()
    assert [p.ocr for p in ex.pages] == [True, True, False]
    assert "harbour office" in ex.pages[0].text and "lighthouse" in ex.pages[1].text


@needs_tesseract
def test_languages_come_from_the_installed_data() -> None:
    installed = ocr.installed_languages()
    assert "eng" in installed and "osd" not in installed
    assert ocr.languages_for("en") == "eng"
    assert ocr.languages_for(None) == "eng"


# --- without Tesseract (or with OCR off): as before ------------------------------------------


def test_ocr_off_reports_image_pages_as_before(pdfs: dict[str, Path]) -> None:
    ex = extract_pdf(pdfs["mixed"], OFF)
    assert [(p.code, p.pages, p.fatal) for p in ex.problems] == [("no-text", (2, 3), False)]
    assert [(p.has_text, p.ocr) for p in ex.pages] == [(True, False), (False, False)] + [
        (False, False)
    ]
    assert not any(b.ocr for b in ex.blocks)
    with pytest.raises(ExtractionError) as info:
        extract_pdf(pdfs["scan"], OFF)
    assert info.value.code == "no-text"


def test_without_tesseract_nothing_changes(
    pdfs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    assert not ocr.available()
    assert extract_pdf(pdfs["mixed"]) == extract_pdf(pdfs["mixed"], OFF)
    with pytest.raises(ExtractionError) as info:
        extract_pdf(pdfs["scan"])
    assert info.value.code == "no-text"


def test_layout_fields() -> None:
    layout = PdfLayout()
    assert layout.ocr is True and layout.ocr_dpi == 300
    assert PdfLayout.from_json(layout.to_json()) == layout


def test_language_mapping() -> None:
    have = frozenset({"eng", "fra", "nld", "srp", "srp_latn", "hrv", "bos", "sqi"})
    assert ocr.languages_for("fr", have) == "fra"
    assert ocr.languages_for("nl-BE", have) == "nld"
    assert ocr.languages_for("sr", have) == "srp+srp_latn"
    assert ocr.languages_for("sr", frozenset({"srp", "eng"})) == "srp"
    assert [ocr.languages_for(x, have) for x in ("hr", "bs", "sq")] == ["hrv", "bos", "sqi"]
    assert ocr.languages_for("de", have) == "eng"  # not installed: English
    assert ocr.languages_for(None, frozenset({"fra"})) is None
    assert ocr.parse_languages("fr+nld,xx", have) == "fra+nld"
    assert ocr.parse_languages("xx", have) is None


# --- the cache and blank pages, with a stand-in for Tesseract --------------------------------


class FakeTesseract:
    """Stands in for ``image_to_data``: one line of three words, counted."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, image: Any, languages: str, config: str, *args: Any) -> dict[str, list]:
        self.calls += 1
        if "whitelist" in config:  # a footnote-marker cut-out: nothing there
            return {k: [] for k in _COLUMNS}
        words = ["Alpha", "bravo", "charlie."]
        rows: dict[str, list] = {k: [] for k in _COLUMNS}
        for i, w in enumerate(words):
            for k, v in {
                "level": 5,
                "page_num": 1,
                "block_num": 1,
                "par_num": 1,
                "line_num": 1,
                "word_num": i + 1,
                "left": 300 + 300 * i,
                "top": 400,
                "width": 250,
                "height": 46,
                "conf": 95.0,
                "text": w,
            }.items():
                rows[k].append(v)
        return rows


_COLUMNS = (
    "level",
    "page_num",
    "block_num",
    "par_num",
    "line_num",
    "word_num",
    "left",
    "top",
    "width",
    "height",
    "conf",
    "text",
)


@pytest.fixture
def fake_tesseract(monkeypatch: pytest.MonkeyPatch) -> FakeTesseract:
    fake = FakeTesseract()
    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr, "installed_languages", lambda: frozenset({"eng"}))
    monkeypatch.setattr(ocr, "tesseract_version", lambda: "fake-1")
    monkeypatch.setattr(ocr, "_run_tesseract", fake)
    return fake


def test_unchanged_page_is_read_once(pdfs: dict[str, Path], fake_tesseract: FakeTesseract) -> None:
    first = extract_pdf(pdfs["mixed"])
    calls = fake_tesseract.calls
    assert calls >= 1
    assert first.pages[1].ocr and first.pages[1].text == "Alpha bravo charlie."
    again = extract_pdf(pdfs["mixed"])
    assert fake_tesseract.calls == calls  # the second time everything comes from the cache
    assert again == first
    entries = list((ocr.cache_dir() / "ocr").rglob("*.json"))
    assert entries and all(len(p.stem) == 64 for p in entries)
    # another language is another reading
    extract_pdf(pdfs["mixed"], dataclasses.replace(PdfLayout(), ocr_languages="fra+eng"))
    assert fake_tesseract.calls == calls  # "fra" is not installed: the same "eng" reading


def test_blank_page_is_not_read(pdfs: dict[str, Path], fake_tesseract: FakeTesseract) -> None:
    ex = extract_pdf(pdfs["mixed"], dataclasses.replace(PdfLayout(), ocr_languages="eng"))
    assert fake_tesseract.calls == 1  # the image page only: the blank page is never OCR'd
    assert ex.problems == ()
    assert not ex.pages[2].has_text and not ex.pages[2].ocr


def test_failed_ocr_leaves_the_page_reported(
    pdfs: dict[str, Path], fake_tesseract: FakeTesseract, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> dict[str, list]:
        raise ocr.OcrError("tesseract failed: boom")

    monkeypatch.setattr(ocr, "_run_tesseract", broken)
    ex = extract_pdf(pdfs["mixed"])
    assert [(p.code, p.pages) for p in ex.problems] == [("no-text", (2,))]
    assert not ex.pages[1].ocr


def test_ocr_module_is_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, wbpolicy.extract.ocr, wbpolicy.extract.pdf; "
        "print(any(m in sys.modules for m in ('pytesseract', 'pypdfium2', 'PIL', 'pdfplumber')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- the real Belgian strategy (French), whose text layer is undecodable ---------------------


@needs_tesseract
@pytest.mark.corpus
def test_belgian_strategy_is_read_in_french(corpus_dir: Path, tmp_path: Path) -> None:
    """Its cover and page 4 (a copy of the two pages, to keep the test short): the text layer
    is undecodable, the printed French is read, page by page, with headings and footnotes."""
    import pypdfium2 as pdfium

    source = corpus_dir / "strategies" / "be-cyber-security-strategy-2012-fr.pdf"
    if not source.exists():
        pytest.skip("Belgian strategy not in the corpus")
    path = tmp_path / "be-fr-pages-1-4.pdf"
    src, out = pdfium.PdfDocument(str(source)), pdfium.PdfDocument.new()
    out.import_pages(src, [0, 3])
    out.save(str(path))
    out.close()
    src.close()
    with pytest.raises(ExtractionError) as info:
        extract_pdf(path, OFF)
    assert info.value.code == "garbage-text"
    ex = extract_pdf(path)
    assert ex.problems == ()
    assert [(p.number, p.ocr, p.has_text) for p in ex.pages] == [(1, True, True), (2, True, True)]
    cover, inside = ex.pages[0].text, ex.pages[1].text
    assert "Identifier la cybermenace" in cover and "Améliorer la sécurité" in cover
    for words in ("Notre société", "économie", "La Belgique est aujourd’hui", "vulnérabilité"):
        assert words in inside
    assert ex.title == "Cyber Security Strategy"
    headings = [b.text for b in ex.blocks if b.kind == "heading"]
    assert "1.2 Notre pays est vulnérable" in headings
    assert all(b.ocr for b in ex.blocks)
    assert [(n.marker, n.page) for n in ex.footnotes] == [("1", 2), ("2", 2), ("3", 2)]
    cited = {c.marker for b in ex.blocks for c in b.citations}
    assert {"1", "2"} <= cited


@needs_tesseract
def test_ocr_text_is_marked_in_every_hit_and_highlighted_from_its_word_boxes(
    pdfs: dict[str, Path], tmp_path: Path
) -> None:
    """Ingest to search to page view: the OCR'd page's passages say ``ocr: true``, the text-layer
    page's do not, and the highlight of an OCR quote comes from the stored word boxes."""
    from wbpolicy.index import Index
    from wbpolicy.ingest import ingest
    from wbpolicy.search import search
    from wbpolicy.serve.api import page_boxes
    from wbpolicy.serve.pages import PageRenderer
    from wbpolicy.serve.service import Service
    from wbpolicy.settings import Settings

    settings = Settings(index_dir=tmp_path / "idx", model="hash:64")
    summary = ingest([pdfs["mixed"]], settings)
    assert summary.documents == 1 and not summary.problems
    with Index.open(settings) as index:
        hits = search(index, "lighthouse volunteers", top_k=10).hits
        by_page = {h.page: h for h in hits}
        assert by_page[2].ocr and by_page[2].to_json()["ocr"] is True
        assert 1 in by_page and not by_page[1].ocr
        doc_id = by_page[2].doc_id
        assert index.reader.page_words(doc_id, 2) and index.reader.page_words(doc_id, 1) == []
    service = Service(settings)
    _, _, boxes = page_boxes(service, PageRenderer(), doc_id, 2, None, "lighthouse")
    assert len(boxes) == 1 and boxes[0].x1 > boxes[0].x0
