"""Pages without a usable text layer, read from their image: blank pages, and OCR lines.

A page with no glyphs, or with glyphs that do not decode (:func:`.pages.page_is_garbage`), is
rendered (grayscale, ``PdfLayout.ocr_dpi``).  A (nearly) uniform image is a blank page: known as
blank, not a problem.  Otherwise Tesseract reads it (:mod:`wbpolicy.extract.ocr`) in the
document's language, and its words become the same :class:`~.model.Line` objects the glyphs of
a text layer make, so that running headers, footnotes, headings and paragraphs are found on OCR
pages as on the others:

* words are grouped by Tesseract's lines (fragments of one printed line joined);
* a line's font size is estimated from its words' heights and the letters they contain (an
  x-height-only word such as "en" is shorter than "Belgique"), then set relative to the body
  text: OCR body lines get the document's body size, other sizes are rounded;
* a line is bold when its ink density is well above the document's OCR median;
* small raised digits are footnote markers: a word of their own, a note's number opening a
  line, or a mark glued to a word's end (Tesseract often misreads those as "*" or "?"; the
  mark is then cut out and read again alone, as digits);
* every word keeps its box, converted from pixels to PDF points.

OCR pages are marked (``PageData.ocr``), and so are the page texts and blocks made from them.
Nothing here runs when OCR is off (``PdfLayout.ocr``) or Tesseract is not installed: such pages
are reported as before (``no-text``/``garbage-text``).
"""

from __future__ import annotations

import dataclasses
import logging
import re
import statistics
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from wbpolicy.extract import ocr
from wbpolicy.extract.language import guess_language
from wbpolicy.text import normalise_ws

from .layout import PdfLayout
from .model import Line, PageData, Piece

if TYPE_CHECKING:
    from pdfplumber.pdf import PDF
    from PIL.Image import Image

log = logging.getLogger(__name__)

# letter shapes, for a word's font size from its height: caps/ascenders reach up, descenders down
_TALL = frozenset("bdfhiklt0123456789()[]{}|/\\@$%&#!?'\"ß")
_DESCENDING = frozenset("gjpqyQ()[]{}|/@$,;ç")
_ASCENT = 0.71  # cap/ascender height, as a share of the font size (common text faces)
_X_HEIGHT = 0.48
_DESCENT = 0.22
_SUP_HEIGHT = 0.8  # a raised digit word at most this share of a full digit's height: a marker
_SUP_MIN_HEIGHT = 0.25  # ... and at least this share of the line's size (not a speck of dust)
_LINE_ASCENT = 0.75  # a line's box reaches this share of its size above the baseline
_PUNCT_MIN_CONF = 50.0  # a word without letters or digits is kept from this confidence on
_WORDLIKE = re.compile(r"[^\W\d_]{3,}")  # three letters in a row: a word, however unsure
_RAISED = 0.12  # a word whose top is this (x size) above the ascender line has a raised mark
_GLUED_DIGITS = re.compile(r"^(.*(?:[^\W\d_]|[.,;:)\]’”\"']))(\d{1,3})$")
_MARK_MISREADS = "*?!°^¹²³"  # what Tesseract makes of a raised digit
_AFTER_MARK = ".,;:)]"  # punctuation set after a marker
_QUOTES = "’'\"”"  # ... or, when it sticks out above the line, what it may be read as
_MARK_WIDTH = 0.55  # a raised digit mark at a word's end is at most this wide (x size)
_SUP_DIGITS = re.compile(r"^\d{1,3}(?:,\d{1,3})*$")
_ALNUM = re.compile(r"[^\W_]")
_LANGUAGE_SAMPLE = 20000  # characters of text-layer pages the language guess reads
_PROBE_LANGUAGE = "en"  # an unknown language is guessed from a first page read in this one
_CYRILLIC_PROBE = "srp"  # ... or in this one, when English reads it badly


