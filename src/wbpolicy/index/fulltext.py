"""A Tantivy full-text index beside the SQLite store, for collections too large for FTS5.

FTS5 ranks a query by computing BM25 for *every* row that matches it, one row at a time through
SQLite: with a million passages a query word found in half of them costs seconds.  Tantivy (a
Rust engine, like Lucene) scores the same postings in compiled loops, milliseconds.  It does not
prune here: tantivy-py collects the top ``k`` through a multi-collector, which Tantivy's
block-max WAND skips, so a query costs in proportion to its words' postings (measured at 1M: the
top 1 of "security" costs what its top 500 does) and a word in most passages is the expensive
one.  Below ``FullTextSettings.tantivy_threshold`` passages FTS5 is
fast and exact and stays the only engine; at or above it ``Index.rebuild_vectors`` (run by every
ingest, remove and ``index rebuild``) also brings this index up to date, and the lexical search
asks it instead of FTS5 while it is fresh.

SQLite stays the truth.  The index is built from ``passages_fts`` itself (the same text,
section and title FTS5 indexes), tokenised like FTS5's ``unicode61 remove_diacritics 2``
(letters and digits, lower-cased, accents folded), and stamped with the store generation it
reflects.  A stamp that does not match the store (an ingest since, an interrupted sync) makes
the reader fall back to FTS5: never a stale answer.  A sync reads every row's fingerprint and
re-indexes only what changed; a crash mid-sync leaves a stamp saying so, and the next sync
starts afresh.

The queries are the FTS5 expressions :mod:`wbpolicy.search.lexical` builds (quoted strings, a
trailing ``*`` prefix, ``NEAR(...)`` groups, ``OR``); :func:`parse` reads that language and
:class:`FullText` turns it into one flat OR of words, each scored by BM25 in each column and
weighted by ``SearchSettings.bm25_weights``; a prefix is expanded to the index's
``prefix_max_terms`` most frequent words with that prefix.  Phrases and ``NEAR`` groups count by
their words: a nested query with phrases took 45-70 ms at a million passages, the flat one
3-15 ms (docs/SCALING.md has the figures and what the ranking loses).  A phrase's function words
and single letters stay out of the OR: in most passages, they are most of what it would cost.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import shutil
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.fsutil import atomic_write_text

if TYPE_CHECKING:
    import sqlite3
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from wbpolicy.settings import FullTextSettings

log = logging.getLogger(__name__)

DIRNAME = "fulltext.tantivy"
STAMP = "wbpolicy-stamp.json"
IDS = "wbpolicy-rows.npy"
FORMAT = 1
FIELDS = ("text", "section", "title")
ANALYZER = "wbpolicy_unicode61"


def available() -> bool:
    """Whether the ``tantivy`` package can be imported (it is a dependency; a broken install
    falls back to FTS5 everywhere)."""
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return False
    return True


def wanted(passages: int, settings: FullTextSettings) -> bool:
    """Whether an index of ``passages`` should have (and search) the Tantivy index."""
    if settings.engine == "fts5":
        return False
    if settings.engine == "tantivy":
        return True
    if settings.engine != "auto":
        raise ValueError(f"unknown full-text engine {settings.engine!r}")
    return passages >= settings.tantivy_threshold


# -- the query language: what wbpolicy.search.lexical writes -----------------------------------


@dataclass(frozen=True)
class Phrase:
    """A quoted FTS5 string: its text (tokenised later) and whether it ends in ``*``."""

    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Near:
    phrases: tuple[Phrase, ...]
    distance: int


@dataclass(frozen=True)
class Any_:
    """An OR of parts."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class All_:
    """Parts side by side: FTS5's implicit AND."""

    parts: tuple[Node, ...]


Node = Phrase | Near | Any_ | All_


_LEX = re.compile(
    r'\s*(?:(?P<str>"(?:[^"]|"")*")(?P<star>\*)?|(?P<near>NEAR)\s*\(|(?P<p>[(),])'
    r"|(?P<num>\d+)|(?P<or>OR)\b)"
)


