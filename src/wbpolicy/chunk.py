"""Cut an :class:`Extraction` into retrieval passages.

Rules (issue 2):

* a passage never crosses a section boundary, a heading, or a table;
* a passage never cuts a sentence (sentences come from :func:`wbpolicy.text.split_sentences`);
* consecutive sentences of the body blocks of one section are packed greedily up to ``max_tokens``
  word pieces; a single sentence longer than that becomes a passage of its own, verbatim (the
  embedding model then only sees its first ~254 word pieces, the stored text stays whole);
* no body or table passage is longer than ``max_sentence_chars`` characters (default
  :data:`~wbpolicy.text.sentences.MAX_SENTENCE_CHARS`, above any real sentence): the sentence
  splitter cuts a longer "sentence" (text without punctuation or white space) at white space,
  packing stops there, and a table row that long is cut the same way;
* a trailing passage shorter than ``min_tokens`` takes sentences from its predecessor, so sections
  do not end in crumbs;
* table blocks become ``kind="table"`` passages, split between rows (text lines) when too long;
* every footnote also becomes a ``kind="footnote"`` passage so footnote text is searchable.

The *document text* is every block's text joined with ``"\\n\\n"`` (headings included).
``char_start``/``char_end`` of body and table passages slice that text to exactly the passage text.
Footnote texts are not part of the document text: a footnote passage has the zero-length span
``(o, o)`` where ``o`` is the document offset of its first marker (0 when no marker was found).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from wbpolicy.models import Block, Citation, Extraction, Footnote, Passage
from wbpolicy.text.sentences import MAX_SENTENCE_CHARS, cap_span, split_sentences

BLOCK_SEP = "\n\n"
BODY_KINDS = frozenset({"paragraph", "list", "footnote", "text"})
# 2: passages keep their page breaks and a table-of-contents flag
CHUNKER_VERSION = 2
# a dot leader ("Introduction ........ 5") twice in a passage: a table of contents.  A leader is
# matched only from its first dot (the look-behinds follow it), and possessively: a long run of
# dots without a page number after it is one failed attempt, not one per dot (quadratic: minutes
# for 1 MB of dots).  As many matches as the plain ``(?:\.\s?){4,}\s*\d+|…+\s*\d+``.
_TOC_LEADER = re.compile(r"\.(?<!\.\.)(?<!\.\s\.)\s?(?:\.\s?){3,}+\s*\d+|…(?<!……)…*+\s*\d+")

CountTokens = Callable[[str], int]


@dataclass(frozen=True)
class _Unit:
    """One sentence (or table row) with its absolute span in the document text."""

    block: int
    start: int  # absolute offsets into the document text
    end: int
    tokens: int


def document_text(extraction: Extraction) -> str:
    """The text passage offsets refer to: block texts joined by a blank line."""
    return BLOCK_SEP.join(b.text for b in extraction.blocks)


def block_offsets(blocks: Iterable[Block]) -> list[int]:
    """Start offset of each block in the document text."""
    starts: list[int] = []
    pos = 0
    for b in blocks:
        starts.append(pos)
        pos += len(b.text) + len(BLOCK_SEP)
    return starts


def chunk(
    extraction: Extraction,
    count_tokens: CountTokens,
    max_tokens: int = 200,
    min_tokens: int = 24,
    max_sentence_chars: int = MAX_SENTENCE_CHARS,
) -> list[Passage]:
    """Return the passages of ``extraction`` in document order (footnote passages last).

    Body and table passages are at most ``max_sentence_chars`` characters long.
    """
    max_chars = max_sentence_chars
    blocks = extraction.blocks
    starts = block_offsets(blocks)
    runs = _runs(blocks)

    spans: list[tuple[str, list[_Unit]]] = []  # (kind, units) in document order
    for kind, idxs in runs:
        if kind == "table":
            for i in idxs:
                units = _row_units(blocks[i], i, starts[i], count_tokens, max_chars)
                spans.extend(("table", g) for g in _pack(units, max_tokens, min_tokens, max_chars))
        else:
            units = [
                u
                for i in idxs
                for u in _sentence_units(blocks[i], i, starts[i], count_tokens, max_chars)
            ]
            spans.extend(("body", g) for g in _pack(units, max_tokens, min_tokens, max_chars))

    cites = _absolute_citations(blocks, starts)
    passages: list[Passage] = []
    for kind, units in spans:
        a, b = units[0].start, units[-1].end
        first = blocks[units[0].block]
        text = _span_text(blocks, starts, units[0].block, units[-1].block, a, b)
        passages.append(
            Passage(
                text=text,
                kind=kind,
                section=first.section,
                pages=_pages(blocks, starts, units[0].block, units[-1].block, a, b),
                char_start=a,
                char_end=b,
                citations=(),
                ordinal=len(passages),
                page_breaks=_page_breaks(blocks, starts, units[0].block, units[-1].block, a, b),
                is_toc=looks_like_toc(text),
            )
        )
    passages = _attach_citations(passages, spans, cites)
    passages.extend(_footnote_passages(extraction, cites, starts, len(passages)))
    return passages


def _span_text(
    blocks: tuple[Block, ...], starts: list[int], b0: int, b1: int, a: int, b: int
) -> str:
    """``document_text(extraction)[a:b]`` for a span over blocks ``b0..b1``, without joining
    the whole document (a passage that is a whole block is that block's very string)."""
    if b0 == b1:
        return blocks[b0].text[a - starts[b0] : b - starts[b0]]
    pieces = [blocks[b0].text[a - starts[b0] :]]
    pieces.extend(blocks[i].text for i in range(b0 + 1, b1))
    pieces.append(blocks[b1].text[: b - starts[b1]])
    return BLOCK_SEP.join(pieces)


def _runs(blocks: tuple[Block, ...]) -> list[tuple[str, list[int]]]:
    """Group block indices into runs that passages may span: consecutive body blocks of one
    section.  Headings end a run (they are not passages); each table block is its own run."""
    runs: list[tuple[str, list[int]]] = []
    current: list[int] = []
    section: tuple[str, ...] | None = None

    def flush() -> None:
        nonlocal current
        if current:
            runs.append(("body", current))
        current = []

    for i, b in enumerate(blocks):
        if b.kind == "heading":
            flush()
            section = None
        elif b.kind == "table":
            flush()
            runs.append(("table", [i]))
            section = None
        else:
            if section is not None and b.section != section:
                flush()
            section = b.section
            current.append(i)
    flush()
    return runs


def _sentence_units(
    block: Block, bi: int, base: int, count: CountTokens, max_chars: int
) -> list[_Unit]:
    text = block.text
    return [
        _Unit(bi, base + s, base + e, count(text[s:e]))
        for s, e in split_sentences(text, max_chars)
        if text[s:e].strip()
    ]


def _row_units(block: Block, bi: int, base: int, count: CountTokens, max_chars: int) -> list[_Unit]:
    """Table rows are the lines of a table block's text; a row is never split, unless it is
    longer than ``max_chars`` (then it is cut like an over-long sentence)."""
    units: list[_Unit] = []
    pos = 0
    for line in block.text.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            s = pos + lead
            if len(stripped) <= max_chars:
                units.append(_Unit(bi, base + s, base + s + len(stripped), count(stripped)))
            else:
                for a, b in cap_span(block.text, s, s + len(stripped), max_chars):
                    units.append(_Unit(bi, base + a, base + b, count(block.text[a:b])))
        pos += len(line) + 1
    return units


def _pack(
    units: list[_Unit], max_tokens: int, min_tokens: int, max_chars: int = MAX_SENTENCE_CHARS
) -> list[list[_Unit]]:
    """Greedy packing of consecutive units; word pieces of the parts add up to those of the whole
    because BERT pre-tokenisation splits on white space, so no re-tokenisation is needed.  A
    group also ends before its span would pass ``max_chars`` characters (units that count no
    word pieces must not pile up without bound)."""
    groups: list[list[_Unit]] = []
    cur: list[_Unit] = []
    size = 0
    for u in units:
        if cur and (size + u.tokens > max_tokens or u.end - cur[0].start > max_chars):
            groups.append(cur)
            cur, size = [], 0
        cur.append(u)
        size += u.tokens
    if cur:
        groups.append(cur)
    if len(groups) >= 2:
        _rebalance_tail(groups, max_tokens, min_tokens, max_chars)
    return groups


def _rebalance_tail(
    groups: list[list[_Unit]], max_tokens: int, min_tokens: int, max_chars: int
) -> None:
    """Move sentences from the end of the last-but-one group to the last while the last is
    shorter than ``min_tokens`` (and the move keeps both within bounds).  Running sums: linear
    in the number of units."""
    prev, last = groups[-2], groups[-1]
    size_prev = sum(u.tokens for u in prev)
    size_last = sum(u.tokens for u in last)
    moved: list[_Unit] = []
    end = last[-1].end
    while (
        size_last < min_tokens
        and len(prev) > 1
        and size_last + prev[-1].tokens <= max_tokens
        and size_prev - prev[-1].tokens >= size_last + prev[-1].tokens
        and end - prev[-1].start <= max_chars
    ):
        u = prev.pop()
        moved.append(u)
        size_prev -= u.tokens
        size_last += u.tokens
    if moved:
        last[:0] = moved[::-1]


def _pages(
    blocks: tuple[Block, ...], starts: list[int], b0: int, b1: int, a: int, b: int
) -> tuple[int, ...]:
    """Pages the document span ``[a, b)`` touches (blocks ``b0..b1``)."""
    pages: dict[int, None] = {}
    for bi in range(b0, b1 + 1):
        blk = blocks[bi]
        lo = max(a - starts[bi], 0)
        hi = min(b - starts[bi], len(blk.text))
        if hi <= lo and blk.text:
            continue
        pages[blk.page_at(lo)] = None
        for off, p in blk.page_breaks:
            if lo < off < hi:
                pages[p] = None
    return tuple(pages)


def _page_breaks(
    blocks: tuple[Block, ...], starts: list[int], b0: int, b1: int, a: int, b: int
) -> tuple[tuple[int, int], ...]:
    """``(offset, page)`` pairs relative to the passage text ``[a, b)``: the text from offset on
    is on page; the first pair is ``(0, page of the first character)``."""
    marks = sorted(
        (starts[bi] + off, p) for bi in range(b0, b1 + 1) for off, p in blocks[bi].page_breaks
    )
    first = blocks[b0].page_at(max(a - starts[b0], 0))
    out = [(0, first)]
    for off, p in marks:
        rel = off - a
        if 0 < rel < b - a and p != out[-1][1]:
            out.append((rel, p))
    return tuple(out)


def looks_like_toc(text: str) -> bool:
    """Tables of contents match every heading's words and answer nothing."""
    return len(_TOC_LEADER.findall(text)) >= 2


@dataclass(frozen=True)
class _AbsCitation:
    block: int
    offset: int  # absolute document offset of the marker
    citation: Citation


def _absolute_citations(blocks: tuple[Block, ...], starts: list[int]) -> list[_AbsCitation]:
    return [
        _AbsCitation(bi, starts[bi] + c.offset, c)
        for bi, b in enumerate(blocks)
        for c in b.citations
    ]


def _attach_citations(
    passages: list[Passage], spans: list[tuple[str, list[_Unit]]], cites: list[_AbsCitation]
) -> list[Passage]:
    """Give each marker to the passage containing it; a marker that sits in white space between
    two passages of its block goes to the preceding one (it closes that passage's last sentence)."""
    by_block: dict[int, list[int]] = {}
    for pi, (_, units) in enumerate(spans):
        for bi in dict.fromkeys(u.block for u in units):
            by_block.setdefault(bi, []).append(pi)
    found: dict[int, list[Citation]] = {}
    for ac in cites:
        cands = by_block.get(ac.block)
        if not cands:
            continue  # marker in a heading: only its footnote passage carries it
        cand_starts = [passages[pi].char_start for pi in cands]
        k = bisect_right(cand_starts, ac.offset) - 1
        pi = cands[max(k, 0)]
        p = passages[pi]
        rel = min(max(ac.offset - p.char_start, 0), len(p.text))
        found.setdefault(pi, []).append(_with_offset(ac.citation, rel))
    out = list(passages)
    for pi, cs in found.items():
        out[pi] = _replace(out[pi], citations=tuple(sorted(cs, key=lambda c: c.offset)))
    return out


def _footnote_passages(
    extraction: Extraction, cites: list[_AbsCitation], starts: list[int], first_ordinal: int
) -> list[Passage]:
    blocks = extraction.blocks
    out: list[Passage] = []
    by_marker: dict[str, list[_AbsCitation]] = {}  # (not a scan of every marker per footnote)
    for ac in cites:
        by_marker.setdefault(ac.citation.marker, []).append(ac)
    page_sections: dict[int, tuple[str, ...]] = {}
    for fn in extraction.footnotes:
        if not fn.text.strip():
            continue
        marker = _marker_for(fn, by_marker.get(fn.marker, []))
        if marker is not None:
            section, off = blocks[marker.block].section, marker.offset
        else:
            if fn.page not in page_sections:
                page_sections[fn.page] = _section_on_page(blocks, fn.page)
            section, off = page_sections[fn.page], 0
        out.append(
            Passage(
                text=fn.text,
                kind="footnote",
                section=section,
                pages=(fn.page,),
                char_start=off,
                char_end=off,
                page_breaks=((0, fn.page),),
                citations=(
                    Citation(
                        marker=fn.marker,
                        text=fn.text,
                        url=fn.urls[0] if fn.urls else None,
                        page=fn.page,
                        offset=0,
                        urls=fn.urls,
                    ),
                ),
                ordinal=first_ordinal + len(out),
            )
        )
    return out


def _marker_for(fn: Footnote, same: list[_AbsCitation]) -> _AbsCitation | None:
    """The marker in the text that calls footnote ``fn``; ``same`` are the markers named
    ``fn.marker``, in document order."""
    for ac in same:  # prefer the marker linked to this very note (markers may restart per chapter)
        if ac.citation.page == fn.page and ac.citation.text == fn.text:
            return ac
    for ac in same:
        if ac.citation.text == fn.text:
            return ac
    return same[0] if len(same) == 1 else None


def _section_on_page(blocks: tuple[Block, ...], page: int) -> tuple[str, ...]:
    section: tuple[str, ...] = ()
    for b in blocks:
        if b.page_breaks and b.page_breaks[0][1] > page:
            break
        if page in b.pages or (b.page_breaks and b.page_breaks[0][1] <= page):
            section = b.section
    return section


def _with_offset(c: Citation, offset: int) -> Citation:
    return Citation(
        marker=c.marker, text=c.text, url=c.url, page=c.page, offset=offset, urls=c.urls
    )


def _replace(p: Passage, **kw: object) -> Passage:
    from dataclasses import replace

    return replace(p, **kw)  # type: ignore[arg-type]