def ocr_enabled(layout: PdfLayout) -> bool:
    """Whether image pages are OCR'd: on in ``layout`` and Tesseract installed."""
    return layout.ocr and ocr.available() and bool(ocr.installed_languages())


def needs_image(pd: PageData, failed: list[int]) -> bool:
    """A page read from its image: no glyphs, or glyphs that do not decode."""
    return pd.number not in failed and (not pd.has_text or pd.garbage)


def read_image_pages(
    path: Path, pdf: PDF, pages: list[PageData], failed: list[int], layout: PdfLayout
) -> None:
    """Blank-check and OCR every page without a usable text layer, in place."""
    targets = [pd for pd in pages if needs_image(pd, failed)]
    if not targets or not ocr_enabled(layout):
        return
    try:
        doc = ocr.open_document(path)
    except Exception as exc:  # noqa: BLE001 - pdfium cannot open it: the pages stay unread
        log.warning("%s: cannot render pages for OCR: %s", path, exc)
        return
    reader = _Reader(path, doc, layout, _known_languages(pdf, pages, layout))
    try:
        for pd in targets:
            reader.read(pd)
        reader.finish()
    finally:
        doc.close()
    try:
        _set_sizes(pages, reader.measured, layout)
    except Exception as exc:  # noqa: BLE001 - the OCR text stands, with its raw size estimates
        log.warning("%s: OCR line sizes not normalised: %s", path, exc)


@dataclass
class _Measured:
    """An OCR line's raw measurements, until the document's OCR body is known."""

    line: Line
    size: float  # estimated font size (points)
    ink: float  # dark share of its word boxes


