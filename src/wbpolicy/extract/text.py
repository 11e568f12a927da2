"""Plain-text and markdown extraction.

Plain text in the corpus is mostly what some PDF-to-text tool made of a PDF: CRLF (even CR CR LF)
line ends, form feeds or ``---- Page N ----`` lines between pages, running headers and page
numbers on every page, lines wrapped mid-sentence, blank lines between every line (PDFMiner),
dotted tables of contents.  This module undoes that layout while keeping the words verbatim:
block text differs from the source only by whitespace normalisation and line-break joins (plus
the removal of soft hyphens / line-end hyphenation, letter-spacing of headings and doubled
"overprint" characters, which are rendering artefacts, not words).

Markdown (and ``.txt`` files that are really markdown, like the Council of Europe exports whose
first line is an HTML ``<meta>`` tag) uses ``#`` headings for sections and ``<sup>N</sup>`` /
``[^N]`` markers for footnotes.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ExtractionError
from ..models import Block, Citation, Extraction, Footnote, PageText, Problem, Table
from wbpolicy.text import build_lexicon, find_urls, join_hyphenated, normalise_ws

# ---------------------------------------------------------------------------------------------
# reading and decoding
# ---------------------------------------------------------------------------------------------


def read_bytes(path: Path) -> bytes:
    """File content; a missing/unreadable file or one with no visible text is an ExtractionError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ExtractionError(path, "unreadable", "file not found") from exc
    except IsADirectoryError as exc:
        raise ExtractionError(path, "unreadable", "is a directory, not a file") from exc
    except OSError as exc:
        raise ExtractionError(path, "unreadable", f"cannot read file ({exc.strerror})") from exc
    if not data.strip():
        raise ExtractionError(path, "empty", "file is empty" if not data else "file has only "
                              "white space")
    return data


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str, bool]:
    """Decode ``data``: BOM first, then strict UTF-8, then ``declared``, then cp1252.

    Returns ``(text, encoding, fallback_used)``; ``fallback_used`` means the bytes were not UTF-8.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", False
    if data.startswith(codecs.BOM_UTF16_LE):
        return data[2:].decode("utf-16-le", errors="replace"), "utf-16-le", False
    if data.startswith(codecs.BOM_UTF16_BE):
        return data[2:].decode("utf-16-be", errors="replace"), "utf-16-be", False
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError:
        pass
    if declared and codecs.lookup(declared).name not in ("utf-8",):
        try:
            return data.decode(declared), codecs.lookup(declared).name, True
        except (UnicodeDecodeError, LookupError):
            pass
    # cp1252 leaves five bytes undefined; anything is better than failing the whole file
    return data.decode("cp1252", errors="replace"), "cp1252", True


def encoding_problem(path: Path, encoding: str) -> Problem:
    return Problem(str(path), "encoding", f"not valid UTF-8; decoded as {encoding}")


def normalise_newlines(text: str) -> str:
    # "\r\r\n" (a CRLF file converted twice) is one line end, not a line plus a blank line
    return re.sub(r"\r+\n|\r", "\n", text)


# ---------------------------------------------------------------------------------------------
# pages, running headers/footers, page numbers
# ---------------------------------------------------------------------------------------------

PAGE_MARKER = re.compile(r"^\s*-{2,}\s*Page\s*(\d+)\s*-{2,}\s*$", re.IGNORECASE)
PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*)?(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s*(?:/|of)\s*\d{1,4})?(?:\s*[-–—])?$",
    re.IGNORECASE,
)
# "Titel brochure hier invullen | 1", "2  |  National Cyber Security Strategy"
PIPE_PAGE_HEADER = re.compile(r"^(?:\d{1,3}\s*\|\s*\S.{0,100}|\S.{0,100}?\s*\|\s*\d{1,3})$")
BLANK_PAGE_NOTE = re.compile(
    r"^[\[(]?\s*(?:this|the)\s+page\s+(?:is\s+)?(?:intentionally\s+)?(?:left\s+)?"
    r"(?:intentionally\s+)?(?:left\s+)?blank\.?\s*[\])]?$",
    re.IGNORECASE,
)
LEADING_TAG_LINE = re.compile(r"^\s*<[a-zA-Z!][^>]*>\s*$")


def split_pages(text: str) -> list[tuple[int, list[str]]]:
    """Split at form feeds and ``---- Page N ----`` lines (the marker line itself is dropped)."""
    pages: list[tuple[int, list[str]]] = []
    number, lines = 1, []
    segments = text.split("\f")
    for i, segment in enumerate(segments):
        if i > 0:
            pages.append((number, lines))
            number, lines = number + 1, []
        for line in segment.split("\n"):
            m = PAGE_MARKER.match(line)
            if m:
                if any(x.strip() for x in lines):
                    pages.append((number, lines))
                number, lines = int(m.group(1)), []
                continue
            lines.append(line)
    if any(x.strip() for x in lines) or not pages:
        pages.append((number, lines))
    # pages must increase: a marker that repeats or goes back is renumbered after its predecessor
    fixed: list[tuple[int, list[str]]] = []
    for n, ls in pages:
        if fixed and n <= fixed[-1][0]:
            n = fixed[-1][0] + 1
        fixed.append((n, ls))
    return fixed


def _header_key(line: str) -> str:
    """Digit-masked line without edge separators; "" for lines that cannot be running headers."""
    line = normalise_ws(line)
    if re.search(r"\w[.!?;:,]$", line):
        return ""  # running headers do not end sentences
    masked = re.sub(r"\d+", "#", line)
    return re.sub(r"^[\s#|•·.\-–—]+|[\s#|•·.\-–—]+$", "", masked).casefold()


def _edge_indices(lines: list[str | None], n: int = 2) -> list[int]:
    idx = [i for i, x in enumerate(lines) if x is not None and x.strip()]
    return sorted(set(idx[:n] + idx[-n:]))


def remove_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Drop running headers/footers and page-number lines; removed lines become ``""``."""
    work: list[list[str | None]] = [list(p) for p in pages]
    for ls in work:
        for i, x in enumerate(ls):
            if x is not None and BLANK_PAGE_NOTE.match(x.strip()):
                ls[i] = None
    with_text = sum(1 for ls in work if any(x and x.strip() for x in ls))
    if with_text >= 2:
        for _round in range(2):
            counts: Counter[str] = Counter()
            for ls in work:
                keys = {_header_key(ls[i]) for i in _edge_indices(ls)}  # type: ignore[arg-type]
                counts.update(k for k in keys if k)
            repeated = {k for k, c in counts.items() if c >= 3 and c >= 0.3 * with_text}
            changed = False
            for ls in work:
                for i in _edge_indices(ls):
                    s = normalise_ws(ls[i] or "")
                    if (_header_key(s) in repeated or PAGE_NUMBER.match(s)
                            or PIPE_PAGE_HEADER.match(s)):
                        ls[i] = None
                        changed = True
            if not changed:
                break
    else:
        work = [_remove_unpaged_furniture(ls) for ls in work]
    return [["" if x is None else x for x in ls] for ls in work]


