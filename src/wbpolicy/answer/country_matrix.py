"""A country x topic table of evidence sentences; by default the rows of the report's Table 1,
each cell beside the report's own mark so the two can be checked against each other."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wbpolicy.answer.render import format_source
from wbpolicy.answer.topic import (
    NO_EVIDENCE,
    cites_inline,
    country_label,
    evidence,
    focus_countries,
    resolve_topic,
)
from wbpolicy.answer.types import AnswerItem
from wbpolicy.knowledge import knowledge
from wbpolicy.knowledge.topics import Topic
from wbpolicy.settings import BriefSettings
from wbpolicy.text import fold, normalise_ws

if TYPE_CHECKING:
    from wbpolicy.index import Index


@dataclass(frozen=True)
class Cell:
    country: str
    topic: str
    item: AnswerItem | None
    table1: str | None = None  # the report's own Table 1 mark for this cell ("+", "-/+", "-")

    @property
    def found(self) -> bool:
        return self.item is not None

    def text(self) -> str:
        if self.item is None:
            return NO_EVIDENCE
        it = self.item
        return f"“{normalise_ws(it.text)}” {format_source(it)}{cites_inline(it.citations)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "topic": self.topic,
            "table1": self.table1,
            "evidence": self.item.to_json() if self.item else None,
            "text": self.text(),
        }


@dataclass(frozen=True)
class Matrix:
    topics: tuple[Topic, ...]
    countries: tuple[str, ...]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)

    def cell(self, country: str, topic_id: str) -> Cell:
        return self.cells[(country, topic_id)]

    def _heading(self, t: Topic) -> str:
        return t.table1 or t.label

    def to_markdown(self) -> str:
        head = ["Country", *(self._heading(t) for t in self.topics)]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for c in self.countries:
            row = [f"{country_label(c)} ({c})"]
            for t in self.topics:
                cell = self.cell(c, t.id)
                mark = f"**Table 1: {cell.table1}** " if cell.table1 else ""
                row.append((mark + cell.text()).replace("|", "\\|").replace("\n", " "))
            lines.append("| " + " | ".join(row) + " |")
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(
            [
                "country",
                "topic",
                "table1",
                "evidence",
                "doc_id",
                "title",
                "page",
                "section",
                "citations",
            ]
        )
        for c in self.countries:
            for t in self.topics:
                cell = self.cell(c, t.id)
                it = cell.item
                w.writerow(
                    [
                        c,
                        t.id,
                        cell.table1 or "",
                        it.text if it else NO_EVIDENCE,
                        it.doc_id if it else "",
                        it.title if it else "",
                        it.page if it and it.page is not None else "",
                        it.section or "" if it else "",
                        "; ".join(f"{x.marker}: {normalise_ws(x.text)}" for x in it.citations)
                        if it
                        else "",
                    ]
                )
        return buf.getvalue()

    def to_html(self) -> str:
        e = html.escape
        out = ['<table class="wbpolicy-matrix">', "<thead><tr><th>Country</th>"]
        out += [f"<th>{e(self._heading(t))}</th>" for t in self.topics]
        out.append("</tr></thead><tbody>")
        for c in self.countries:
            out.append(f"<tr><th>{e(country_label(c))} ({e(c)})</th>")
            for t in self.topics:
                cell = self.cell(c, t.id)
                mark = (
                    f'<span class="table1">Table 1: {e(cell.table1)}</span><br>'
                    if cell.table1
                    else ""
                )
                if cell.item is None:
                    out.append(f'<td class="none">{mark}{e(NO_EVIDENCE)}</td>')
                    continue
                it = cell.item
                notes = "".join(
                    f"<li>fn {e(x.marker)}: {e(normalise_ws(x.text))}"
                    + (f' <a href="{e(x.url)}">{e(x.url)}</a>' if x.url else "")
                    + "</li>"
                    for x in it.citations
                )
                out.append(
                    f"<td>{mark}<blockquote>{e(normalise_ws(it.text))}</blockquote>"
                    f"<cite>{e(format_source(it))}</cite>"
                    + (f"<ul>{notes}</ul>" if notes else "")
                    + "</td>"
                )
            out.append("</tr>")
        out.append("</tbody></table>")
        return "\n".join(out) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "topics": [t.to_json() for t in self.topics],
            "countries": list(self.countries),
            "cells": [self.cell(c, t.id).to_json() for c in self.countries for t in self.topics],
        }


def matrix(
    index: Index,
    topics: Sequence[str | Topic] | None = None,
    countries: Sequence[str] | None = None,
    settings: BriefSettings | None = None,
) -> Matrix:
    """Country x topic evidence; defaults to the report's Table 1 rows.  Where the index holds
    the report's Table 1, each cell also carries the report's own mark, so the two can be
    checked against each other."""
    ts = tuple(resolve_topic(t) for t in topics) if topics else tuple(knowledge().topics.table1())
    countries = tuple(countries or focus_countries())
    marks = table1_marks(index)
    cells: dict[tuple[str, str], Cell] = {}
    for c in countries:
        for t in ts:
            items, _ = evidence(index, t, c, 1, settings)
            mark = marks.get((t.table1, c)) if t.table1 else None
            cells[(c, t.id)] = Cell(c, t.id, items[0] if items else None, mark)
    return Matrix(ts, tuple(countries), cells)


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
