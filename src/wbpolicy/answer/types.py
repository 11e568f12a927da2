"""What an answer is: verbatim quoted sentences with their document, page, section and the
footnotes they cite, grouped by document, or an explicit abstention."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wbpolicy.models import Hit
from wbpolicy.query import Query

GROUP_OWN = "country document"
GROUP_ABOUT = "about the country"
GROUP_ANY = "document"


@dataclass(frozen=True)
class CitedNote:
    """A footnote cited by an answer sentence; ``linked_doc_id`` when the note cites a document
    that is itself in the corpus (a citation chain from a claim to its primary text)."""

    marker: str
    text: str
    url: str | None
    page: int | None = None
    urls: tuple[str, ...] = ()
    linked_doc_id: str | None = None
    linked_title: str | None = None
    # an "Ibid." / "op. cit." note: the earlier note it refers to, (marker, text)
    refers_to: tuple[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"marker": self.marker, "text": self.text, "url": self.url}
        if self.refers_to:
            out["refers_to"] = {"marker": self.refers_to[0], "text": self.refers_to[1]}
        if self.linked_doc_id:
            out["linked_doc_id"] = self.linked_doc_id
            out["linked_title"] = self.linked_title
        return out


@dataclass(frozen=True)
class AnswerItem:
    text: str  # verbatim: passage_text[start:end]
    doc_id: str
    title: str
    doc_kind: str | None
    page: int | None
    pages: tuple[int, ...]
    page_exact: bool  # False: the passage spans pages and the sentence could not be placed
    section: str | None
    citations: tuple[CitedNote, ...]
    group: str  # "country document" | "about the country" | "document"
    country: str | None  # the country the item answers for
    score: float
    passage_id: int
    start: int  # offsets of the sentence in the passage text
    end: int
    year: int | None = None  # the document's year
    # the pages the quote itself runs over (two when it crosses a page break); empty for a
    # source without pages, cited by ``locator`` instead
    quote_pages: tuple[int, ...] = ()
    # where in an unpaginated source the quote stands ("Art. 8", "§ 3.2"); page_exact is False
    locator: str | None = None
    # a newer document of the same country and kind than the one quoted: (doc_id, title, year)
    newer: tuple[str, str, int] | None = None
    ocr: bool = False  # the quote was machine-read (OCR) from the page image

    @property
    def group_label(self) -> str:
        if self.group == GROUP_ABOUT:
            return f"about the country in {self.title}"
        return self.group

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "doc_id": self.doc_id,
            "title": self.title,
            "kind": self.doc_kind,
            "year": self.year,
            "page": self.page,
            "pages": list(self.pages),
            "quote_pages": list(self.quote_pages),
            "page_exact": self.page_exact,
            "locator": self.locator,
            "ocr": self.ocr,
            "section": self.section,
            "newer": (
                {"doc_id": self.newer[0], "title": self.newer[1], "year": self.newer[2]}
                if self.newer
                else None
            ),
            "citations": [c.to_json() for c in self.citations],
            "group": self.group_label,
            "country": self.country,
            "score": round(self.score, 4),
            "passage_id": self.passage_id,
        }


@dataclass(frozen=True)
class SearchedDoc:
    doc_id: str
    title: str
    kind: str | None
    group: str

    def to_json(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "title": self.title, "kind": self.kind, "group": self.group}


@dataclass(frozen=True)
class Answer:
    question: str
    understood: Query
    items: tuple[AnswerItem, ...]
    hits: tuple[Hit, ...]
    searched: tuple[SearchedDoc, ...]
    abstained: bool
    message: str | None = None
    topic_labels: dict[str, str] = field(default_factory=dict)

    @property
    def filters(self) -> dict[str, str | None]:
        u = self.understood
        return {
            "country": _first(u.countries),
            "org": _first(u.orgs),
            "instrument": _first(u.instruments),
            "kind": _first(u.kinds),
            "topic": _first(u.topics),
        }

    def groups(self) -> list[tuple[str, list[AnswerItem]]]:
        """Items grouped by document, documents in the order of their best item."""
        out: dict[str, list[AnswerItem]] = {}
        for it in self.items:
            out.setdefault(it.doc_id, []).append(it)
        return [(doc, items) for doc, items in out.items()]

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "filters": self.filters,
            "answer": [it.to_json() for it in self.items],
            "hits": [_hit_json(h, rank) for rank, h in enumerate(self.hits, start=1)],
            "abstained": self.abstained,
            "message": self.message,
            "understood": understood_json(self.understood),
            "searched": [s.to_json() for s in self.searched],
        }


def _first(values: Sequence[str]) -> str | None:
    return values[0] if values else None


def _hit_json(hit: Hit, rank: int) -> dict[str, Any]:
    out = hit.to_json()
    out["rank"] = rank  # the merged list's own order
    return out


def understood_json(q: Query) -> dict[str, Any]:
    """What ``ask`` reports it understood ("terms": the words a quote must cover)."""
    return {
        "countries": list(q.countries),
        "subdivisions": list(q.subdivisions),
        "orgs": list(q.orgs),
        "instruments": list(q.instruments),
        "kinds": list(q.kinds),
        "years": list(q.years),
        "topics": list(q.topics),
        "terms": list(q.content_terms),
        "country_entities": list(q.country_entities),
    }