def _remove_unpaged_furniture(lines: list[str | None]) -> list[str | None]:
    """A document without page breaks: running headers still repeat ("... Strategy 2020 | 17").

    A line is furniture when its digit-masked form recurs at least 4 times, has at least 3 words,
    carries its number (page) at one end and does not end a sentence; bare numbers standing
    between blank lines are page numbers.
    """
    norm = [normalise_ws(x or "") for x in lines]
    counts = Counter(_header_key(s) for s in norm if s)
    out = list(lines)
    for i, s in enumerate(norm):
        if not s:
            continue
        masked = re.sub(r"\d+", "#", s)
        words = re.findall(r"[^\W\d_]{2,}", s)
        if (counts[_header_key(s)] >= 4 and len(words) >= 3 and len(s) <= 110
                and re.search(r"^#|#$", masked.strip(" |")) and not re.search(r"[.!?:;,]$", s)):
            out[i] = None
            continue
        if re.fullmatch(r"\d{1,3}", s):
            before = not norm[i - 1] if i > 0 else True
            after = not norm[i + 1] if i + 1 < len(norm) else True
            if before and after:
                out[i] = None
    first = next((i for i, s in enumerate(norm) if s), None)
    if first is not None and PIPE_PAGE_HEADER.match(norm[first]):
        out[first] = None
    return out


# ---------------------------------------------------------------------------------------------
# line classification
# ---------------------------------------------------------------------------------------------

_PRIVATE_BULLETS = {"\uf0b7": "•", "\uf0a7": "▪", "\uf076": "❖", "\uf0d8": "➢", "\uf0fc": "✓"}
BULLET = re.compile(r"^(?:[•●▪■◦○·➢❖✓►*]|[-–—](?![-–—])|o(?=\s))\s*")
RULE_LINE = re.compile(r"^[-_=*.·•~]{4,}$")
ENUM = re.compile(
    r"^(?:\(?[a-zA-Z]\)|\(?\d{1,3}\)|\(?[ivxIVX]{1,4}\)|\d{1,2}\.(?!\d)|[a-z]\.|[ivx]{1,4}\.)\s+")
ENUM_ONLY = re.compile(r"^(?:\(?[a-zA-Z]\)|\(?\d{1,3}\)|\(?[ivxIVX]{1,4}\)|[a-z]\.|[ivx]{1,4}\.)$")
TOC_LEADER = re.compile(r"(?:\.{4,}|…{2,}|(?:\. ){4,}|_{5,})\s*\S{0,6}\s*$|\.{3,}\s*\d{1,3}\s*$")
NUMBERED = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+(?P<title>\S.*)$")
ROMAN_HEADING = re.compile(r"^(?P<num>[IVXLC]{1,6})\.\s+(?P<title>\S.*)$")
LABEL = re.compile(
    r"^(?P<label>part|chapter|section|title|article|annex|appendix|član|članak|clan|"
    r"glava|poglavlje|kreu|neni|pjesa|pjesë|deo|dio|члан|глава|део|одељак)"
    r"\s+(?P<num>[ivxlcd]+|\d{1,3}[a-z]?)\b\.?(?P<rest>.*)$",
    re.IGNORECASE,
)
LABEL_LEVELS = {
    "part": 1, "deo": 1, "dio": 1, "део": 1, "pjesa": 1, "pjesë": 1,
    "chapter": 2, "glava": 2, "глава": 2, "poglavlje": 2, "kreu": 2, "annex": 2, "appendix": 2,
    "section": 3, "одељак": 3,
    "title": 4,
    "article": 7, "član": 7, "članak": 7, "clan": 7, "члан": 7, "neni": 7,
}
FRONT_MATTER = {
    "contents", "table of contents", "content", "foreword", "preface", "introduction", "summary",
    "executive summary", "conclusion", "conclusions", "references", "bibliography", "glossary",
    "abbreviations", "acronyms", "list of abbreviations", "annexes", "acknowledgements",
    "background", "sadržaj", "садржај", "përmbajtja", "pasqyra e lëndës", "uvod", "увод",
    "hyrje", "zaključak", "закључак", "definitions", "index",
}
CONTENTS_TITLES = {"contents", "table of contents", "content", "sadržaj", "садржај",
                   "përmbajtja", "pasqyra e lëndës", "índice", "inhalt", "inhoud"}
SENT_END = re.compile(r"[.!?:;][\"'”’)\]]*$")
FULL_STOP_END = re.compile(r"[.!?][\"'”’)\]]*$")
ARTICLE_LEVEL = 7
SUBTITLE_LEVEL = 6  # a titled group of articles (the bold line above "Члан 1.")
TOP_LEVEL = 3  # first-level numbered headings and unnumbered headings outside numbered ones


