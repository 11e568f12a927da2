"""Markdown: ``#`` headings for sections, ``<sup>N</sup>`` / ``[^N]`` markers for footnotes.

Also used for ``.txt`` files that are really markdown, like the Council of Europe exports whose
first line is an HTML ``<meta>`` tag.  Footnote definitions (``[^N]: ...``, or ``<sup>N</sup>``
paragraphs after a ``---`` break) go to ``Extraction.footnotes``; pipe and tab tables become
tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wbpolicy.models import Extraction, Footnote, PageText
from wbpolicy.text import build_lexicon, find_urls, normalise_ws

from .blocks import BlockBuilder, finish_text, first_heading, link, link_urls, marker, plain
from .decode import read_text
from .furniture import split_pages
from .layout import TextLayout
from .lines import LABEL, heading_level, number_of

MD_HEADING = re.compile(r"^(#{1,6})[ \t]*(.*?)[ \t#]*$")
MD_BREAK = re.compile(r"^\s{0,3}(?:-{3,}|\*{3,}|_{3,})\s*$")
MD_FOOTDEF = re.compile(r"^\s{0,3}\[\^([^\]\s]+)\]:\s*(.*)$")
MD_SUPDEF = re.compile(r"^\s*<sup>\s*([^<\s]+)\s*</sup>\s*(.*)$", re.IGNORECASE)
MD_LIST = re.compile(r"^\s{0,6}(?:[-*+•]|\d{1,3}[.)])\s+")
MD_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
MD_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
MD_SETEXT = re.compile(r"\s{0,3}(=+|-+)\s*")


def extract_markdown(path: Path, layout: TextLayout | None = None) -> Extraction:
    """Extract a ``.md`` file."""
    layout = layout or TextLayout()
    path = Path(path)
    text, problems = read_text(path)
    return finish_text(path, parse_markdown(path, text, "md", layout), problems, layout)


def looks_like_markdown(text: str, layout: TextLayout) -> bool:
    """Whether a ``.txt`` file uses enough ``#`` headings to be read as markdown."""
    headings = len(re.findall(r"(?m)^#{1,6}[ \t]*\S", text))
    return headings >= layout.markdown_min_headings


# Inline markdown.  Each construct is matched from its first opener only, and one that has no
# closer gives up at the point every later opener would give up too (the rest of its line, the
# next "]"): the same output as the plain patterns (kept beside each below), in linear time,
# where those cost quadratic time on a long paragraph full of unmatched "*", "[" or "<".
_SUP = re.compile(r"<sup>\s*([^<\s]{1,8})\s*</sup>", re.IGNORECASE)
# \[\^([^\]\s]+)\]
_FOOTREF = re.compile(r"\[\^([^\]\s]++)(\]?)")
# !\[([^\]]*)\]\([^)]*\)  (applied only up to the last ")", after which it cannot match)
_IMAGE = re.compile(r"!\[([^\]]*+)(\]\([^)]*+\))?")
# \[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)
_LINK = re.compile(r"\[([^\]]++)(?:\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\))?")
# <((?:https?|ftp)://[^>\s]+|www\.[^>\s]+)>
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]++|www\.[^>\s]++)(>?)")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
# </?[a-zA-Z][^>\n]*>
_TAG = re.compile(r"</?[a-zA-Z][^>\n]*+(>?)")
# `([^`]+)`
_CODE = re.compile(r"`([^`]++)(`?)")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")
# (\*\*|__)(?=\S)(.+?)(?<=\S)\1, (?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*]) and
# (?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_]): openers found by these, closers by _emphasis
_STRONG_OPEN = re.compile(r"(?=(\*\*|__)\S)")
_STAR_OPEN = re.compile(r"(?<![\w*])(?=(\*)\S)")
_UNDER_OPEN = re.compile(r"(?<![\w_])(?=(_)\S)")


def _whole_or_kept(group: int, closer: int) -> Callable[[re.Match[str]], str]:
    """A replacement: ``group`` when the construct closed (group ``closer`` matched), else the
    text as it was."""

    def replace(m: re.Match[str]) -> str:
        return m.group(group) if m.group(closer) else m.group(0)

    return replace


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