class _Reader:
    """Reads the image pages of one document in turn, guessing its language on the way."""

    def __init__(self, path: Path, doc: Any, layout: PdfLayout, languages: str | None) -> None:
        self.path = path
        self.doc = doc
        self.layout = layout
        self.languages = languages  # None: not known yet (probe)
        self.probed: list[PageData] = []  # pages read in the probe language, language unknown
        self.measured: dict[int, list[_Measured]] = {}

    def read(self, pd: PageData) -> None:
        """Blank-check and OCR one page; a failure leaves it as it was (reported as before)."""
        layout = self.layout
        try:
            image = ocr.render_page(self.doc, pd.number - 1, layout.ocr_dpi)
            if ocr.ink_share(image, layout.ocr_ink_level) < layout.ocr_blank_share:
                pd.blank = True
                return
            self._apply(pd, image, self._recognise(pd, image))
        except ocr.OcrError as exc:
            log.warning("%s: OCR of page %d failed: %s", self.path, pd.number, exc)
        except Exception as exc:  # noqa: BLE001 - one page that cannot be rendered or read
            log.warning("%s: page %d could not be OCR'd: %s", self.path, pd.number, exc)

    def _recognise(self, pd: PageData, image: Image) -> ocr.OcrResult:
        """The page read in the document's language; while that is unknown, read in English
        (and, when that reads badly, in Serbian Cyrillic) and guessed from the words read."""
        layout = self.layout
        if self.languages is not None:
            return self._ocr(image, self.languages)
        probe = ocr.languages_for(_PROBE_LANGUAGE)
        assert probe is not None  # ocr_enabled: some language is installed
        result = self._ocr(image, probe)
        guessed = guess_language(result.text)
        cyrillic = ocr.parse_languages(_CYRILLIC_PROBE)
        if guessed is None and cyrillic and _mean_conf(result) < layout.ocr_low_conf:
            second = self._ocr(image, cyrillic)
            if guess_language(second.text) in ("sr", "mk"):
                result, guessed = second, guess_language(second.text)
        if guessed is None and len(self.probed) + 1 >= layout.ocr_probe_pages:
            self.languages = probe  # still unknown after enough pages: the probe language
            return result
        if guessed is None:
            self.probed.append(pd)
            return result
        self.languages = ocr.languages_for(guessed) or probe
        log.info("%s: OCR language %s (guessed %s)", self.path, self.languages, guessed)
        if self.languages != result.languages:
            result = self._ocr(image, self.languages)
        return result

    def _ocr(self, image: Image, languages: str) -> ocr.OcrResult:
        layout = self.layout
        return ocr.recognise(
            image, languages, threads=layout.ocr_threads, timeout_s=layout.ocr_timeout_s
        )

    def finish(self) -> None:
        """Re-read the pages read before the language was known, in that language."""
        probe = ocr.languages_for(_PROBE_LANGUAGE)
        redo, self.probed = self.probed, []
        if self.languages is None or self.languages == probe:
            return
        for pd in redo:
            try:
                image = ocr.render_page(self.doc, pd.number - 1, self.layout.ocr_dpi)
                self._apply(pd, image, self._ocr(image, self.languages))
            except Exception as exc:  # noqa: BLE001 - the probe reading stays
                log.warning("%s: OCR of page %d failed: %s", self.path, pd.number, exc)

    def _apply(self, pd: PageData, image: Image, result: ocr.OcrResult) -> None:
        """The page's lines from the words read; the page is marked as OCR'd (all or nothing:
        an exception leaves the page as it was)."""
        sx = pd.width / image.width
        sy = pd.height / image.height
        measured, words = _lines(result.words, pd, image, (sx, sy), self.layout, self._digits)
        chars = sum(len(w.text) for w in words)
        conf = sum(w.conf * len(w.text) for w in words) / chars if chars else None
        self.measured[pd.number] = measured
        pd.ocr = True
        if not measured:
            pd.lines, pd.ocr_words, pd.ocr_conf = [], [], None
            return  # nothing to index: a graphic (or a garbage page stays garbage)
        pd.lines = [m.line for m in measured]
        pd.tables = []
        pd.has_text = True
        pd.garbage = False
        pd.ocr_conf = conf
        pd.ocr_words = [
            (w.text, w.left * sx, w.top * sy, w.right * sx, w.bottom * sy) for w in words
        ]

    def _digits(self, image: Image, box: Box, em: float) -> str | None:
        """A small raised mark Tesseract did not read as digits, read again alone (enlarged,
        digits only): the digits of a footnote marker, or None."""
        from PIL import Image as PILImage

        left, top, right, bottom = box
        pad = max(2, round(0.2 * em))
        crop = image.crop((max(0, left - pad), max(0, top - pad), right + pad, bottom + pad))
        crop = crop.resize((crop.width * 4, crop.height * 4), PILImage.Resampling.LANCZOS)
        canvas = PILImage.new("L", (crop.width + 40, crop.height + 40), 255)
        canvas.paste(crop, (20, 20))
        probe = ocr.languages_for(_PROBE_LANGUAGE) or "eng"
        try:
            got = ocr.recognise(
                canvas,
                probe,
                config=ocr.DIGITS_CONFIG,
                threads=self.layout.ocr_threads,
                timeout_s=self.layout.ocr_timeout_s,
            )
        except ocr.OcrError:
            return None
        text = "".join(x.text for x in got.words if x.conf >= self.layout.ocr_min_conf)
        return text if text.isdigit() and len(text) <= 3 else None


def _mean_conf(result: ocr.OcrResult) -> float:
    words = [w for w in result.words if w.conf >= 0]
    return sum(w.conf for w in words) / len(words) if words else 0.0


def _known_languages(pdf: PDF, pages: list[PageData], layout: PdfLayout) -> str | None:
    """The Tesseract languages to read with, when known before any OCR: the layout's, else the
    language of the text-layer pages, else the document's /Lang; None: guess from the image."""
    if layout.ocr_languages:
        spec = ocr.parse_languages(layout.ocr_languages)
        if spec:
            return spec
        log.warning("none of the OCR languages %r is installed", layout.ocr_languages)
    sample = " ".join(ln.raw for pd in pages if pd.has_text and not pd.garbage for ln in pd.lines)[
        :_LANGUAGE_SAMPLE
    ]
    guessed = guess_language(sample)
    if guessed is None:
        guessed = _catalog_language(pdf)
    return ocr.languages_for(guessed) if guessed else None


