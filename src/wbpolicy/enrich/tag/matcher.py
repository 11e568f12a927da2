"""The spaCy-free tagger behind :func:`wbpolicy.enrich.tag.query_entities`.

It does what the spaCy pipeline does, with the same rules: the ported tokenizer
(:mod:`.tokenizer`), phrase tables of token tuples in place of the SpanRulers (acronyms on ORTH,
names on LOWER, the lower-case query matcher over aliases and demonyms), the grammar for unseen
names aligned to tokens as ``Doc.char_span(..., alignment_mode="contract")`` aligns it, and the
same resolution.  Spans on an equal extent are ordered as spaCy orders them (by the ids its
string store gives their label and id), so ties resolve the same way.

Building the tables tokenizes every alias; the result is cached in a pickle under
:func:`wbpolicy.fsutil.cache_dir`, keyed by the knowledge digest, the tokenizer snapshot and
this package's code, so a cold process loads it in milliseconds.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

from wbpolicy.enrich.tag.grammar import find_pattern_entities
from wbpolicy.enrich.tag.normalise import normalise_whitespace
from wbpolicy.enrich.tag.patterns import Pattern, gazetteer_patterns, query_patterns
from wbpolicy.enrich.tag.resolve import (
    SOURCE_GAZETTEER,
    SOURCE_PATTERN,
    Cand,
    keep_candidate,
    make_entities,
    resolve,
)
from wbpolicy.enrich.tag.settings import DEFAULT_SETTINGS, TaggerSettings
from wbpolicy.enrich.tag.tokenizer import Tokenizer, TokenizerRules, Tokens
from wbpolicy.fsutil import cache_dir
from wbpolicy.knowledge import get_gazetteer, knowledge
from wbpolicy.knowledge.gazetteer import Gazetteer
from wbpolicy.models import Entity

log = logging.getLogger(__name__)

_CACHE_FORMAT = 1

Match = tuple[int, int, str, str]  # (start char, end char, label, id)


def murmurhash64a(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A, the hash spaCy's string store gives a string (``hash_string``)."""
    mask = (1 << 64) - 1
    m, r = 0xC6A4A7935BD1E995, 47
    h = (seed ^ (len(data) * m)) & mask
    n_blocks = len(data) // 8
    for i in range(n_blocks):
        k = int.from_bytes(data[8 * i : 8 * i + 8], "little")
        k = (k * m) & mask
        k ^= k >> r
        k = (k * m) & mask
        h = ((h ^ k) * m) & mask
    tail = data[8 * n_blocks :]
    if tail:
        h = ((h ^ int.from_bytes(tail, "little")) * m) & mask
    h ^= h >> r
    h = (h * m) & mask
    return h ^ (h >> r)


def _string_key(s: str, symbols: dict[str, int]) -> int:
    """The id spaCy's string store gives ``s``: its symbol id, else its hash."""
    return symbols[s] if s in symbols else murmurhash64a(s.encode("utf-8"))


@dataclass(frozen=True)
class PhraseTable:
    """Token tuples -> the (label, id) of the patterns made of them (a PhraseMatcher)."""

    table: dict[tuple[str, ...], tuple[tuple[str, str], ...]]
    lengths: tuple[int, ...]
    first: frozenset[str]
    lower: bool  # matched on LOWER, else on ORTH

    @classmethod
    def build(
        cls, patterns: Iterable[Pattern], tokenizer: Tokenizer, *, lower: bool
    ) -> PhraseTable:
        table: dict[tuple[str, ...], dict[tuple[str, str], None]] = {}
        for p in patterns:
            toks = tokenizer(p["pattern"])
            key = tuple(toks.lower if lower else toks.orth)
            if key:
                table.setdefault(key, {})[(p["label"], p["id"])] = None
        return cls(
            table={k: tuple(v) for k, v in table.items()},
            lengths=tuple(sorted({len(k) for k in table})),
            first=frozenset(k[0] for k in table),
            lower=lower,
        )

    def find(self, toks: Tokens) -> Iterator[Match]:
        attrs = toks.lower if self.lower else toks.orth
        n = len(attrs)
        for i in range(n):
            if attrs[i] not in self.first:
                continue
            for length in self.lengths:
                if i + length > n:
                    break
                for label, eid in self.table.get(tuple(attrs[i : i + length]), ()):
                    yield *toks.char_offsets(i, i + length), label, eid