class QuerySyntaxError(ValueError):
    pass


def parse(expr: str) -> Any_:
    """Parse an FTS5 expression of the shapes ``search.lexical`` writes."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    expr = expr.strip()
    while pos < len(expr):
        m = _LEX.match(expr, pos)
        if not m or m.end() == pos:
            raise QuerySyntaxError(f"unexpected text at {pos} in {expr!r}")
        pos = m.end()
        if m.group("str"):
            tokens.append(
                ("str*" if m.group("star") else "str", m.group("str")[1:-1].replace('""', '"'))
            )
        elif m.group("near"):
            tokens.append(("near", ""))
        elif m.group("p"):
            tokens.append((m.group("p"), ""))
        elif m.group("num"):
            tokens.append(("num", m.group("num")))
        elif m.group("or"):
            tokens.append(("or", ""))
        else:  # trailing space
            break
    at = 0

    def peek() -> str | None:
        return tokens[at][0] if at < len(tokens) else None

    def take(kind: str) -> str:
        nonlocal at
        if peek() != kind:
            raise QuerySyntaxError(f"expected {kind} in {expr!r}")
        at += 1
        return tokens[at - 1][1]

    def phrase() -> Phrase:
        kind = peek()
        if kind not in ("str", "str*"):
            raise QuerySyntaxError(f"expected a string in {expr!r}")
        return Phrase(take(kind), kind == "str*")

    def term() -> Node:
        kind = peek()
        if kind == "(":
            take("(")
            inner = disjunction()
            take(")")
            return inner
        if kind == "near":
            take("near")
            phrases = [phrase()]
            while peek() in ("str", "str*"):
                phrases.append(phrase())
            distance = 10  # FTS5's default
            if peek() == ",":
                take(",")
                distance = int(take("num"))
            take(")")
            return Near(tuple(phrases), distance)
        return phrase()

    def conjunction() -> Node:
        parts = [term()]
        while peek() in ("str", "str*", "near", "("):
            parts.append(term())
        return parts[0] if len(parts) == 1 else All_(tuple(parts))

    def disjunction() -> Any_:
        parts = [conjunction()]
        while peek() == "or":
            take("or")
            parts.append(conjunction())
        return Any_(tuple(parts))

    out = disjunction()
    if at != len(tokens):
        raise QuerySyntaxError(f"unexpected {tokens[at][0]} in {expr!r}")
    return out


# -- the index ---------------------------------------------------------------------------------


def _analyzer() -> Any:
    import tantivy

    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(64))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def _schema() -> Any:
    import tantivy

    b = tantivy.SchemaBuilder()
    b.add_unsigned_field("pid", stored=False, indexed=True, fast=True)
    for name in FIELDS:
        b.add_text_field(name, stored=False, tokenizer_name=ANALYZER, index_option="position")
    return b.build()


def _open_tantivy(path: Path, create: bool) -> Any:
    import tantivy

    index = tantivy.Index(_schema(), path=str(path), reuse=not create)
    index.register_tokenizer(ANALYZER, _analyzer())
    return index


def _fingerprint(text: str, section: str | None, title: str | None) -> int:
    data = "\x1f".join((text or "", section or "", title or "")).encode("utf-8", "surrogatepass")
    return zlib.crc32(data)


def read_stamp(directory: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((directory / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def path_of(index_dir: Path) -> Path:
    return Path(index_dir) / DIRNAME


class FullText:
    """A fresh Tantivy index, opened for searching."""

    def __init__(self, directory: Path, settings: FullTextSettings) -> None:
        self.directory = directory
        self.settings = settings
        self._index = _open_tantivy(directory, create=False)
        self._searcher = self._index.searcher()
        self._schema = self._index.schema
        self._analyzer = _analyzer()
        self._prefixes: dict[tuple[str, str], list[str]] = {}
        self._function: frozenset[str] | None = None

    @classmethod
    def open_fresh(
        cls, index_dir: Path, generation: int, settings: FullTextSettings
    ) -> FullText | None:
        """The index if it exists and reflects store ``generation``; else None (use FTS5)."""
        directory = path_of(index_dir)
        stamp = read_stamp(directory)
        if not stamp or stamp.get("state") != "ok" or stamp.get("generation") != generation:
            return None
        if not available():
            return None
        try:
            return cls(directory, settings)
        except (OSError, ValueError) as exc:
            log.warning("full-text index %s unusable (%s); using FTS5", directory, exc)
            return None

    def __len__(self) -> int:
        return int(self._searcher.num_docs)

    # -- query translation ------------------------------------------------------------------
    def tokens(self, text: str) -> list[str]:
        return [t for t in self._analyzer.analyze(text) if t]

    def _expand(self, field: str, prefix: str) -> list[str]:
        key = (field, prefix)
        if key not in self._prefixes:
            terms = self._searcher.terms_with_prefix(
                field, prefix, limit=self.settings.prefix_max_terms
            )
            self._prefixes[key] = [t for t, _ in terms]
        return self._prefixes[key]

    def clauses(self, expr: str, weights: Sequence[float]) -> dict[tuple[str, str], float]:
        """The expression's words as (column, term) -> weight: every word of every string and
        ``NEAR`` group, a prefix expanded to the index's most frequent words with it, in each
        column weighted at least ``min_column_weight`` (a term met twice keeps its larger
        weight)."""
        words: list[tuple[str, bool]] = []

        def walk(node: Node) -> None:
            if isinstance(node, Any_ | All_):
                for part in node.parts:
                    walk(part)
                return
            for p in node.phrases if isinstance(node, Near) else (node,):
                toks = self.tokens(p.text)
                words.extend((t, p.prefix and i == len(toks) - 1) for i, t in enumerate(toks))

        walk(parse(expr))
        # a phrase's or a form's function words ("of", "the", "o", "për") and single letters
        # (the "s" of "Kosovo's") are in most passages: without the phrase's order they find
        # nothing, and their postings are most of what a query costs (no pruning here)
        function = self._function_words()
        words = [w for w in words if w[0] not in function and not _single_letter(w[0])] or words
        out: dict[tuple[str, str], float] = {}
        for field, w in zip(FIELDS, weights, strict=True):
            if w <= 0 or w < self.settings.min_column_weight:
                continue
            for token, prefix in dict.fromkeys(words):
                for term in self._expand(field, token) if prefix else (token,):
                    out[(field, term)] = max(out.get((field, term), 0.0), float(w))
        return out

    def _function_words(self) -> frozenset[str]:
        """The function words of English and of every language the glossary knows, as this
        index's analyser writes them."""
        if self._function is None:
            from wbpolicy.knowledge import knowledge
            from wbpolicy.text import STOPWORDS

            lists = [STOPWORDS, *(w for _, w in knowledge().glossary.stopwords)]
            self._function = frozenset(t for words in lists for w in words for t in self.tokens(w))
        return self._function

    def _phrase(self, field: str, p: Phrase) -> Any | None:
        import tantivy

        Q = tantivy.Query
        words = self.tokens(p.text)
        if not words:
            return None
        if len(words) == 1 and not p.prefix:
            return Q.term_query(self._schema, field, words[0])
        if len(words) == 1:
            terms = self._expand(field, words[0])
            return _any([Q.term_query(self._schema, field, t) for t in terms]) if terms else None
        if not p.prefix:
            phrase: list[Any] = list(words)
            return Q.phrase_query(self._schema, field, phrase)
        pattern: list[Any] = [re.escape(w) for w in words[:-1]] + [re.escape(words[-1]) + ".*"]
        return Q.regex_phrase_query(self._schema, field, pattern)

    def _near(self, field: str, n: Near) -> Any | None:
        import tantivy

        Q = tantivy.Query
        words: list[tuple[str, bool]] = []  # (token, prefix) of every word of the group
        for p in n.phrases:
            toks = self.tokens(p.text)
            words += [(t, p.prefix and i == len(toks) - 1) for i, t in enumerate(toks)]
        if len(words) <= 1:
            return self._phrase(field, Phrase(*words[0])) if words else None
        orders = list(
            itertools.islice(itertools.permutations(words), self.settings.near_orders_max + 1)
        )
        if len(orders) > self.settings.near_orders_max:  # too many orders: all words, anywhere
            subs = [self._phrase(field, Phrase(t, pre)) for t, pre in words]
            musts = [(tantivy.Occur.Must, q) for q in subs if q is not None]
            return Q.boolean_query(musts) if len(musts) == len(subs) else None
        return _any(
            [
                Q.regex_phrase_query(
                    self._schema,
                    field,
                    [re.escape(t) + (".*" if pre else "") for t, pre in order],
                    slop=max(0, n.distance),
                )
                for order in orders
            ]
        )

    def _node(self, field: str, node: Node) -> Any | None:
        import tantivy

        if isinstance(node, Phrase):
            return self._phrase(field, node)
        if isinstance(node, Near):
            return self._near(field, node)
        subs = [self._node(field, part) for part in node.parts]
        if isinstance(node, All_):
            musts = [(tantivy.Occur.Must, q) for q in subs if q is not None]
            return tantivy.Query.boolean_query(musts) if len(musts) == len(subs) else None
        subs = [q for q in subs if q is not None]
        return _any(subs) if subs else None

    def exact_query(self, expr: str, weights: Sequence[float]) -> Any | None:
        """The expression as FTS5 reads it: a string is a term or a phrase (its last word a
        prefix when starred), a ``NEAR`` group the sloppy phrase of its words in any order
        (``near_orders_max`` orders at most, else all its words anywhere), in each column,
        scores weighted by column.  What :meth:`count` counts; too slow to rank a million
        passages by (50-80 ms a query even restricted to the top 200 of :meth:`query`, and no
        better a ranking on the corpus)."""
        import tantivy

        tree = parse(expr)
        per_field = []
        for field, w in zip(FIELDS, weights, strict=True):
            if w <= 0:
                continue
            q = self._node(field, tree)
            if q is not None:
                per_field.append(q if w == 1 else tantivy.Query.boost_query(q, float(w)))
        return _any(per_field) if per_field else None

    def query(self, expr: str, weights: Sequence[float]) -> Any | None:
        """One flat OR of term queries, each scored by BM25 in its column times the column's
        weight: the cheapest shape Tantivy scores (no phrase positions read).  Strings and
        ``NEAR`` groups count by their words (a passage holding more of them, and rarer ones,
        ranks higher); the word order and distances FTS5 checks are not (FTS5 answers below
        the threshold)."""
        import tantivy

        Q = tantivy.Query
        terms = []
        for (field, term), w in self.clauses(expr, weights).items():
            q = Q.term_query(self._schema, field, term)
            terms.append(q if w == 1.0 else Q.boost_query(q, w))
        if not terms:
            return None
        return _any(terms)

    # -- search -----------------------------------------------------------------------------
    def search(
        self, expr: str, k: int, allowed: set[int] | None, weights: Sequence[float]
    ) -> list[tuple[int, float]]:
        """BM25 over (text, section, title), best first, only ``allowed`` passages if given;
        raises :class:`QuerySyntaxError` for an expression it cannot read."""
        if k <= 0 or (allowed is not None and not allowed):
            return []
        q = self.query(expr, weights)
        if q is None:
            return []
        return self._top(q, k, allowed)

    def search_all(
        self, exprs: Sequence[str], k: int, allowed: set[int] | None, weights: Sequence[float]
    ) -> list[list[tuple[int, float]] | None]:
        """:meth:`search` of each expression, side by side: Tantivy searches outside the GIL,
        so the readings of one query (its own words, synonyms, content words, translations) run
        on the machine's cores at once.  None for an expression it cannot read."""

        def one(expr: str) -> list[tuple[int, float]] | None:
            try:
                return self.search(expr, k, allowed, weights)
            except (QuerySyntaxError, ValueError) as exc:
                log.warning("full-text query %r not read by Tantivy (%s)", expr, exc)
                return None

        if len(exprs) <= 1:
            return [one(e) for e in exprs]
        futures = [_pool().submit(one, e) for e in exprs[1:]]
        first = one(exprs[0])  # this thread searches too
        return [first, *(f.result() for f in futures)]

    def _within(self, q: Any, allowed: set[int]) -> Any:
        """``q`` restricted to ``allowed`` passages (a term set of their ids)."""
        import tantivy

        sel = tantivy.Query.term_set_query(self._schema, "pid", sorted(allowed))
        return tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, q),
                (tantivy.Occur.Must, tantivy.Query.const_score_query(sel, 0.0)),
            ]
        )

    def _top(self, q: Any, k: int, allowed: set[int] | None) -> list[tuple[int, float]]:
        """The best ``k`` of ``allowed``: a filter of up to ``filter_terms_max`` passages goes
        into the query, a broader one is applied to an ever wider top list."""
        if allowed is not None and len(allowed) <= self.settings.filter_terms_max:
            q, allowed = self._within(q, allowed), None
        total = len(self)
        fetch = k if allowed is None else min(total, max(k, 2 * k * total // max(1, len(allowed))))
        while True:
            res = self._searcher.search(q, limit=max(1, fetch), count=False)
            addrs = [a for _, a in res.hits]
            pids = self._searcher.fast_field_values("pid", addrs) if addrs else []
            hits = [(int(p), float(s)) for (s, _), p in zip(res.hits, pids, strict=True)]
            if allowed is not None:
                hits = [h for h in hits if h[0] in allowed]
            if allowed is None or len(hits) >= k or len(res.hits) < fetch or fetch >= total:
                hits.sort(key=lambda h: (-h[1], h[0]))
                return hits[:k]
            fetch = min(total, fetch * 4)

    def count(self, expr: str) -> int:
        """How many passages match the expression (as FTS5 reads it)."""
        q = self.exact_query(expr, (1.0, 1.0, 1.0))
        if q is None:
            return 0
        return int(self._searcher.search(q, limit=1, count=True).count)


def _single_letter(token: str) -> bool:
    return len(token) == 1 and not token.isdigit()


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    from concurrent.futures import ThreadPoolExecutor

    workers = max(1, min(4, (os.cpu_count() or 2) - 1))
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wbpolicy-fulltext")


def _any(queries: list[Any]) -> Any:
    import tantivy

    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


# -- building and syncing ----------------------------------------------------------------------


def _rows(conn: sqlite3.Connection, batch: int) -> Iterable[list[tuple[int, str, str, str]]]:
    cur = conn.execute("SELECT rowid, text, section, title FROM passages_fts ORDER BY rowid")
    while True:
        rows = cur.fetchmany(batch)
        if not rows:
            return
        yield [(int(r[0]), r[1] or "", r[2] or "", r[3] or "") for r in rows]


def sync(
    conn: sqlite3.Connection,
    index_dir: Path,
    generation: int,
    settings: FullTextSettings,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Bring the Tantivy index of ``index_dir`` up to date with the store's ``passages_fts``:
    re-index the rows whose fingerprint changed, drop the rows gone, add the new; a missing,
    foreign or half-synced index is built afresh (in a new directory, swapped in when done).
    Returns counts of what it did."""
    import numpy as np

    directory = path_of(index_dir)
    stamp = read_stamp(directory)
    if stamp and stamp.get("state") == "ok" and stamp.get("generation") == generation:
        return {"added": 0, "removed": 0, "rows": int(stamp.get("passages", 0))}
    old_ids: np.ndarray | None = None
    old_fp: np.ndarray | None = None
    if stamp and stamp.get("state") == "ok" and (directory / IDS).is_file():
        try:
            saved = np.load(directory / IDS)
            old_ids, old_fp = saved[0].astype(np.int64), saved[1].astype(np.uint32)
        except (OSError, ValueError, IndexError):
            old_ids = None
    ids: list[int] = []
    fps: list[int] = []
    changed: list[tuple[int, str, str, str]] = []
    if old_ids is not None and old_fp is not None:
        known = dict(zip(old_ids.tolist(), old_fp.tolist(), strict=True))
        for rows in _rows(conn, settings.batch):
            for row in rows:
                fp = _fingerprint(row[1], row[2], row[3])
                ids.append(row[0])
                fps.append(fp)
                if known.get(row[0]) != fp:
                    changed.append(row)
        gone = set(known) - set(ids)
        if len(changed) + len(gone) > settings.rebuild_fraction * max(1, len(ids)):
            old_ids = None  # most of it changed: a fresh build is faster
        else:
            _write_stamp(directory, {"state": "syncing"})
            index = _open_tantivy(directory, create=False)
            writer = _writer(index, settings)
            stale = sorted(gone | {r[0] for r in changed if r[0] in known})
            if stale:
                import tantivy

                writer.delete_documents_by_query(
                    tantivy.Query.term_set_query(index.schema, "pid", stale)
                )
            _add(writer, changed)
            writer.commit()
            writer.wait_merging_threads()
            _finish(directory, generation, ids, fps)
            return {"added": len(changed), "removed": len(gone), "rows": len(ids)}
    # a fresh build beside the old one, swapped in when committed
    fresh = directory.with_name(f"{DIRNAME}.new-{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    index = _open_tantivy(fresh, create=True)
    writer = _writer(index, settings)
    ids, fps = [], []
    for n, rows in enumerate(_rows(conn, settings.batch)):
        _add(writer, rows)
        ids += [r[0] for r in rows]
        fps += [_fingerprint(r[1], r[2], r[3]) for r in rows]
        if progress and n % 50 == 49:
            progress(f"full-text index: {len(ids):,} passages")
    writer.commit()
    writer.wait_merging_threads()
    _finish(fresh, generation, ids, fps)
    old = directory.with_name(f"{DIRNAME}.old-{os.getpid()}")
    if directory.exists():
        directory.rename(old)
    fresh.rename(directory)
    shutil.rmtree(old, ignore_errors=True)
    return {"added": len(ids), "removed": 0, "rows": len(ids)}


def _writer(index: Any, settings: FullTextSettings) -> Any:
    return index.writer(
        heap_size=settings.writer_heap_mb * 1_000_000, num_threads=settings.writer_threads
    )


def _add(writer: Any, rows: Iterable[tuple[int, str, str, str]]) -> None:
    import tantivy

    for pid, text, section, title in rows:
        doc = tantivy.Document()
        doc.add_unsigned("pid", pid)
        doc.add_text("text", text)
        doc.add_text("section", section)
        doc.add_text("title", title)
        writer.add_document(doc)


def _finish(directory: Path, generation: int, ids: list[int], fps: list[int]) -> None:
    import numpy as np

    from wbpolicy.fsutil import atomic_write

    table = np.array([ids, fps], dtype=np.int64)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.save(fh, table)

    atomic_write(directory / IDS, write)
    _write_stamp(directory, {"state": "ok", "generation": generation, "passages": len(ids)})


def _write_stamp(directory: Path, data: dict[str, Any]) -> None:
    atomic_write_text(directory / STAMP, json.dumps({"format": FORMAT, **data}) + "\n")


def remove(index_dir: Path) -> None:
    """Drop the Tantivy index (the collection shrank below the threshold, or FTS5 was chosen)."""
    shutil.rmtree(path_of(index_dir), ignore_errors=True)