def _catalog_language(pdf: PDF) -> str | None:
    """The ISO 639-1 code of the document catalog's /Lang entry ("fr-BE" -> "fr"), if any."""
    try:
        from pdfminer.pdftypes import resolve1

        lang = resolve1(pdf.doc.catalog.get("Lang"))
    except Exception:  # noqa: BLE001 - a broken catalog: no hint
        return None
    if isinstance(lang, bytes):
        lang = lang.decode("latin-1", "replace")
    if not isinstance(lang, str):
        return None
    code = lang.strip().lower().replace("_", "-").split("-")[0]
    return code if code in ocr.TESSERACT_LANGUAGES else None


# --- words to lines ------------------------------------------------------------------------------


def _em(word: ocr.OcrWord) -> float | None:
    """The font size (pixels) a word's height implies, from the letters it contains."""
    text = word.text
    if not _ALNUM.search(text):
        return None
    tall = any(c.isupper() or c in _TALL or _accented(c) for c in text)
    low = any(c in _DESCENDING for c in text)
    share = (_ASCENT if tall else _X_HEIGHT) + (_DESCENT if low else 0.0)
    return word.height / share


def _accented(c: str) -> bool:
    return c.isalpha() and c.islower() and len(unicodedata.normalize("NFD", c)) > 1


def _baseline(word: ocr.OcrWord, em: float) -> float:
    low = any(c in _DESCENDING for c in word.text)
    return word.bottom - (_DESCENT * em if low else 0.0)


def _groups(words: list[ocr.OcrWord], layout: PdfLayout) -> list[list[ocr.OcrWord]]:
    """Words by Tesseract line; fragments of one printed line (same height, close) joined."""
    by_line: dict[tuple[int, int, int], list[ocr.OcrWord]] = {}
    for w in words:
        by_line.setdefault((w.block, w.par, w.line), []).append(w)
    groups = sorted(by_line.values(), key=lambda g: (min(w.top for w in g), g[0].left))
    out: list[list[ocr.OcrWord]] = []
    for g in groups:
        g.sort(key=lambda w: w.left)
        top, bottom = min(w.top for w in g), max(w.bottom for w in g)
        em = _line_em(g) or float(bottom - top)
        target = None
        for o in out:
            otop, obottom = min(w.top for w in o), max(w.bottom for w in o)
            overlap = min(bottom, obottom) - max(top, otop)
            if overlap < 0.5 * min(bottom - top, obottom - otop):
                continue
            gap = max(g[0].left - max(w.right for w in o), min(w.left for w in o) - g[-1].right)
            if gap <= layout.ocr_line_join_ratio * em:
                target = o
                break
        if target is None:
            out.append(g)
        else:
            target.extend(g)
            target.sort(key=lambda w: w.left)
    return out


def _line_em(words: list[ocr.OcrWord]) -> float | None:
    """A line's font size in pixels: the trimmed mean of its words' estimates (a word's height is
    whole pixels; many words give a finer measure than any one)."""
    ems = sorted(e for e in (_em(w) for w in words) if e is not None)
    if not ems:
        return None
    cut = len(ems) // 4
    mid = ems[cut : len(ems) - cut] or ems
    return sum(mid) / len(mid)


def _marked(text: str) -> bool:
    """Whether a word may carry a footnote marker at its end (its box is taller than its
    letters say, so it does not measure the line)."""
    core = text.rstrip(_AFTER_MARK)
    return bool(core) and (
        bool(_GLUED_DIGITS.match(core)) or _is_mark_misread(core[-1]) or core[-1] in _QUOTES
    )


def _is_mark_misread(c: str) -> bool:
    return c in _MARK_MISREADS or unicodedata.category(c) in ("So", "Sk")


