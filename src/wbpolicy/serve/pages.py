"""PDF pages as PNG images, with a passage's or a quote's text boxes highlighted.

The boxes come from the PDF's own character positions: pdfplumber reads the page's glyphs (the
library the extractor read them with), the glyphs become word tokens with their boxes, and the
passage's words are aligned with the page's (``difflib``), whitespace, case, hyphenation and
footnote markers aside.  pypdfium2 renders the page; the boxes are drawn over it.  Rendered
images and token lists are kept in bounded in-memory caches.

Paths come from the index (the file a document was ingested from), never from a request.
"""

from __future__ import annotations

import difflib
import io
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

from wbpolicy.errors import NotFound

_TOKEN = re.compile(r"[^\W_]+")
# a run of matching words shorter than this is a coincidence ("of the"), not the passage
MIN_RUN = 3
# unmatched page words between two matched runs that are still part of the passage (a
# hyphenated line end, a footnote marker glued to its word, a ligature)
MAX_GAP = 4
HIGHLIGHT_FILL = (255, 214, 0, 96)
HIGHLIGHT_LINE = (230, 150, 0, 255)


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF points, origin at the page's top left."""

    x0: float
    top: float
    x1: float
    bottom: float

    def to_json(self) -> dict[str, float]:
        return {k: round(v, 2) for k, v in vars(self).items()}


@dataclass(frozen=True)
class Token:
    norm: str
    box: Box


@dataclass(frozen=True)
class PageTokens:
    width: float
    height: float
    tokens: tuple[Token, ...]


