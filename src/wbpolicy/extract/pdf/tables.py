"""Ruled tables: found by pdfplumber on pages with ruling, cut out of the text, captioned."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from wbpolicy.text import dehyphenate, normalise_ws

from .layout import PdfLayout
from .model import Line, RuledTable

if TYPE_CHECKING:
    from pdfplumber.page import Page

log = logging.getLogger(__name__)

TABLE_CAPTION = re.compile(r"^(?:table|tableau|tabela|tabel)\s+\d+[a-z]?\s*[:.\-–]", re.IGNORECASE)
TOC_LINE = re.compile(r"(?:\.{3,}|…{2,}|\. \. \.)\s*(?:\d+|[ivxlc]+)?\s*$", re.IGNORECASE)


def find_tables(page: Page, layout: PdfLayout) -> list[RuledTable]:
    """The page's ruled tables with at least two rows and two filled columns."""
    found = []
    try:
        tables = page.find_tables()
    except Exception as exc:  # noqa: BLE001 - tables are a bonus; the text is still read
        log.debug("table finder failed on page %s: %s", page.page_number, exc)
        return []
    for t in tables:
        try:
            rows = t.extract()
        except Exception as exc:  # noqa: BLE001 - same as above, for one table
            log.debug("table extraction failed on page %s: %s", page.page_number, exc)
            continue
        clean = [[_cell(c) for c in row] for row in rows]
        clean = _align_header([r for r in clean if any(r)])
        ncols = max((sum(1 for c in r if c) for r in clean), default=0)
        if len(clean) < layout.table_min_rows or ncols < layout.table_min_cols:
            continue
        x0, top, x1, bottom = t.bbox
        found.append(RuledTable(float(top), float(bottom), clean, float(x0), float(x1)))
    return found


def _cell(value: str | None) -> str:
    if not value:
        return ""
    return normalise_ws(dehyphenate(value))


def _align_header(rows: list[list[str]]) -> list[list[str]]:
    """Re-align a header row drawn without its empty corner cell.

    Markdown-born tables often set the column headers one cell to the left (``ALB | ... | SRB |
    ""`` over ``CS/IS Law | -/+ | ... | +``): the header's last cell is empty while every body
    row fills it, so the headers belong one column to the right, above the values.
    """
    if len(rows) < 2:
        return rows
    head, body = rows[0], rows[1:]
    if (
        head
        and head[0]
        and not head[-1]
        and all(len(r) == len(head) for r in body)
        and all(r[-1] and r[0] for r in body)
    ):
        return [["", *head[:-1]], *body]
    return rows


def in_table(ln: Line, tables: list[RuledTable], layout: PdfLayout) -> bool:
    """Whether a line lies inside a table's box (its text is then the table's)."""
    mid_y = (ln.top + ln.bottom) / 2
    dy, dx = layout.table_slack_y, layout.table_slack_x
    return any(
        t.top - dy <= mid_y <= t.bottom + dy and ln.x0 >= t.x0 - dx and ln.x1 <= t.x1 + dx
        for t in tables
    )


def captions(
    lines: list[Line], tables: list[RuledTable], layout: PdfLayout
) -> tuple[dict[int, str], list[Line]]:
    """Captions by table index ("Table N: ..." just above or below it), and the other lines."""
    found: dict[int, str] = {}
    gap = layout.caption_max_gap
    for k, t in enumerate(tables):
        near = [
            ln
            for ln in lines
            if TABLE_CAPTION.match(ln.raw)
            and (0 <= t.top - ln.bottom <= gap or 0 <= ln.top - t.bottom <= gap)
        ]
        if near:
            cap = min(near, key=lambda ln: min(abs(t.top - ln.bottom), abs(ln.top - t.bottom)))
            found[k] = cap.raw
            lines = [ln for ln in lines if ln is not cap]
    return found, lines


def is_toc_table(rows: list[list[str]], layout: PdfLayout) -> bool:
    """A table of contents drawn as a table: most rows end with a page number or leaders."""
    hits = 0
    for r in rows:
        cells = [c for c in r if c]
        if cells and (
            re.fullmatch(r"\d{1,4}|[ivxlc]{1,6}", cells[-1], re.IGNORECASE)
            or TOC_LINE.search(cells[-1])
        ):
            hits += 1
    return hits >= layout.toc_table_share * len(rows)