def _kept(w: ocr.OcrWord, layout: PdfLayout) -> bool:
    """A word worth keeping: confident enough, and a punctuation-only word (a dash) only when
    Tesseract is sure of it (stray marks of rules and pictures are not)."""
    return w.conf >= layout.ocr_min_conf and (
        bool(_ALNUM.search(w.text)) or w.conf >= _PUNCT_MIN_CONF
    )


def _line_words(group: list[ocr.OcrWord], layout: PdfLayout) -> list[ocr.OcrWord]:
    """The words of a line worth keeping; a real word Tesseract was unsure of (often one with a
    footnote marker glued to it, "SCADA*") stays when the line has confident words."""
    good = [w for w in group if _kept(w, layout)]
    if not good:
        return []
    return [w for w in group if w in good or (w.conf >= 0 and _WORDLIKE.search(w.text))]


Box = tuple[int, int, int, int]  # left, top, right, bottom (pixels)
Digits = Callable[["Image", Box, float], "str | None"]


def _lines(
    words: tuple[ocr.OcrWord, ...],
    pd: PageData,
    image: Image,
    scale: tuple[float, float],
    layout: PdfLayout,
    digits: Digits,
) -> tuple[list[_Measured], list[ocr.OcrWord]]:
    """The page's lines, top to bottom, with their raw size and ink measurements; and the words
    kept, in reading order."""
    ink = _InkMeter(image, layout.ocr_ink_level)
    sx, sy = scale
    ox, oy = pd.origin
    out: list[_Measured] = []
    kept_all: list[ocr.OcrWord] = []
    lines = [(g, _line_words(g, layout)) for g in _groups(list(words), layout)]
    ems = [e for e in (_line_em(good) for _, good in lines if len(good) >= 3) if e is not None]
    page_em = statistics.median(ems) if ems else None
    for group, good in lines:
        plain = [w for w in good if not _marked(w.text)]
        em = _line_em(plain) if plain else (page_em or _line_em(good))
        if em is None or not good:
            continue
        base = statistics.median(_baseline(w, _em(w) or em) for w in good)
        split = _LineSplitter(image, em, base, layout, digits)
        pieces, lead, body = split.run(group, good)
        if not body:
            continue
        raw = normalise_ws("".join(t if m is None else m for t, m in pieces))
        if lead is not None:
            raw = normalise_ws(lead + " " + raw)
        line = Line(
            page=pd.number,
            top=oy + (base - _LINE_ASCENT * em) * sy,
            bottom=oy + (base + _DESCENT * em) * sy,
            x0=ox + min(w.left for w in body) * sx,
            x1=ox + max(w.right for w in body) * sx,
            size=em * sy,
            bold=False,
            italic=False,
            pieces=pieces,
            lead_marker=lead,
            raw=raw,
            words=[
                (w.text, ox + w.left * sx, oy + w.top * sy, ox + w.right * sx, oy + w.bottom * sy)
                for w in split.kept
            ],
        )
        out.append(_Measured(line, em * sy, ink.density(body)))
        kept_all.extend(split.kept)
    out.sort(key=lambda m: (m.line.top, m.line.x0))
    return out, kept_all


