"""HTML extraction with the standard library's ``html.parser``: visible text only.

Block-level elements separate paragraphs; ``h1``-``h6`` give the section path; paragraphs that
read like legal structure ("Члан 12.", "Article 5", "I. ОСНОВНЕ ОДРЕДБЕ") are headings too, and a
short wholly-bold paragraph is a sub-heading (the Serbian gazette titles groups of articles that
way).  ``<table>`` becomes a Table plus a table block; ``<sup>`` numbers and ``#fn`` anchors are
footnote markers, linked to elements whose id names the footnote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from ..errors import ExtractionError
from ..models import Extraction, Footnote, PageText
from wbpolicy.text import build_lexicon, find_urls, normalise_ws
from .text import (
    LABEL,
    LINK_CLOSE,
    LINK_MID,
    MARK_CLOSE,
    MARK_OPEN,
    SENT_END,
    SUBTITLE_LEVEL,
    BlockBuilder,
    _plain,
    decode_bytes,
    encoding_problem,
    heading_level,
    read_bytes,
)

SKIP_TAGS = frozenset({"script", "style", "head", "template", "noscript", "svg", "iframe",
                       "object", "canvas", "select", "button"})
VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                       "meta", "param", "source", "track", "wbr"})
BLOCK_TAGS = frozenset({
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "section", "article", "header", "footer", "nav", "aside", "main",
    "figure", "figcaption", "address", "br", "hr", "table", "tr", "td", "th", "caption",
    "body", "html", "form", "fieldset", "legend", "details", "summary",
})
FOOTNOTE_ID = re.compile(r"^(?:fn|footnote|note|ftn|endnote)[-_:]?(\w+)$", re.IGNORECASE)
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-]+)", re.IGNORECASE)


@dataclass
class _Item:
    kind: str  # heading | paragraph | list | table | footnote
    text: str = ""
    level: int = 0
    bold: bool = False
    rows: list[list[str]] = field(default_factory=list)
    marker: str = ""


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[_Item] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden)
        self.buf: list[str] = []
        self.bold_chars = 0
        self.kind = "paragraph"
        self.level = 0
        self.title: str | None = None
        self._in_title = False
        self.sup_depth = 0
        self.sup_text: list[str] = []
        self.link: str | None = None
        self.link_text: list[str] = []
        self.bold_depth = 0
        self.block_bold = False
        self.note_marker: str | None = None
        self.tables: list[list[list[str]]] = []  # open tables (nested ones flatten into cells)
        self.cell: list[str] | None = None

    # --- helpers ---------------------------------------------------------------------------
    @property
    def hidden(self) -> bool:
        return any(h for _, h in self.stack)

    def _flush(self) -> None:
        text = "".join(self.buf)
        plain = normalise_ws(_plain(text))
        if plain:
            if self.note_marker is not None:
                self.items.append(_Item("footnote", normalise_ws(text), marker=self.note_marker))
            else:
                bold = self.block_bold or (self.bold_chars >= 0.9 * len(plain.replace(" ", "")))
                self.items.append(_Item(self.kind, normalise_ws(text), self.level, bold))
        self.buf = []
        self.bold_chars = 0
        self.kind, self.level, self.block_bold = "paragraph", 0, False

    def _emit(self, s: str) -> None:
        if self.cell is not None:
            self.cell.append(s)
        else:
            self.buf.append(s)

    # --- HTMLParser callbacks ----------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "title":
            self._in_title = True
        if tag in VOID_TAGS:
            if tag in ("br", "hr") and not self.hidden and self.cell is None:
                self._flush()
            elif tag == "br" and self.cell is not None:
                self.cell.append(" ")
            return
        hidden = (tag in SKIP_TAGS or "hidden" in a or a.get("aria-hidden") == "true"
                  or bool(HIDDEN_STYLE.search(a.get("style", ""))))
        self.stack.append((tag, hidden))
        if self.hidden:
            return
        if tag == "table":
            self._flush()
            self.tables.append([])
            return
        if self.tables:
            if tag == "tr":
                self.tables[-1].append([])
            elif tag in ("td", "th"):
                if not self.tables[-1]:
                    self.tables[-1].append([])
                self.cell = []
            return
        if tag in BLOCK_TAGS:
            self._flush()
            if re.fullmatch(r"h[1-6]", tag):
                self.kind, self.level = "heading", int(tag[1])
            elif tag == "li":
                self.kind = "list"
            if "bold" in a.get("class", "").lower():
                self.block_bold = True
            m = FOOTNOTE_ID.match(a.get("id", ""))
            if m and tag in ("li", "p", "div", "aside"):
                self.note_marker = m.group(1)
        if tag in ("b", "strong"):
            self.bold_depth += 1
        elif tag == "sup":
            self.sup_depth += 1
            self.sup_text = []
        elif tag == "a":
            self.link = a.get("href") or None
            self.link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in VOID_TAGS:
            return
        if not any(t == tag for t, _ in self.stack):
            return  # stray end tag
        was_hidden = self.hidden
        while self.stack:
            t, _h = self.stack.pop()
            if t == tag:
                break
        if was_hidden:
            return
        if tag == "table" and self.tables:
            rows = self.tables.pop()
            if self.tables:  # nested table: its text goes into the enclosing cell
                flat = " ".join(" ".join(r) for r in rows)
                if self.cell is not None:
                    self.cell.append(" " + flat)
            else:
                self.items.append(_Item("table", rows=rows))
            return
        if self.tables and tag in ("td", "th") and self.cell is not None:
            text = normalise_ws(_plain("".join(self.cell)))
            self.tables[-1][-1].append(text)
            self.cell = None
            return
        if tag in ("b", "strong"):
            self.bold_depth = max(0, self.bold_depth - 1)
        elif tag == "sup":
            self.sup_depth = max(0, self.sup_depth - 1)
        elif tag == "a":
            self._end_link()
        if tag in BLOCK_TAGS and not self.tables:
            self._flush()
            if tag in ("li", "p", "div", "aside"):
                self.note_marker = None

    def _end_link(self) -> None:
        href, text = self.link, normalise_ws("".join(self.link_text))
        self.link = None
        if href and href.startswith(("http://", "https://")) and text and text != href:
            self._emit(LINK_MID + href + LINK_CLOSE)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = normalise_ws((self.title or "") + " " + data)
            return
        if self.hidden:
            return
        if self.link is not None:
            self.link_text.append(data)
        if self.sup_depth:
            marker = data.strip()
            in_note_ref = self.link is not None and self.link.startswith("#")
            if re.fullmatch(r"\[?\d{1,4}\]?|[*†‡]", marker) and (in_note_ref or marker):
                self._emit(MARK_OPEN + marker.strip("[]") + MARK_CLOSE)
                return
        if self.bold_depth and data.strip():
            self.bold_chars += len(re.sub(r"\s", "", data))
        self._emit(data)

    def close(self) -> None:
        super().close()
        self._flush()


def _decode_html(data: bytes) -> tuple[str, str, bool]:
    m = META_CHARSET.search(data[:4096])
    declared = m.group(1).decode("ascii", "replace").lower() if m else None
    return decode_bytes(data, declared)


def extract_html(path: Path) -> Extraction:
    path = Path(path)
    data = read_bytes(path)
    text, encoding, fallback = _decode_html(data)
    problems = [encoding_problem(path, encoding)] if fallback else []
    parser = _Parser()
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:  # html.parser is lenient; anything raised means a broken file
        raise ExtractionError(path, "corrupt", f"cannot parse HTML ({exc})") from exc
    builder = BlockBuilder(str(path), lexicon=build_lexicon(text.splitlines()))
    items = parser.items
    # footnote definitions first, so that markers anywhere can be linked to them
    for it in items:
        if it.kind == "footnote":
            note = normalise_ws(_plain(re.sub(r"^\s*\[?\d{1,4}\]?[.)]?\s*", "", it.text)))
            note = re.sub(r"\s*[↩⤴]\s*$", "", note)
            urls = tuple(dict.fromkeys(
                re.findall(f"{LINK_MID}([^{LINK_CLOSE}]*){LINK_CLOSE}", it.text)
                + find_urls(note)))
            builder.footnotes[it.marker] = Footnote(it.marker, note, 1, urls)
    # legal structure nests below real h1-h6 headings when the page has both
    offset = 6 if _has_h(items) else 0
    for i, it in enumerate(items):
        if it.kind == "footnote":
            continue  # kept in Extraction.footnotes only (see text.py)
        if it.kind == "table":
            builder.table(it.rows, 1)
            continue
        plain = normalise_ws(_plain(it.text))
        if it.kind == "heading":
            builder.heading(it.text, it.level, 1)
            continue
        hl = heading_level(plain) if it.kind == "paragraph" else None
        if hl is not None and (LABEL.match(plain) or re.match(r"^[IVXLC]{1,6}\.\s", plain)):
            builder.heading(plain, hl[0] + offset, 1)
            continue
        if it.kind == "paragraph" and it.bold and len(plain) <= 120 \
                and not SENT_END.search(plain) and _followed_by_text(items, i):
            builder.heading(plain, SUBTITLE_LEVEL + offset, 1)
            continue
        builder.text(it.kind, [(1, it.text)])
    blocks, tables, notes = builder.finish()
    if not blocks:
        raise ExtractionError(path, "no-text", "HTML has no visible text")
    title = parser.title or next((b.text for b in blocks if b.kind == "heading"), None)
    page_text = "\n".join(b.text for b in blocks if b.kind != "footnote")
    from .language import guess_language

    body = " ".join(b.text for b in blocks if b.kind != "heading")[:20000]
    return Extraction(
        path=str(path), format="html", title=title, pages=(PageText(1, page_text, True),),
        blocks=tuple(blocks), footnotes=tuple(notes), tables=tuple(tables),
        problems=tuple(problems), language=guess_language(body),
    )


def _has_h(items: list[_Item]) -> bool:
    """Whether the page has h1-h6 headings (then legal headings nest below them)."""
    return any(it.kind == "heading" for it in items)


def _followed_by_text(items: list[_Item], i: int) -> bool:
    return i + 1 < len(items) and items[i + 1].kind != "footnote"