def clean_line(raw: str) -> str:
    """Whitespace-normalise one line and undo letter-spacing / overprint doubling."""
    # soft hyphens: keep only those inside a word or ending the line after a letter
    s = re.sub(r"(?<=[^\W\d_])\u00ad\s+(?=[^\W\d_])", "\u00ad", raw.strip())
    s = re.sub(r"\u00ad(?![^\W\d_]|$)|(?<![^\W\d_])\u00ad", "", s)
    for k, v in _PRIVATE_BULLETS.items():
        s = s.replace(k, v)
    tokens = s.split(" ")
    # "R E P U B L I K A   E   S H Q I P Ë R I S Ë": single spaces inside words, runs between
    letters = [t for t in tokens if t]
    if len(letters) >= 5 and all(len(t) == 1 for t in letters) and re.search(r"\S {2,}\S", s):
        s = " ".join(w.replace(" ", "") for w in re.split(r" {2,}", s))
    s = normalise_ws(s)
    if RULE_LINE.match(s):
        return ""  # a drawn rule, not text
    words = s.split(" ")
    if words and all(_is_doubled(w) for w in words) and any(len(w) >= 6 for w in words):
        s = " ".join(w[::2] for w in words)
    return s


def _is_doubled(word: str) -> bool:
    return len(word) >= 2 and len(word) % 2 == 0 and word[0::2] == word[1::2]


def heading_level(s: str) -> tuple[int, bool] | None:
    """``(level, is_label)`` when ``s`` looks like a numbered or labelled heading, else None."""
    if len(s) > 120 or TOC_LEADER.search(s):
        return None
    m = LABEL.match(s)
    if m:
        rest = m.group("rest").strip()
        rest_body = rest.lstrip(":.-–— ")
        if not rest or (rest_body[:1].isupper() and len(rest_body) <= 100
                        and not FULL_STOP_END.search(rest_body)
                        and rest[:1] in ":.-–— "):
            return LABEL_LEVELS[m.group("label").casefold()], not rest
        return None
    m = ROMAN_HEADING.match(s)
    if m and _title_ok(m.group("title")) and _is_caps(m.group("title")):
        return 2, False
    m = NUMBERED.match(s)
    if m and _title_ok(m.group("title")):
        parts = m.group("num").split(".")
        if int(parts[0]) == 0 or int(parts[0]) > 40:
            return None
        return TOP_LEVEL + len(parts) - 1, False
    return None


def _title_ok(title: str) -> bool:
    return (bool(title[:1]) and title[0].isupper() and len(title.split()) <= 16
            and title.count(",") < 2 and "http" not in title and "www." not in title
            and not re.search(r"[.,;:]$", title) and len(re.findall(r"[^\W\d_]{2,}", title)) >= 1)


