"""Chunking: passages follow the structure and slice the document text exactly."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from wbpolicy.chunk import block_offsets, chunk, document_text
from wbpolicy.models import Block, Citation, Extraction, Footnote, PageText
from wbpolicy.text import split_sentences


def words(text: str) -> int:
    return len(re.findall(r"\w+|[^\w\s]", text))


def para(text: str, section: tuple[str, ...], breaks=((0, 1),), citations=()) -> Block:
    return Block(text, "paragraph", section, tuple(breaks), tuple(citations))


def heading(text: str, section: tuple[str, ...], page: int = 1) -> Block:
    return Block(text, "heading", section, ((0, page),))


def extraction(blocks, footnotes=(), pages=2) -> Extraction:
    return Extraction(
        path="x.txt",
        format="txt",
        title="T",
        pages=tuple(PageText(i, "") for i in range(1, pages + 1)),
        blocks=tuple(blocks),
        footnotes=tuple(footnotes),
    )


S1 = ("1 Intro",)
S2 = ("2 Law", "2.1 Kosovo*")


def test_sections_headings_and_packing():
    ex = extraction(
        [
            heading("1 Intro", S1),
            para("Alpha one two. Beta three four.", S1),
            para("Gamma five six.", S1),
            heading("2.1 Kosovo*", S2),
            para("Delta seven. Epsilon eight nine ten.", S2),
        ]
    )
    ps = chunk(ex, words, max_tokens=10, min_tokens=1)
    text = document_text(ex)
    assert [(p.text, p.section, p.kind) for p in ps] == [
        ("Alpha one two. Beta three four.", S1, "body"),
        ("Gamma five six.", S1, "body"),
        ("Delta seven. Epsilon eight nine ten.", S2, "body"),
    ]
    for p in ps:
        assert text[p.char_start : p.char_end] == p.text
    assert [p.ordinal for p in ps] == [0, 1, 2]
    # with room, consecutive paragraphs of one section share a passage (joined by the blank line)
    ps = chunk(ex, words, max_tokens=100, min_tokens=1)
    assert ps[0].text == "Alpha one two. Beta three four.\n\nGamma five six."
    assert len(ps) == 2


def test_long_sentence_is_its_own_untruncated_passage():
    long = "Word " * 50 + "end."
    ex = extraction([para("Short one. " + long + " Short two.", S1)])
    ps = chunk(ex, words, max_tokens=10, min_tokens=1)
    assert [p.text for p in ps] == ["Short one.", long.strip(), "Short two."]


def test_small_tail_takes_sentences_from_predecessor():
    a, b, c = "Aa bb cc dd ee ff.", "Gg hh ii jj kk ll.", "Mm nn oo pp qq rr."
    ex = extraction([para(f"{a} {b} {c} Tail.", S1)])
    # greedy packing gives [a b c] [Tail.]; the 2-piece tail borrows c from its predecessor
    ps = chunk(ex, words, max_tokens=21, min_tokens=5)
    assert [p.text for p in ps] == [f"{a} {b}", f"{c} Tail."]
    ps = chunk(ex, words, max_tokens=21, min_tokens=0)
    assert [p.text for p in ps] == [f"{a} {b} {c}", "Tail."]


def test_pages_and_citations():
    body = "First sentence on page one. Second runs over the break into page two."
    brk = body.index("into")
    cit = Citation("7", "Note seven http://x.org", "http://x.org", 2, offset=len(body))
    ex = extraction(
        [para("Intro sentence here.", S1), para(body, S1, ((0, 1), (brk, 2)), [cit])],
        footnotes=[Footnote("7", "Note seven http://x.org", 2, ("http://x.org",))],
    )
    ps = chunk(ex, words, max_tokens=9, min_tokens=1)
    body_ps = [p for p in ps if p.kind == "body"]
    assert [(p.text, p.pages) for p in body_ps] == [
        ("Intro sentence here.", (1,)),
        ("First sentence on page one.", (1,)),
        ("Second runs over the break into page two.", (1, 2)),
    ]
    last = body_ps[-1]
    assert [(c.marker, c.offset) for c in last.citations] == [("7", len(last.text))]
    assert not body_ps[0].citations and not body_ps[1].citations
    (fn,) = [p for p in ps if p.kind == "footnote"]
    assert fn.text == "Note seven http://x.org"
    assert fn.pages == (2,) and fn.section == S1
    assert [(c.marker, c.url, c.offset) for c in fn.citations] == [("7", "http://x.org", 0)]
    assert fn.char_start == fn.char_end == document_text(ex).index(body) + len(body)


def test_table_rows_never_split():
    rows = "Country | CERT | Strategy\nAlbania | yes | yes\nKosovo | no | yes\nSerbia | yes | no"
    ex = extraction(
        [
            para("Before.", S1),
            Block(rows, "table", S1, ((0, 2),)),
            para("After.", S1),
        ]
    )
    ps = chunk(ex, words, max_tokens=12, min_tokens=1)
    assert [(p.kind, p.text) for p in ps] == [
        ("body", "Before."),
        ("table", "Country | CERT | Strategy\nAlbania | yes | yes"),
        ("table", "Kosovo | no | yes\nSerbia | yes | no"),
        ("body", "After."),
    ]
    assert ps[1].pages == (2,)
    text = document_text(ex)
    assert all(text[p.char_start : p.char_end] == p.text for p in ps)


# -- properties -------------------------------------------------------------------------------

_word = st.sampled_from(["policy", "Kosovo", "CERT", "law", "no.", "2016", "the", "cyber", "e.g."])


@st.composite
def sentences(draw):
    ws = draw(st.lists(_word, min_size=1, max_size=30))
    first = draw(st.sampled_from(["The", "A", "Serbia", "National"]))
    return " ".join([first, *ws]) + draw(st.sampled_from([".", "!", "?"]))


@st.composite
def extractions(draw):
    blocks = []
    n_sections = draw(st.integers(1, 4))
    for s in range(n_sections):
        section = (f"{s + 1} Section",)
        if draw(st.booleans()):
            blocks.append(heading(f"{s + 1} Section", section))
        for _ in range(draw(st.integers(1, 4))):
            sents = draw(st.lists(sentences(), min_size=1, max_size=6))
            blocks.append(para(" ".join(sents), section))
    return extraction(blocks)


@settings(max_examples=150, deadline=None)
@given(ex=extractions(), max_tokens=st.integers(5, 80), min_tokens=st.integers(0, 30))
def test_passage_properties(ex, max_tokens, min_tokens):
    ps = chunk(ex, words, max_tokens=max_tokens, min_tokens=min_tokens)
    text = document_text(ex)
    starts = block_offsets(ex.blocks)
    assert all(p.text.strip() for p in ps)
    for p in ps:
        assert text[p.char_start : p.char_end] == p.text
        covered = {
            b.section
            for b, at in zip(ex.blocks, starts, strict=True)
            if at < p.char_end and p.char_start < at + len(b.text)
        }
        assert covered == {p.section}
        assert not any(
            b.kind == "heading" and p.char_start <= at < p.char_end
            for b, at in zip(ex.blocks, starts, strict=True)
        )
        if words(p.text) > max_tokens:  # only a single over-long sentence may exceed the limit
            assert len(split_sentences(p.text)) == 1
    # every body sentence appears exactly once, in order
    expected = [
        b.text[s:e] for b in ex.blocks if b.kind != "heading" for s, e in split_sentences(b.text)
    ]
    got = [
        piece[s:e] for p in ps for piece in p.text.split("\n\n") for s, e in split_sentences(piece)
    ]
    assert got == expected
