"""A briefing on one topic: per country the best verbatim quotes with citations, and a numbered
references list (documents and the footnotes quoted)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
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
from wbpolicy.knowledge.topics import Topic
from wbpolicy.settings import BriefSettings
from wbpolicy.text import normalise_ws

if TYPE_CHECKING:
    from wbpolicy.index import Index


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
        return {
            "number": self.number,
            "kind": self.kind,
            "text": self.text,
            "url": self.url,
            "doc_id": self.doc_id,
            "title": self.title,
            "marker": self.marker,
            "page": self.page,
            "linked_doc_id": self.linked_doc_id,
        }

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

    def __init__(self, index: Index) -> None:
        self.docs = index.reader.documents()
        self.refs: list[Reference] = []
        self._keys: dict[tuple[str, ...], int] = {}

    def _add(self, key: tuple[str, ...], make: Any) -> int:
        if key not in self._keys:
            self._keys[key] = len(self.refs) + 1
            self.refs.append(make(len(self.refs) + 1))
        return self._keys[key]

    def for_item(self, it: AnswerItem) -> tuple[int, ...]:
        doc = self.docs.get(it.doc_id)
        nums = [
            self._add(
                ("doc", it.doc_id),
                lambda n: Reference(
                    n, "document", it.title, doc.source_url if doc else None, it.doc_id, it.title
                ),
            )
        ]
        for c in it.citations:
            nums.append(
                self._add(
                    ("fn", it.doc_id, c.marker, c.text),
                    lambda n, c=c: Reference(
                        n,
                        "footnote",
                        c.text,
                        c.url,
                        it.doc_id,
                        it.title,
                        c.marker,
                        c.page,
                        c.linked_doc_id,
                    ),
                )
            )
            if c.linked_doc_id and c.linked_doc_id in self.docs:
                d = self.docs[c.linked_doc_id]
                self._add(
                    ("doc", d.doc_id),
                    lambda n, d=d: Reference(
                        n, "document", d.title, d.source_url, d.doc_id, d.title
                    ),
                )
        return tuple(nums)


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
        lines = [
            f"# Briefing: {t.label}",
            "",
            (
                f"Topic `{t.id}` — terms: {', '.join(t.terms[:8])}. Every quote is verbatim "
                "from the indexed documents; numbers in brackets point to the references."
            ),
            "",
        ]
        for sec in self.sections:
            lines += [f"## {sec.name} ({sec.country})", ""]
            if not sec.quotes:
                lines += [f"_{sec.message or NO_EVIDENCE}_", ""]
                continue
            for q in sec.quotes:
                it = q.item
                refs = "".join(f"[{n}]" for n in q.refs)
                lines.append(f"> “{normalise_ws(it.text)}”")
                lines.append(f"> {format_source(it)}{cites_inline(it.citations)} {refs}")
                lines.append("")
        lines += ["## References", ""]
        lines += [r.to_markdown() for r in self.references] or ["(none)"]
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(
            [
                "country",
                "rank",
                "text",
                "doc_id",
                "title",
                "kind",
                "page",
                "section",
                "group",
                "citations",
                "refs",
            ]
        )
        for sec in self.sections:
            if not sec.quotes:
                w.writerow([sec.country, "", NO_EVIDENCE, "", "", "", "", "", "", "", ""])
            for rank, q in enumerate(sec.quotes, start=1):
                it = q.item
                cites = "; ".join(f"{c.marker}: {normalise_ws(c.text)}" for c in it.citations)
                w.writerow(
                    [
                        sec.country,
                        rank,
                        it.text,
                        it.doc_id,
                        it.title,
                        it.doc_kind or "",
                        it.page if it.page is not None else "",
                        it.section or "",
                        it.group_label,
                        cites,
                        " ".join(map(str, q.refs)),
                    ]
                )
        return buf.getvalue()

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic.to_json(),
            "countries": [
                {
                    "country": s.country,
                    "name": s.name,
                    "message": s.message,
                    "quotes": [q.to_json() for q in s.quotes],
                }
                for s in self.sections
            ],
            "references": [r.to_json() for r in self.references],
        }


def brief(
    index: Index,
    topic: str | Topic,
    countries: Sequence[str] | None = None,
    per_country: int | None = None,
    settings: BriefSettings | None = None,
) -> Brief:
    s = settings or BriefSettings()
    t = resolve_topic(topic)
    refs = _References(index)
    sections = []
    for c in countries or focus_countries():
        items, message = evidence(index, t, c, per_country or s.quotes_per_country, s)
        quotes = tuple(Quote(it, refs.for_item(it)) for it in items)
        sections.append(CountrySection(c, country_label(c), quotes, None if quotes else message))
    return Brief(t, tuple(sections), tuple(refs.refs))
