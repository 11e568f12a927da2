"""Briefings (per country, the best verbatim quotes on a topic, with a numbered references list)
and country x topic evidence matrices (one cited sentence per cell, or "no evidence found").

Both are built on :func:`wbpolicy.ask.answer`, so every quote obeys the same rules as ``ask``:
verbatim, page-accurate, with the footnotes its sentence cites, or an explicit absence.
"""

from __future__ import annotations

import csv
import html
import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wbpolicy.ask import (
    AnswerItem,
    CitedNote,
    Understood,
    answer,
    documents,
    format_source,
    gazetteer_entry,
)
from wbpolicy.text import fold, normalise_ws
from wbpolicy.knowledge import get_topics as load_topics
from wbpolicy.knowledge.topics import Topic

log = logging.getLogger(__name__)

WB_COUNTRIES = ("AL", "BA", "HR", "XK", "ME", "MK", "RS")
NO_EVIDENCE = "no evidence found"
# The report's Table 1 column headings -> country ids
TABLE1_COLUMNS = {"ALB": "AL", "BIH": "BA", "CRO": "HR", "KOS": "XK", "MKD": "MK", "MNE": "ME",
                  "SRB": "RS"}
TOP_K = 8


# --------------------------------------------------------------------------------------------
# shared helpers


def resolve_topic(topic: str | Topic) -> Topic:
    """A topic by id/alias/label/term; free text becomes an ad-hoc topic whose term is itself."""
    if isinstance(topic, Topic):
        return topic
    try:
        return load_topics().get(topic)
    except KeyError:
        return Topic(id=fold(topic).strip().replace(" ", "-"), label=topic.strip(),
                     terms=(topic.strip(),))


def country_label(country_id: str) -> str:
    entry = gazetteer_entry(country_id)
    return str(entry.name) if entry is not None else country_id


def _topic_question(topic: Topic, country: str) -> tuple[Understood, str, str]:
    """The question ``ask`` would get, already understood; the search query for it; and the
    text sentences are compared with (the topic alone: whether a sentence is about the country
    is decided by where it stands, and a country name would make every sentence about it look
    similar)."""
    name = country_label(country)
    question = f"What is the state of {topic.label.lower()} in {name}?"
    terms = ", ".join(topic.terms[:5])
    query = f"{name} {topic.label}: {terms}"
    known = {t.id for t in load_topics()}
    u = Understood(
        question=question,
        countries=(country,),
        topics=(topic.id,) if topic.id in known else (),
        terms=() if topic.id in known else tuple(topic.label.split()),
    )
    return u, query, f"{topic.label}: {terms}"


def _evidence(index: Any, topic: Topic, country: str, n: int) -> tuple[list[AnswerItem], str]:
    u, query, sim_text = _topic_question(topic, country)
    # a briefing wants the n best eligible quotes, not only those close to the very best one
    ans = answer(index, u, top_k=TOP_K, query=query, max_items=n, per_doc=n, relative=0.0,
                 sim_text=sim_text)
    return list(ans.items), ans.message or ""


# --------------------------------------------------------------------------------------------
# references


@dataclass(frozen=True)
class Reference:
    number: int
    kind: str  # document | footnote
    text: str
    url: str | None
    doc_id: str
    title: str
    marker: str | None = None
    page: int | None = None
    linked_doc_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "kind": self.kind, "text": self.text, "url": self.url,
                "doc_id": self.doc_id, "title": self.title, "marker": self.marker,
                "page": self.page, "linked_doc_id": self.linked_doc_id}

    def to_markdown(self) -> str:
        if self.kind == "document":
            out = f"{self.number}. {self.title} (`{self.doc_id}`)"
            return out + (f" — <{self.url}>" if self.url else "")
        where = f"{self.title}" + (f", p. {self.page}" if self.page else "")
        out = f"{self.number}. Footnote {self.marker} in {where}: {normalise_ws(self.text)}"
        if self.url and self.url not in self.text:
            out += f" <{self.url}>"
        if self.linked_doc_id:
            out += f" (in the corpus: `{self.linked_doc_id}`)"
        return out


