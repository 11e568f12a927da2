"""Hostile inputs for the reliability tests, and the pre-fix implementations the fast ones must
agree with (so that the linear rewrites are proven to give identical output on normal text)."""

from __future__ import annotations

import random
import re
import textwrap

from wbpolicy.text import join_hyphenated, normalise_ws

# Serbian in both scripts, with the letters that need more than ASCII (č ć ž š đ, ђ ћ љ њ џ)
SERBIAN = (
    "Закон о информационој безбедности уређује мере заштите од безбедносних ризика.\n"
    "Zakon o informacionoj bezbednosti uređuje mere zaštite; član 12. važi od 2016. godine.\n"
    "Љубазни ђаци ћуте, а џиновски њихов чувар шета – Đurđevdan, Ćuprija, Žabljak, Šabac.\n"
)

_WORDS = (
    "policy cyber security national strategy law government incident response team "
    "critical infrastructure protection ministry agency data processing controller"
).split()


def words_text(n_chars: int, seed: int = 1) -> str:
    """Lower-case words separated by single spaces, no punctuation: one "sentence"."""
    rnd = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < n_chars:
        w = rnd.choice(_WORDS)
        out.append(w)
        size += len(w) + 1
    return " ".join(out)[:n_chars].rstrip()


def wrapped(text: str, width: int = 80) -> str:
    """``text`` wrapped at ``width`` columns (a PDF-to-text paragraph)."""
    return "\n".join(textwrap.wrap(text, width))


def nested_spans(depth: int) -> str:
    return "<html><body>" + "<span>word " * depth + "end" + "</span>" * depth + "</body></html>"


def nested_lists(depth: int) -> str:
    return (
        "<html><body>" + "<ul><li>item " * depth + "end" + "</li></ul>" * depth + "</body></html>"
    )


def urls_text(n: int) -> str:
    """``n`` URLs in one paragraph with no sentence end: one 150 KB "sentence"."""
    return "Links: " + " ".join(f"https://example.org/doc/{i}/page.html?q={i}" for i in range(n))


# --- the pre-fix implementations --------------------------------------------------------------

OLD_SENT_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+)")
OLD_TOC_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d+|…+\s*\d+")


def old_join_lines(
    lines: list[tuple[int, str]], lexicon: frozenset[str] = frozenset()
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """``extract.blocks.join_lines`` before it was made linear (quadratic: re-scans the text)."""
    text = ""
    breaks: list[tuple[int, int]] = []
    for page, line in lines:
        line = normalise_ws(line)
        if not line:
            continue
        if not text:
            breaks.append((0, page))
            text = line
            continue
        if re.search(r"\w[-\u00ad]$", text) and re.match(r"\w", line):
            left = re.search(r"\w+$", text[:-1]).group(0)  # type: ignore[union-attr]
            right = re.match(r"\w+", line).group(0)  # type: ignore[union-attr]
            if text[-1] == "\u00ad" or join_hyphenated(left, right, lexicon):
                text = text[:-1] + line
            else:
                text = text + line
            if not breaks or breaks[-1][1] != page:
                breaks.append((len(text) - len(line), page))
            continue
        text += " "
        if not breaks or breaks[-1][1] != page:
            breaks.append((len(text), page))
        text += line
    if not breaks:
        breaks = [(0, lines[0][0] if lines else 1)]
    breaks[0] = (0, breaks[0][1])
    if "\u00ad" in text:
        positions = [i for i, ch in enumerate(text) if ch == "\u00ad"]
        for j, (off, p) in enumerate(breaks):
            breaks[j] = (off - sum(1 for q in positions if q < off), p)
        text = text.replace("\u00ad", "")
    return text, tuple(breaks)


def old_split_sentences(text: str) -> list[tuple[int, int]]:
    """``text.sentences.split_sentences`` before the length cap, the URL bisection and the
    possessive sentence-end pattern."""
    from wbpolicy.text.sentences import _is_abbreviation, _skip_ws, _starts_sentence
    from wbpolicy.text.urls import URL

    spans: list[tuple[int, int]] = []
    n = len(text)
    start = _skip_ws(text, 0)
    protected = [(m.start(), m.end()) for m in URL.finditer(text)]
    for m in OLD_SENT_END.finditer(text):
        end = m.end()
        if end <= start:
            continue
        if any(a < m.start() < b for a, b in protected):
            continue
        nxt = _skip_ws(text, end)
        if nxt >= n:
            break
        if not _starts_sentence(text[nxt]):
            continue
        if text[m.start()] == "." and _is_abbreviation(text, m.start()):
            continue
        spans.append((start, end))
        start = nxt
    end = len(text.rstrip())
    if start < end:
        spans.append((start, end))
    return spans


def old_md_inline(s: str) -> str:
    """``extract.markdown.md_inline`` before it was made linear (plain ``re.sub`` patterns)."""
    from wbpolicy.extract.blocks import link, marker

    s = re.sub(
        r"<sup>\s*([^<\s]{1,8})\s*</sup>", lambda m: marker(m.group(1)), s, flags=re.IGNORECASE
    )
    s = re.sub(r"\[\^([^\]\s]+)\]", lambda m: marker(m.group(1)), s)
    s = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", s)
    s = re.sub(
        r"\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)",
        lambda m: m.group(1) + (link(m.group(2)) if normalise_ws(m.group(1)) != m.group(2) else ""),
        s,
    )
    s = re.sub(r"<((?:https?|ftp)://[^>\s]+|www\.[^>\s]+)>", r"\1", s)
    s = re.sub(r"<br\s*/?>", " ", s, flags=re.IGNORECASE)
    s = re.sub(r"</?[a-zA-Z][^>\n]*>", "", s)
    s = re.sub(r"`([^`]+)`", r"\1", s)
    s = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", s)
    s = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"\1", s)
    s = re.sub(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])", r"\1", s)
    s = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|<>~])", r"\1", s)
    return s


def old_join_wrapped_lines(lines: list[str]) -> str:
    """``text.urls.join_wrapped_lines`` before it looked at the last token only."""
    from wbpolicy.text.urls import _URL_START, _URL_TAIL

    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and _URL_START.search(out) and _URL_TAIL.match(line):
            out += line
        else:
            out = f"{out} {line}" if out else line
    return out
