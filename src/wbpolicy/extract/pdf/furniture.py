"""Running headers/footers and page numbers: margin lines that repeat once digits are masked."""

from __future__ import annotations

import math
import re
from collections import Counter

from .layout import PdfLayout
from .model import Line, PageData

PAGE_NUMBER = re.compile(
    r"^(?:page|p\.|pg\.?|seite|pagina|página|strana|stranica)?\s*[-–—(\[]?\s*"
    r"(?:\d{1,4}|[ivxlcdm]{1,7})\s*(?:(?:/|of|de|van|von|od)\s*\d{1,4})?\s*[-–—)\]]?$",
    re.IGNORECASE,
)


def _margin_key(ln: Line) -> str:
    key = re.sub(r"\d+", "", ln.raw.lower())  # page numbers come and go
    return re.sub(r"\s+", " ", key).strip()


def strip_running(pages: list[PageData], layout: PdfLayout) -> None:
    """Drop headers/footers: margin lines repeated across pages (digits masked), page numbers."""
    text_pages = [pd for pd in pages if pd.lines]
    if not text_pages:
        return
    counts: Counter[str] = Counter()
    cands: dict[int, list[tuple[Line, str]]] = {}
    for pd in text_pages:
        top_zone = [ln for ln in pd.lines if ln.top < layout.header_zone_ratio * pd.height]
        bottom_zone = [ln for ln in pd.lines if ln.bottom > layout.footer_zone_ratio * pd.height]
        bottom_zone = bottom_zone[max(0, len(bottom_zone) - layout.footer_zone_lines) :]
        margin = [
            (ln, _margin_key(ln)) for ln in top_zone[: layout.header_zone_lines] + bottom_zone
        ]
        cands[pd.number] = margin
        for key in {k for _, k in margin}:
            counts[key] += 1
    if len(text_pages) > 1:
        need = max(layout.running_min_pages, math.ceil(layout.running_min_share * len(text_pages)))
    else:
        need = 10**9  # one page: nothing can repeat
    for pd in text_pages:
        drop = {
            id(ln)
            for ln, key in cands[pd.number]
            if counts[key] >= need or PAGE_NUMBER.match(ln.raw)
        }
        if drop:
            pd.lines = [ln for ln in pd.lines if id(ln) not in drop]
