"""The tuned numbers of the PDF layout engine, as one frozen settings object.

Standard library only, so that reports and the index manifest can record the settings without
loading the engine (or pdfplumber).  ``PdfLayout()`` holds today's values; pass another to
:func:`wbpolicy.extract.pdf.extract_pdf` to try different ones.

Units: ``*_ratio``/``*_share`` fields are fractions (of the body font size, of the page height or
width, of a count); sizes and distances are PDF points; ``*_chars`` are characters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class PdfLayout:
    """Thresholds of the PDF engine; the comments say what each one decides."""

    # --- text layer ----------------------------------------------------------------------------
    garbage_min_glyphs: int = 20  # below this many glyphs a page uses the simple majority test
    garbage_small_share: float = 0.5  # ... undecodable share above which a small page is garbage
    garbage_odd_share: float = 0.25  # undecodable (cid/private-use) share that makes garbage
    garbage_min_letter_share: float = 0.35  # a page with fewer letters among glyphs is garbage
    garbage_doc_share: float = 0.9  # garbage on this share of the text pages fails the document
    # --- characters to lines -------------------------------------------------------------------
    page_bleed: float = 2.0  # glyphs more than this outside the page box are dropped
    overprint_decimals: int = 1  # a glyph repeated at the same place (rounded) is fake bold
    baseline_tolerance: float = 1.0  # glyphs whose bottoms differ by at most this share a run
    # a glyph turned by more than this (sine of the angle) is set along a slanted or curved path
    # (a decorative banner): dropped, like vertical text, or its letters interleave with the body
    max_glyph_rotation: float = 0.05
    # --- columns: a vertical band of white no glyph crosses, with text on both sides, in a ----
    # stripe of the page (the page is first cut across at high bands of white) ----------------
    gutter_min_width: float = 14.0  # points of white between two columns at least
    column_stripe_gap: float = 18.0  # the page is cut across at white this high (points)
    column_min_chars: int = 40  # each side of a gutter holds this many glyphs at least
    column_min_lines: int = 3  # ... on this many baselines at least
    column_min_overlap: float = 0.3  # ... and the two sides share this share of their heights
    run_overlap_ratio: float = 0.4  # a run joins a line overlapping this much of the lower height
    min_run_height: float = 0.1  # floor for a run's height in the overlap test
    # ... but not a run this share of whose glyphs stand over glyphs of the line (another line
    # beside a tall label), a glyph overlapping another by this share of the narrower's width
    stacked_glyph_share: float = 0.3
    stacked_glyph_overlap: float = 0.5
    drop_cap_ratio: float = 2.5  # a line's first letter this x the rest's size is a drop cap
    size_decimals: int = 1  # font sizes are compared rounded to this many decimals
    same_size: float = 0.3  # two font sizes closer than this are the same size
    sup_size_ratio: float = 0.9  # a superscript digit is at most this share of the line's size
    sup_raise_ratio: float = 0.12  # ... and raised above the baseline by more than this (x size)
    word_gap_ratio: float = 0.22  # a gap wider than this (x the smaller size) is a space
    style_share: float = 0.8  # share of bold (italic) glyphs that makes a line bold (italic)
    # --- document metrics ----------------------------------------------------------------------
    default_body_size: float = 10.0  # body size of a document without lines
    min_line_gap: float = -2.0  # gaps between lines below this are overlaps, not gaps
    default_gap_ratio: float = 0.3  # line gap (x body size) when no gap can be measured
    para_gap_ratio: float = 0.35  # a paragraph break is a gap above median + this x body size
    para_gap_factor: float = 1.6  # ... or above this x the median gap (whichever is larger)
    # --- running headers and footers -----------------------------------------------------------
    header_zone_ratio: float = 0.11  # lines with a top above this share of the height: header
    header_zone_lines: int = 3  # at most this many header lines per page
    footer_zone_ratio: float = 0.89  # lines with a bottom below this share of the height: footer
    footer_zone_lines: int = 4  # at most this many footer lines per page
    running_min_pages: int = 2  # a margin line repeated on this many pages is furniture ...
    running_min_share: float = 0.25  # ... or on this share of the pages, if that is more
    # --- footnotes -----------------------------------------------------------------------------
    note_size_ratio: float = 0.95  # a line this much smaller than the body can be a note
    rule_min_y_ratio: float = 0.12  # rules in the top share of the page do not start notes
    rule_min_width: float = 25.0  # a horizontal line or box narrower than this is not a rule
    rule_slack: float = 1.0  # distance by which lines may cross the rule above the notes
    note_zone_max_ratio: float = 1.1  # a zone with a line larger than this x body is not notes
    note_zone_small_ratio: float = 0.92  # a zone all smaller than this x body is notes
    note_size_step_ratio: float = 0.15  # a size change this large (x body) starts a new group
    note_max_step: int = 3  # a plain number starts a note when it is at most this above the last
    # --- headings ------------------------------------------------------------------------------
    heading_max_chars: int = 200  # longest heading line
    heading_min_letters: int = 2  # letters a heading line needs
    heading_size_ratio: float = 1.12  # a line this much larger than the body is a heading
    legal_heading_max_chars: int = 130  # longest "Article 5 ..." heading line
    centre_tolerance_ratio: float = 0.06  # a line centred within this share of the width
    centre_min_indent_ratio: float = 0.2  # ... and indented more than this share is centred
    bold_heading_size_ratio: float = 0.98  # a bold line at least this x body can be a heading
    bold_heading_max_chars: int = 150  # ... and at most this long
    bold_title_size_ratio: float = 1.04  # an unnumbered bold heading is at least this x body
    heading_wrap_gap_ratio: float = 0.9  # heading lines closer than this x size are one heading
    legal_title_gap_ratio: float = 1.6  # the title under "Article 5" is closer than this x size
    legal_title_max_chars: int = 120  # ... and shorter than this
    # --- title ---------------------------------------------------------------------------------
    meta_title_min_chars: int = 4  # a metadata title shorter than this is ignored
    meta_title_letter_share: float = 0.5  # ... and one with no more than this share of letters
    title_size_ratio: float = 1.1  # the first page's largest lines are a title if this x body
    title_max_chars: int = 300  # a title is cut to this length
    # --- tables --------------------------------------------------------------------------------
    table_min_rows: int = 2  # a ruled table needs this many non-empty rows
    table_min_cols: int = 2  # ... and a row with this many filled cells
    table_slack_y: float = 1.0  # a line this close above/below a table's box is inside it
    table_slack_x: float = 2.0  # ... and this close to its sides
    caption_max_gap: float = 40.0  # a "Table N" caption is at most this far from its table
    toc_table_share: float = 0.7  # a table whose rows end in page numbers this often: contents
    # --- paragraphs ----------------------------------------------------------------------------
    column_jump_ratio: float = 1.0  # a line this far (x size) above the last starts a new block
    para_size_step_ratio: float = 0.15  # a size change this large (x larger size) starts one
    short_line_ems: float = 4.0  # a sentence-final line ending this many sizes short ends one
    indent_slack: float = 1.0  # a next line starting this little left of the last is aligned
    right_edge_share: float = 0.9  # the text's right edge is this percentile of line ends
    # --- OCR (Tesseract) of pages without a usable text layer ---------------------------------
    ocr: bool = True  # OCR image-only and undecodable pages (when tesseract is installed)
    ocr_dpi: int = 300  # pages are rendered (grayscale) at this resolution for OCR
    ocr_languages: str = ""  # Tesseract languages ("fra+nld"); "": the document's, guessed
    ocr_probe_pages: int = 3  # pages read in English at most to guess an unknown language
    ocr_ink_level: int = 160  # a grey value (0-255) darker than this is ink
    ocr_blank_share: float = 0.0002  # a page with less ink than this share of pixels is blank
    ocr_min_conf: float = 20.0  # OCR words Tesseract is less confident of (0-100) are dropped
    ocr_low_conf: float = 60.0  # a page whose mean word confidence is below this is reported
    ocr_same_size_ratio: float = 0.06  # OCR sizes this close (share) are one size (body: exactly)
    ocr_size_step: float = 0.5  # other OCR font-size estimates are rounded to this many points
    ocr_bold_ratio: float = 1.5  # a line with this x the median ink density is bold
    ocr_line_join_ratio: float = 2.0  # same-baseline OCR fragments this close (x size) join
    ocr_threads: int = 1  # OpenMP threads per tesseract run (0: tesseract's default)
    ocr_timeout_s: float = 300.0  # one page's OCR is given up after this long (0: no limit)

    def to_json(self) -> dict[str, Any]:
        """The settings as a JSON-ready mapping (field name -> value)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PdfLayout:
        """Settings recorded by :meth:`to_json`; unknown names raise TypeError."""
        return cls(**data)