def tokens_of(text: str) -> list[str]:
    """A text's comparable words: NFKC, case-folded, split at anything not a letter or digit."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def _union(chars: Sequence[dict[str, Any]], dx: float, dy: float) -> Box:
    return Box(
        min(float(c["x0"]) for c in chars) - dx,
        min(float(c["top"]) for c in chars) - dy,
        max(float(c["x1"]) for c in chars) - dx,
        max(float(c["bottom"]) for c in chars) - dy,
    )


def _word_tokens(word: dict[str, Any], body_size: float, dx: float, dy: float) -> list[Token]:
    chars = word.get("chars") or []
    if not chars:
        return []
    if float(word.get("size", body_size)) < 0.8 * body_size and word["text"].isdigit():
        return []  # a footnote marker (small raised digits) is not in the passage text
    text, owner = "", []
    for i, ch in enumerate(chars):
        t = unicodedata.normalize("NFKC", ch["text"]).casefold()
        text += t
        owner += [i] * len(t)
    out = []
    for m in _TOKEN.finditer(text):
        span = chars[owner[m.start()] : owner[m.end() - 1] + 1]
        out.append(Token(m.group(0), _union(span, dx, dy)))
    return out


def read_tokens(path: Path, page: int, ocr_words: Sequence[Sequence[Any]] = ()) -> PageTokens:
    """The word tokens of page ``page`` (1-based) of the PDF at ``path``, in reading order.  A
    page read by OCR has no glyphs: its stored ``ocr_words`` (text, x0, top, x1, bottom, in
    points from the page's top left) give the boxes instead."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        if not 1 <= page <= len(pdf.pages):
            raise NotFound(f"{path.name} has no page {page}")
        p = pdf.pages[page - 1]
        dx, dy = float(p.bbox[0]), float(p.bbox[1])
        if ocr_words:
            tokens = [
                Token(norm, Box(float(x0), float(top), float(x1), float(bottom)))
                for text, x0, top, x1, bottom in ocr_words
                for norm in tokens_of(str(text))
            ]
            return PageTokens(float(p.width), float(p.height), tuple(tokens))
        words = p.extract_words(extra_attrs=["size"], return_chars=True)
        sizes = [float(w["size"]) for w in words if "size" in w]
        body = median(sizes) if sizes else 10.0
        tokens = [t for w in words for t in _word_tokens(w, body, dx, dy)]
        return PageTokens(float(p.width), float(p.height), tuple(tokens))


def match_tokens(page: Sequence[str], wanted: Sequence[str]) -> list[int]:
    """Indices of the ``page`` tokens that spell ``wanted``: aligned runs of at least
    :data:`MIN_RUN` tokens (fewer for a short text), small gaps between runs filled, and only
    the densest cluster of runs kept."""
    if not page or not wanted:
        return []
    sm = difflib.SequenceMatcher(None, list(page), list(wanted), autojunk=False)
    need = min(MIN_RUN, len(wanted))
    runs = [(b.a, b.size) for b in sm.get_matching_blocks() if b.size >= need]
    if not runs:
        return []
    clusters: list[list[tuple[int, int]]] = [[runs[0]]]
    for a, size in runs[1:]:
        last_a, last_size = clusters[-1][-1]
        if a - (last_a + last_size) <= MAX_GAP:
            clusters[-1].append((a, size))
        else:
            clusters.append([(a, size)])
    best = max(sum(s for _, s in c) for c in clusters)
    keep = [c for c in clusters if sum(s for _, s in c) >= max(need, best // 2)]
    out: list[int] = []
    for c in keep:
        out.extend(range(c[0][0], c[-1][0] + c[-1][1]))
    return out


def merge_boxes(boxes: Sequence[Box], pad: float = 1.5) -> list[Box]:
    """Consecutive word boxes on one line become one rectangle."""
    out: list[Box] = []
    for b in boxes:
        if out:
            last = out[-1]
            overlap = min(last.bottom, b.bottom) - max(last.top, b.top)
            height = min(last.bottom - last.top, b.bottom - b.top) or 1.0
            if overlap > 0.5 * height and -2.0 <= b.x0 - last.x1 <= 3 * height:
                out[-1] = Box(
                    last.x0, min(last.top, b.top), max(last.x1, b.x1), max(last.bottom, b.bottom)
                )
                continue
        out.append(b)
    return [Box(b.x0 - pad, b.top - pad, b.x1 + pad, b.bottom + pad) for b in out]


class _LRU:
    """A small LRU cache bounded by entry count and by total size."""

    def __init__(self, max_items: int, max_bytes: int | None = None) -> None:
        self.items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self.max_items = max_items
        self.max_bytes = max_bytes
        self.bytes = 0

    def get(self, key: Any) -> Any | None:
        hit = self.items.get(key)
        if hit is None:
            return None
        self.items.move_to_end(key)
        return hit[0]

    def put(self, key: Any, value: Any, size: int = 0) -> None:
        if key in self.items:
            self.bytes -= self.items.pop(key)[1]
        self.items[key] = (value, size)
        self.bytes += size
        while len(self.items) > self.max_items or (
            self.max_bytes is not None and self.bytes > self.max_bytes and len(self.items) > 1
        ):
            _, (_, gone) = self.items.popitem(last=False)
            self.bytes -= gone


class PageRenderer:
    """Renders and highlights pages; pdfium is not thread-safe, so one lock guards it."""

    def __init__(self, *, max_images: int = 64, max_bytes: int = 48 << 20) -> None:
        self.lock = threading.Lock()
        self._images = _LRU(max_images, max_bytes)
        self._tokens = _LRU(256)

    def page_tokens(
        self, path: Path, page: int, ocr_words: Sequence[Sequence[Any]] = ()
    ) -> PageTokens:
        key = (str(path), _mtime(path), page)
        with self.lock:
            cached = self._tokens.get(key)
            if cached is None:
                cached = read_tokens(path, page, ocr_words)
                self._tokens.put(key, cached)
            return cached

    def highlight_boxes(
        self,
        path: Path,
        page: int,
        texts: Sequence[str],
        ocr_words: Sequence[Sequence[Any]] = (),
    ) -> list[Box]:
        """The boxes of ``texts`` (a passage, or a quote) on the page, merged per line."""
        pt = self.page_tokens(path, page, ocr_words)
        norms = [t.norm for t in pt.tokens]
        picked: set[int] = set()
        for text in texts:
            picked.update(match_tokens(norms, tokens_of(text)))
        return merge_boxes([pt.tokens[i].box for i in sorted(picked)])

    def png(self, path: Path, page: int, width: int, boxes: Sequence[Box]) -> bytes:
        key = (str(path), _mtime(path), page, width, tuple(boxes))
        with self.lock:
            cached = self._images.get(key)
            if cached is None:
                cached = _render(path, page, width, boxes)
                self._images.put(key, cached, len(cached))
            return cached


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError as exc:
        raise NotFound(f"the file of this document is not on this machine ({path.name})") from exc


def _render(path: Path, page: int, width: int, boxes: Sequence[Box]) -> bytes:
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    pdf = pdfium.PdfDocument(str(path))
    try:
        if not 1 <= page <= len(pdf):
            raise NotFound(f"{path.name} has no page {page}")
        p = pdf[page - 1]
        w_pt, _ = p.get_size()
        scale = width / float(w_pt)
        image = p.render(scale=scale).to_pil().convert("RGBA")
        p.close()
    finally:
        pdf.close()
    if boxes:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for b in boxes:
            rect = (b.x0 * scale, b.top * scale, b.x1 * scale, b.bottom * scale)
            draw.rectangle(rect, fill=HIGHLIGHT_FILL, outline=HIGHLIGHT_LINE, width=1)
        image = Image.alpha_composite(image, overlay)
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="PNG", compress_level=6)
    return buf.getvalue()