def _emphasis(s: str, opener: re.Pattern[str], flank: str | None) -> str:
    """Emphasis delimiters removed, as ``re.sub`` of the plain lazy pattern does it.

    ``opener`` finds the candidate openers (group 1: the delimiter).  The closer is the first
    same delimiter at least one character on, on the same line, after a visible character and
    (when ``flank`` is given: the delimiter character) not followed by a word character or
    ``flank``.  An opener without a closer means no later opener with its delimiter on that line
    has one either: such openers are skipped, not searched again.
    """
    out: list[str] = []
    pos = 0  # the text before pos is done
    dead: dict[str, int] = {}  # delimiter -> end of the line on which its openers fail
    n = len(s)
    for m in opener.finditer(s):
        p = m.start()
        delim = m.group(1)
        if p < pos or p < dead.get(delim, -1):
            continue
        if flank is not None and p > 0 and (_is_word(s[p - 1]) or s[p - 1] == flank):
            continue  # (the opener pattern's own look-behind; kept for clarity)
        body = p + len(delim)
        eol = s.find("\n", body)
        eol = n if eol < 0 else eol
        q = s.find(delim, body + 1, eol)
        while q >= 0:
            after = q + len(delim)
            if not s[q - 1].isspace() and (
                flank is None or after >= n or not (_is_word(s[after]) or s[after] == flank)
            ):
                break
            q = s.find(delim, q + 1, eol)
        if q < 0:
            dead[delim] = eol
            continue
        out.append(s[pos:p])
        out.append(s[body:q])
        pos = q + len(delim)
    if not out:
        return s
    out.append(s[pos:])
    return "".join(out)


def md_inline(s: str) -> str:
    """Render inline markdown to text, leaving sentinels for footnote markers and link URLs."""
    s = _SUP.sub(lambda m: marker(m.group(1)), s)
    s = _FOOTREF.sub(lambda m: marker(m.group(1)) if m.group(2) else m.group(0), s)
    last = s.rfind(")")
    if last >= 0 and "![" in s:
        s = _IMAGE.sub(_whole_or_kept(1, 2), s[: last + 1]) + s[last + 1 :]
    s = _LINK.sub(_link, s)
    s = _AUTOLINK.sub(_whole_or_kept(1, 2), s)
    s = _BR.sub(" ", s)
    s = _TAG.sub(lambda m: "" if m.group(1) else m.group(0), s)
    s = _CODE.sub(_whole_or_kept(1, 2), s)
    s = _emphasis(s, _STRONG_OPEN, None)
    s = _emphasis(s, _STAR_OPEN, "*")
    s = _emphasis(s, _UNDER_OPEN, "_")
    s = _ESCAPE.sub(r"\1", s)
    return s


def _link(m: re.Match[str]) -> str:
    if m.group(2) is None:
        return m.group(0)  # "[" without a link after its "]"
    text, url = m.group(1), m.group(2)
    return text + (link(url) if normalise_ws(text) != url else "")


def _md_table_cells(line: str) -> list[str]:
    line = line.strip()
    line = line.removeprefix("|")
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [md_inline(c.strip()) for c in re.split(r"(?<!\\)\|", line)]


def _is_pipe_row(line: str) -> bool:
    return line.strip().startswith("|") and line.count("|") >= 2


def _is_tab_row(line: str) -> bool:
    return line.count("\t") >= 2 and bool(line.strip())


def parse_markdown(path: Path, text: str, fmt: str, layout: TextLayout) -> Extraction:
    """Blocks, footnotes and tables of markdown ``text``; ``fmt`` is the reported format."""
    # one text, not its lines: a word never crosses a line end, so the lexicon is the same
    builder = BlockBuilder(str(path), lexicon=build_lexicon([text]))
    reader = _MdReader(builder, layout)
    pages: list[PageText] = []
    for number, lines in split_pages(text):
        page_start = len(builder.pending)
        reader.page(number, lines)
        reader.flush()
        page_text = "\n".join(
            plain(t) for t, k, _s, _b in builder.pending[page_start:] if k != "footnote"
        )
        pages.append(PageText(number, page_text, has_text=bool(page_text.strip())))
    blocks, tables, notes = builder.finish()
    title = first_heading(blocks)
    return Extraction(
        str(path), fmt, title, tuple(pages), tuple(blocks), tuple(notes), tuple(tables)
    )


