"""A briefing on one topic: per country the best verbatim quotes, each with its document's year
and page, and a numbered references list (documents and the footnotes quoted)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wbpolicy.answer.export import (
    Reference,
    References,
    ref_marks,
    references_markdown,
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
    resolve_topic,
)
from wbpolicy.answer.types import AnswerItem
from wbpolicy.knowledge.topics import Topic
from wbpolicy.settings import BriefSettings
from wbpolicy.text import normalise_ws

if TYPE_CHECKING:
    from wbpolicy.index import Index

__all__ = ["Brief", "CountrySection", "Quote", "Reference", "brief"]


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
    year_min: int | None = None  # only documents of these years were searched
    year_max: int | None = None

    def to_markdown(self) -> str:
        t = self.topic
        intro = (
            f"Topic `{t.id}` — terms: {', '.join(t.terms[:8])}. Every quote is verbatim "
            "from the indexed documents, with its document's year and page; numbers in "
            "brackets point to the references."
        )
        if label := years_label(self.year_min, self.year_max):
            intro += f" Only {label} were searched."
        lines = [f"# Briefing: {t.label}", "", intro, ""]
        for sec in self.sections:
            lines += [f"## {sec.name} ({sec.country})", ""]
            if not sec.quotes:
                lines += [f"_{sec.message or NO_EVIDENCE}_", ""]
                continue
            for q in sec.quotes:
                it = q.item
                lines.append(f"> “{normalise_ws(it.text)}”")
                lines.append(f"> {source_line(it)}{cites_inline(it.citations)} {ref_marks(q.refs)}")
                lines.append("")
        lines += ["## References", ""]
        lines += references_markdown(self.references) or ["(none)"]
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        """One row per quote (a country without one: a row saying so); every cell safe to open
        in a spreadsheet (see :func:`wbpolicy.answer.export.csv_cell`)."""
        header = [
            "country",
            "rank",
            "text",
            "doc_id",
            "title",
            "kind",
            "year",
            "page",
            "locator",
            "section",
            "group",
            "citations",
            "refs",
        ]
        rows: list[list[object]] = []
        for sec in self.sections:
            if not sec.quotes:
                rows.append([sec.country, "", NO_EVIDENCE, *[""] * (len(header) - 3)])
            for rank, q in enumerate(sec.quotes, start=1):
                it = q.item
                cites = "; ".join(f"{c.marker}: {normalise_ws(c.text)}" for c in it.citations)
                rows.append(
                    [
                        sec.country,
                        rank,
                        it.text,
                        it.doc_id,
                        it.title,
                        it.doc_kind or "",
                        it.year if it.year is not None else "",
                        it.page if it.page is not None else "",
                        it.locator or "",
                        it.section or "",
                        it.group_label,
                        cites,
                        " ".join(map(str, q.refs)),
                    ]
                )
        return write_csv(header, rows)

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic.to_json(),
            "years": {"min": self.year_min, "max": self.year_max},
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
    *,
    year_min: int | None = None,
    year_max: int | None = None,
    strict: bool = True,
) -> Brief:
    """The briefing on ``topic`` for ``countries`` (default: the focus region), quoting only
    documents of ``year_min``..``year_max`` when given.  An unknown topic raises
    :class:`~wbpolicy.answer.topic.UnknownTopic`, unless ``strict`` is False (free text is then
    searched as an ad-hoc topic)."""
    s = settings or BriefSettings()
    t = resolve_topic(topic, strict=strict)
    run = EvidenceSearch(index, s, year_min=year_min, year_max=year_max)
    refs = References(run.docs)
    sections = []
    for c in countries or focus_countries():
        items, message = run.evidence(t, c, per_country or s.quotes_per_country)
        quotes = tuple(Quote(it, refs.for_item(it)) for it in items)
        sections.append(CountrySection(c, country_label(c), quotes, None if quotes else message))
    return Brief(t, tuple(sections), refs.references(), year_min, year_max)
