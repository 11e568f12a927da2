"""PDF extraction with pdfplumber: pages, sections, footnotes, tables, problems.

The pipeline works on characters (``page.chars``, read once per page) rather than on
``extract_text`` so that font size, weight and baseline are available everywhere:

1. chars -> lines (grouped by baseline, small raised glyphs attached to the line they sit on);
   superscript digit runs become footnote-marker candidates;
2. running headers/footers (margin lines repeated across pages once digits are masked) and
   page-number-only lines are dropped;
3. the page foot is split off as the footnote zone (below a horizontal rule and/or in a smaller
   font, starting with a marker) and parsed into footnotes;
4. ruled tables (pdfplumber's table finder, only on pages with ruling) are cut out of the text;
5. the remaining lines become headings and paragraphs; paragraphs continue across page breaks.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from wbpolicy.errors import ExtractionError
from wbpolicy.models import Block, Citation, Extraction, Footnote, PageText, Problem, Table
from wbpolicy.text import (
    build_lexicon,
    dehyphenate,
    find_urls,
    join_hyphenated,
    join_wrapped_lines,
    normalise_ws,
)

log = logging.getLogger(__name__)

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+\S")
_TOC_LINE = re.compile(r"(?:\.{3,}|…{2,}|\. \. \.)\s*(?:\d+|[ivxlc]+)?\s*$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(
    r"^(?:page|p\.|pg\.?|seite|pagina|página|strana|stranica)?\s*[-–—(\[]?\s*"
    r"(?:\d{1,4}|[ivxlcdm]{1,7})\s*(?:(?:/|of|de|van|von|od)\s*\d{1,4})?\s*[-–—)\]]?$",
    re.IGNORECASE,
)
_CONTENTS = re.compile(r"^(?:table of )?contents?$|^sommaire$|^inhoud(?:stafel)?$|^sadr[žz]aj$",
                       re.IGNORECASE)
_BULLET = re.compile(r"^(?:[•▪◦●■□▶►–\-*·]\s|\(?[a-z]\)\s|\(?[ivx]{1,4}\)\s|\d{1,2}[.)]\s)")
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*$")
_TABLE_CAPTION = re.compile(r"^(?:table|tableau|tabela|tabel)\s+\d+[a-z]?\s*[:.\-–]", re.IGNORECASE)
_LEADERS = frozenset("._…·-–—")
_URL_LINE = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
_ITALIC = re.compile(r"italic|oblique|-it$|,it", re.IGNORECASE)
_LEGAL_HEADING = re.compile(
    r"^(?:article|art\.|chapter|chapitre|section|part|title|titre|annex|schedule|"
    r"[čc]lan|poglavlje|neni|kapitulli)\s+(?:\d{1,3}[a-z]?|[ivxlc]{1,7})\b\.?\s*(?:[-–—:]\s*)?"
    r"(?:[A-Z].{0,120})?$",
    re.IGNORECASE,
)
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_FAKE_TITLES = re.compile(
    r"\.(?:pdf|docx?|indd|rtf|odt|qxd|ps)$|^microsoft (?:word|powerpoint)|^untitled|^title$|"
    r"^document\d*$|^slide \d+$",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------------------------
# Line model


@dataclass
class _Line:
    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    size: float  # dominant (body) size of the line
    bold: bool
    italic: bool
    pieces: list[tuple[str, str | None]]  # (text, None) or ("", marker) for superscript digits
    lead_marker: str | None = None  # superscript (or small) digits the line starts with
    raw: str = ""  # all text incl. markers, whitespace-normalised (for header/footer keys)
    kind: str = "body"

    def text(self, keep: set[str] | None = None) -> tuple[str, list[tuple[int, str]]]:
        """Line text with resolvable markers removed, and those markers' offsets.

        ``keep`` is the set of markers that have a footnote; other superscript digits stay in
        the text (e.g. "m2") because nothing could be cited by them.
        """
        out = ""
        markers: list[tuple[int, str]] = []
        pieces = self.pieces
        if self.lead_marker is not None:  # a marker wrapped to the start of a body line
            pieces = [("", self.lead_marker), *pieces]
        for text, marker in pieces:
            if marker is not None:
                parts = [marker] if keep is None else _split_marker(marker, keep)
                if parts:
                    pos = len(out.rstrip()) if out.endswith(" ") else len(out)
                    markers.extend((pos, m) for m in parts)
                    continue
                text = marker
            if out.endswith(" ") and text.startswith(" "):
                text = text.lstrip(" ")
            out += text
        stripped = out.strip()
        shift = len(out) - len(out.lstrip())
        markers = [(max(0, min(len(stripped), o - shift)), m) for o, m in markers]
        return stripped, markers


def _split_marker(marker: str, keep: set[str]) -> list[str]:
    """Known markers in a superscript digit run: "107108" -> ["107", "108"]; [] if none fit."""
    if marker in keep:
        return [marker]
    for cut in range(1, len(marker)):
        a, b = marker[:cut], marker[cut:]
        if a in keep and b in keep and not b.startswith("0") and int(b) > int(a):
            return [a, b]
    return []


@dataclass
class _PageData:
    number: int
    width: float
    height: float
    lines: list[_Line] = field(default_factory=list)
    tables: list[tuple[float, float, list[list[str]]]] = field(default_factory=list)  # top,bottom
    footnote_lines: list[_Line] = field(default_factory=list)
    footnote_has_rule: bool = False
    rules: list[tuple[float, float, float]] = field(default_factory=list)
    has_text: bool = False
    garbage: bool = False


def _is_bold(fontname: str) -> bool:
    return bool(_BOLD.search(fontname.split("+", 1)[-1]))


def _letters_ratio(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 1.0
    return sum(c.isalpha() for c in chars) / len(chars)


def _page_is_garbage(chars: list[dict]) -> bool:
    """True when a text layer exists but does not decode to language.

    Signals: ``(cid:NNN)`` glyphs (no Unicode mapping), private-use/unassigned/control code
    points, or far too few letters among the non-space characters (glyph soup such as
    ``()*+,-+./,01)``).
    """
    n = cid = odd = letters = 0
    for c in chars:
        t = c["text"]
        if t.isspace() or t in _LEADERS:  # dot leaders of a contents page are not garbage
            continue
        n += 1
        if t.startswith("(cid:"):
            cid += 1
            continue
        ch = t[0]
        cat = unicodedata.category(ch)
        if cat in ("Co", "Cn", "Cc", "Cs") or ch == "\ufffd":
            odd += 1
        elif ch.isalpha():
            letters += 1
    if n < 20:
        return cid + odd > n / 2
    return (cid + odd) / n > 0.25 or letters / n < 0.35


def _build_lines(chars: list[dict], pno: int, width: float, height: float) -> list[_Line]:
    """Group characters into lines: baseline runs first, then small raised runs attached."""
    seen: set[tuple] = set()
    kept = []
    for c in chars:
        if not c.get("upright", True):
            continue
        if c["x1"] < -2 or c["x0"] > width + 2 or c["bottom"] < -2 or c["top"] > height + 2:
            continue
        key = (c["text"], round(c["x0"], 1), round(c["top"], 1))
        if key in seen:  # fake bold by overprinting
            continue
        seen.add(key)
        kept.append(c)
    if not kept:
        return []
    # Baseline runs.
    kept.sort(key=lambda c: (round(c["bottom"], 0), c["x0"]))
    runs: list[list[dict]] = []
    for c in sorted(kept, key=lambda c: c["bottom"]):
        if runs and abs(runs[-1][-1]["bottom"] - c["bottom"]) <= 1.0:
            runs[-1].append(c)
        else:
            runs.append([c])
    # Merge runs into lines: big runs first; smaller runs join a line they overlap enough.
    def run_size(r: list[dict]) -> float:
        return max(ch["size"] for ch in r if not ch["text"].isspace()) if any(
            not ch["text"].isspace() for ch in r) else r[0]["size"]

    runs.sort(key=lambda r: -run_size(r))
    groups: list[dict] = []
    for r in runs:
        top = min(ch["top"] for ch in r)
        bottom = max(ch["bottom"] for ch in r)
        h = max(bottom - top, 0.1)
        best = None
        best_ov = 0.0
        for g in groups:
            ov = min(bottom, g["bottom"]) - max(top, g["top"])
            if ov > best_ov:
                best, best_ov = g, ov
        if best is not None and best_ov >= 0.4 * min(h, best["bottom"] - best["top"]):
            best["chars"].extend(r)
        else:
            groups.append({"top": top, "bottom": bottom, "chars": list(r)})
    lines = [_make_line(g["chars"], pno) for g in groups]
    lines = [ln for ln in lines if ln is not None]
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    return lines


def _make_line(chars: list[dict], pno: int) -> _Line | None:
    chars.sort(key=lambda c: c["x0"])
    visible = [c for c in chars if not c["text"].isspace()]
    if not visible:
        return None
    weight: Counter[float] = Counter()
    for c in visible:
        weight[round(c["size"], 1)] += 1
    size = weight.most_common(1)[0][0]
    body = [c for c in visible if abs(c["size"] - size) < 0.3]
    base = max(c["bottom"] for c in body)
    pieces: list[tuple[str, str | None]] = []
    buf = ""
    sup = ""
    prev = None
    lead_marker = None

    def flush_sup() -> None:
        nonlocal sup, lead_marker
        if not sup:
            return
        if not pieces and not buf.strip() and lead_marker is None:
            lead_marker = sup
        else:
            for part in re.split(r"[,\s]+", sup):
                if part:
                    pieces.append(("", part))
        sup = ""

    for c in chars:
        t = c["text"]
        if t.isspace():
            if not buf.endswith(" "):
                buf += " "
            continue
        is_sup = (
            c["size"] <= 0.9 * size
            and c["bottom"] < base - 0.12 * size
            and (t.isdigit() or (t == "," and sup))
        )
        gap = c["x0"] - prev["x1"] if prev is not None else 0.0
        if prev is not None and gap > 0.22 * min(c["size"], prev["size"]) and not buf.endswith(" "):
            if is_sup and sup:
                pass
            else:
                if sup:
                    flush_sup()
                buf += " "
        if is_sup:
            if buf:
                pieces.append((buf, None))
                buf = ""
            sup += t
        else:
            if sup:
                flush_sup()
            buf += t
        prev = c
    if sup:
        if buf:
            pieces.append((buf, None))
            buf = ""
        flush_sup()
    if buf:
        pieces.append((buf, None))
    # Drop the leading space a leading marker leaves behind.
    raw = normalise_ws("".join(t if m is None else m for t, m in pieces))
    if lead_marker is not None:
        raw = normalise_ws(lead_marker + " " + raw)
    bold_n = sum(1 for c in visible if _is_bold(c["fontname"]))
    italic_n = sum(1 for c in visible if _ITALIC.search(c["fontname"].split("+", 1)[-1]))
    return _Line(
        page=pno,
        top=min(c["top"] for c in body),
        bottom=base,
        x0=visible[0]["x0"],
        x1=max(c["x1"] for c in visible),
        size=size,
        bold=bold_n >= 0.8 * len(visible),
        italic=italic_n >= 0.8 * len(visible),
        pieces=pieces,
        lead_marker=lead_marker,
        raw=raw,
    )


# ---------------------------------------------------------------------------------------------
# Opening and page loop


def _open(path: Path):
    import pdfplumber

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError(path, "corrupt", f"cannot read file: {exc}") from exc
    if size == 0:
        raise ExtractionError(path, "empty", "file is empty (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF" not in head:
        raise ExtractionError(path, "corrupt", "not a PDF (no %PDF header)")
    try:
        pdf = pdfplumber.open(path)
        n = len(pdf.pages)
    except Exception as exc:  # pdfminer raises many unrelated types; this is the boundary
        raise _classify_open_error(path, exc) from exc
    if n == 0:
        pdf.close()
        raise ExtractionError(path, "empty", "PDF has no pages")
    return pdf


def _classify_open_error(path: Path, exc: Exception) -> ExtractionError:
    chain = []
    e: BaseException | None = exc
    while e is not None and len(chain) < 5:
        chain.append(e)
        e = e.__cause__ or e.__context__ or (e.args[0] if e.args and isinstance(
            e.args[0], BaseException) else None)
    names = " ".join(type(x).__name__ + " " + str(x) for x in chain).lower()
    if "password" in names or "encrypt" in names:
        return ExtractionError(path, "encrypted", "PDF is encrypted and needs a password")
    return ExtractionError(path, "corrupt", f"unreadable or truncated PDF ({type(exc).__name__})")


def extract_pdf(path: Path) -> Extraction:
    path = Path(path)
    pdf = _open(path)
    try:
        return _extract(path, pdf)
    except ExtractionError:
        raise
    except Exception as exc:  # a broken object stream can surface late, page by page
        raise ExtractionError(path, "corrupt", f"unparseable PDF ({type(exc).__name__}: {exc})"
                              ) from exc
    finally:
        pdf.close()


def _read_pages(path: Path, pdf) -> tuple[list[_PageData], list[int]]:
    pages: list[_PageData] = []
    failed: list[int] = []
    for i, page in enumerate(pdf.pages, start=1):
        pd = _PageData(i, float(page.width), float(page.height))
        try:
            chars = page.chars
            pd.has_text = any(not c["text"].isspace() for c in chars)
            if pd.has_text and _page_is_garbage(chars):
                pd.garbage = True
            elif pd.has_text:
                pd.lines = _build_lines(chars, i, pd.width, pd.height)
                pd.rules = _rules(page)
                if page.lines or page.rects:
                    pd.tables = _find_tables(page)
                    pd.lines = [ln for ln in pd.lines if not _in_table(ln, pd.tables)]
        except Exception as exc:  # noqa: BLE001 - one bad page must not sink the document
            log.warning("%s: page %d unreadable: %s", path, i, exc)
            failed.append(i)
            pd.has_text = False
        finally:
            page.close()
        pages.append(pd)
    return pages, failed


def _rules(page) -> list[tuple[float, float, float]]:
    """Horizontal rules as (y, x0, x1): thin lines/rects, and the top edge of wider rects."""
    out = []
    for obj in list(page.lines) + list(page.rects):
        w = obj["x1"] - obj["x0"]
        if w < 25:
            continue
        out.append((float(obj["top"]), float(obj["x0"]), float(obj["x1"])))
    return out


def _find_tables(page) -> list[tuple[float, float, list[list[str]]]]:
    found = []
    try:
        tables = page.find_tables()
    except Exception as exc:  # noqa: BLE001 - tables are a bonus; the text is still read
        log.debug("table finder failed on page %s: %s", page.page_number, exc)
        return []
    for t in tables:
        try:
            rows = t.extract()
        except Exception as exc:  # noqa: BLE001 - same as above, for one table
            log.debug("table extraction failed on page %s: %s", page.page_number, exc)
            continue
        clean = [[_cell(c) for c in row] for row in rows]
        clean = [r for r in clean if any(r)]
        clean = _align_header(clean)
        ncols = max((sum(1 for c in r if c) for r in clean), default=0)
        if len(clean) < 2 or ncols < 2:
            continue
        x0, top, x1, bottom = t.bbox
        found.append((float(top), float(bottom), clean, float(x0), float(x1)))
    return found  # type: ignore[return-value]


def _align_header(rows: list[list[str]]) -> list[list[str]]:
    """Re-align a header row drawn without its empty corner cell.

    Markdown-born tables often set the column headers one cell to the left (``ALB | ... | SRB |
    ""`` over ``CS/IS Law | -/+ | ... | +``): the header's last cell is empty while every body
    row fills it, so the headers belong one column to the right, above the values.
    """
    if len(rows) < 2:
        return rows
    head, body = rows[0], rows[1:]
    if (head and head[0] and not head[-1] and all(len(r) == len(head) for r in body)
            and all(r[-1] and r[0] for r in body)):
        return [["", *head[:-1]], *body]
    return rows


def _in_table(ln: _Line, tables: list) -> bool:
    mid_y = (ln.top + ln.bottom) / 2
    return any(t[0] - 1 <= mid_y <= t[1] + 1 and ln.x0 >= t[3] - 2 and ln.x1 <= t[4] + 2
               for t in tables)


_LAST_WORD = re.compile(r"\w+$")
_FIRST_WORD = re.compile(r"\w+")


def _cell(value: str | None) -> str:
    if not value:
        return ""
    return normalise_ws(dehyphenate(value))


# ---------------------------------------------------------------------------------------------
# Document-level passes


def _body_size(pages: list[_PageData]) -> float:
    weight: Counter[float] = Counter()
    for pd in pages:
        for ln in pd.lines:
            weight[ln.size] += len(ln.raw)
    return weight.most_common(1)[0][0] if weight else 10.0


def _strip_running(pages: list[_PageData]) -> None:
    """Drop headers/footers: margin lines repeated across pages (digits masked), page numbers."""
    text_pages = [pd for pd in pages if pd.lines]
    if not text_pages:
        return
    counts: Counter[str] = Counter()
    cands: dict[int, list[tuple[_Line, str]]] = {}
    for pd in text_pages:
        margin = []
        top_zone = [ln for ln in pd.lines if ln.top < 0.11 * pd.height][:3]
        bottom_zone = [ln for ln in pd.lines if ln.bottom > 0.89 * pd.height][-4:]
        for ln in top_zone + bottom_zone:
            key = re.sub(r"\d+", "", ln.raw.lower())  # page numbers come and go
            key = re.sub(r"\s+", " ", key).strip()
            margin.append((ln, key))
        cands[pd.number] = margin
        for key in {k for _, k in margin}:
            counts[key] += 1
    need = max(2, math.ceil(0.25 * len(text_pages))) if len(text_pages) > 1 else 10**9
    for pd in text_pages:
        drop = set()
        for ln, key in cands[pd.number]:
            if counts[key] >= need or _PAGE_NUMBER.match(ln.raw):
                drop.add(id(ln))
        if drop:
            pd.lines = [ln for ln in pd.lines if id(ln) not in drop]


def _starts_note(ln: _Line, body: float) -> bool:
    if ln.lead_marker is not None:
        return True
    return bool(re.match(r"^(\d{1,3})\s+\S", ln.raw)) and ln.size < 0.95 * body


def _split_footnotes(pd: _PageData, body: float, gap_limit: float) -> None:
    """Move the page-foot footnote zone from ``pd.lines`` to ``pd.footnote_lines``.

    Two signals, tried in order: a horizontal rule with only note-like lines below it, or a
    trailing run of paragraphs each of which starts with a note marker (superscript digits, or
    plain digits in a smaller font) — some layouts set notes at body size without a rule.
    """
    lines = pd.lines
    if len(lines) < 2:
        return
    best: int | None = None
    has_rule = False
    for y, _x0, _x1 in sorted(pd.rules):
        if y < 0.12 * pd.height:
            continue
        idx = next((i for i, ln in enumerate(lines) if ln.top >= y - 1.0), None)
        if idx is None or idx == 0 or lines[idx - 1].bottom > y + 1.0:
            continue
        zone = lines[idx:]
        if any(ln.size > body * 1.1 for ln in zone):
            continue
        small = all(ln.size < 0.92 * body for ln in zone)
        if _starts_note(zone[0], body) and (small or _all_groups_notes(zone, body, gap_limit)):
            best, has_rule = idx, True
            break
        if small and zone[0].lead_marker is None and not re.match(r"^\d", zone[0].raw):
            best, has_rule = idx, True  # continuation of a note from the previous page
            break
    if best is not None and best > 0:
        pd.footnote_lines = lines[best:]
        lines = pd.lines = lines[:best]
        pd.footnote_has_rule = has_rule
    # Notes set in the text flow (no rule): every paragraph that starts with a note marker.
    # Some layouts put a page's notes right after its text, so more body text may follow.
    notes: list[_Line] = []
    keep: list[_Line] = []
    in_note = False
    for i, ln in enumerate(lines):
        prev = lines[i - 1] if i else None
        gap_break = prev is None or ln.top - prev.bottom > gap_limit
        if in_note and gap_break and (_URL_LINE.match(ln.raw) or " " not in ln.raw):
            gap_break = False  # a note's URL set on its own line
        new_group = gap_break or (abs(ln.size - prev.size) >= 0.15 * body and not in_note)
        if new_group or ln.lead_marker is not None:
            in_note = _starts_note(ln, body) and (
                new_group or in_note or ln.lead_marker is not None and prev is not None
                and prev.size < body * 0.95)
        (notes if in_note else keep).append(ln)
    if notes:
        pd.lines = keep
        pd.footnote_lines = notes + pd.footnote_lines


def _all_groups_notes(zone: list[_Line], body: float, gap_limit: float) -> bool:
    """Every gap-separated group of lines in ``zone`` starts with a note marker."""
    for j in range(1, len(zone)):
        if zone[j].top - zone[j - 1].bottom > gap_limit and not _starts_note(zone[j], body):
            return False
    return _starts_note(zone[0], body)


def _gap_limit(pages: list[_PageData], body: float) -> float:
    gaps = []
    for pd in pages:
        for a, b in zip(pd.lines, pd.lines[1:], strict=False):
            if abs(a.size - body) < 0.3 and abs(b.size - body) < 0.3:
                g = b.top - a.bottom
                if g > -2:
                    gaps.append(g)
    gaps.sort()
    median = gaps[len(gaps) // 2] if gaps else 0.3 * body
    return max(median + 0.35 * body, median * 1.6)


def _parse_footnotes(pages: list[_PageData]) -> list[Footnote]:
    notes: list[list] = []  # [marker, text_lines, page]
    for pd in pages:
        current = None
        for ln in pd.footnote_lines:
            text, _ = ln.text(keep=None)
            marker = ln.lead_marker
            if marker is None:
                m = re.match(r"^(\d{1,3})\s+(\S.*)$", ln.raw)
                if m and (current is None or m.group(1) != current[0]):
                    marker, text = m.group(1), m.group(2)
                    # only plain numbers that fit the running sequence start a note
                    if current is not None and not _next_marker(current[0], marker):
                        marker = None
                        text, _ = ln.text(keep=None)
            else:
                text = ln.raw[len(marker):].strip()
            if marker is not None:
                current = [marker, [text], pd.number]
                notes.append(current)
            elif current is not None:
                current[1].append(text)
            elif notes:  # continuation of the previous page's last note
                notes[-1][1].append(text)
    out = []
    for marker, texts, page in notes:
        text = normalise_ws(join_wrapped_lines(dehyphenate("\n".join(texts)).split("\n")))
        out.append(Footnote(marker=marker, text=text, page=page, urls=tuple(find_urls(text))))
    return out


def _next_marker(prev: str, cur: str) -> bool:
    try:
        return 0 < int(cur) - int(prev) <= 3
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------
# Headings and blocks


@dataclass
class _Heading:
    line_idx: list[int]
    text: str
    number: str | None
    style: tuple[float, bool]


def _centred(ln: _Line, width: float) -> bool:
    return abs((ln.x0 + ln.x1) / 2 - width / 2) < 0.06 * width and ln.x0 > 0.2 * width


def _heading_lines(pd: _PageData, body: float) -> list[bool]:
    flags = []
    for ln in pd.lines:
        text = ln.raw
        is_h = False
        if len(text) <= 200 and sum(c.isalpha() for c in text) >= 2 and not _TOC_LINE.search(text):
            legal = bool(_LEGAL_HEADING.match(text)) and len(text) <= 130 and (
                ln.bold or ln.italic or _centred(ln, pd.width))
            if ln.size >= 1.12 * body or legal:
                is_h = True
            elif ln.bold and ln.size >= 0.98 * body and len(text) <= 150:
                is_h = bool(_NUMBERED.match(text)) or (
                    ln.size >= 1.04 * body and not _SENTENCE_END.search(text)
                )
        flags.append(is_h)
    return flags


@dataclass
class _Item:
    """One body element in reading order: a heading, a line, or a table."""

    kind: str  # heading | line | table
    page: int
    top: float
    line: _Line | None = None
    heading: str | None = None
    number: str | None = None
    style: tuple[float, bool] = (0.0, False)
    table: tuple | None = None


def _page_items(pd: _PageData, body: float) -> list[_Item]:
    items: list[_Item] = []
    tables = list(pd.tables)
    # Lines inside a table's box belong to the table.
    lines = list(pd.lines)
    captions: dict[int, str] = {}
    # Captions: a "Table N: ..." line just above or below a table.
    for k, t in enumerate(tables):
        near = [ln for ln in lines if _TABLE_CAPTION.match(ln.raw)
                and (0 <= t[0] - ln.bottom <= 40 or 0 <= ln.top - t[1] <= 40)]
        if near:
            cap = min(near, key=lambda ln: min(abs(t[0] - ln.bottom), abs(ln.top - t[1])))
            captions[k] = cap.raw
            lines = [ln for ln in lines if ln is not cap]
    flags = _heading_lines(_PageData(pd.number, pd.width, pd.height, lines=lines), body)
    i = 0
    while i < len(lines):
        ln = lines[i]
        if flags[i]:
            group = [ln]
            j = i + 1
            legal = bool(_LEGAL_HEADING.match(ln.raw))
            while j < len(lines) and abs(lines[j].size - ln.size) < 0.3:
                nxt = lines[j]
                gap = nxt.top - group[-1].bottom
                if flags[j] and nxt.bold == ln.bold and gap < 0.9 * ln.size and not (
                        _NUMBERED.match(nxt.raw) or _LEGAL_HEADING.match(nxt.raw)):
                    pass
                elif (legal and len(group) == 1 and nxt.bold == ln.bold
                      and nxt.italic == ln.italic and gap < 1.6 * ln.size
                      and len(nxt.raw) < 120 and not _SENTENCE_END.search(nxt.raw)):
                    pass  # "Article 5" + its title line
                else:
                    break
                group.append(nxt)
                j += 1
            text = normalise_ws(" ".join(g.text()[0] for g in group))
            m = _NUMBERED.match(text)
            items.append(_Item("heading", pd.number, ln.top, heading=text,
                               number=m.group(1) if m else None,
                               style=(ln.size, ln.bold or ln.italic)))
            i = j
            continue
        items.append(_Item("line", pd.number, ln.top, line=ln))
        i += 1
    for k, t in enumerate(tables):
        items.append(_Item("table", pd.number, t[0], table=(t[2], captions.get(k))))
    items.sort(key=lambda it: it.top)
    return items


def _is_toc_table(rows: list[list[str]]) -> bool:
    hits = 0
    for r in rows:
        cells = [c for c in r if c]
        if cells and (re.fullmatch(r"\d{1,4}|[ivxlc]{1,6}", cells[-1], re.IGNORECASE)
                      or _TOC_LINE.search(cells[-1])):
            hits += 1
    return hits >= 0.7 * len(rows)


class _Assembler:
    def __init__(self, body: float, keep: set[str], notes: list[Footnote],
                 lexicon: frozenset[str] = frozenset()) -> None:
        self.body = body
        self.lexicon = lexicon
        self.keep = keep
        self.blocks: list[Block] = []
        self.tables: list[Table] = []
        self.section: tuple[str, ...] = ()
        self.levels: list[int] = []
        self.cur: dict | None = None
        self.by_page: dict[tuple[int, str], Footnote] = {}
        self.by_marker: dict[str, list[Footnote]] = defaultdict(list)
        for n in notes:
            self.by_page.setdefault((n.page, n.marker), n)
            self.by_marker[n.marker].append(n)
        self.level_of_style: dict[tuple[float, bool], int] = {}
        self.in_contents = False

    # -- footnote linking ------------------------------------------------------------------
    def _cite(self, marker: str, page: int, offset: int) -> Citation | None:
        note = self.by_page.get((page, marker))
        if note is None:
            cands = self.by_marker.get(marker)
            if not cands:
                return None
            note = min(cands, key=lambda n: (abs(n.page - page), n.page < page))
        return Citation(marker=marker, text=note.text, url=note.urls[0] if note.urls else None,
                        page=note.page, offset=offset, urls=note.urls)

    # -- blocks ----------------------------------------------------------------------------
    def flush(self) -> None:
        cur = self.cur
        self.cur = None
        if not cur or not cur["text"].strip():
            return
        text = cur["text"]
        self.blocks.append(Block(text=text, kind=cur["kind"], section=self.section,
                                 page_breaks=tuple(cur["breaks"]),
                                 citations=tuple(cur["cites"])))

    def heading(self, it: _Item) -> None:
        self.flush()
        text = it.heading or ""
        if _CONTENTS.match(text.rstrip(":").strip()):
            self.section = ("Contents",)
            self.levels = [1]
            self.in_contents = True
        else:
            level = self._level(it)
            keep = [(lv, s) for lv, s in zip(self.levels, self.section, strict=False) if lv < level]
            self.levels = [lv for lv, _ in keep] + [level]
            self.section = tuple(s for _, s in keep) + (text,)
            self.in_contents = False
        self.blocks.append(Block(text=text, kind="heading", section=self.section,
                                 page_breaks=((0, it.page),)))

    def _level(self, it: _Item) -> int:
        if it.number:
            return it.number.count(".") + 1
        return self.level_of_style.get(it.style, len(self.level_of_style) + 1)

    def table(self, it: _Item) -> None:
        self.flush()
        rows, caption = it.table  # type: ignore[misc]
        if self.in_contents or _is_toc_table(rows):
            text = "\n".join(" ".join(c for c in r if c) for r in rows)
            self.blocks.append(Block(text=text, kind="paragraph", section=self.section,
                                     page_breaks=((0, it.page),)))
            return
        rendered = "\n".join(" | ".join(r) for r in rows)
        text = f"{caption}\n{rendered}" if caption else rendered
        self.tables.append(Table(page=it.page, rows=tuple(tuple(r) for r in rows),
                                 section=self.section, caption=caption))
        self.blocks.append(Block(text=text, kind="table", section=self.section,
                                 page_breaks=((0, it.page),)))

    def line(self, ln: _Line, prev: _Line | None, new_page: bool, gap_limit: float,
             right: float) -> None:
        text, markers = ln.text(self.keep)
        if not text and not markers:
            return
        bullet = bool(_BULLET.match(text))
        cur = self.cur
        start_new = cur is None or bullet
        if cur is not None and not start_new:
            if new_page:
                start_new = (cur["kind"] not in ("paragraph", "list")
                             or bool(_SENTENCE_END.search(cur["text"])))
            elif prev is not None:
                gap = ln.top - prev.bottom
                if gap > gap_limit * max(1.0, ln.size / self.body) or gap < -ln.size or abs(ln.size - prev.size) > 0.15 * max(ln.size, prev.size) or (prev.x1 < right - 4 * prev.size and _SENTENCE_END.search(cur["text"])
                      and ln.x0 >= prev.x0 - 1):
                    start_new = True
        if start_new:
            self.flush()
            self.cur = cur = {"text": "", "kind": "list" if bullet else "paragraph",
                              "breaks": [(0, ln.page)], "cites": []}
            base = 0
        else:
            assert cur is not None
            prior = cur["text"]
            if len(prior) >= 2 and prior[-1] in "-\u00ad" and prior[-2].isalnum() and text[:1].isalpha():
                if prior[-1] == "\u00ad" or join_hyphenated(
                    _LAST_WORD.search(prior[:-1]).group(0),  # type: ignore[union-attr]
                    _FIRST_WORD.match(text).group(0),  # type: ignore[union-attr]
                    self.lexicon,
                ):
                    prior = prior[:-1]
                cur["text"] = prior
                base = len(prior)
            else:
                cur["text"] = prior + " "
                base = len(cur["text"])
            if new_page and cur["breaks"][-1][1] != ln.page:
                cur["breaks"].append((base, ln.page))
        cur["text"] += text
        for off, marker in markers:
            if off == 0 and base > 0 and cur["text"][base - 1] == " ":
                off = -1  # a marker wrapped to the line start belongs before the space
            c = self._cite(marker, ln.page, base + off)
            if c is not None:
                cur["cites"].append(c)


def _assemble(pages: list[_PageData], body: float, notes: list[Footnote],
              gap_limit: float) -> _Assembler:
    keep = {n.marker for n in notes}
    lexicon = build_lexicon(ln.raw for pd in pages for ln in pd.lines)
    asm = _Assembler(body, keep, notes, lexicon)
    page_items = [(pd, _page_items(pd, body)) for pd in pages if pd.lines or pd.tables]
    # Heading levels for unnumbered headings: the shallowest numbered level seen in that style,
    # else the rank of the style (bigger/bolder = higher).
    numbered: dict[tuple[float, bool], list[int]] = defaultdict(list)
    styles: set[tuple[float, bool]] = set()
    for _, items in page_items:
        for it in items:
            if it.kind == "heading":
                styles.add(it.style)
                if it.number:
                    numbered[it.style].append(it.number.count(".") + 1)
    ranked = sorted(styles, key=lambda s: (-s[0], not s[1]))
    for rank, st in enumerate(ranked, start=1):
        asm.level_of_style[st] = min(numbered[st]) if numbered.get(st) else rank
    rights = sorted(ln.x1 for pd, _ in page_items for ln in pd.lines)
    right = rights[int(0.9 * (len(rights) - 1))] if rights else 0.0
    for pd, items in page_items:
        prev: _Line | None = None
        first = True
        for it in items:
            if it.kind == "heading":
                asm.heading(it)
                prev = None
            elif it.kind == "table":
                asm.table(it)
                prev = None
            else:
                assert it.line is not None
                if prev is None and not first:
                    asm.flush()
                asm.line(it.line, prev, first and asm.cur is not None, gap_limit, right)
                prev = it.line
            first = False
    asm.flush()
    return asm


# ---------------------------------------------------------------------------------------------
# Top level


def _title(pdf, pages: list[_PageData], body: float) -> str | None:
    meta = (pdf.metadata or {}).get("Title")
    if isinstance(meta, bytes):
        meta = meta.decode("utf-8", "replace")
    if isinstance(meta, str):
        meta = normalise_ws(meta)
        if len(meta) >= 4 and _letters_ratio(meta) > 0.5 and not _FAKE_TITLES.search(meta):
            return meta
    for pd in pages:
        if not pd.lines:
            continue
        big = max(ln.size for ln in pd.lines)
        if big < 1.1 * body:  # nothing set larger than the text: no visible title
            return None
        run = []
        for ln in pd.lines:
            if abs(ln.size - big) < 0.3:
                run.append(ln.raw)
            elif run:
                break
        title = normalise_ws(" ".join(run))
        return title[:300] or None
    return None


def _extract(path: Path, pdf) -> Extraction:
    pages, failed = _read_pages(path, pdf)
    n = len(pages)
    problems: list[Problem] = []
    text_pages = [pd for pd in pages if pd.has_text]
    if not text_pages:
        if failed and len(failed) == n:
            raise ExtractionError(path, "corrupt", "no page could be parsed")
        raise ExtractionError(path, "no-text",
                              f"no page of {n} has a text layer (scanned/image-only; needs OCR)")
    garbage = [pd.number for pd in pages if pd.garbage]
    if len(garbage) >= max(1, 0.9 * len(text_pages)):
        raise ExtractionError(
            path, "garbage-text",
            f"text layer is not decodable on {len(garbage)} of {n} pages "
            "(fonts without Unicode mapping, e.g. (cid:NNN) glyphs); needs OCR")
    if garbage:
        problems.append(Problem(str(path), "garbage-text",
                                f"undecodable text layer on {len(garbage)} page(s); text dropped",
                                pages=tuple(garbage)))
    empty = [pd.number for pd in pages if not pd.has_text and pd.number not in failed]
    if empty:
        problems.append(Problem(str(path), "no-text",
                                f"{len(empty)} of {n} page(s) have no text layer (image-only or "
                                "blank; would need OCR)", pages=tuple(empty)))
    if failed:
        problems.append(Problem(str(path), "partial-text",
                                f"{len(failed)} page(s) could not be parsed", pages=tuple(failed)))
    body = _body_size(pages)
    _strip_running(pages)
    gap_limit = _gap_limit(pages, body)
    for pd in pages:
        _split_footnotes(pd, body, gap_limit)
    notes = _parse_footnotes(pages)
    asm = _assemble(pages, body, notes, gap_limit)
    page_texts = []
    for pd in pages:
        if not pd.has_text or pd.garbage:
            page_texts.append(PageText(pd.number, "", has_text=False))
            continue
        parts = [ln.text(asm.keep)[0] for ln in pd.lines]
        parts += ["\n".join(" | ".join(r) for r in t[2]) for t in pd.tables]
        page_texts.append(PageText(pd.number, "\n".join(p for p in parts if p)))
    return Extraction(
        path=str(path),
        format="pdf",
        title=_title(pdf, pages, body),
        pages=tuple(page_texts),
        blocks=tuple(asm.blocks),
        footnotes=tuple(notes),
        tables=tuple(asm.tables),
        problems=tuple(problems),
    )
