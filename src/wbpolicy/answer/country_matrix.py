"""A country x topic table of evidence sentences; by default the rows of the report's Table 1,
each cell beside the report's own mark so the two can be checked against each other.

Every cell quotes one verbatim sentence with its document's year and page and the numbers of its
references; the Markdown and HTML forms carry a legend and a numbered references list, the CSV
form is safe to open in a spreadsheet, the JSON form holds the full quotes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wbpolicy.answer.export import (
    Reference,
    References,
    html_page,
    md_cell,
    ref_marks,
    references_html,
    references_markdown,
    short_source,
    shorten,
    source_line,
    write_csv,
    years_label,
)
from wbpolicy.answer.topic import (
    NO_EVIDENCE,
    EvidenceSearch,
    cites_inline,
    country_label,
    focus_countries,
    resolve_topics,
)
from wbpolicy.answer.types import AnswerItem
from wbpolicy.knowledge import knowledge
from wbpolicy.knowledge.topics import Topic
from wbpolicy.settings import BriefSettings
from wbpolicy.text import fold, normalise_ws

if TYPE_CHECKING:
    from wbpolicy.index import Index

# the report's Table 1 marks, in the words of its caption
TABLE1_MARKS: tuple[tuple[str, str], ...] = (
    ("+", "(at least) the basics are in place"),
    ("-/+", "some early developments are on the way"),
    ("-", "there are no significant developments identified"),
)
ABOUT_CELLS = (
    "Each cell quotes the best evidence sentence of the indexed documents for the country and "
    "topic, verbatim, with its document's year and page; numbers in brackets point to the "
    "references (document title, year, pages quoted, URL) and to the footnotes the sentence "
    "cites."
)


@dataclass(frozen=True)
class Cell:
    country: str
    topic: str
    item: AnswerItem | None
    table1: str | None = None  # the report's own Table 1 mark for this cell ("+", "-/+", "-")
    refs: tuple[int, ...] = ()  # the item's references: its document, then its footnotes

    @property
    def found(self) -> bool:
        return self.item is not None

    def text(self) -> str:
        """The full quote with its source line (year, page, section) and footnote markers."""
        if self.item is None:
            return NO_EVIDENCE
        it = self.item
        return f"“{normalise_ws(it.text)}” {source_line(it)}{cites_inline(it.citations)}"

    def short_text(self) -> str:
        """The Markdown cell: the quote shortened at a word boundary, its year and page, and
        its reference numbers."""
        if self.item is None:
            return NO_EVIDENCE
        it = self.item
        return f"“{shorten(it.text)}” {short_source(it)} {ref_marks(self.refs)}".rstrip()

    def to_json(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "topic": self.topic,
            "table1": self.table1,
            "evidence": self.item.to_json() if self.item else None,
            "year": self.item.year if self.item else None,
            "refs": list(self.refs),
            "text": self.text(),
        }


@dataclass(frozen=True)
class Matrix:
    topics: tuple[Topic, ...]
    countries: tuple[str, ...]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    references: tuple[Reference, ...] = ()
    year_min: int | None = None  # only documents of these years were searched
    year_max: int | None = None

    def cell(self, country: str, topic_id: str) -> Cell:
        return self.cells[(country, topic_id)]

    def _heading(self, t: Topic) -> str:
        return t.table1 or t.label

    @property
    def has_marks(self) -> bool:
        return any(c.table1 for c in self.cells.values())

    def title(self) -> str:
        return "Evidence matrix: " + ", ".join(self._heading(t) for t in self.topics)

    def _about(self) -> str:
        label = years_label(self.year_min, self.year_max)
        return ABOUT_CELLS + (f" Only {label} were searched." if label else "")

    def legend(self, shortened: bool = False) -> list[tuple[str, str]]:
        """(symbol, meaning) pairs explaining what a cell shows; ``shortened``: the cells quote
        at most :data:`~wbpolicy.answer.export.SNIPPET_CHARS` characters (Markdown)."""
        out: list[tuple[str, str]] = []
        if self.has_marks:
            out += [
                (f"Table 1: {mark}", f"the report's own mark: {meaning}")
                for mark, meaning in TABLE1_MARKS
            ]
        quoted = (
            "a sentence quoted verbatim; a trailing … marks where a long one was shortened "
            "(the JSON and HTML forms quote it in full)"
            if shortened
            else "a sentence quoted verbatim and in full"
        )
        ranged = self.year_min is not None or self.year_max is not None
        where = (
            ("(2016, p. 12)", "the year of the quoted document and the page of the sentence")
            if shortened
            else ("Title (2016), p. 12", "the quoted document, its year and the sentence's page")
        )
        out += [
            ("“…”", quoted),
            where,
            ("[n]", "reference n: the document quoted, then each footnote the sentence cites"),
            (
                NO_EVIDENCE,
                "no indexed sentence addresses the topic for the country"
                + (" in the documents of the years searched" if ranged else ""),
            ),
        ]
        return out

    # -- Markdown ----------------------------------------------------------------------------
    def to_markdown(self) -> str:
        lines = [f"# {self.title()}", "", self._about(), "", "Legend:", ""]
        lines += [
            f"- **{md_cell(sym)}** — {meaning}" for sym, meaning in self.legend(shortened=True)
        ]
        head = ["Country", *(self._heading(t) for t in self.topics)]
        lines += ["", "| " + " | ".join(md_cell(h) for h in head) + " |"]
        lines.append("|" + "---|" * len(head))
        for c in self.countries:
            row = [md_cell(f"{country_label(c)} ({c})")]
            for t in self.topics:
                cell = self.cell(c, t.id)
                mark = f"**Table 1: {md_cell(cell.table1)}** " if cell.table1 else ""
                text = md_cell(cell.short_text()) if cell.item else f"_{NO_EVIDENCE}_"
                row.append(mark + text)
            lines.append("| " + " | ".join(row) + " |")
        lines += ["", "## References", ""]
        lines += references_markdown(self.references) or ["(none)"]
        return "\n".join(lines) + "\n"

    # -- CSV ---------------------------------------------------------------------------------
    def to_csv(self) -> str:
        """One row per cell, the full quote; every cell safe to open in a spreadsheet (a Table 1
        mark such as ``-/+`` is written ``'-/+``)."""
        header = [
            "country",
            "topic",
            "table1",
            "evidence",
            "doc_id",
            "title",
            "year",
            "page",
            "locator",
            "section",
            "citations",
            "refs",
        ]
        rows: list[list[object]] = []
        for c in self.countries:
            for t in self.topics:
                cell = self.cell(c, t.id)
                it = cell.item
                if it is None:
                    rows.append(
                        [c, t.id, cell.table1 or "", NO_EVIDENCE, *[""] * (len(header) - 4)]
                    )
                    continue
                rows.append(
                    [
                        c,
                        t.id,
                        cell.table1 or "",
                        it.text,
                        it.doc_id,
                        it.title,
                        it.year if it.year is not None else "",
                        it.page if it.page is not None else "",
                        it.locator or "",
                        it.section or "",
                        "; ".join(f"{x.marker}: {normalise_ws(x.text)}" for x in it.citations),
                        " ".join(map(str, cell.refs)),
                    ]
                )
        return write_csv(header, rows)

    # -- HTML --------------------------------------------------------------------------------
    def _html_cell(self, cell: Cell) -> str:
        e = html.escape
        mark = (
            f'<span class="mark" title="the report\'s Table 1 mark">Table 1: {e(cell.table1)}'
            "</span><br>"
            if cell.table1
            else ""
        )
        it = cell.item
        if it is None:
            return f'<td class="none">{mark}{e(NO_EVIDENCE)}</td>'
        links = [f'<a href="#ref-{n}">[{n}]</a>' for n in cell.refs]
        where = e(source_line(it).removeprefix("— "))
        notes = " ".join(
            f"fn {e(x.marker)} {link}" for x, link in zip(it.citations, links[1:], strict=False)
        )
        return (
            f"<td>{mark}<blockquote>“{e(normalise_ws(it.text))}”</blockquote>"
            f"<cite>{where} {links[0] if links else ''}"
            + (f"; {notes}" if notes else "")
            + "</cite></td>"
        )

    def to_html(self) -> str:
        """A standalone, printable HTML page: title, legend, the table (scrolling in its
        container when it is wider than the window) and the numbered references."""
        e = html.escape
        legend = "\n".join(
            f"<dt>{e(sym)}</dt><dd>{e(meaning)}</dd>" for sym, meaning in self.legend()
        )
        out = [
            f"<h1>{e(self.title())}</h1>",
            f'<p class="note">{e(self._about())}</p>',
            f'<h2>Legend</h2>\n<dl class="legend">\n{legend}\n</dl>',
            '<div class="table-wrap">',
            '<table class="wbpolicy-matrix">',
            '<thead><tr><th scope="col">Country</th>'
            + "".join(f'<th scope="col">{e(self._heading(t))}</th>' for t in self.topics)
            + "</tr></thead>",
            "<tbody>",
        ]
        for c in self.countries:
            cells = "".join(self._html_cell(self.cell(c, t.id)) for t in self.topics)
            out.append(f'<tr><th scope="row">{e(country_label(c))} ({e(c)})</th>{cells}</tr>')
        out += ["</tbody>", "</table>", "</div>"]
        out += ['<h2 id="references">References</h2>', references_html(self.references)]
        return html_page(self.title(), "\n".join(out))

    def to_json(self) -> dict[str, Any]:
        return {
            "topics": [t.to_json() for t in self.topics],
            "countries": list(self.countries),
            "years": {"min": self.year_min, "max": self.year_max},
            "cells": [self.cell(c, t.id).to_json() for c in self.countries for t in self.topics],
            "references": [r.to_json() for r in self.references],
        }


def matrix(
    index: Index,
    topics: Sequence[str | Topic] | None = None,
    countries: Sequence[str] | None = None,
    settings: BriefSettings | None = None,
    *,
    year_min: int | None = None,
    year_max: int | None = None,
    strict: bool = True,
) -> Matrix:
    """Country x topic evidence; defaults to the report's Table 1 rows.  Where the index holds
    the report's Table 1, each cell also carries the report's own mark, so the two can be
    checked against each other.  ``year_min``/``year_max`` restrict the evidence to documents
    of those years; an unknown topic raises :class:`~wbpolicy.answer.topic.UnknownTopic` (with
    ``strict`` False it is searched as free text)."""
    ts = resolve_topics(topics, strict=strict) if topics else tuple(knowledge().topics.table1())
    countries = tuple(countries or focus_countries())
    run = EvidenceSearch(index, settings, year_min=year_min, year_max=year_max)
    refs = References(run.docs)
    marks = table1_marks(index)
    cells: dict[tuple[str, str], Cell] = {}
    for c in countries:
        for t in ts:
            items, _ = run.evidence(t, c, 1)
            item = items[0] if items else None
            mark = marks.get((t.table1, c)) if t.table1 else None
            cells[(c, t.id)] = Cell(c, t.id, item, mark, refs.for_item(item) if item else ())
    return Matrix(ts, countries, cells, refs.references(), year_min, year_max)


def table1_marks(index: Index) -> dict[tuple[str, str], str]:
    """The report's own Table 1 marks, where the index holds the report."""
    return marks_from_tables(index.reader.table_rows())


def marks_from_tables(tables: list[list[list[str]]]) -> dict[tuple[str, str], str]:
    """``{(row label, country id): mark}`` read from a table whose header holds the report's
    country abbreviations (ALB, BIH, ...) and whose rows are Table 1's elements."""
    know = knowledge()
    columns = know.region.table1_columns
    wanted = {fold(t.table1): t.table1 for t in know.topics.table1() if t.table1}
    out: dict[tuple[str, str], str] = {}
    for rows in tables:
        header_i = next(
            (
                i
                for i, r in enumerate(rows)
                if sum(1 for x in r if x.strip().upper() in columns) >= 3
            ),
            None,
        )
        if header_i is None:
            continue
        header = rows[header_i]
        codes = [columns[x.strip().upper()] for x in header if x.strip().upper() in columns]
        for r in rows[header_i + 1 :]:
            label = next((x for x in r if x.strip()), "")
            key = wanted.get(fold(normalise_ws(label)))
            if key is None:
                continue
            values = [x.strip() for x in r[r.index(label) + 1 :]]
            if len(values) > len(codes):  # trailing empty cells
                values = values[: len(codes)]
            if len(values) != len(codes):
                # a header cell missing or merged: align by position as a last resort
                cols = {
                    j: columns[x.strip().upper()]
                    for j, x in enumerate(header)
                    if x.strip().upper() in columns
                }
                values = [r[j].strip() if j < len(r) else "" for j in cols]
                codes = list(cols.values())
            # the label column is the row's first cell whether or not the header row leaves an
            # empty cell above it (pdfplumber sometimes shifts the header left)
            for country, mark in zip(codes, values, strict=True):
                if mark:
                    out[(key, country)] = mark
    return out
