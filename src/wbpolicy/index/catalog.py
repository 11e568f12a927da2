"""Read-only views of what the index holds: documents, pages, passages, problems."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from wbpolicy.errors import NotFound
from wbpolicy.index import Index
from wbpolicy.models import Citation, Document, Problem
from wbpolicy.settings import Settings


@dataclass(frozen=True)
class PassageView:
    passage_id: int
    doc_id: str
    title: str
    kind: str
    section: str | None
    pages: tuple[int, ...]
    char_start: int
    char_end: int
    text: str
    citations: tuple[Citation, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "passage_id": self.passage_id,
            "doc_id": self.doc_id,
            "title": self.title,
            "kind": self.kind,
            "section": self.section,
            "page": self.pages[0] if self.pages else None,
            "pages": list(self.pages),
            "char_start": self.char_start,
            "char_end": self.char_end,
            "text": self.text,
            "citations": [_citation_json(c) for c in self.citations],
        }

    def render(self) -> str:
        pages = ", ".join(map(str, self.pages)) or "-"
        head = f"[{self.passage_id}] {self.title} - p. {pages}"
        if self.section:
            head += f" - {self.section}"
        lines = [head, self.text]
        lines += [_citation_line(c) for c in self.citations]
        return "\n".join(lines)


@dataclass(frozen=True)
class PageView:
    doc_id: str
    title: str
    page: int
    pages: int  # page count of the document
    text: str
    has_text: bool
    passages: tuple[PassageView, ...]

    @property
    def citations(self) -> tuple[Citation, ...]:
        seen: dict[tuple[str, str], Citation] = {}
        for p in self.passages:
            for c in p.citations:
                seen.setdefault((c.marker, c.text), c)
        return tuple(seen.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "page": self.page,
            "pages": self.pages,
            "has_text": self.has_text,
            "text": self.text,
            "passages": [p.to_json() for p in self.passages],
            "citations": [_citation_json(c) for c in self.citations],
        }

    def render(self) -> str:
        lines = [f"{self.title} ({self.doc_id}) - page {self.page} of {self.pages}", ""]
        lines.append(self.text if self.has_text else "(no text layer on this page)")
        if self.citations:
            lines += ["", "footnotes:"] + [_citation_line(c) for c in self.citations]
        return "\n".join(lines)


def _citation_json(c: Citation) -> dict[str, Any]:
    return {"marker": c.marker, "text": c.text, "url": c.url, "page": c.page, "offset": c.offset}


def _citation_line(c: Citation) -> str:
    return f"  [{c.marker}] {c.text}" + (f" <{c.url}>" if c.url and c.url not in c.text else "")


def _problem(row: sqlite3.Row) -> Problem:
    return Problem(
        path=row["path"],
        code=row["code"],
        message=row["message"],
        pages=tuple(json.loads(row["pages"] or "[]")),
        fatal=bool(row["fatal"]),
    )


def _document_info(conn: sqlite3.Connection, row: sqlite3.Row) -> Document:
    problems = conn.execute(
        "SELECT * FROM problems WHERE doc_pk = ? ORDER BY id", (row["id"],)
    ).fetchall()
    return Document(
        doc_id=row["doc_id"],
        path=row["path"],
        title=row["title"],
        kind=row["kind"],
        country=row["country"],
        year=row["year"],
        language=row["language"],
        format=row["format"],
        sha256=row["sha256"],
        pages=row["n_pages"],
        passages=row["n_passages"],
        problems=tuple(_problem(p) for p in problems),
        source_url=row["source_url"],
    )


_DOCS_SQL = (
    "SELECT d.*, (SELECT COUNT(*) FROM passages p WHERE p.doc_pk = d.id) AS n_passages "
    "FROM documents d"
)


def list_documents(settings: Settings) -> list[Document]:
    with Index.open(settings) as index:
        conn = index.store.conn
        rows = conn.execute(_DOCS_SQL + " ORDER BY d.doc_id").fetchall()
        return [_document_info(conn, r) for r in rows]


def get_document(settings: Settings, doc_id: str) -> Document:
    with Index.open(settings) as index:
        conn = index.store.conn
        row = conn.execute(_DOCS_SQL + " WHERE d.doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            raise NotFound(f"no document {doc_id!r}; `wbpolicy docs` lists the documents")
        return _document_info(conn, row)


def _citations(conn: sqlite3.Connection, passage_id: int) -> tuple[Citation, ...]:
    rows = conn.execute(
        "SELECT * FROM citations WHERE passage_id = ? ORDER BY offset, id", (passage_id,)
    ).fetchall()
    return tuple(
        Citation(
            marker=r["marker"],
            text=r["text"],
            url=r["url"],
            page=r["page"],
            offset=r["offset"],
            urls=tuple(json.loads(r["urls"] or "[]")),
        )
        for r in rows
    )


def _passage_view(conn: sqlite3.Connection, row: sqlite3.Row) -> PassageView:
    return PassageView(
        passage_id=row["id"],
        doc_id=row["doc_id"],
        title=row["title"],
        kind=row["kind"],
        section=row["section"],
        pages=tuple(json.loads(row["pages"])),
        char_start=row["char_start"],
        char_end=row["char_end"],
        text=row["text"],
        citations=_citations(conn, row["id"]),
    )


_PASSAGE_SQL = "SELECT p.*, d.doc_id, d.title FROM passages p JOIN documents d ON d.id = p.doc_pk"


def show_passage(settings: Settings, passage_id: int) -> PassageView:
    with Index.open(settings) as index:
        conn = index.store.conn
        row = conn.execute(_PASSAGE_SQL + " WHERE p.id = ?", (passage_id,)).fetchone()
        if row is None:
            raise NotFound(f"no passage {passage_id}")
        return _passage_view(conn, row)


def show_page(settings: Settings, doc_id: str, page: int) -> PageView:
    """A page's cleaned text with the passages that touch it (a passage spanning pages 3-4 shows
    on both) and their citations."""
    with Index.open(settings) as index:
        conn = index.store.conn
        doc = conn.execute(
            "SELECT id, title, n_pages FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        if doc is None:
            raise NotFound(f"no document {doc_id!r}; `wbpolicy docs` lists the documents")
        pg = conn.execute(
            "SELECT text, has_text FROM pages WHERE doc_pk = ? AND page = ?", (doc["id"], page)
        ).fetchone()
        if pg is None:
            raise NotFound(f"{doc_id} has no page {page} (it has {doc['n_pages']})")
        rows = conn.execute(
            _PASSAGE_SQL + " WHERE p.doc_pk = ? AND p.page_start <= ? AND p.page_end >= ? "
            "ORDER BY p.ordinal",
            (doc["id"], page, page),
        ).fetchall()
        passages = tuple(_passage_view(conn, r) for r in rows if page in json.loads(r["pages"]))
        return PageView(
            doc_id=doc_id,
            title=doc["title"],
            page=page,
            pages=doc["n_pages"],
            text=pg["text"],
            has_text=bool(pg["has_text"]),
            passages=passages,
        )


def list_problems(settings: Settings) -> list[Problem]:
    """Every recorded problem: per-document warnings and files that could not be indexed."""
    with Index.open(settings) as index:
        rows = index.store.conn.execute("SELECT * FROM problems ORDER BY path, id").fetchall()
        return [_problem(r) for r in rows]
