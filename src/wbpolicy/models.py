"""Plain frozen dataclasses exchanged between pipeline stages.

Conventions used everywhere:
* page numbers are 1-based physical page indices (what a PDF viewer shows in its page box);
  text formats without pages use form feeds / ``---- Page N ----`` lines, else page 1;
* a section path is a tuple of heading strings, outermost first, e.g.
  ``("4 State of play in the Western Balkans", "4.4 Kosovo*")``; rendered joined by " > ";
* character offsets are Python ``str`` indices into the ``text`` of the object that holds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SECTION_SEP = " > "


def section_str(path: tuple[str, ...]) -> str | None:
    return SECTION_SEP.join(path) if path else None


@dataclass(frozen=True)
class Problem:
    """Something wrong with one input file.  ``fatal`` problems mean the file was not indexed."""

    path: str
    code: (
        str  # encrypted | no-text | garbage-text | corrupt | empty | unsupported | partial-text ...
    )
    message: str
    pages: tuple[int, ...] = ()
    fatal: bool = False


@dataclass(frozen=True)
class Footnote:
    """A note found at the foot of a page (or in a notes section)."""

    marker: str  # "66"
    text: str  # the note text without its leading marker
    page: int
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Citation:
    """A footnote marker in body text, linked to the footnote it calls."""

    marker: str
    text: str
    url: str | None  # first URL of the footnote, if any
    page: int  # page the footnote is printed on
    offset: int = (
        0  # character offset of the marker in the holder's text (marker removed from text)
    )
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Block:
    """A run of body text of one kind under one section: a paragraph, heading, list item, table
    text.

    ``page_breaks`` lists ``(offset, page)`` pairs: the text from ``offset`` on is on ``page``;
    the first pair is always ``(0, pages[0])``.  A paragraph continued across a page break has two.
    """

    text: str
    kind: str  # paragraph | heading | list | table | footnote
    section: tuple[str, ...]
    page_breaks: tuple[tuple[int, int], ...]
    citations: tuple[Citation, ...] = ()
    ocr: bool = False  # (some of) the text was machine-read from the page image (OCR)

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(p for _, p in self.page_breaks))

    def page_at(self, offset: int) -> int:
        return page_at(self.page_breaks, offset)


@dataclass(frozen=True)
class Table:
    page: int
    rows: tuple[tuple[str, ...], ...]  # cells as text ("" for empty cells)
    section: tuple[str, ...] = ()
    caption: str | None = None


@dataclass(frozen=True)
class PageText:
    """The cleaned body text of one page (headers, footers, page numbers and footnotes removed)."""

    number: int
    text: str
    has_text: bool = True
    ocr: bool = False  # the text was machine-read from the page image (OCR), not its text layer
    # OCR'd pages: each word as (text, x0, top, x1, bottom), in PDF points from the top left of
    # the rendered page (the page view's frame), in reading order; () for text-layer pages
    words: tuple[tuple[str, float, float, float, float], ...] = ()


@dataclass(frozen=True)
class Extraction:
    """Everything one extractor read from one file."""

    path: str
    format: str  # pdf | txt | md | html
    title: str | None
    pages: tuple[PageText, ...]
    blocks: tuple[Block, ...]
    footnotes: tuple[Footnote, ...] = ()
    tables: tuple[Table, ...] = ()
    problems: tuple[Problem, ...] = ()  # non-fatal problems (fatal ones raise ExtractionError)
    language: str | None = None


@dataclass(frozen=True)
class Passage:
    """A retrieval unit: never crosses a section boundary, never cuts a sentence."""

    text: str
    kind: str  # body | table | footnote
    section: tuple[str, ...]
    pages: tuple[int, ...]
    char_start: int  # offsets into the document text (blocks joined by "\n\n")
    char_end: int
    citations: tuple[Citation, ...] = ()
    ordinal: int = 0
    # (offset, page): the text from offset on is on page; first pair (0, first page)
    page_breaks: tuple[tuple[int, int], ...] = ()
    is_toc: bool = False
    ocr: bool = False  # (some of) the text was machine-read from a page image (OCR)

    def page_at(self, offset: int) -> int | None:
        return (
            page_at(self.page_breaks, offset)
            if self.page_breaks
            else (self.pages[0] if self.pages else None)
        )


def page_at(breaks: tuple[tuple[int, int], ...] | list[tuple[int, int]], offset: int) -> int:
    """The page of ``offset`` given ``(offset, page)`` breaks (sorted, first at 0)."""
    page = breaks[0][1]
    for start, p in breaks:
        if start <= offset:
            page = p
        else:
            break
    return page


@dataclass(frozen=True)
class Entity:
    text: str
    label: str  # COUNTRY | ORG | INSTRUMENT
    id: str | None
    start: int
    end: int
    source: str = "gazetteer"  # gazetteer | pattern | model


@dataclass(frozen=True)
class Document:
    """One indexed document: its metadata (from the corpus manifest, the user, or inference) and,
    once stored, its file facts and counts."""

    doc_id: str
    title: str
    kind: str = "other"
    country: str | None = None
    year: int | None = None
    language: str | None = None
    source_url: str | None = None
    path: str = ""
    format: str = ""
    sha256: str = ""
    pages: int = 0
    passages: int = 0
    problems: tuple[Problem, ...] = ()

    def to_json(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "kind": self.kind,
            "country": self.country,
            "year": self.year,
            "language": self.language,
            "format": self.format,
            "pages": self.pages,
            "passages": self.passages,
            "path": self.path,
            "source_url": self.source_url,
            "problems": [
                {"code": p.code, "message": p.message, "pages": list(p.pages), "fatal": p.fatal}
                for p in self.problems
            ],
        }


@dataclass(frozen=True)
class Hit:
    rank: int
    passage_id: int
    doc_id: str
    title: str
    page: int | None
    pages: tuple[int, ...]
    section: str | None
    text: str
    score: float
    citations: tuple[Citation, ...] = ()
    kind: str = "body"
    doc_kind: str | None = None
    country: str | None = None
    # the passage's (offset, page) breaks; empty for an index built before they were stored
    page_breaks: tuple[tuple[int, int], ...] = ()
    doc_year: int | None = None  # the document's year: every citation says how old it is
    paginated: bool = True  # False: a text source without pages (cite its section instead)
    is_toc: bool = False  # a table-of-contents passage (searchable, never quoted)
    ocr: bool = False  # machine-read from a page image: check the quote against the page

    def page_of(self, offset: int) -> tuple[int | None, bool]:
        """The page of a character of the passage, and whether it is exact (an older index
        knows only the pages a multi-page passage spans)."""
        if self.page_breaks:
            return page_at(self.page_breaks, offset), True
        pages = self.pages or ((self.page,) if self.page is not None else ())
        return (pages[0] if pages else None), len(pages) == 1

    def to_json(self) -> dict:
        return {
            "rank": self.rank,
            "doc_id": self.doc_id,
            "title": self.title,
            "page": self.page,
            "pages": list(self.pages),
            "section": self.section,
            "text": self.text,
            "score": round(float(self.score), 6),
            "citations": [
                {"marker": c.marker, "text": c.text, "url": c.url} for c in self.citations
            ],
            "passage_id": self.passage_id,
            "kind": self.kind,
            "doc_kind": self.doc_kind,
            "year": self.doc_year,
            "page_exact": self.paginated,
            "ocr": self.ocr,
        }


@dataclass(frozen=True)
class Filters:
    """Filters applied before ranking."""

    doc_ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # document kinds
    countries: tuple[str, ...] = ()  # passage is about one of these (ISO alpha-2 or body id)
    orgs: tuple[str, ...] = ()  # passage mentions one of these entity ids
    instruments: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    # documents of unknown year pass the year range (``ask`` narrows by a year the question names)
    year_unknown_ok: bool = False

    def is_empty(self) -> bool:
        return not (
            self.doc_ids
            or self.kinds
            or self.countries
            or self.orgs
            or self.instruments
            or self.year_min is not None
            or self.year_max is not None
        )


@dataclass(frozen=True)
class IngestSummary:
    documents: int = 0  # documents (re)indexed in this run
    unchanged: int = 0
    pages: int = 0
    passages: int = 0
    problems: tuple[Problem, ...] = field(default_factory=tuple)
    failed: tuple[str, ...] = ()
