"""Every statement a query reads: filters, full-text search, passages as hits, and the evidence
tables (countries, mentions, vectors, documents) that ranking and answering consult.

Sets of ids travel as one JSON parameter (``json_each``), so a statement stays one parameter long
whatever the size of the set.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from wbpolicy.errors import WbpolicyError
from wbpolicy.index.store import FTS_TABLE, translate_error
from wbpolicy.models import Citation, Document, Entity, Filters, Hit

if TYPE_CHECKING:
    import numpy as np

    from wbpolicy.index.fulltext import FullText

log = logging.getLogger(__name__)

_IDS = "(SELECT value FROM json_each(?))"


def _ids(ids: Iterable[int]) -> str:
    return json.dumps(sorted({int(i) for i in ids}))


class Reader:
    def __init__(
        self, conn: sqlite3.Connection, fulltext: Callable[[], FullText | None] | None = None
    ) -> None:
        self.conn = conn
        # the Tantivy index of a large collection, when fresh (else FTS5 answers)
        self._fulltext = fulltext

    def _engine(self) -> FullText | None:
        return self._fulltext() if self._fulltext is not None else None

    def _fts_failure(self, exc: sqlite3.Error) -> WbpolicyError | None:
        """The wbpolicy error for a failed full-text statement on a plain sqlite3 connection;
        None for a bad MATCH expression (a query problem, answered with no lexical hits).  A
        damaged or missing FTS table, a locked or damaged store, is never answered with silence
        (the store's connections raise those as wbpolicy errors already)."""
        return translate_error(exc, getattr(self.conn, "index_dir", "?"), FTS_TABLE)

    # -- filters ----------------------------------------------------------------------------
    def allowed_ids(self, filters: Filters) -> set[int] | None:
        """The passages ``filters`` allow (None: no filter)."""
        spec = filter_sql(filters)
        if spec is None:
            return None
        sql, params = spec
        return {int(r[0]) for r in self.conn.execute(sql, params)}

    # -- full text --------------------------------------------------------------------------
    def fts(
        self, expr: str, k: int, allowed: set[int] | None, weights: tuple[float, float, float]
    ) -> list[tuple[int, float]]:
        """BM25 over passages_fts(text, section, title), best first; [] for a bad expression.
        A large collection's fresh Tantivy index answers instead of FTS5."""
        engine = self._engine()
        if engine is not None:
            from wbpolicy.index.fulltext import QuerySyntaxError

            try:
                return engine.search(expr, k, allowed, weights)
            except (QuerySyntaxError, ValueError) as exc:
                log.warning("full-text query %r not read by Tantivy (%s); using FTS5", expr, exc)
        return self._fts5(expr, k, allowed, weights)

    def _fts5(
        self, expr: str, k: int, allowed: set[int] | None, weights: tuple[float, float, float]
    ) -> list[tuple[int, float]]:
        w = weights
        sql = (
            f"SELECT rowid, -bm25(passages_fts, {float(w[0])}, {float(w[1])}, {float(w[2])}) "
            "AS s FROM passages_fts WHERE passages_fts MATCH ?"
        )
        params: list[Any] = [expr]
        if allowed is not None:
            # "+rowid": filter the matches; a bare rowid makes FTS5 re-run the whole MATCH once
            # per allowed id (seconds for a filtered search, against milliseconds)
            sql += f" AND +rowid IN {_IDS}"
            params.append(_ids(allowed))
        sql += " ORDER BY s DESC LIMIT ?"
        params.append(k)
        try:
            rows = self.conn.execute(sql, params).fetchall()
        except WbpolicyError:  # a damaged FTS table must not look like no hits
            raise
        except sqlite3.Error as exc:  # a bad MATCH must never crash a search ...
            failure = self._fts_failure(exc)
            if failure is not None:  # ... but a damaged FTS table must not look like no hits
                raise failure from exc
            log.warning("FTS query failed for %r: %s", expr, exc)
            return []
        return [(int(r[0]), float(r[1])) for r in rows]

    def fts_many(
        self,
        exprs: Sequence[str | None],
        k: int,
        allowed: set[int] | None,
        weights: tuple[float, float, float],
    ) -> list[list[tuple[int, float]]]:
        """:meth:`fts` of each expression ([] for None): a Tantivy index searches them side by
        side (:meth:`FullText.search_all`), FTS5 one after another on this connection."""
        todo = [e for e in exprs if e]
        engine = self._engine()
        answers = engine.search_all(todo, k, allowed, weights) if engine is not None else []
        found = dict(zip(todo, answers, strict=False))  # None: Tantivy could not read it
        for expr in todo:
            if found.get(expr) is None:
                found[expr] = self._fts5(expr, k, allowed, weights)
        return [found[e] or [] if e else [] for e in exprs]

    def fts_count(self, expr: str) -> int | None:
        """How many passages match; None when FTS5 rejects the expression."""
        engine = self._engine()
        if engine is not None:
            from wbpolicy.index.fulltext import QuerySyntaxError

            try:
                return engine.count(expr)
            except (QuerySyntaxError, ValueError):
                log.debug("Tantivy count failed for %r; using FTS5", expr, exc_info=True)
        try:
            row = self.conn.execute(
                "SELECT COUNT(*) FROM passages_fts WHERE passages_fts MATCH ?", (expr,)
            ).fetchone()
        except WbpolicyError:
            raise
        except sqlite3.Error as exc:
            failure = self._fts_failure(exc)
            if failure is not None:
                raise failure from exc
            log.debug("FTS count failed for %r", expr, exc_info=True)
            return None
        return int(row[0])

    def passage_texts(self, limit: int) -> list[str]:
        """The first ``limit`` stored passage texts (benchmarks, samples)."""
        rows = self.conn.execute("SELECT text FROM passages ORDER BY id LIMIT ?", (limit,))
        return [r[0] for r in rows]

    def passage_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0] or 0)

    # -- hits -------------------------------------------------------------------------------
    def hits(self, scored: Sequence[tuple[int, float]], top_k: int) -> list[Hit]:
        """The best ``top_k`` passages of ``scored`` as hits, dropping exact duplicate texts and
        ids the store no longer has (a FAISS cache ahead of SQLite)."""
        hits: list[Hit] = []
        seen: set[str] = set()
        pos = 0
        batch = max(top_k * 2, 20)
        while len(hits) < top_k and pos < len(scored):
            chunk = scored[pos : pos + batch]
            pos += batch
            ids = [pid for pid, _ in chunk]
            rows = self._passages(ids)
            cites = self.citations(ids)
            for pid, score in chunk:
                row = rows.get(pid)
                if row is None:
                    continue
                key = " ".join(row["text"].split())
                if key in seen:
                    continue
                seen.add(key)
                hits.append(_hit(row, len(hits) + 1, score, cites.get(pid, ())))
                if len(hits) == top_k:
                    break
        return hits

    def _passages(self, ids: list[int]) -> dict[int, sqlite3.Row]:
        sql = (
            "SELECT p.id, p.text, p.kind, p.section, p.page_start, p.pages, p.page_breaks, "
            "p.is_toc, p.ocr, d.doc_id, d.title, d.kind AS doc_kind, d.country, d.year, d.format, "
            "d.n_pages FROM passages p "
            f"JOIN documents d ON d.id = p.doc_pk WHERE p.id IN {_IDS}"
        )
        return {int(r["id"]): r for r in self.conn.execute(sql, [_ids(ids)])}

    def citations(self, ids: Sequence[int]) -> dict[int, tuple[Citation, ...]]:
        sql = (
            "SELECT passage_id, marker, text, url, urls, page, offset FROM citations "
            f"WHERE passage_id IN {_IDS} ORDER BY passage_id, offset, id"
        )
        out: dict[int, list[Citation]] = {}
        for r in self.conn.execute(sql, [_ids(ids)]):
            out.setdefault(int(r["passage_id"]), []).append(
                Citation(
                    marker=r["marker"],
                    text=r["text"],
                    url=r["url"],
                    page=r["page"] if r["page"] is not None else 0,
                    offset=r["offset"],
                    urls=tuple(json.loads(r["urls"] or "[]")),
                )
            )
        return {pid: tuple(c) for pid, c in out.items()}

    # -- evidence tables ---------------------------------------------------------------------
    def rerank_rows(self, ids: Sequence[int]) -> list[sqlite3.Row]:
        """What the rerank needs of each passage: kind, text, TOC flag, a cited URL, country."""
        sql = (
            "SELECT p.id, p.kind, p.text, p.is_toc, EXISTS (SELECT 1 FROM citations c "
            "WHERE c.passage_id = p.id AND c.url IS NOT NULL) AS cited_url, d.country "
            f"FROM passages p JOIN documents d ON d.id = p.doc_pk WHERE p.id IN {_IDS}"
        )
        return self.conn.execute(sql, [_ids(ids)]).fetchall()

    def passage_countries(
        self, ids: Sequence[int], *, assigned_only: bool = False
    ) -> dict[int, dict[str, str]]:
        """``{passage: {country: source}}``; ``assigned_only`` drops mere mentions."""
        sql = (
            f"SELECT passage_id, country, source FROM passage_countries WHERE passage_id IN {_IDS}"
        )
        if assigned_only:
            sql += " AND source != 'mention'"
        out: dict[int, dict[str, str]] = {}
        for r in self.conn.execute(sql, [_ids(ids)]):
            out.setdefault(int(r["passage_id"]), {})[r["country"]] = r["source"]
        return out

    def mentions(self, ids: Sequence[int]) -> dict[int, list[sqlite3.Row]]:
        sql = (
            'SELECT passage_id, entity_id, label, start, "end" FROM mentions '
            f"WHERE passage_id IN {_IDS}"
        )
        out: dict[int, list[sqlite3.Row]] = {}
        for r in self.conn.execute(sql, [_ids(ids)]):
            out.setdefault(int(r["passage_id"]), []).append(r)
        return out

    def vectors(self, ids: Iterable[int]) -> dict[int, np.ndarray]:
        import numpy as np

        sql = f"SELECT passage_id, vector FROM embeddings WHERE passage_id IN {_IDS}"
        return {
            int(r[0]): np.frombuffer(r[1], dtype="float32")
            for r in self.conn.execute(sql, [_ids(ids)])
        }

    def all_vectors(self) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT passage_id, vector FROM embeddings ORDER BY passage_id"
        ).fetchall()

    # -- documents ---------------------------------------------------------------------------
    def documents(self) -> dict[str, Document]:
        rows = self.conn.execute(
            "SELECT doc_id, title, kind, country, year, path, source_url, language, format, "
            "sha256 FROM documents ORDER BY doc_id"
        )
        return {
            r["doc_id"]: Document(
                doc_id=r["doc_id"],
                title=r["title"],
                kind=r["kind"],
                country=r["country"],
                year=r["year"],
                language=r["language"],
                source_url=r["source_url"],
                path=r["path"],
                format=r["format"],
                sha256=r["sha256"],
            )
            for r in rows
        }

    def document_instruments(self) -> dict[str, set[str]]:
        """The instruments each document's title names (tagged at ingest)."""
        out: dict[str, set[str]] = {}
        rows = self.conn.execute(
            "SELECT d.doc_id, di.entity_id FROM document_instruments di "
            "JOIN documents d ON d.id = di.doc_pk"
        )
        for r in rows:
            out.setdefault(r[0], set()).add(r[1])
        return out

    def page_words(self, doc_id: str, page: int) -> list[tuple[str, float, float, float, float]]:
        """An OCR'd page's words with their boxes (text, x0, top, x1, bottom) in PDF points from
        the page's top left; [] for a page read from its text layer."""
        row = self.conn.execute(
            "SELECT g.words FROM pages g JOIN documents d ON d.id = g.doc_pk "
            "WHERE d.doc_id = ? AND g.page = ? AND g.ocr = 1",
            (doc_id, page),
        ).fetchone()
        if row is None or not row["words"]:
            return []
        return [
            (str(w[0]), float(w[1]), float(w[2]), float(w[3]), float(w[4]))
            for w in json.loads(row["words"])
        ]

    def footnotes(self, doc_id: str) -> list[tuple[str, str, tuple[str, ...]]]:
        """The document's footnotes in order: (marker, text, urls)."""
        rows = self.conn.execute(
            "SELECT f.marker, f.text, f.urls FROM footnotes f JOIN documents d ON d.id = f.doc_pk "
            "WHERE d.doc_id = ? ORDER BY f.page, f.id",
            (doc_id,),
        )
        return [(r["marker"], r["text"], tuple(json.loads(r["urls"] or "[]"))) for r in rows]

    def footnote_entities(self, text: str, doc_id: str) -> list[Entity] | None:
        """The entities ingest tagged in the footnote passage of ``doc_id`` whose text is
        ``text``; None when the document holds no such passage."""
        row = self.conn.execute(
            "SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_pk "
            "WHERE d.doc_id = ? AND p.kind = 'footnote' AND p.text = ? LIMIT 1",
            (doc_id, text),
        ).fetchone()
        if row is None:
            return None
        rows = self.conn.execute(
            'SELECT text, label, entity_id, start, "end", source FROM mentions '
            "WHERE passage_id = ? ORDER BY start",
            (row[0],),
        )
        return [
            Entity(
                text=r["text"],
                label=r["label"],
                id=r["entity_id"],
                start=r["start"],
                end=r["end"],
                source=r["source"],
            )
            for r in rows
        ]

    def table_rows(self) -> list[list[list[str]]]:
        return [
            json.loads(raw or "[]")
            for (raw,) in self.conn.execute("SELECT rows FROM doc_tables ORDER BY id")
        ]

    def generation(self) -> int:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0