@dataclass
class _MdReader:
    """Markdown line by line; open paragraph, footnote and table wait for :meth:`flush`."""

    builder: BlockBuilder
    layout: TextLayout
    para: list[tuple[int, str]] = field(default_factory=list)
    para_kind: str = "paragraph"
    note: tuple[str, int, list[str]] | None = None  # marker, page, lines
    in_notes: bool = False  # after a thematic break: <sup>N</sup> paragraphs are footnotes
    label_heading: tuple[str, int] | None = None  # "Article 1" waiting for its title heading
    fence: bool = False
    table: list[str] = field(default_factory=list)
    table_page: int = 1

    # --- flushing ----------------------------------------------------------------------------
    def flush(self) -> None:
        if self.para:
            self._flush_para()
        self.para_kind = "paragraph"
        if self.note is not None:
            self._flush_note(*self.note)
            self.note = None
        if self.table:
            self._flush_table()

    def _flush_para(self) -> None:
        if len({p for p, _ in self.para}) == 1:  # links and emphasis may span lines
            joined = md_inline("\n".join(x.strip() for _, x in self.para))
            self.builder.text(self.para_kind, [(self.para[0][0], joined)])
        else:
            self.builder.text(self.para_kind, [(p, md_inline(x)) for p, x in self.para])
        self.para = []
        self.label_heading = None

    def _flush_note(self, name: str, page: int, lines: list[str]) -> None:
        rendered = md_inline(normalise_ws(" ".join(lines)))
        note_text = normalise_ws(plain(rendered))
        urls = tuple(dict.fromkeys(link_urls(rendered) + find_urls(note_text)))
        # footnotes live in Extraction.footnotes only: the chunker makes their passages, and
        # a footnote block would leak note text into body passages
        self.builder.footnotes[name] = Footnote(name, note_text, page, urls)

    def _flush_table(self) -> None:
        rows = self.table
        if all(_is_pipe_row(r) or MD_TABLE_SEP.match(r) for r in rows):
            cells = [_md_table_cells(r) for r in rows if not MD_TABLE_SEP.match(r)]
        else:
            cells = [[md_inline(c) for c in r.split("\t")] for r in rows]
        self.builder.table(cells, self.table_page)
        self.table = []

    # --- lines -------------------------------------------------------------------------------
    def page(self, page: int, lines: list[str]) -> None:
        for i, line in enumerate(lines):
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            if self._verbatim(line, page):
                continue
            if not line.strip():
                # a blank line ends a footnote unless the next line is indented (continued)
                if self.note is None or (nxt is not None and not nxt.startswith("    ")):
                    self.flush()
                continue
            if not self._block_start(line, nxt or "", page):
                self._text(line, page)

    def _verbatim(self, line: str, page: int) -> bool:
        """Code fences and table rows; True when ``line`` was consumed."""
        if self.fence:
            if MD_FENCE.match(line):
                self.fence = False
                self.flush()
            else:
                self.para.append((page, line))
            return True
        if MD_FENCE.match(line):
            self.flush()
            self.fence = True
            return True
        if self.table:
            if _is_pipe_row(line) or MD_TABLE_SEP.match(line) or _is_tab_row(line):
                self.table.append(line)
                return True
            self.flush()
        return False

    def _block_start(self, line: str, nxt: str, page: int) -> bool:
        """Table start, heading, thematic break or footnote definition; True when consumed."""
        if (_is_pipe_row(line) and MD_TABLE_SEP.match(nxt)) or (
            _is_tab_row(line) and _is_tab_row(nxt)
        ):
            self.flush()
            self.table, self.table_page = [line], page
            return True
        m = MD_HEADING.match(line)
        if m and m.group(2):
            self.flush()
            self._heading(md_inline(m.group(2)), len(m.group(1)), page)
            return True
        setext = self.para and self.note is None and self.para_kind == "paragraph"
        if setext and MD_SETEXT.fullmatch(line):  # "Title" underlined with "===" or "---"
            text = " ".join(x for _, x in self.para)
            self.para = []
            self._heading(md_inline(text), 1 if "=" in line else 2, page)
            return True
        if MD_BREAK.match(line):
            self.flush()
            self.in_notes = True
            return True
        fm = MD_FOOTDEF.match(line) or (MD_SUPDEF.match(line) if not self.para else None)
        if fm and (MD_FOOTDEF.match(line) or self.in_notes or not self.para):
            self.flush()
            self.note = (fm.group(1), page, [fm.group(2)])
            return True
        return False

    def _text(self, line: str, page: int) -> None:
        """A line of running text: a footnote's continuation, a list item or paragraph text."""
        if self.note is not None:
            self.note[2].append(line.strip())
            return
        self.in_notes = False
        if line.strip().startswith(">"):
            line = re.sub(r"^\s*>\s?", "", line)
        if MD_LIST.match(line):
            self.flush()
            self.para_kind = "list"
            self.para.append((page, line.strip()))
            return
        self.para.append((page, line))

    def _heading(self, text: str, hashes: int, page: int) -> None:
        builder = self.builder
        plain_text = normalise_ws(plain(text))
        hl = heading_level(plain_text, self.layout)
        if self.label_heading is not None and (hl is None or not LABEL.match(plain_text)):
            # "### Article 1" + "####Definitions": one heading "Article 1 Definitions"
            label, level = self.label_heading
            self.label_heading = None
            if builder.pending and builder.pending[-1][:2] == (label, "heading"):
                builder.sections.stack.pop()
                builder.pending.pop()
                builder.heading(label + " " + plain_text, level, page)
                return
        if hl is not None and LABEL.match(plain_text):
            builder.heading(plain_text, hl[0], page)
            self.label_heading = (plain_text, hl[0]) if hl[1] else None
            return
        self.label_heading = None
        num = number_of(plain_text)
        if num is not None and num[0] > 0:
            # authors' "#" depths are often inconsistent; the section number is not ("4.4" is
            # always below "4")
            hashes = len(num)
        builder.heading(text, hashes, page)
