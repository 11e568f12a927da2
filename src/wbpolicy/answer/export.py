"""Writing briefs and matrices to hand on: numbered references (document, year, pages, URL, each
once), source lines with the document's year, CSV cells a spreadsheet will not execute, short
Markdown cells, and standalone HTML pages.

Nothing here changes a quote's words: a shortened quote is a prefix of the verbatim sentence (white
space normalised) cut at a word boundary and marked with an ellipsis; the full sentence stays in
the JSON form.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from wbpolicy.answer.types import AnswerItem
from wbpolicy.models import Document
from wbpolicy.text import normalise_ws

# a Markdown matrix cell quotes at most this many characters of its sentence
SNIPPET_CHARS = 160
ELLIPSIS = "…"

# OWASP "CSV injection": a cell starting with one of these is read as a formula by spreadsheets
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# -- CSV ---------------------------------------------------------------------------------------
def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a value starting with ``= + - @``, a tab or a
    carriage return gets a leading single quote (so the Table 1 mark ``-/+`` reads ``'-/+``)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_FORMULA_START) else text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text (``\\n`` line ends) of safe cells (:func:`csv_cell`).  A row holding a carriage
    return is written fully quoted: the writer quotes only the line terminator's characters, and
    an unquoted CR would split the row for a reader."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    quoted = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in [header, *rows]:
        cells = [csv_cell(v) for v in row]
        (quoted if any("\r" in c for c in cells) else w).writerow(cells)
    return buf.getvalue()


# -- text ---------------------------------------------------------------------------------------
def shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    """``text`` with white space normalised, cut after the last whole word that fits in
    ``limit`` characters and ended with an ellipsis; unchanged when it fits.  The words kept are
    the text's own (a prefix of it); only a single word longer than half the limit is cut."""
    flat = normalise_ws(text)
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit + 1)
    if cut < limit // 2:
        cut = limit
    return flat[:cut].rstrip() + ELLIPSIS


_MD_SPECIAL = re.compile(r"([\\|*_`])")


def md_cell(text: str) -> str:
    """Text for one Markdown table cell: on one line, with ``|`` (which would end the cell) and
    the emphasis and code characters escaped (so "Kosovo* ... Kosovo*" stays as written)."""
    return _MD_SPECIAL.sub(r"\\\1", normalise_ws(text))


def year_text(year: int | None) -> str:
    return str(year) if year is not None else "n.d."


def page_text(it: AnswerItem, *, short: bool = False) -> str:
    """Where in its document a quote stands: ``p. 18``, ``pp. 18-19`` (a quote across a page
    break), or for a text without pages its article or section (``Art. 8``, ``§ 3.2``; a
    section locator only when ``short``, since the full source line shows the section path)."""
    if it.quote_pages:
        if len(it.quote_pages) > 1:
            return f"pp. {it.quote_pages[0]}-{it.quote_pages[-1]}"
        if it.page_exact or len(it.pages) < 2:
            return f"p. {it.page}"
        return f"pp. {it.pages[0]}-{it.pages[-1]}"
    if it.locator:
        return shorten(it.locator, 40) if short or not it.locator.startswith("§") else ""
    if it.page is None:
        return ""
    if it.page_exact or len(it.pages) < 2:
        return f"p. {it.page}"
    return f"pp. {it.pages[0]}-{it.pages[-1]}"


def quoted_pages(it: AnswerItem) -> tuple[int, ...]:
    """The pages a quote is cited by (none for a text without pages)."""
    if it.quote_pages:
        return it.quote_pages if it.page_exact or len(it.quote_pages) > 1 else tuple(it.pages)
    if it.locator or it.page is None:
        return ()
    return (it.page,) if it.page_exact or not it.pages else tuple(it.pages)


def source_line(it: AnswerItem) -> str:
    """``— Title (2016), p. 2, § 4 State > 4.4 Kosovo*``: where a quote stands and how old it
    is (``n.d.``: the document has no year), and a newer document superseding it, if any."""
    out = f"— {it.title} ({year_text(it.year)})"
    if pages := page_text(it):
        out += f", {pages}"
    if it.section:
        out += f", § {it.section}"
    if it.newer:
        out += f" (newer: {it.newer[1]}, {it.newer[2]})"
    return out


def short_source(it: AnswerItem) -> str:
    """``(2016, p. 2)``: the year and place of a quote whose document is in a reference (and
    ``; newer: 2020`` when a newer document supersedes it)."""
    parts = [year_text(it.year)]
    if pages := page_text(it, short=True):
        parts.append(pages)
    out = ", ".join(parts)
    if it.newer:
        out += f"; newer: {it.newer[2]}"
    return f"({out})"