def _hit(row: sqlite3.Row, rank: int, score: float, cites: tuple[Citation, ...]) -> Hit:
    pages = tuple(json.loads(row["pages"] or "[]"))
    breaks = tuple((int(a), int(b)) for a, b in json.loads(row["page_breaks"] or "[]"))
    page = row["page_start"] if row["page_start"] is not None else (pages[0] if pages else None)
    return Hit(
        rank=rank,
        passage_id=int(row["id"]),
        doc_id=row["doc_id"],
        title=row["title"],
        page=page,
        pages=pages,
        section=row["section"],
        text=row["text"],
        score=score,
        citations=cites,
        kind=row["kind"],
        doc_kind=row["doc_kind"],
        country=row["country"],
        page_breaks=breaks,
        doc_year=row["year"],
        # a text without page breaks has no page to cite: its section is the locator
        paginated=row["format"] == "pdf" or (row["n_pages"] or 0) > 1,
        is_toc=bool(row["is_toc"]),
        ocr=bool(row["ocr"]),
    )


def filter_sql(filters: Filters) -> tuple[str, list[Any]] | None:
    """A ``SELECT p.id`` statement for the passages allowed by ``filters`` (None: no filter)."""
    if filters.is_empty():
        return None
    where: list[str] = []
    params: list[Any] = []

    def in_list(expr: str, values: Sequence[str]) -> None:
        where.append(f"{expr} IN ({','.join('?' * len(values))})")
        params.extend(values)

    if filters.doc_ids:
        in_list("d.doc_id", filters.doc_ids)
    if filters.kinds:
        in_list("d.kind", filters.kinds)
    if filters.year_min is not None:
        where.append("d.year >= ?")
        params.append(filters.year_min)
    if filters.year_max is not None:
        where.append("d.year <= ?")
        params.append(filters.year_max)
    if filters.countries:
        marks = ",".join("?" * len(filters.countries))
        where.append(
            f"p.id IN (SELECT passage_id FROM passage_countries WHERE country IN ({marks}))"
        )
        params.extend(filters.countries)
    # orgs and instruments are separate constraints: a passage must match one of each given kind
    for ids in (filters.orgs, filters.instruments):
        if ids:
            marks = ",".join("?" * len(ids))
            where.append(f"p.id IN (SELECT passage_id FROM mentions WHERE entity_id IN ({marks}))")
            params.extend(ids)
    sql = "SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_pk WHERE " + " AND ".join(
        where
    )
    return sql, params
