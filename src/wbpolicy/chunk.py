"""Cut an :class:`Extraction` into retrieval passages.

Rules (issue 2):

* a passage never crosses a section boundary, a heading, or a table;
* a passage never cuts a sentence (sentences come from :func:`wbpolicy.text.split_sentences`);
* consecutive sentences of the body blocks of one section are packed greedily up to ``max_tokens``
  word pieces; a single sentence longer than that becomes a passage of its own, verbatim (the
  embedding model then only sees its first ~254 word pieces, the stored text stays whole);
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
from wbpolicy.text import split_sentences

BLOCK_SEP = "\n\n"
BODY_KINDS = frozenset({"paragraph", "list", "footnote", "text"})
# 2: passages keep their page breaks and a table-of-contents flag
CHUNKER_VERSION = 2
# a dot leader ("Introduction ........ 5") twice in a passage: a table of contents
_TOC_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d+|…+\s*\d+")

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
) -> list[Passage]:
    """Return the passages of ``extraction`` in document order (footnote passages last)."""
    blocks = extraction.blocks
    starts = block_offsets(blocks)
    text = document_text(extraction)
    runs = _runs(blocks)

    spans: list[tuple[str, list[_Unit]]] = []  # (kind, units) in document order
    for kind, idxs in runs:
        if kind == "table":
            for i in idxs:
                units = _row_units(blocks[i], i, starts[i], count_tokens)
                spans.extend(("table", g) for g in _pack(units, max_tokens, min_tokens))
        else:
            units = [
                u for i in idxs for u in _sentence_units(blocks[i], i, starts[i], count_tokens)
            ]
            spans.extend(("body", g) for g in _pack(units, max_tokens, min_tokens))

    cites = _absolute_citations(blocks, starts)
    passages: list[Passage] = []
    for kind, units in spans:
        a, b = units[0].start, units[-1].end
        first = blocks[units[0].block]
        passages.append(
            Passage(
                text=text[a:b],
                kind=kind,
                section=first.section,
                pages=_pages(blocks, starts, units[0].block, units[-1].block, a, b),
                char_start=a,
                char_end=b,
                citations=(),
                ordinal=len(passages),
                page_breaks=_page_breaks(blocks, starts, units[0].block, units[-1].block, a, b),
                is_toc=looks_like_toc(text[a:b]),
            )
        )
    passages = _attach_citations(passages, spans, cites)
    passages.extend(_footnote_passages(extraction, cites, starts, len(passages)))
    return passages


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


def _sentence_units(block: Block, bi: int, base: int, count: CountTokens) -> list[_Unit]:
    return [
        _Unit(bi, base + s, base + e, count(block.text[s:e]))
        for s, e in split_sentences(block.text)
        if block.text[s:e].strip()
    ]


def _row_units(block: Block, bi: int, base: int, count: CountTokens) -> list[_Unit]:
    """Table rows are the lines of a table block's text; a row is never split."""
    units: list[_Unit] = []
    pos = 0
    for line in block.text.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            s = pos + lead
            units.append(_Unit(bi, base + s, base + s + len(stripped), count(stripped)))
        pos += len(line) + 1
    return units


def _pack(units: list[_Unit], max_tokens: int, min_tokens: int) -> list[list[_Unit]]:
    """Greedy packing of consecutive units; word pieces of the parts add up to those of the whole
    because BERT pre-tokenisation splits on white space, so no re-tokenisation is needed."""
    groups: list[list[_Unit]] = []
    cur: list[_Unit] = []
    size = 0
    for u in units:
        if cur and size + u.tokens > max_tokens:
            groups.append(cur)
            cur, size = [], 0
        cur.append(u)
        size += u.tokens
    if cur:
        groups.append(cur)
    if len(groups) >= 2:
        _rebalance_tail(groups, max_tokens, min_tokens)
    return groups


def _rebalance_tail(groups: list[list[_Unit]], max_tokens: int, min_tokens: int) -> None:
    prev, last = groups[-2], groups[-1]

    def size(g: list[_Unit]) -> int:
        return sum(u.tokens for u in g)

    while (
        size(last) < min_tokens
        and len(prev) > 1
        and size(last) + prev[-1].tokens <= max_tokens
        and size(prev) - prev[-1].tokens >= size(last) + prev[-1].tokens
    ):
        last.insert(0, prev.pop())


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
    for fn in extraction.footnotes:
        if not fn.text.strip():
            continue
        marker = _marker_for(fn, cites)
        if marker is not None:
            section, off = blocks[marker.block].section, marker.offset
        else:
            section, off = _section_on_page(blocks, fn.page), 0
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


def _marker_for(fn: Footnote, cites: list[_AbsCitation]) -> _AbsCitation | None:
    same = [ac for ac in cites if ac.citation.marker == fn.marker]
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