def ref_marks(numbers: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def with_year(it: AnswerItem, docs: Mapping[str, Document]) -> AnswerItem:
    """The item with its document's year, looked up in the catalog when the hit carried none."""
    if it.year is not None:
        return it
    doc = docs.get(it.doc_id)
    return replace(it, year=doc.year) if doc is not None and doc.year is not None else it


def years_label(year_min: int | None, year_max: int | None) -> str | None:
    """``documents of 2015-2019``, ``... of 2015 or later``, ``... of 2019 or earlier``; None
    without a range."""
    if year_min is None and year_max is None:
        return None
    if year_min is not None and year_max is not None:
        return (
            f"documents of {year_min}"
            if year_min == year_max
            else f"documents of {year_min}-{year_max}"
        )
    if year_min is not None:
        return f"documents of {year_min} or later"
    return f"documents of {year_max} or earlier"


# -- references ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reference:
    """One numbered reference: a quoted document (with its year and the pages quoted) or a
    footnote a quote cites (``linked_number``: the reference of the corpus document it cites)."""

    number: int
    kind: str  # document | footnote
    text: str
    url: str | None
    doc_id: str
    title: str
    marker: str | None = None
    page: int | None = None
    linked_doc_id: str | None = None
    year: int | None = None
    pages: tuple[int, ...] = ()  # document: the pages quoted from it
    linked_number: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "kind": self.kind,
            "text": self.text,
            "url": self.url,
            "doc_id": self.doc_id,
            "title": self.title,
            "year": self.year,
            "pages": list(self.pages),
            "marker": self.marker,
            "page": self.page,
            "linked_doc_id": self.linked_doc_id,
            "linked_number": self.linked_number,
        }

    def to_markdown(self, url_in: int | None = None) -> str:
        """The reference as a Markdown list item; ``url_in``: the reference that already
        printed this URL (it is then not printed again)."""
        show_url = url_in is None
        if self.kind == "document":
            out = f"{self.number}. {self.title}, {year_text(self.year)} (`{self.doc_id}`)"
            if self.pages:
                out += (", p. " if len(self.pages) == 1 else ", pp. ") + ", ".join(
                    map(str, self.pages)
                )
            if self.url:
                out += f" — <{self.url}>" if show_url else f" — URL as in [{url_in}]"
            return out
        where = f"{self.title}" + (f", p. {self.page}" if self.page else "")
        out = f"{self.number}. Footnote {self.marker} in {where}: {normalise_ws(self.text)}"
        if self.url and self.url not in self.text:
            out += f" <{self.url}>" if show_url else f" (URL as in [{url_in}])"
        if self.linked_doc_id:
            out += f" (in the corpus: `{self.linked_doc_id}`)"
        return out

    def to_html(self, url_in: int | None = None) -> str:
        """The reference as the HTML content of a list item (see :meth:`to_markdown`)."""
        e = html.escape
        show_url = url_in is None
        seen_at = f'URL as in <a href="#ref-{url_in}">[{url_in}]</a>' if url_in else ""
        if self.kind == "document":
            out = f"<cite>{e(self.title)}</cite>, {e(year_text(self.year))}"
            out += f" <code>{e(self.doc_id)}</code>"
            if self.pages:
                out += (", p. " if len(self.pages) == 1 else ", pp. ") + e(
                    ", ".join(map(str, self.pages))
                )
            if self.url:
                out += (
                    f' — <a href="{e(self.url)}">{e(self.url)}</a>' if show_url else f" — {seen_at}"
                )
            return out
        where = f"<cite>{e(self.title)}</cite>" + (f", p. {self.page}" if self.page else "")
        text = normalise_ws(self.text)
        url = self.url if self.url and show_url else None
        if url and url in text:  # the note's own URL, made a link where it stands
            a, b = text.split(url, 1)
            body = f'{e(a)}<a href="{e(url)}">{e(url)}</a>{e(b)}'
        else:
            body = e(text) + (f' <a href="{e(url)}">{e(url)}</a>' if url else "")
            if self.url and not show_url and self.url not in text:
                body += f" ({seen_at})"
        out = f"Footnote {e(self.marker or '')} in {where}: {body}"
        if self.linked_doc_id:
            target = (
                f'<a href="#ref-{self.linked_number}">[{self.linked_number}]</a> '
                if self.linked_number
                else ""
            )
            out += f" (in the corpus: {target}<code>{e(self.linked_doc_id)}</code>)"
        return out


def _url_key(url: str) -> str:
    return url.strip().rstrip("/").lower()


def url_owners(refs: Sequence[Reference]) -> list[int | None]:
    """Per reference, the earlier reference that printed its URL (None: print it here): each
    URL is printed once, at its first reference."""
    first: dict[str, int] = {}
    out: list[int | None] = []
    for r in refs:
        key = _url_key(r.url) if r.url else None
        out.append(first.get(key) if key is not None else None)
        if key is not None:
            first.setdefault(key, r.number)
    return out