class _References:
    """Numbers references in order of first use; one number per document and per footnote."""

    def __init__(self, index: Any) -> None:
        self.docs = documents(index.store.conn)
        self.refs: list[Reference] = []
        self._keys: dict[tuple[str, ...], int] = {}

    def _add(self, key: tuple[str, ...], make: Any) -> int:
        if key not in self._keys:
            self._keys[key] = len(self.refs) + 1
            self.refs.append(make(len(self.refs) + 1))
        return self._keys[key]

    def for_item(self, it: AnswerItem) -> tuple[int, ...]:
        doc = self.docs.get(it.doc_id)
        nums = [self._add(("doc", it.doc_id), lambda n: Reference(
            n, "document", it.title, doc.source_url if doc else None, it.doc_id, it.title))]
        for c in it.citations:
            nums.append(self._add(("fn", it.doc_id, c.marker, c.text), lambda n, c=c: Reference(
                n, "footnote", c.text, c.url, it.doc_id, it.title, c.marker, c.page,
                c.linked_doc_id)))
            if c.linked_doc_id and c.linked_doc_id in self.docs:
                d = self.docs[c.linked_doc_id]
                self._add(("doc", d.doc_id), lambda n, d=d: Reference(
                    n, "document", d.title, d.source_url, d.doc_id, d.title))
        return tuple(nums)


def _cites_inline(cites: Sequence[CitedNote]) -> str:
    return "".join(f" [fn {c.marker}]" for c in cites)


# --------------------------------------------------------------------------------------------
# brief


@dataclass(frozen=True)
class Quote:
    item: AnswerItem
    refs: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {**self.item.to_json(), "refs": list(self.refs)}


@dataclass(frozen=True)
class CountrySection:
    country: str
    name: str
    quotes: tuple[Quote, ...]
    message: str | None = None  # why there is no quote


@dataclass(frozen=True)
class Brief:
    topic: Topic
    sections: tuple[CountrySection, ...]
    references: tuple[Reference, ...]

    def to_markdown(self) -> str:
        t = self.topic
        lines = [f"# Briefing: {t.label}", "",
                 (f"Topic `{t.id}` — terms: {', '.join(t.terms[:8])}. Every quote is verbatim "
                 "from the indexed documents; numbers in brackets point to the references."), ""]
        for sec in self.sections:
            lines += [f"## {sec.name} ({sec.country})", ""]
            if not sec.quotes:
                lines += [f"_{sec.message or NO_EVIDENCE}_", ""]
                continue
            for q in sec.quotes:
                it = q.item
                refs = "".join(f"[{n}]" for n in q.refs)
                lines.append(f"> “{normalise_ws(it.text)}”")
                lines.append(f"> {format_source(it)}{_cites_inline(it.citations)} {refs}")
                lines.append("")
        lines += ["## References", ""]
        lines += [r.to_markdown() for r in self.references] or ["(none)"]
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["country", "rank", "text", "doc_id", "title", "kind", "page", "section",
                    "group", "citations", "refs"])
        for sec in self.sections:
            if not sec.quotes:
                w.writerow([sec.country, "", NO_EVIDENCE, "", "", "", "", "", "", "", ""])
            for rank, q in enumerate(sec.quotes, start=1):
                it = q.item
                cites = "; ".join(f"{c.marker}: {normalise_ws(c.text)}" for c in it.citations)
                w.writerow([sec.country, rank, it.text, it.doc_id, it.title, it.doc_kind or "",
                            it.page if it.page is not None else "", it.section or "",
                            it.group_label, cites, " ".join(map(str, q.refs))])
        return buf.getvalue()

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic.to_json(),
            "countries": [
                {"country": s.country, "name": s.name, "message": s.message,
                 "quotes": [q.to_json() for q in s.quotes]}
                for s in self.sections
            ],
            "references": [r.to_json() for r in self.references],
        }


def brief(index: Any, topic: str | Topic, countries: Sequence[str] = WB_COUNTRIES,
          per_country: int = 3) -> Brief:
    t = resolve_topic(topic)
    refs = _References(index)
    sections = []
    for c in countries:
        items, message = _evidence(index, t, c, per_country)
        quotes = tuple(Quote(it, refs.for_item(it)) for it in items)
        sections.append(CountrySection(c, country_label(c), quotes, None if quotes else message))
    return Brief(t, tuple(sections), tuple(refs.refs))