def _is_caps(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def is_caps_heading(s: str) -> bool:
    if len(s) > 100 or len(s.split()) > 14 or re.search(r"[,;]$", s) or TOC_LEADER.search(s):
        return False
    if BULLET.match(s) and not s[:1].isalnum():
        return False
    return _is_caps(s)


def is_title_heading(s: str) -> bool:
    if len(s) > 80 or re.search(r"[.,;:!?]$", s) or not s[:1].isupper() or BULLET.match(s):
        return False
    words = re.findall(r"[^\W\d_][\w’'-]*", s)
    if not words or len(s.split()) > 10:
        return False
    long_words = [w for w in words if len(w) >= 4]
    if not long_words:
        return len(words) <= 3
    return sum(w[0].isupper() for w in long_words) >= 0.5 * len(long_words)


def starts_lower(s: str) -> bool:
    return bool(s) and s[0].islower()


# ---------------------------------------------------------------------------------------------
# blocks with sections, page breaks and citations
# ---------------------------------------------------------------------------------------------

MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"  # citation marker sentinels inside working text
LINK_OPEN, LINK_MID, LINK_CLOSE = "\ue002", "\ue003", "\ue004"  # link text / url sentinels
_SENTINELS = re.compile(
    f"{MARK_OPEN}([^{MARK_CLOSE}]*){MARK_CLOSE}|{LINK_MID}([^{LINK_CLOSE}]*){LINK_CLOSE}|{LINK_OPEN}"
)


class SectionTracker:
    """A stack of ``(level, heading)``: a heading closes the open headings of its level or deeper."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []

    def push(self, level: int, text: str) -> tuple[str, ...]:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, text))
        return self.path

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(t for _, t in self.stack)

    def numbered_level(self) -> int | None:
        """Level of the innermost open numbered heading ("2.3 ..."), if any."""
        for level, text in reversed(self.stack):
            if NUMBERED.match(text) and TOP_LEVEL <= level < SUBTITLE_LEVEL:
                return level
        return None


@dataclass
class BlockBuilder:
    """Collects blocks; resolves citation sentinels into Citation objects at the end."""

    path: str
    blocks: list[Block] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    footnotes: dict[str, Footnote] = field(default_factory=dict)
    sections: SectionTracker = field(default_factory=SectionTracker)
    pending: list[tuple[str, str, tuple[str, ...], tuple[tuple[int, int], ...]]] = field(
        default_factory=list)
    lexicon: frozenset[str] = frozenset()  # the document's words, to judge line-end hyphens

    def heading(self, text: str, level: int, page: int) -> None:
        text = normalise_ws(_SENTINELS.sub(lambda m: m.group(2) or "", text)
                            if LINK_OPEN in text else _strip_marks(text))
        if not text:
            return
        path = self.sections.push(level, text)
        self.pending.append((text, "heading", path, ((0, page),)))

    def text(self, kind: str, lines: list[tuple[int, str]]) -> None:
        text, breaks = join_lines(lines, self.lexicon)
        if text.strip():
            self.pending.append((text, kind, self.sections.path, breaks))

    def table(self, rows: list[list[str]], page: int, caption: str | None = None) -> None:
        rows_t = tuple(tuple(normalise_ws(_plain(c)) for c in r) for r in rows if any(
            c.strip() for c in r))
        if not rows_t:
            return
        self.tables.append(Table(page, rows_t, self.sections.path, caption))
        text = "\n".join(" | ".join(c for c in r) for r in rows_t)
        self.pending.append((text, "table", self.sections.path, ((0, page),)))

    def finish(self) -> tuple[list[Block], list[Table], list[Footnote]]:
        for text, kind, section, breaks in self.pending:
            clean, cites, breaks2 = resolve_sentinels(text, breaks, self.footnotes)
            if clean.strip():
                self.blocks.append(Block(clean, kind, section, breaks2, tuple(cites)))
        return self.blocks, self.tables, list(self.footnotes.values())


def _strip_marks(s: str) -> str:
    return _SENTINELS.sub("", s)


def _plain(s: str) -> str:
    """Sentinel-free text (links rendered as their text)."""
    return _SENTINELS.sub("", s)


def join_lines(
    lines: list[tuple[int, str]], lexicon: frozenset[str] = frozenset()
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Join wrapped lines into one paragraph, rejoining hyphenated words; record page changes."""
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
            # a soft hyphen always joins; a hard one only for a word the document spells joined
            left = re.search(r"\w+$", text[:-1]).group(0)  # type: ignore[union-attr]
            right = re.match(r"\w+", line).group(0)  # type: ignore[union-attr]
            if text[-1] == "\u00ad" or join_hyphenated(left, right, lexicon):
                text = text[:-1] + line
            else:
                text = text + line
            if not breaks or breaks[-1][1] != page:
                # the first word of this line now ends a word started on the previous page
                breaks.append((len(text) - len(line), page))
            continue
        else:
            text += " "
        if not breaks or breaks[-1][1] != page:
            breaks.append((len(text), page))
        text += line
    if not breaks:
        breaks = [(0, lines[0][0] if lines else 1)]
    breaks[0] = (0, breaks[0][1])
    text = _strip_soft_hyphens_keep_offsets(text, breaks)
    return text, tuple(breaks)


def _strip_soft_hyphens_keep_offsets(text: str, breaks: list[tuple[int, int]]) -> str:
    """Soft hyphens are invisible in the source rendering: drop them, shifting page offsets."""
    if "\u00ad" not in text:
        return text
    positions = [i for i, ch in enumerate(text) if ch == "\u00ad"]
    for j, (off, p) in enumerate(breaks):
        breaks[j] = (off - sum(1 for q in positions if q < off), p)
    return text.replace("\u00ad", "")


def resolve_sentinels(
    text: str, breaks: tuple[tuple[int, int], ...], footnotes: dict[str, Footnote]
) -> tuple[str, list[Citation], tuple[tuple[int, int], ...]]:
    """Remove marker/link sentinels, returning citations with offsets into the cleaned text."""
    if not any(c in text for c in (MARK_OPEN, LINK_OPEN)):
        return text, [], breaks
    out: list[str] = []
    cites: list[Citation] = []
    shift: list[tuple[int, int]] = []  # (source offset, removed so far)
    pos = 0
    removed = 0
    for m in _SENTINELS.finditer(text):
        out.append(text[pos:m.start()])
        clean_off = m.start() - removed
        if m.group(1) is not None:
            marker = m.group(1)
            note = footnotes.get(marker)
            page = note.page if note else _page_at(breaks, m.start())
            cites.append(Citation(marker, note.text if note else "", (note.urls[0] if note and
                                  note.urls else None), page, clean_off, note.urls if note else ()))
        elif m.group(2) is not None:
            url = m.group(2)
            cites.append(Citation("", "", url, _page_at(breaks, m.start()), clean_off, (url,)))
        removed += m.end() - m.start()
        shift.append((m.end(), removed))
        pos = m.end()
    out.append(text[pos:])
    clean = "".join(out)
    # a marker glued to a space on both sides would leave a double space: keep offsets simple
    new_breaks = []
    for off, page in breaks:
        r = 0
        for end, total in shift:
            if end <= off:
                r = total
        new_breaks.append((max(0, off - r), page))
    return clean, cites, tuple(new_breaks)


def _page_at(breaks: tuple[tuple[int, int], ...], offset: int) -> int:
    page = breaks[0][1]
    for off, p in breaks:
        if off <= offset:
            page = p
    return page


# ---------------------------------------------------------------------------------------------
# plain text
# ---------------------------------------------------------------------------------------------


@dataclass
class _Unit:
    kind: str  # paragraph | list | heading | toc
    lines: list[tuple[int, str]]
    gap: str  # what separated it from the previous unit: start | blank | page | none
    level: int = 0


def extract_text(path: Path, markdown: bool = False) -> Extraction:
    """Extract a ``.txt`` (or, with ``markdown=True``, a ``.md``) file."""
    path = Path(path)
    data = read_bytes(path)
    text, encoding, fallback = decode_bytes(data)
    problems = [encoding_problem(path, encoding)] if fallback else []
    text = normalise_newlines(text)
    lines = text.split("\n")
    # the Council of Europe exports start with an HTML <meta> line
    first = next((i for i, x in enumerate(lines) if x.strip()), None)
    if first is not None and LEADING_TAG_LINE.match(lines[first]):
        lines[first] = ""
        text = "\n".join(lines)
    if not text.strip():
        raise ExtractionError(path, "empty", "file has no text")
    if markdown or _looks_like_markdown(text):
        ext = parse_markdown(path, text, "md" if markdown else "txt")
    else:
        ext = _extract_plain(path, text)
    if not ext.blocks:
        raise ExtractionError(path, "empty", "no text left after removing page furniture")
    from .language import guess_language

    body = " ".join(b.text for b in ext.blocks if b.kind != "heading")[:20000]
    return Extraction(
        path=ext.path, format=ext.format, title=ext.title, pages=ext.pages, blocks=ext.blocks,
        footnotes=ext.footnotes, tables=ext.tables, problems=tuple(problems) + ext.problems,
        language=guess_language(body),
    )


def _looks_like_markdown(text: str) -> bool:
    headings = len(re.findall(r"(?m)^#{1,6}[ \t]*\S", text))
    return headings >= 3


def _extract_plain(path: Path, text: str) -> Extraction:
    raw_pages = split_pages(text)
    cleaned = remove_page_furniture([ls for _, ls in raw_pages])
    numbers = [n for n, _ in raw_pages]
    page_lines: list[tuple[int, list[str]]] = [
        (n, [clean_line(x) for x in ls]) for n, ls in zip(numbers, cleaned, strict=True)
    ]
    pages = tuple(
        PageText(n, "\n".join(x for x in ls if x), has_text=any(ls)) for n, ls in page_lines
    )
    all_lines = [x for _, ls in page_lines for x in ls if x]
    if not all_lines:
        raise ExtractionError(path, "empty", "no text left after removing page furniture")
    long_lines = sum(1 for x in all_lines if len(x) > 200)
    line_mode = long_lines >= 0.2 * len(all_lines) or (long_lines >= 5 and _median(
        [len(x) for x in all_lines]) > 100)
    builder = BlockBuilder(str(path), lexicon=build_lexicon(all_lines))
    units = _units(page_lines, line_mode)
    _emit_units(builder, units)
    blocks, tables, notes = builder.finish()
    title = next((b.text for b in blocks if b.kind == "heading"), None)
    return Extraction(str(path), "txt", title, pages, tuple(blocks), tuple(notes), tuple(tables))


def _median(xs: list[int]) -> float:
    s = sorted(xs)
    return float(s[len(s) // 2]) if s else 0.0


def _groups(page_lines: list[tuple[int, list[str]]]) -> list[tuple[str, list[tuple[int, str]]]]:
    """Runs of non-blank lines, each with what preceded it (start, blank line or page break).

    On "double-spaced" pages (PDFMiner output with a blank line after every line) a single blank
    line is just a line end; only longer runs of blank lines separate groups there.
    """
    groups: list[tuple[str, list[tuple[int, str]]]] = []
    gap = "start"
    cur: list[tuple[int, str]] = []
    for pi, (number, lines) in enumerate(page_lines):
        if pi > 0:
            if cur:
                groups.append((gap, cur))
                cur = []
                gap = "page"
            elif gap != "start":
                gap = "page"
        min_gap = 2 if _double_spaced(lines) else 1
        blanks = 0
        for line in lines:
            if not line:
                blanks += 1
                continue
            if cur and blanks >= min_gap:
                groups.append((gap, cur))
                cur = []
                gap = "blank"
            elif not cur and blanks and gap not in ("start", "page"):
                gap = "blank"
            blanks = 0
            cur.append((number, line))
        if cur and blanks >= min_gap:
            groups.append((gap, cur))
            cur = []
            gap = "blank"
    if cur:
        groups.append((gap, cur))
    return groups


def _double_spaced(lines: list[str]) -> bool:
    gaps: list[int] = []
    run = -1
    for line in lines:
        if line:
            if run >= 0:
                gaps.append(run)
            run = 0
        elif run >= 0:
            run += 1
    return len(gaps) >= 4 and sum(1 for g in gaps if g == 1) >= 0.6 * len(gaps)


def _units(page_lines: list[tuple[int, list[str]]], line_mode: bool) -> list[_Unit]:
    groups = _groups(page_lines)
    all_lines = [x for _, g in groups for _, x in g]
    lengths = sorted(len(x) for x in all_lines)
    width = lengths[int(0.8 * (len(lengths) - 1))] if lengths else 0
    repeats = Counter(all_lines)
    units: list[_Unit] = []
    toc = _TocState()
    numbering: list[tuple[int, ...]] = []
    for gi, (gap, group) in enumerate(groups):
        next_group = groups[gi + 1][1] if gi + 1 < len(groups) else None
        if gap == "page":
            toc.page_break(group, groups, gi)
        cur: _Unit | None = None
        first_in_group = True
        for li, (page, line) in enumerate(group):
            nxt = group[li + 1][1] if li + 1 < len(group) else None
            unit_gap = gap if first_in_group else "none"
            first_in_group = False
            prev = cur.lines[-1][1] if cur else (units[-1].lines[-1][1] if units else None)
            if cur is not None and cur.kind == "heading" and len(cur.lines) == 1 \
                    and _label_only(cur.lines[0][1]) and _title_line(line):
                cur.lines.append((page, line))  # "Article 5" + "Security of processing"
                continue
            if toc.active(line):
                units.append(_Unit("toc", [(page, line)], unit_gap))
                cur = None
                continue
            if TOC_LEADER.search(line):
                units.append(_Unit("toc", [(page, line)], unit_gap))
                cur = None
                continue
            kind, level = _classify(line, nxt, prev, cur, unit_gap, len(group) == 1,
                                    next_group, repeats, width, line_mode, numbering)
            if kind == "heading":
                num = _number_of(line)
                if num:
                    numbering.append(num)
                if norm_key(line) in CONTENTS_TITLES:
                    toc.start(line)
                if cur is not None and cur.kind == "heading" and _merge_heading(cur, line):
                    cur.lines.append((page, line))
                    continue
                cur = _Unit("heading", [(page, line)], unit_gap, level)
                units.append(cur)
                continue
            if kind == "continue" and cur is not None and cur.kind != "heading":
                cur.lines.append((page, line))
                continue
            cur = _Unit("list" if kind == "list" else "paragraph", [(page, line)], unit_gap)
            units.append(cur)
            if line_mode:
                cur = None
    return _merge_across_gaps(units, line_mode)


def norm_key(line: str) -> str:
    return normalise_ws(re.sub(r"[:.]+$", "", line)).casefold()


class _TocState:
    """Lines after a "Contents" heading are table-of-contents entries, not headings."""

    def __init__(self) -> None:
        self.on = False
        self.first: str | None = None
        self.count = 0

    def start(self, line: str) -> None:
        self.on, self.first, self.count = True, None, 0

    def active(self, line: str) -> bool:
        if not self.on:
            return False
        key = _toc_key(line)
        if self.first is None:
            self.first = key
        elif key == self.first or (len(line) > 120 and not TOC_LEADER.search(line)) \
                or self.count > 300:
            self.on = False  # the body repeats the first entry: the contents are over
            return False
        self.count += 1
        return True

    def page_break(self, group: list[tuple[int, str]], groups: list, gi: int) -> None:
        if not self.on:
            return
        page = group[0][0]
        lines = [x for _, g in groups[gi:] for p, x in g if p == page]
        tocish = sum(1 for x in lines if _tocish(x))
        numbered = sum(1 for x in lines if TOC_LEADER.search(x) or re.search(r"\s\d{1,3}$", x))
        if not lines or tocish < 0.6 * len(lines) or numbered < 0.3 * len(lines):
            self.on = False


def _toc_key(line: str) -> str:
    s = TOC_LEADER.sub("", line)
    s = re.sub(r"\s*\d{1,3}$", "", s)
    return normalise_ws(s).casefold()


def _tocish(line: str) -> bool:
    return bool(TOC_LEADER.search(line) or re.search(r"\s\d{1,3}$", line)
                or re.fullmatch(r"[\d.\s]+", line)
                or (len(line) < 70 and not SENT_END.search(line)))


def _number_of(line: str) -> tuple[int, ...] | None:
    m = NUMBERED.match(line)
    return tuple(int(x) for x in m.group("num").split(".")) if m else None


def _plausible_number(line: str, numbering: list[tuple[int, ...]]) -> bool:
    """"2.3" may follow "2.2", "2", "2.2.4" or "1.5"; "5" after "1.1" is a footnote or list item."""
    num = _number_of(line)
    if num is None:
        return True
    if not numbering:
        return num[0] <= 3 or _is_caps(line)
    last = numbering[-1]
    if num == (1,) or num == last + (1,):
        return True
    k = len(num)
    if k <= len(last) and num[:-1] == last[:k - 1] and num[-1] == last[k - 1] + 1:
        return True
    if k == len(last) + 1 and num[:-1] == last and num[-1] == 1:
        return True
    # a skipped or repeated number still counts when the heading is unmistakable
    return _is_caps(line) and num[0] in (last[0], last[0] + 1)


def _classify(line: str, nxt: str | None, prev: str | None, cur: _Unit | None, gap: str,
              alone: bool, next_group: list[tuple[int, str]] | None, repeats: Counter,
              width: int, line_mode: bool, numbering: list[tuple[int, ...]]) -> tuple[str, int]:
    """``("heading", level)``, ``("list", 0)``, ``("paragraph", 0)`` or ``("continue", 0)``."""
    at_start = cur is None or gap != "none"
    prev_closed = prev is None or cur is None or cur.kind == "heading" or bool(
        SENT_END.search(prev))
    next_continues = nxt is not None and starts_lower(nxt)
    if line_mode:
        next_continues = False
    hl = heading_level(line)
    if hl is not None and not _plausible_number(line, numbering):
        hl = None
    strong = hl is not None and (_is_caps(line) or bool(re.match(r"\d{1,2}\.\d", line))
                                 or (cur is not None and cur.kind == "list"))
    if hl is not None and (at_start or prev_closed or strong) and not next_continues:
        level, _is_label = hl
        if level == TOP_LEVEL and ENUM.match(line) and not alone and not _is_caps(line) \
                and nxt is not None and not line_mode and len(line) > 60:
            return "list", 0
        return "heading", level
    unnumbered_ok = repeats[line] < 4 and (at_start or prev_closed) and not next_continues
    wide = nxt is not None and not line_mode and len(line) >= 0.8 * width and width > 25
    if unnumbered_ok and is_caps_heading(line) and not ENUM.match(line) and not wide:
        return "heading", _unnumbered_level(line)
    if unnumbered_ok and norm_key(line) in FRONT_MATTER:
        return "heading", TOP_LEVEL
    if (alone and unnumbered_ok and is_title_heading(line) and prev_closed
            and not (next_group and starts_lower(next_group[0][1]))):
        return "heading", _unnumbered_level(line)
    if BULLET.match(line) and not re.match(r"^[-–—]\s*\d", line):
        return "list", 0
    if ENUM_ONLY.match(line) and (prev_closed or at_start):
        return "list", 0
    if ENUM.match(line) and (prev_closed or at_start):
        return "list", 0
    if cur is None or at_start or line_mode:
        return "paragraph", 0
    if prev is not None and FULL_STOP_END.search(prev) and width > 25 \
            and len(prev) < 0.7 * width and not starts_lower(line):
        return "paragraph", 0  # a short line ending a sentence closes its paragraph
    return "continue", 0


def _unnumbered_level(line: str) -> int:
    """-1: resolved at emit time from the open numbered headings (see ``_emit_units``)."""
    return -1


def _label_only(line: str) -> bool:
    hl = heading_level(line)
    return hl is not None and hl[1]


def _title_line(line: str) -> bool:
    return (heading_level(line) is None and not LABEL.match(line) and len(line) <= 100
            and line[:1].isupper() and not SENT_END.search(line) and not BULLET.match(line)
            and not ENUM.match(line) and len(line.split()) <= 14)


def _merge_heading(cur: _Unit, line: str) -> bool:
    """Consecutive heading lines form one heading: a caps title wrapped over lines, or a label
    ("Article 5", "CHAPTER II") followed by its title line."""
    last = cur.lines[-1][1]
    hl = heading_level(line)
    if LABEL.match(last) and heading_level(last) and heading_level(last)[1]:  # type: ignore[index]
        return hl is None and len(line) <= 100 and not SENT_END.search(line)
    if hl is not None or LABEL.match(line):
        return False
    caps_run = _is_caps(last) and (_is_caps(line) or re.fullmatch(r"[\d\s\-–—/.]+", line))
    return bool(caps_run and not re.search(r"[.:;!?]$", last) and len(cur.lines) < 4)


def _merge_across_gaps(units: list[_Unit], line_mode: bool) -> list[_Unit]:
    """Join a paragraph with the next when the break (blank line, page) fell mid-sentence."""
    out: list[_Unit] = []
    first_page = units[0].lines[0][0] if units else 1
    for u in units:
        if out and _bullet_only(out[-1]):
            if u.kind == "paragraph" or (u.kind == "list" and not _bullet_only(u)):
                out[-1].lines.extend(u.lines)  # "•" alone on its line, the item text next
                continue
            out.pop()  # markers whose text came out elsewhere (PDFMiner column order)
        if out and u.kind == "heading" and out[-1].kind == "heading" and u.level == -1 \
                and _continues_heading(out[-1], u, first_page):
            out[-1].lines.extend(u.lines)
            continue
        if out and u.kind == "paragraph" and out[-1].kind in ("paragraph", "list") \
                and u.gap in ("blank", "page"):
            prev = out[-1].lines[-1][1]
            nxt = u.lines[0][1]
            hyphenated = bool(re.search(r"\w[-\u00ad]$", prev))
            open_end = not SENT_END.search(prev)
            cont = (starts_lower(nxt) and (hyphenated or open_end)) or (
                u.gap == "page" and not line_mode and open_end
                and bool(re.search(r"[a-z,]$", prev)))
            if cont:
                out[-1].lines.extend(u.lines)
                continue
        out.append(u)
    if out and _bullet_only(out[-1]):
        out.pop()
    return out


_FUNCTION_WORDS = frozenset(
    ["of", "the", "and", "for", "in", "on", "to", "a", "an", "with", "by", "at", "or", "its",
     "their"]
)


def _continues_heading(prev: _Unit, nxt: _Unit, first_page: int) -> bool:
    """A caps heading broken over lines separated by blank lines (title pages, PDFMiner)."""
    last = prev.lines[-1][1]
    line = nxt.lines[0][1]
    if prev.lines[-1][0] != nxt.lines[0][0] or len(prev.lines) >= 4 or nxt.gap == "page":
        return False
    if not (_is_caps(last) and _is_caps(line)) or re.search(r"[.:;!?]$", last):
        return False
    if norm_key(last) in FRONT_MATTER or norm_key(line) in FRONT_MATTER:
        return False
    words = last.split()
    return words[-1].casefold() in _FUNCTION_WORDS or nxt.lines[0][0] == first_page


def _bullet_only(u: _Unit) -> bool:
    marker = r"[•●▪■◦○·➢❖✓►\-–—*o]|\(?\w{1,3}[.)]"
    return len(u.lines) == 1 and bool(re.fullmatch(marker, u.lines[0][1]))


def _emit_units(builder: BlockBuilder, units: list[_Unit]) -> None:
    for u in units:
        if u.kind == "heading":
            text = " ".join(x for _, x in u.lines)
            level = u.level
            if level == -1:
                key = norm_key(text)
                numbered = builder.sections.numbered_level()
                if key in FRONT_MATTER or numbered is None:
                    level = TOP_LEVEL
                else:
                    level = numbered + 1
            builder.heading(text, level, u.lines[0][0])
        elif u.kind == "toc":
            builder.text("list", u.lines)
        else:
            builder.text(u.kind, u.lines)


# ---------------------------------------------------------------------------------------------
# markdown
# ---------------------------------------------------------------------------------------------

MD_HEADING = re.compile(r"^(#{1,6})[ \t]*(.*?)[ \t#]*$")
MD_BREAK = re.compile(r"^\s{0,3}(?:-{3,}|\*{3,}|_{3,})\s*$")
MD_FOOTDEF = re.compile(r"^\s{0,3}\[\^([^\]\s]+)\]:\s*(.*)$")
MD_SUPDEF = re.compile(r"^\s*<sup>\s*([^<\s]+)\s*</sup>\s*(.*)$", re.IGNORECASE)
MD_LIST = re.compile(r"^\s{0,6}(?:[-*+•]|\d{1,3}[.)])\s+")
MD_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
MD_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


def md_inline(s: str) -> str:
    """Render inline markdown to text, leaving sentinels for footnote markers and link URLs."""
    s = re.sub(r"<sup>\s*([^<\s]{1,8})\s*</sup>", lambda m: MARK_OPEN + m.group(1) + MARK_CLOSE,
               s, flags=re.IGNORECASE)
    s = re.sub(r"\[\^([^\]\s]+)\]", lambda m: MARK_OPEN + m.group(1) + MARK_CLOSE, s)
    s = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", s)
    s = re.sub(
        r"\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)",
        lambda m: m.group(1) + (LINK_MID + m.group(2) + LINK_CLOSE
                                if normalise_ws(m.group(1)) != m.group(2) else ""),
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


def parse_markdown(path: Path, text: str, fmt: str = "md") -> Extraction:
    raw_pages = split_pages(text)
    builder = BlockBuilder(str(path), lexicon=build_lexicon(text.splitlines()))
    pages: list[PageText] = []
    state = _MdState()
    for number, lines in raw_pages:
        page_start = len(builder.pending)
        _md_page(builder, state, number, lines)
        _md_flush(builder, state)
        page_text = "\n".join(_plain(t) for t, k, _s, _b in builder.pending[page_start:]
                              if k != "footnote")
        pages.append(PageText(number, page_text, has_text=bool(page_text.strip())))
    blocks, tables, notes = builder.finish()
    title = next((b.text for b in blocks if b.kind == "heading"), None)
    return Extraction(str(path), fmt, title, tuple(pages), tuple(blocks), tuple(notes),
                      tuple(tables))


@dataclass
class _MdState:
    para: list[tuple[int, str]] = field(default_factory=list)
    para_kind: str = "paragraph"
    note: tuple[str, int, list[str]] | None = None  # marker, page, lines
    in_notes: bool = False  # after a thematic break: <sup>N</sup> paragraphs are footnotes
    label_heading: tuple[str, int] | None = None  # "Article 1" waiting for its title heading
    fence: bool = False
    table: list[str] = field(default_factory=list)
    table_page: int = 1


def _md_flush(builder: BlockBuilder, st: _MdState) -> None:
    if st.para:
        if len({p for p, _ in st.para}) == 1:  # links and emphasis may span lines
            joined = md_inline("\n".join(x.strip() for _, x in st.para))
            builder.text(st.para_kind, [(st.para[0][0], joined)])
        else:
            builder.text(st.para_kind, [(p, md_inline(x)) for p, x in st.para])
        st.para = []
        st.label_heading = None
    st.para_kind = "paragraph"
    if st.note is not None:
        marker, page, lines = st.note
        raw = normalise_ws(" ".join(lines))
        rendered = md_inline(raw)
        link_urls = re.findall(f"{LINK_MID}([^{LINK_CLOSE}]*){LINK_CLOSE}", rendered)
        note_text = normalise_ws(_plain(rendered))
        urls = tuple(dict.fromkeys(link_urls + find_urls(note_text)))
        # footnotes live in Extraction.footnotes only: the chunker makes their passages, and
        # a footnote block would leak note text into body passages
        builder.footnotes[marker] = Footnote(marker, note_text, page, urls)
        st.note = None
    if st.table:
        rows = st.table
        if all(_is_pipe_row(r) or MD_TABLE_SEP.match(r) for r in rows):
            cells = [_md_table_cells(r) for r in rows if not MD_TABLE_SEP.match(r)]
        else:
            cells = [[md_inline(c) for c in r.split("\t")] for r in rows]
        builder.table(cells, st.table_page)
        st.table = []


def _md_page(builder: BlockBuilder, st: _MdState, page: int, lines: list[str]) -> None:
    for i, line in enumerate(lines):
        stripped = line.strip()
        if st.fence:
            if MD_FENCE.match(line):
                st.fence = False
                _md_flush(builder, st)
            else:
                st.para.append((page, line))
            continue
        if MD_FENCE.match(line):
            _md_flush(builder, st)
            st.fence = True
            continue
        if st.table:
            if _is_pipe_row(line) or MD_TABLE_SEP.match(line) or _is_tab_row(line):
                st.table.append(line)
                continue
            _md_flush(builder, st)
        if not stripped:
            if st.note is None or (i + 1 < len(lines) and not lines[i + 1].startswith("    ")):
                _md_flush(builder, st)
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if (_is_pipe_row(line) and MD_TABLE_SEP.match(nxt)) or (
                _is_tab_row(line) and _is_tab_row(nxt)):
            _md_flush(builder, st)
            st.table, st.table_page = [line], page
            continue
        m = MD_HEADING.match(line)
        if m and m.group(2):
            _md_flush(builder, st)
            _md_heading(builder, st, md_inline(m.group(2)), len(m.group(1)), page)
            continue
        if st.para and not st.note and re.fullmatch(r"\s{0,3}(=+|-+)\s*", line) \
                and st.para_kind == "paragraph":
            text = " ".join(x for _, x in st.para)
            st.para = []
            _md_heading(builder, st, md_inline(text), 1 if "=" in line else 2, page)
            continue
        if MD_BREAK.match(line):
            _md_flush(builder, st)
            st.in_notes = True
            continue
        fm = MD_FOOTDEF.match(line) or (MD_SUPDEF.match(line) if not st.para else None)
        if fm and (MD_FOOTDEF.match(line) or st.in_notes or not st.para):
            _md_flush(builder, st)
            st.note = (fm.group(1), page, [fm.group(2)])
            continue
        if st.note is not None:
            st.note[2].append(stripped)
            continue
        st.in_notes = False
        if stripped.startswith(">"):
            line = re.sub(r"^\s*>\s?", "", line)
        if MD_LIST.match(line):
            _md_flush(builder, st)
            st.para_kind = "list"
            st.para.append((page, line.strip()))
            continue
        st.para.append((page, line))


def _md_heading(builder: BlockBuilder, st: _MdState, text: str, hashes: int, page: int) -> None:
    plain = normalise_ws(_plain(text))
    hl = heading_level(plain)
    if st.label_heading is not None and (hl is None or not LABEL.match(plain)):
        # "### Article 1" + "####Definitions": one heading "Article 1 Definitions"
        label, level = st.label_heading
        st.label_heading = None
        if builder.pending and builder.pending[-1][:2] == (label, "heading"):
            builder.sections.stack.pop()
            builder.pending.pop()
            builder.heading(label + " " + plain, level, page)
            return
    if hl is not None and LABEL.match(plain):
        level = hl[0]
        builder.heading(plain, level, page)
        st.label_heading = (plain, level) if hl[1] else None
        return
    st.label_heading = None
    num = _number_of(plain)
    if num is not None and num[0] > 0:
        # authors' "#" depths are often inconsistent; the section number is not ("4.4" is
        # always below "4")
        hashes = len(num)
    builder.heading(text, hashes, page)