def references_markdown(refs: Sequence[Reference]) -> list[str]:
    return [r.to_markdown(owner) for r, owner in zip(refs, url_owners(refs), strict=True)]


def references_html(refs: Sequence[Reference]) -> str:
    if not refs:
        return "<p>(none)</p>"
    items = [
        f'<li id="ref-{r.number}" value="{r.number}">{r.to_html(owner)}</li>'
        for r, owner in zip(refs, url_owners(refs), strict=True)
    ]
    return '<ol class="references">\n' + "\n".join(items) + "\n</ol>"


class References:
    """Numbers references in order of first use: one number per document and per footnote; a
    document's reference lists every page quoted from it."""

    def __init__(self, docs: Mapping[str, Document]) -> None:
        self.docs = docs
        self._refs: list[Reference] = []
        self._keys: dict[tuple[str, ...], int] = {}
        self._pages: dict[int, set[int]] = {}

    def _add(self, key: tuple[str, ...], ref: Reference) -> int:
        """The number of ``key``'s reference; ``ref`` (numbered here) on its first use."""
        if key not in self._keys:
            self._keys[key] = len(self._refs) + 1
            self._refs.append(replace(ref, number=len(self._refs) + 1))
        return self._keys[key]

    def _document(self, doc_id: str, title: str, year: int | None) -> int:
        doc = self.docs.get(doc_id)
        if year is None and doc is not None:
            year = doc.year
        url = doc.source_url if doc else None
        return self._add(
            ("doc", doc_id), Reference(0, "document", title, url, doc_id, title, year=year)
        )

    def for_item(self, it: AnswerItem) -> tuple[int, ...]:
        n_doc = self._document(it.doc_id, it.title, it.year)
        self._pages.setdefault(n_doc, set()).update(quoted_pages(it))
        nums = [n_doc]
        for c in it.citations:
            note = Reference(
                0,
                "footnote",
                c.text,
                c.url,
                it.doc_id,
                it.title,
                c.marker,
                c.page,
                c.linked_doc_id,
            )
            nums.append(self._add(("fn", it.doc_id, c.marker, c.text), note))
            if c.linked_doc_id and c.linked_doc_id in self.docs:
                d = self.docs[c.linked_doc_id]
                self._document(d.doc_id, d.title, d.year)
        return tuple(nums)

    def references(self) -> tuple[Reference, ...]:
        out = []
        for r in self._refs:
            if r.kind == "document":
                r = replace(r, pages=tuple(sorted(self._pages.get(r.number, ()))))
            elif r.linked_doc_id and ("doc", r.linked_doc_id) in self._keys:
                r = replace(r, linked_number=self._keys[("doc", r.linked_doc_id)])
            out.append(r)
        return tuple(out)


# -- HTML ---------------------------------------------------------------------------------------
PAGE_CSS = """\
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1b1b1b; background: #fff; margin: 1.5rem auto; padding: 0 1.25rem;
  max-width: 100rem; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; }
p.note { color: #444; margin: .25rem 0 1rem; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table.wbpolicy-matrix { border-collapse: collapse; width: 100%; table-layout: auto; }
table.wbpolicy-matrix th, table.wbpolicy-matrix td { border: 1px solid #c8c8c8;
  padding: .45rem .55rem; vertical-align: top; text-align: left; min-width: 9rem;
  overflow-wrap: anywhere; hyphens: auto; }
table.wbpolicy-matrix thead th { background: #eef1f4; }
table.wbpolicy-matrix tbody th { background: #f7f7f7; min-width: 7rem; }
td.none { color: #6b6b6b; font-style: italic; }
.mark { display: inline-block; font-weight: 600; font-family: ui-monospace, monospace;
  background: #eef1f4; border-radius: 3px; padding: 0 .3em; margin-bottom: .3rem; }
blockquote { margin: 0 0 .35rem; padding: 0; }
td cite, .source { display: block; font-size: .85em; color: #3d3d3d; font-style: normal; }
dl.legend { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem;
  margin: .5rem 0 1rem; }
dl.legend dt { font-weight: 600; font-family: ui-monospace, monospace; }
dl.legend dd { margin: 0; }
ol.references li { margin-bottom: .3rem; overflow-wrap: anywhere; }
a { color: #0b57a4; }
@media print {
  @page { size: A4 landscape; margin: 1cm; }
  body { font-size: 9pt; margin: 0; padding: 0; max-width: none; }
  .table-wrap { overflow: visible; }
  table.wbpolicy-matrix th, table.wbpolicy-matrix td { min-width: 0; }
  thead { display: table-header-group; }
  tr, td, th, li { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def html_page(title: str, body: str, css: str = PAGE_CSS) -> str:
    """A standalone HTML document (UTF-8, its own CSS); ``body`` is already escaped HTML."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{css}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