class _LineSplitter:
    """One OCR line's text pieces: words, and footnote markers (small raised digits: a word of
    its own, a note's number opening the line, or digits glued to a word's end)."""

    def __init__(
        self, image: Image, em: float, base: float, layout: PdfLayout, digits: Digits
    ) -> None:
        self.image = image
        self.em = em
        self.base = base
        self.layout = layout
        self.digits = digits
        self.kept: list[ocr.OcrWord] = []  # the words of the line as they stand in its text

    def run(
        self, group: list[ocr.OcrWord], good: list[ocr.OcrWord]
    ) -> tuple[list[Piece], str | None, list[ocr.OcrWord]]:
        """``(pieces, lead marker, body words)`` of the line."""
        lead: str | None = None
        first = group[0]
        if self._small_raised(first) and (not good or first.left <= good[0].left):
            if first in good and _SUP_DIGITS.match(first.text):
                lead = first.text.split(",")[0]
            else:  # a note's number Tesseract misread (".", "!") or was unsure of
                lead = self.digits(self.image, _box(first), self.em)
            if lead is not None:
                good = [w for w in good if w is not first]
                self.kept.append(dataclasses.replace(first, text=lead))
        pieces: list[Piece] = []
        buf = ""
        body: list[ocr.OcrWord] = []
        for w in good:
            if _SUP_DIGITS.match(w.text) and self._small_raised(w):
                if buf:
                    pieces.append((buf, None))
                    buf = ""
                parts = [x for x in w.text.split(",") if x]
                if not pieces and lead is None:
                    lead, parts = parts[0], parts[1:]
                pieces.extend(("", x) for x in parts)
                self.kept.append(w)
                continue
            text, marker, after = self._glued(w)
            body.append(w)
            if buf or pieces:
                buf += " "
            buf += text
            if marker is not None:
                pieces.append((buf, None))
                pieces.append(("", marker))
                buf = after
                w = dataclasses.replace(w, text=text + after)
            self.kept.append(w)
        if buf:
            pieces.append((buf, None))
        return pieces, lead, body

    def _small_raised(self, w: ocr.OcrWord) -> bool:
        """A word set small and raised above the line's baseline (a footnote marker's shape)."""
        em = self.em
        return (
            _SUP_MIN_HEIGHT * em <= w.height <= _SUP_HEIGHT * _ASCENT * em
            and w.bottom < self.base - self.layout.sup_raise_ratio * em
        )

    def _glued(self, w: ocr.OcrWord) -> tuple[str, str | None, str]:
        """A word's text split at a footnote marker glued to its end: ``(text, marker, after)``
        ("réelle3" -> "réelle", "3", ""; "DDoS*." -> "DDoS", "3", "." when the "*" is a raised
        digit); ``(text, None, "")`` when it has none."""
        em = self.em
        text = w.text
        if w.top >= self.base - (_ASCENT + _RAISED) * em:
            return text, None, ""  # nothing sticks out above the line
        core = text.rstrip(_AFTER_MARK)
        after = text[len(core) :]
        m = _GLUED_DIGITS.match(core)
        if m:
            return m.group(1), m.group(2), after
        k = 0  # glyphs of the mark
        while k < len(core) and _is_mark_misread(core[-1 - k]):
            k += 1
        if not k and core[-1:] in _QUOTES:
            k = 1  # a raised digit read as a closing quote
        if not k or k == len(core):
            return text, None, ""
        mark_bottom = round(self.base - self.layout.sup_raise_ratio * em)
        box = _raised_mark(self.image, w, mark_bottom, self.layout.ocr_ink_level, em)
        if box is None:
            return text, None, ""
        digits = self.digits(self.image, box, em)
        if not digits:
            return text, None, ""
        # as many digits as Tesseract saw glyphs (a quote next to the mark may look like a "1")
        return core[:-k], digits[-k:], after


def _raised_mark(
    image: Image, w: ocr.OcrWord, mark_bottom: int, level: int, em: float
) -> Box | None:
    """The box of the glyph at a word's right end when it is set above ``mark_bottom`` (a
    superscript): the ink columns from the right edge up to the first blank column, none of
    which has ink below the mark's bottom."""
    import numpy as np

    if mark_bottom <= w.top:
        return None
    ink = np.asarray(image.crop((w.left, w.top, w.right, w.bottom))) < level
    upper = cast("list[bool]", ink[: mark_bottom - w.top].any(axis=0).tolist())
    lower = cast("list[bool]", ink[mark_bottom - w.top :].any(axis=0).tolist())
    x = len(upper) - 1
    while x >= 0 and not upper[x]:  # blank columns, and a full stop or comma after the mark
        x -= 1
    right = x
    while x >= 0 and upper[x] and not lower[x]:
        x -= 1
    if right < 0 or x == right or (x >= 0 and lower[x]) or right - x > _MARK_WIDTH * em:
        return None  # no raised glyph at the end, or it runs into a letter
    cols = ink[:, x + 1 : right + 1]
    rows = np.flatnonzero(cols.any(axis=1))
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    if bottom - top < _SUP_MIN_HEIGHT * em:
        return None
    return (w.left + x + 1, w.top + top, w.left + right + 1, w.top + bottom)


