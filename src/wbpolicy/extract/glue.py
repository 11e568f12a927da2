"""Words and headings run together by a PDF-to-text tool that lost the spaces between chunks.

Some converters join the text chunks of a page without the space (or line break) between them:
"Executive summaryStrengthening the national ...", "theNational Cyber", "Macedonia.The",
"STRATEGY2018".  Only a document that shows the fault throughout is repaired, and only where the
document itself proves the split:

- the document is *glued*: at least ``glue_min_share`` of its words (and ``glue_min_joins`` in
  all) are a lower-case letter run straight into a capitalised word, both halves being words the
  document also uses on their own ("summaryStrengthening": "summary", "Strengthening");
- in a glued document such a join is split, and so are a sentence mark run into the next
  sentence ("Macedonia.The"), a word run into a year ("STRATEGY2018") and an upper-case word
  that occurs only once and splits into exactly one pair of the document's words
  ("MACEDONIANATIONAL"); lower-case joins ("thetopic") are left alone: no evidence in the text
  tells "the topic" from "whereas";
- a line that starts with one of the document's contents entries run into the next text
  ("Cyber trends, challenges and threatsIncreased number ...") is cut after the entry, which
  becomes a line (a heading) of its own, when the entries so cut follow the contents' order.

Everything else is left verbatim: a clean document is never touched.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter

from .layout import TextLayout
from .lines import FRONT_MATTER, TOC_LEADER

PageLines = list[tuple[int, list[str]]]

_WORD = re.compile(r"[^\W\d_]+")
_EDGE_PUNCT = ".,;:!?()[]\"'“”‘’«»"
# a sentence mark run into the next sentence: "Macedonia.The" (not "e.g.", "U.S.", a URL)
_MARK_GLUE = re.compile(r"(?<=[^\W\d_]{2})([.;:!?,])(?=[^\W\d_]{3})")
# a word run into a year: "STRATEGY2018"
_YEAR_GLUE = re.compile(r"(?<=[^\W\d_]{3})(?=(?:19|20)\d\d\b)")
_LEADER_SPLIT = re.compile(r"(?:\.{4,}|…{2,})\s*\d{0,3}")


def repair_glued(page_lines: PageLines, layout: TextLayout) -> tuple[PageLines, frozenset[str]]:
    """The pages with glued words split, and the lines cut off as headings (empty when the
    document is not glued: then ``page_lines`` is returned as it is)."""
    vocab: Counter[str] = Counter()
    tokens = 0
    for _, lines in page_lines:
        for line in lines:
            for tok in line.split():
                tokens += 1
                w = tok.strip(_EDGE_PUNCT)
                if _WORD.fullmatch(w):
                    vocab[w.casefold()] += 1
    joins = 0
    for _, lines in page_lines:
        for line in lines:
            joins += sum(1 for tok in line.split() if _camel_parts(tok, vocab) is not None)
    if joins < layout.glue_min_joins or joins < layout.glue_min_share * tokens:
        return page_lines, frozenset()
    titles = _contents_titles(page_lines)
    cut = _heading_cuts(page_lines, titles, layout.heading_max_chars)
    headings: set[str] = set()
    out: PageLines = []
    for pi, (number, lines) in enumerate(page_lines):
        new: list[str] = []
        for li, line in enumerate(lines):
            for head in cut.get((pi, li), ()):
                new += ["", _split_words(head, vocab), ""]
                headings.add(new[-2])
                line = line[len(head) :]
            new.append(_split_words(line, vocab))
        out.append((number, new))
    return out, frozenset(headings)


def _camel_parts(token: str, vocab: Counter[str]) -> list[str] | None:
    """The words of a glued token ("summaryStrengthening"), when the document uses each on its
    own; else None."""
    w = token.strip(_EDGE_PUNCT)
    if not _WORD.fullmatch(w):
        return None
    # a capitalised word run straight on from a lower-case letter: "summaryStrengthening"
    cuts = [
        i
        for i in range(1, len(w) - 1)
        if w[i - 1].islower() and w[i].isupper() and w[i + 1].islower()
    ]
    if not cuts:
        return None
    parts = [w[a:b] for a, b in zip([0, *cuts], [*cuts, len(w)], strict=True)]
    if len(parts) < 2 or any(len(p) < 2 or not vocab[p.casefold()] for p in parts):
        return None
    return parts


def _split_words(line: str, vocab: Counter[str]) -> str:
    out = []
    for tok in line.split(" "):
        parts = _camel_parts(tok, vocab)
        if parts is not None:
            start = tok.index(parts[0])
            tok = tok[:start] + " ".join(parts) + tok[start + sum(len(p) for p in parts) :]
        elif not re.search(r"/|@|www|http", tok, re.IGNORECASE):
            tok = _MARK_GLUE.sub(_mark_space, tok)
        tok = _YEAR_GLUE.sub(" ", tok) if _YEAR_GLUE.search(tok) else tok
        out.append(_split_caps(tok, vocab))
    return " ".join(out)


def _mark_space(m: re.Match[str]) -> str:
    after = m.string[m.end() : m.end() + 2]
    return m.group(1) + " " if after[0].isupper() and after[1].islower() else m.group(1)


def _split_caps(token: str, vocab: Counter[str]) -> str:
    """ "MACEDONIANATIONAL" -> "MACEDONIA NATIONAL": an upper-case word found only here that
    splits into exactly one pair of words the document uses (each of 4 letters at least)."""
    w = token.strip(_EDGE_PUNCT)
    if len(w) < 8 or not w.isupper() or not _WORD.fullmatch(w) or vocab[w.casefold()] > 1:
        return token
    key = w.casefold()
    pairs = [i for i in range(4, len(w) - 3) if vocab[key[:i]] > 1 and vocab[key[i:]] > 1]
    if len(pairs) != 1:
        return token
    start = token.index(w)
    i = start + pairs[0]
    return token[:i] + " " + token[i:]


def _key(s: str) -> str:
    return re.sub(r"[\W_]", "", s.casefold())


def _contents_titles(page_lines: PageLines) -> dict[str, int]:
    """The contents entries (key -> order): the text between dot leaders and page numbers."""
    titles: dict[str, int] = {}
    for _, lines in page_lines:
        for line in lines:
            if not TOC_LEADER.search(line) and not _LEADER_SPLIT.search(line):
                continue
            for seg in _LEADER_SPLIT.split(line):
                k = _key(seg)
                if _WORD.search(seg) and k and k not in titles:
                    titles[k] = len(titles)
    return titles


def _heading_cuts(
    page_lines: PageLines, titles: dict[str, int], max_chars: int
) -> dict[tuple[int, int], list[str]]:
    """Where a line starts with contents entries run into its text: (page, line) -> the
    entries, in order.  Entries found out of the contents' order (a title quoted in a summary
    before its chapter) are not cut: the longest run in contents order is kept."""
    front = {_key(t) for t in FRONT_MATTER}
    found: list[tuple[tuple[int, int], str, int | None]] = []
    for pi, (_, lines) in enumerate(page_lines):
        for li, line in enumerate(lines):
            rest = line
            while True:
                head = _leading_title(rest, titles, front, max_chars)
                if head is None:
                    break
                found.append(((pi, li), head, titles.get(_key(head))))
                rest = rest[len(head) :]
    keep = _increasing([o for _, _, o in found if o is not None])
    cuts: dict[tuple[int, int], list[str]] = {}
    n = 0
    for where, head, order in found:
        if order is not None:
            n += 1
            if n - 1 not in keep:
                continue
        cuts.setdefault(where, []).append(head)
    return cuts


def _leading_title(
    line: str, titles: dict[str, int], front: set[str], max_chars: int
) -> str | None:
    """The contents entry (or front-matter title) ``line`` starts with, run straight into a
    capitalised word ("IntroductionThe past years"), else None."""
    for i in range(1, len(line)):
        if not (line[i].isupper() and not line[i - 1].isspace()):
            continue
        head = line[:i]
        if head[-1].isupper():
            continue  # inside an acronym ("ICT")
        k = _key(head)
        if k in titles or k in front:
            return head
        if len(head) > max_chars:
            break
    return None


def _increasing(orders: list[int]) -> set[int]:
    """Indices of a longest strictly increasing subsequence of ``orders``."""
    tails: list[int] = []  # last value of the best run of each length
    tail_at: list[int] = []  # ... and its index
    prev = [-1] * len(orders)
    for i, o in enumerate(orders):
        j = bisect_left(tails, o)
        if j == len(tails):
            tails.append(o)
            tail_at.append(i)
        else:
            tails[j], tail_at[j] = o, i
        prev[i] = tail_at[j - 1] if j else -1
    out: set[int] = set()
    i = tail_at[-1] if tail_at else -1
    while i >= 0:
        out.add(i)
        i = prev[i]
    return out
