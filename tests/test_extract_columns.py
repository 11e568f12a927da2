"""Reading order on pages of columns (issue 11: the US Cyber Command vision interleaved its
pull quotes into the body): a line never joins glyphs across a gutter, a pull quote set larger
beside the body is a paragraph of its own after the text (never a heading), text set at an
angle is dropped, and pages of one column read as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdf_fixtures import (
    BANNER,
    DROP_CAP_TEXT,
    LABEL_BODY,
    LABELLED_STATEMENT,
    SIDEBAR_BODY,
    SIDEBAR_NOTE,
    SIDEBAR_QUOTE,
    TALL_LABEL,
    TWO_COLUMNS,
    columns,
    drop_cap,
    tall_label,
)
from wbpolicy.extract import extract


@pytest.fixture(scope="module")
def blocks(tmp_path_factory: pytest.TempPathFactory):
    path = columns(tmp_path_factory.mktemp("columns") / "columns.pdf")
    return extract(Path(path)).blocks


def _texts(blocks, page: int) -> list[str]:
    return [b.text for b in blocks if page in b.pages and b.kind != "heading"]


def test_body_paragraphs_are_whole_and_free_of_the_pull_quote(blocks) -> None:
    texts = _texts(blocks, 1)
    for para in SIDEBAR_BODY:
        assert " ".join(para) in texts
    quote = " ".join(SIDEBAR_QUOTE)
    assert quote in texts
    # the pull quote comes after the body it sits beside, and is not a heading
    assert texts.index(quote) > texts.index(" ".join(SIDEBAR_BODY[-1]))
    headings = [b.text for b in blocks if b.kind == "heading"]
    assert headings == ["Shared Prevention"]
    quote_block = next(b for b in blocks if b.text == quote)
    assert tuple(quote_block.section) == ("Shared Prevention",)


def test_the_page_reads_as_printed_and_text_at_an_angle_is_dropped(blocks) -> None:
    # every block of the page, in order: the body, the pull quote, the full-width note; the
    # banner set at an angle is gone (it used to split into headings such as "NER T")
    assert [(b.kind, b.text) for b in blocks if 1 in b.pages] == [
        ("heading", "Shared Prevention"),
        *(("paragraph", " ".join(para)) for para in SIDEBAR_BODY),
        ("paragraph", " ".join(SIDEBAR_QUOTE)),
        ("paragraph", SIDEBAR_NOTE),
    ]
    assert not any(word in b.text for b in blocks for word in BANNER.split())


def test_two_columns_read_left_column_first(blocks) -> None:
    joined = " ".join(_texts(blocks, 2))
    left, right = (" ".join(col) for col in TWO_COLUMNS)
    assert left in joined and right in joined
    assert joined.index(left) < joined.index(right)


def test_a_tall_label_does_not_merge_the_lines_beside_it(tmp_path: Path) -> None:
    """Two lines of a statement beside a label taller than their leading stay two lines (they
    used to be read as one, glyph by glyph: "opceint,i zseanf,e ..."); the label is kept."""
    ext = extract(tall_label(tmp_path / "issue-11-tall-label.pdf"))
    text = " ".join(b.text for b in ext.blocks)
    assert " ".join(LABEL_BODY) in text
    for line in LABELLED_STATEMENT:
        assert line in text
    assert text.index(LABELLED_STATEMENT[0]) < text.index(LABELLED_STATEMENT[-1])
    assert TALL_LABEL in text


def test_a_drop_cap_begins_the_first_line(tmp_path: Path) -> None:
    """A drop cap on the baseline of the paragraph's third line begins its first word; the
    lines beside it are not woven into each other glyph by glyph."""
    ext = extract(drop_cap(tmp_path / "issue-11-drop-cap.pdf"))
    assert [b.text for b in ext.blocks] == [DROP_CAP_TEXT]
