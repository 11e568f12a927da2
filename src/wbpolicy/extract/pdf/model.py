"""The PDF engine's working model: a page's lines (with footnote markers) and ruled tables."""

from __future__ import annotations

from dataclasses import dataclass, field

Piece = tuple[str, str | None]  # (text, None) or ("", marker) for a run of superscript digits


@dataclass
class Line:
    """One printed line: glyphs sharing a baseline, small raised glyphs attached."""

    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    size: float  # dominant (body) size of the line
    bold: bool
    italic: bool
    pieces: list[Piece]
    lead_marker: str | None = None  # superscript (or small) digits the line starts with
    raw: str = ""  # all text incl. markers, whitespace-normalised (for header/footer keys)
    # OCR lines only: the words read, as (text, x0, top, x1, bottom) in the page's coordinates
    words: list[tuple[str, float, float, float, float]] = field(default_factory=list)
    # pages of columns: the line's place in reading order (lines set across above the columns,
    # the columns left to right, the asides, lines set across below); 0 on a one-column page
    column: int = 0
    # a line of a side column set larger than the main one (a pull quote): never a heading
    aside: bool = False

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
                parts = [marker] if keep is None else split_marker(marker, keep)
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


def split_marker(marker: str, keep: set[str]) -> list[str]:
    """Known markers in a superscript digit run: "107108" -> ["107", "108"]; [] if none fit."""
    if marker in keep:
        return [marker]
    for cut in range(1, len(marker)):
        a, b = marker[:cut], marker[cut:]
        if a in keep and b in keep and not b.startswith("0") and int(b) > int(a):
            return [a, b]
    return []


@dataclass(frozen=True)
class RuledTable:
    """A table pdfplumber found from ruling lines: its box and its cleaned rows."""

    top: float
    bottom: float
    rows: list[list[str]]
    x0: float
    x1: float


@dataclass
class PageData:
    """What the engine knows about one page as the passes go."""

    number: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    tables: list[RuledTable] = field(default_factory=list)
    footnote_lines: list[Line] = field(default_factory=list)
    rules: list[tuple[float, float, float]] = field(default_factory=list)  # (y, x0, x1)
    has_text: bool = False
    garbage: bool = False
    origin: tuple[float, float] = (0.0, 0.0)  # (x0, top) of the page box, as glyphs place it
    ocr: bool = False  # the lines were read from the page image (OCR)
    blank: bool = False  # no text layer, and the rendered page is (nearly) uniform
    ocr_conf: float | None = None  # OCR pages: mean word confidence (0-100)
    # OCR pages: every word read, as (text, x0, top, x1, bottom) in points from the rendered
    # page's top left, in reading order
    ocr_words: list[tuple[str, float, float, float, float]] = field(default_factory=list)
