"""HTML extraction with the standard library's ``html.parser``: visible text only.

Block-level elements separate paragraphs; ``h1``-``h6`` give the section path; paragraphs that
read like legal structure ("Члан 12.", "Article 5", "I. ОСНОВНЕ ОДРЕДБЕ") are headings too, and a
short wholly-bold paragraph is a sub-heading (the Serbian gazette titles groups of articles that
way).  ``<table>`` becomes a Table plus a table block; ``<sup>`` numbers and ``#fn`` anchors are
footnote markers, linked to elements whose id names the footnote.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from wbpolicy.errors import ExtractionError
from wbpolicy.models import Extraction, Footnote, PageText
from wbpolicy.text import build_lexicon, find_urls, normalise_ws

from .blocks import BlockBuilder, body_language, first_heading, link, link_urls, marker, plain
from .decode import decode_file, encoding_problem, read_bytes
from .layout import TextLayout
from .lines import LABEL, SENT_END, SUBTITLE_LEVEL, heading_level

SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "head",
        "template",
        "noscript",
        "svg",
        "iframe",
        "object",
        "canvas",
        "select",
        "button",
    ]
)
VOID_TAGS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "aside",
        "main",
        "figure",
        "figcaption",
        "address",
        "br",
        "hr",
        "table",
        "tr",
        "td",
        "th",
        "caption",
        "body",
        "html",
        "form",
        "fieldset",
        "legend",
        "details",
        "summary",
    ]
)
NOTE_TAGS = ("li", "p", "div", "aside")  # elements whose id may name a footnote
FOOTNOTE_ID = re.compile(r"^(?:fn|footnote|note|ftn|endnote)[-_:]?(\w+)$", re.IGNORECASE)
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-]+)", re.IGNORECASE)

log = logging.getLogger(__name__)


@dataclass
class _Item:
    kind: str  # heading | paragraph | list | table | footnote
    text: str = ""
    level: int = 0
    bold: bool = False
    rows: list[list[str]] = field(default_factory=list)
    marker: str = ""


class _Parser(HTMLParser):
    """Visible text as a flat list of items (headings, paragraphs, list items, tables, notes).

    Every callback costs time independent of the nesting depth: the open elements are a stack
    with a count of its hidden entries and of each tag name in it, so that neither "am I inside
    a hidden element" nor "is this end tag open" scans the stack (50,000 nested elements once
    took minutes).
    """

    def __init__(self, layout: TextLayout) -> None:
        super().__init__(convert_charrefs=True)
        self.layout = layout
        self.items: list[_Item] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden)
        self.hidden_open = 0  # hidden entries in the stack
        self.open_tags: Counter[str] = Counter()  # tag names in the stack
        self.buf: list[str] = []
        self.bold_chars = 0
        self.kind = "paragraph"
        self.level = 0
        self.title: str | None = None  # set by close()
        self._title_parts: list[str] = []
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
        return self.hidden_open > 0

    def _push(self, tag: str, hidden: bool) -> None:
        self.stack.append((tag, hidden))
        self.open_tags[tag] += 1
        self.hidden_open += hidden

    def _pop(self) -> str:
        tag, hidden = self.stack.pop()
        self.open_tags[tag] -= 1
        self.hidden_open -= hidden
        return tag

    def _flush(self) -> None:
        text = "".join(self.buf)
        visible = normalise_ws(plain(text))
        if visible:
            if self.note_marker is not None:
                self.items.append(_Item("footnote", normalise_ws(text), marker=self.note_marker))
            else:
                bold = self.block_bold or (
                    self.bold_chars >= self.layout.bold_share * len(visible.replace(" ", ""))
                )
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
        hidden = (
            tag in SKIP_TAGS
            or "hidden" in a
            or a.get("aria-hidden") == "true"
            or bool(HIDDEN_STYLE.search(a.get("style", "")))
        )
        self._push(tag, hidden)
        if self.hidden:
            return
        if tag == "table":
            self._flush()
            self.tables.append([])
            return
        if self.tables:
            self._table_start(tag)
            return
        if tag in BLOCK_TAGS:
            self._block_start(tag, a)
        if tag in ("b", "strong"):
            self.bold_depth += 1
        elif tag == "sup":
            self.sup_depth += 1
            self.sup_text = []
        elif tag == "a":
            self.link = a.get("href") or None
            self.link_text = []

    def _table_start(self, tag: str) -> None:
        if tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            if not self.tables[-1]:
                self.tables[-1].append([])
            self.cell = []

    def _block_start(self, tag: str, a: dict[str, str]) -> None:
        self._flush()
        if re.fullmatch(r"h[1-6]", tag):
            self.kind, self.level = "heading", int(tag[1])
        elif tag == "li":
            self.kind = "list"
        if "bold" in a.get("class", "").lower():
            self.block_bold = True
        m = FOOTNOTE_ID.match(a.get("id", ""))
        if m and tag in NOTE_TAGS:
            self.note_marker = m.group(1)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in VOID_TAGS:
            return
        if self.open_tags[tag] <= 0:
            return  # stray end tag
        was_hidden = self.hidden
        while self.stack:  # each element is popped once: linear over the whole document
            if self._pop() == tag:
                break
        if was_hidden:
            return
        if tag == "table" and self.tables:
            self._table_end()
            return
        if self.tables and tag in ("td", "th") and self.cell is not None:
            text = normalise_ws(plain("".join(self.cell)))
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
            if tag in NOTE_TAGS:
                self.note_marker = None

    def _table_end(self) -> None:
        rows = self.tables.pop()
        if self.tables:  # nested table: its text goes into the enclosing cell
            flat = " ".join(" ".join(r) for r in rows)
            if self.cell is not None:
                self.cell.append(" " + flat)
        else:
            self.items.append(_Item("table", rows=rows))

    def _end_link(self) -> None:
        href, text = self.link, normalise_ws("".join(self.link_text))
        self.link = None
        if href and href.startswith(("http://", "https://")) and text and text != href:
            self._emit(link(href))

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title_parts.append(data)
            return
        if self.hidden:
            return
        if self.link is not None:
            self.link_text.append(data)
        if self.sup_depth:
            name = data.strip()
            in_note_ref = self.link is not None and self.link.startswith("#")
            if re.fullmatch(r"\[?\d{1,4}\]?|[*†‡]", name) and (in_note_ref or name):
                self._emit(marker(name.strip("[]")))
                return
        if self.bold_depth and data.strip():
            self.bold_chars += len(re.sub(r"\s", "", data))
        self._emit(data)

    def close(self) -> None:
        super().close()
        self._flush()
        if self._title_parts:
            self.title = normalise_ws(" ".join(self._title_parts))


def _decode_html(path: Path, data: bytes) -> tuple[str, str, bool]:
    """Decode with the ``<meta charset>`` the page declares; an unknown one is ignored (with a
    warning) and the encoding is detected as for a text file."""
    m = META_CHARSET.search(data[:4096])
    declared = m.group(1).decode("ascii", "replace").lower() if m else None
    if declared is not None:
        try:
            codecs.lookup(declared)
        except LookupError:
            log.warning("%s: unknown declared charset %r; detecting the encoding", path, declared)
            declared = None
    return decode_file(path, data, declared)


def extract_html(path: Path, layout: TextLayout | None = None) -> Extraction:
    """Extract an ``.html``/``.htm``/``.xhtml`` file (one page)."""
    layout = layout or TextLayout()
    path = Path(path)
    data = read_bytes(path)
    text, encoding, fallback = _decode_html(path, data)
    del data  # the bytes are not needed any more; a big page should not be held twice
    problems = [encoding_problem(path, encoding)] if fallback else []
    parser = _Parser(layout)
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:  # html.parser is lenient; anything raised means a broken file
        raise ExtractionError(path, "corrupt", f"cannot parse HTML ({exc})") from exc
    # one text, not its lines: a word never crosses a line end, so the lexicon is the same
    builder = BlockBuilder(str(path), lexicon=build_lexicon([text]))
    _add_footnotes(builder, parser.items)
    _add_items(builder, parser.items, layout)
    blocks, tables, notes = builder.finish()
    if not blocks:
        raise ExtractionError(path, "no-text", "HTML has no visible text")
    page_text = "\n".join(b.text for b in blocks if b.kind != "footnote")
    return Extraction(
        path=str(path),
        format="html",
        title=parser.title or first_heading(blocks),
        pages=(PageText(1, page_text, True),),
        blocks=tuple(blocks),
        footnotes=tuple(notes),
        tables=tuple(tables),
        problems=tuple(problems),
        language=body_language(blocks, layout),
    )


def _add_footnotes(builder: BlockBuilder, items: list[_Item]) -> None:
    """Footnote definitions first, so that markers anywhere can be linked to them."""
    for it in items:
        if it.kind == "footnote":
            note = normalise_ws(plain(re.sub(r"^\s*\[?\d{1,4}\]?[.)]?\s*", "", it.text)))
            note = re.sub(r"\s*[↩⤴]\s*$", "", note)
            urls = tuple(dict.fromkeys(link_urls(it.text) + find_urls(note)))
            builder.footnotes[it.marker] = Footnote(it.marker, note, 1, urls)


def _add_items(builder: BlockBuilder, items: list[_Item], layout: TextLayout) -> None:
    """Headings, paragraphs and tables; legal structure and bold lines become headings too."""
    # legal structure nests below real h1-h6 headings when the page has both
    offset = 6 if any(it.kind == "heading" for it in items) else 0
    for i, it in enumerate(items):
        if it.kind == "footnote":
            continue  # kept in Extraction.footnotes only (see markdown.py)
        if it.kind == "table":
            builder.table(it.rows, 1)
            continue
        visible = normalise_ws(plain(it.text))
        if it.kind == "heading":
            builder.heading(it.text, it.level, 1)
            continue
        hl = heading_level(visible, layout) if it.kind == "paragraph" else None
        if hl is not None and (LABEL.match(visible) or re.match(r"^[IVXLC]{1,6}\.\s", visible)):
            builder.heading(visible, hl[0] + offset, 1)
            continue
        followed_by_text = i + 1 < len(items) and items[i + 1].kind != "footnote"
        if (
            it.kind == "paragraph"
            and it.bold
            and len(visible) <= layout.bold_heading_max_chars
            and not SENT_END.search(visible)
            and followed_by_text
        ):
            builder.heading(visible, SUBTITLE_LEVEL + offset, 1)
            continue
        builder.text(it.kind, [(1, it.text)])