@dataclass(frozen=True)
class AliasMatcher:
    """The compiled matcher: tokenizer rules, phrase tables and spaCy's ordering keys."""

    rules: TokenizerRules
    cased: PhraseTable
    names: PhraseTable
    query: PhraseTable
    order: dict[str, int]  # label or id -> the id spaCy's string store gives it
    digest: str = ""

    @classmethod
    def build(cls, gaz: Gazetteer, rules: TokenizerRules, digest: str = "") -> AliasMatcher:
        tok = Tokenizer(rules)
        cs_patterns, ci_patterns = gazetteer_patterns(gaz)
        q_patterns = query_patterns(gaz, rules.stop_words)
        strings = {
            s for p in (*cs_patterns, *ci_patterns, *q_patterns) for s in (p["label"], p["id"])
        }
        return cls(
            rules=rules,
            cased=PhraseTable.build(cs_patterns, tok, lower=False),
            names=PhraseTable.build(ci_patterns, tok, lower=True),
            query=PhraseTable.build(q_patterns, tok, lower=True),
            order={s: _string_key(s, rules.symbols) for s in strings},
            digest=digest,
        )

    @cached_property
    def tokenizer(self) -> Tokenizer:
        return Tokenizer(self.rules)

    def ruler(self, table: PhraseTable, toks: Tokens) -> list[Match]:
        """A SpanRuler's spans: distinct matches, in spaCy's span order."""
        order = self.order
        return sorted(
            set(table.find(toks)), key=lambda s: (s[0], s[1], order[s[2]], 0, order[s[3]])
        )

    def tag(self, text: str, settings: TaggerSettings = DEFAULT_SETTINGS) -> list[Entity]:
        """What :meth:`Tagger.tag` finds in ``text``."""
        norm, offsets = normalise_whitespace(text)
        toks = self.tokenizer(norm)
        doc_text = toks.text
        raw = [
            Cand(s, e, label, eid or None, SOURCE_GAZETTEER)
            for table in (self.cased, self.names)
            for s, e, label, eid in self.ruler(table, toks)
        ]
        for s, e, label in find_pattern_entities(doc_text, settings):
            span = toks.contract(s, e)
            if span is not None:
                raw.append(Cand(span[0], span[1], label, None, SOURCE_PATTERN))
        gaz = get_gazetteer()
        cands = [c for c in raw if keep_candidate(gaz, c, doc_text)]
        spans = []
        for c in resolve(cands, doc_text, settings):
            span = toks.contract(c.start, c.end)
            if span is not None:
                spans.append((span[0], span[1], c.label, c.id, c.source))
        return make_entities(spans, text, offsets)

    def query_spans(self, text: str) -> list[Match]:
        """The lower-case query matcher's spans over the text as typed."""
        return self.ruler(self.query, self.tokenizer(text))


def matcher_digest() -> str:
    h = hashlib.sha256(f"{_CACHE_FORMAT}:{sys.version_info[:2]}:{knowledge().digest}".encode())
    # the tables are built by this package's code from the snapshot: any change rebuilds them
    here = resources.files(__package__)
    for entry in sorted(here.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".py", ".json")):
            h.update(entry.name.encode() + b"\0" + entry.read_bytes() + b"\0")
    return h.hexdigest()[:20]


def _load_cached(path: Path, digest: str) -> AliasMatcher | None:
    try:
        with path.open("rb") as fh:
            obj = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # a broken cache is rebuilt, never trusted
        log.debug("matcher cache %s unreadable; rebuilding", path, exc_info=True)
        return None
    return obj if isinstance(obj, AliasMatcher) and obj.digest == digest else None


def _store_cached(path: Path, matcher: AliasMatcher) -> None:
    from wbpolicy.fsutil import atomic_write

    def write(tmp: Path) -> None:
        tmp.write_bytes(pickle.dumps(matcher, protocol=pickle.HIGHEST_PROTOCOL))

    try:
        atomic_write(path, write)
    except OSError:  # a read-only home is no error: the next process builds again
        log.debug("cannot write matcher cache %s", path, exc_info=True)


@lru_cache(maxsize=1)
def get_matcher() -> AliasMatcher:
    """The matcher for the package's gazetteer, built once per process (and once per change of
    the data or the code on this machine)."""
    digest = matcher_digest()
    path = cache_dir() / f"query-matcher-{digest}.pickle"
    matcher = _load_cached(path, digest)
    if matcher is None:
        matcher = AliasMatcher.build(get_gazetteer(), TokenizerRules.load(), digest)
        _store_cached(path, matcher)
    return matcher