# --------------------------------------------------------------------------------------------
# matrix


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
        return f"“{normalise_ws(it.text)}” {format_source(it)}{_cites_inline(it.citations)}"

    def to_json(self) -> dict[str, Any]:
        return {"country": self.country, "topic": self.topic, "table1": self.table1,
                "evidence": self.item.to_json() if self.item else None,
                "text": self.text()}


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
        w.writerow(["country", "topic", "table1", "evidence", "doc_id", "title", "page",
                    "section", "citations"])
        for c in self.countries:
            for t in self.topics:
                cell = self.cell(c, t.id)
                it = cell.item
                w.writerow([
                    c, t.id, cell.table1 or "", it.text if it else NO_EVIDENCE,
                    it.doc_id if it else "", it.title if it else "",
                    it.page if it and it.page is not None else "", it.section or "" if it else "",
                    "; ".join(f"{x.marker}: {normalise_ws(x.text)}" for x in it.citations)
                    if it else "",
                ])
        return buf.getvalue()

    def to_html(self) -> str:
        e = html.escape
        out = ["<table class=\"wbpolicy-matrix\">", "<thead><tr><th>Country</th>"]
        out += [f"<th>{e(self._heading(t))}</th>" for t in self.topics]
        out.append("</tr></thead><tbody>")
        for c in self.countries:
            out.append(f"<tr><th>{e(country_label(c))} ({e(c)})</th>")
            for t in self.topics:
                cell = self.cell(c, t.id)
                mark = (f"<span class=\"table1\">Table 1: {e(cell.table1)}</span><br>"
                        if cell.table1 else "")
                if cell.item is None:
                    out.append(f"<td class=\"none\">{mark}{e(NO_EVIDENCE)}</td>")
                    continue
                it = cell.item
                notes = "".join(
                    f"<li>fn {e(x.marker)}: {e(normalise_ws(x.text))}"
                    + (f" <a href=\"{e(x.url)}\">{e(x.url)}</a>" if x.url else "") + "</li>"
                    for x in it.citations
                )
                out.append(
                    f"<td>{mark}<blockquote>{e(normalise_ws(it.text))}</blockquote>"
                    f"<cite>{e(format_source(it))}</cite>"
                    + (f"<ul>{notes}</ul>" if notes else "") + "</td>"
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


def matrix(index: Any, topics: Sequence[str | Topic] | None = None,
           countries: Sequence[str] = WB_COUNTRIES) -> Matrix:
    """Country x topic evidence; defaults to the report's Table 1 rows.  Where the index holds
    the report's Table 1, each cell also carries the report's own mark, so the two can be
    checked against each other."""
    ts = tuple(resolve_topic(t) for t in topics) if topics else tuple(load_topics().table1())
    marks = table1_marks(index)
    cells: dict[tuple[str, str], Cell] = {}
    for c in countries:
        for t in ts:
            items, _ = _evidence(index, t, c, 1)
            mark = marks.get((t.table1, c)) if t.table1 else None
            cells[(c, t.id)] = Cell(c, t.id, items[0] if items else None, mark)
    return Matrix(ts, tuple(countries), cells)


def table1_marks(index: Any) -> dict[tuple[str, str], str]:
    """``{(row label, country id): mark}`` read from a stored table whose header holds the
    report's country abbreviations (ALB, BIH, ...) and whose rows are Table 1's elements."""
    wanted = {fold(t.table1): t.table1 for t in load_topics().table1() if t.table1}
    out: dict[tuple[str, str], str] = {}
    for (raw,) in index.store.conn.execute("SELECT rows FROM doc_tables ORDER BY id"):
        rows = json.loads(raw or "[]")
        header_i = next((i for i, r in enumerate(rows)
                         if sum(1 for x in r if x.strip().upper() in TABLE1_COLUMNS) >= 3), None)
        if header_i is None:
            continue
        header = rows[header_i]
        codes = [TABLE1_COLUMNS[x.strip().upper()] for x in header
                 if x.strip().upper() in TABLE1_COLUMNS]
        for r in rows[header_i + 1:]:
            label = next((x for x in r if x.strip()), "")
            key = wanted.get(fold(normalise_ws(label)))
            if key is None:
                continue
            values = [x.strip() for x in r[r.index(label) + 1:]]
            if len(values) > len(codes):  # trailing empty cells
                values = values[:len(codes)]
            if len(values) != len(codes):
                # a header cell missing or merged: align by position as a last resort
                cols = {j: TABLE1_COLUMNS[x.strip().upper()] for j, x in enumerate(header)
                        if x.strip().upper() in TABLE1_COLUMNS}
                values = [r[j].strip() if j < len(r) else "" for j in cols]
                codes = list(cols.values())
            # the label column is the row's first cell whether or not the header row leaves an
            # empty cell above it (pdfplumber sometimes shifts the header left)
            for country, mark in zip(codes, values, strict=True):
                if mark:
                    out[(key, country)] = mark
    return out