def _box(w: ocr.OcrWord) -> Box:
    return (w.left, w.top, w.right, w.bottom)


class _InkMeter:
    """The dark share of word boxes (a stroke-weight measure: bold text has more ink)."""

    def __init__(self, image: Image, level: int) -> None:
        self.image = image
        self.level = level

    def density(self, words: list[ocr.OcrWord]) -> float:
        dark = area = 0
        for w in words:
            if w.width <= 0 or w.height <= 0:
                continue
            hist = self.image.crop((w.left, w.top, w.right, w.bottom)).histogram()
            dark += sum(hist[: self.level])
            area += w.width * w.height
        return dark / area if area else 0.0


# --- sizes and weight, once every page is read -------------------------------------------------


def _set_sizes(
    pages: list[PageData], measured: dict[int, list[_Measured]], layout: PdfLayout
) -> None:
    """OCR line sizes relative to the body text, and bold lines.

    The OCR body size (the char-weighted median estimate) becomes the text-layer body size when
    the document has text-layer lines, else stays (rounded to ``ocr_size_step``); other sizes are
    scaled alike.  Lines within ``ocr_same_size_ratio`` of the body get its size exactly; the
    others are clustered (sizes within twice that ratio of a cluster's smallest are one size: the
    lines of one heading measure a few per cent apart) and each cluster's size is rounded.  A
    line is bold when its ink density is ``ocr_bold_ratio`` x the char-weighted median density.
    """
    ms = [m for pd in pages if pd.ocr for m in measured.get(pd.number, ())]
    if not ms:
        return
    ocr_body = _weighted_median([(m.size, len(m.line.raw)) for m in ms])
    ink_median = _weighted_median([(m.ink, len(m.line.raw)) for m in ms])
    text_sizes: dict[float, int] = {}
    for pd in pages:
        if pd.ocr:
            continue
        for ln in pd.lines:
            text_sizes[ln.size] = text_sizes.get(ln.size, 0) + len(ln.raw)
    step = layout.ocr_size_step
    if text_sizes:
        target = max(text_sizes, key=lambda s: text_sizes[s])
    else:
        target = round(ocr_body / step) * step or ocr_body
    factor = target / ocr_body if ocr_body else 1.0
    tol = layout.ocr_same_size_ratio
    others: list[tuple[float, _Measured]] = []
    for m in ms:
        size = m.size * factor
        if abs(size - target) <= tol * target:
            m.line.size = target
        else:
            others.append((size, m))
        m.line.bold = ink_median > 0 and m.ink >= layout.ocr_bold_ratio * ink_median
    others.sort(key=lambda x: x[0])
    i = 0
    while i < len(others):
        j = i + 1
        while j < len(others) and others[j][0] <= others[i][0] * (1 + 2 * tol):
            j += 1
        cluster = others[i:j]
        size = _weighted_median([(sz, len(m.line.raw)) for sz, m in cluster])
        size = round(size / step) * step or size
        for _, m in cluster:
            m.line.size = size
        i = j


def _weighted_median(values: list[tuple[float, int]]) -> float:
    ordered = sorted(values)
    total = sum(w for _, w in ordered)
    acc = 0
    for v, w in ordered:
        acc += w
        if acc * 2 >= total:
            return v
    return ordered[-1][0] if ordered else 0.0
