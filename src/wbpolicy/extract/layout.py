"""The tuned numbers of the text, markdown and HTML parsers, as one frozen settings object.

Standard library only, so that reports and the index manifest can record the settings without
loading any parser.  ``TextLayout()`` holds today's values; pass another to
:func:`wbpolicy.extract.extract` (``text_layout=``) to try different ones.  Regular expressions
keep their own quantifiers; the numbers here are the thresholds that decide between readings
(running header or text, heading or paragraph, one paragraph or two).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class TextLayout:
    """Thresholds of the plain-text, markdown and HTML parsers (lengths are in characters)."""

    # --- page furniture (running headers/footers, page numbers) ----------------------------
    furniture_min_pages: int = 2  # pages with text needed to look for repeated margin lines
    furniture_passes: int = 2  # repeated-line passes (removing a header exposes the next line)
    furniture_edge_lines: int = 2  # non-blank lines at each end of a page that may be furniture
    header_min_pages: int = 3  # a margin line repeated on this many pages is a running header
    header_min_share: float = 0.3  # ... and on at least this share of the pages with text
    unpaged_header_min_repeats: int = 4  # no page breaks: a numbered header recurs this often
    unpaged_header_min_words: int = 3  # ... has at least this many words of 2+ letters
    unpaged_header_max_chars: int = 110  # ... and is at most this long
    # --- line cleaning ---------------------------------------------------------------------
    spaced_min_letters: int = 5  # "R E P U B L I K A": single letters before undoing spacing
    doubled_min_chars: int = 6  # "NNAATTIIOONNAALL": one doubled word must be this long
    # --- words run together (a converter that lost the spaces between text chunks) ---------
    glue_min_share: float = 0.002  # share of words that are two words run together ...
    glue_min_joins: int = 10  # ... and how many at least, for a document to be repaired
    # --- headings --------------------------------------------------------------------------
    heading_max_chars: int = 120  # longest numbered or labelled heading
    label_title_max_chars: int = 100  # longest title after a label ("Article 5 - Title")
    label_title_max_words: int = 14  # most words in a label's title on the next line
    max_section_number: int = 40  # "41 Foo" does not start a section
    title_max_words: int = 16  # most words in a numbered heading's title
    title_max_commas: int = 1  # most commas in a numbered heading's title
    subsection_title_max_commas: int = 3  # ... numbered "6.4" (a sub-section number)
    caps_min_letters: int = 4  # letters a line needs to count as upper case
    caps_min_share: float = 0.9  # share of its letters that must be upper case
    caps_heading_max_chars: int = 100  # longest unnumbered upper-case heading
    caps_heading_max_words: int = 14  # most words in an unnumbered upper-case heading
    title_heading_max_chars: int = 80  # longest title-case heading standing alone
    title_heading_max_words: int = 10  # most words in a title-case heading
    title_long_word_chars: int = 4  # words this long must be capitalised in title case
    title_short_max_words: int = 3  # a heading without long words has at most this many words
    title_case_share: float = 0.5  # share of the long words that must be capitalised
    heading_max_lines: int = 4  # a heading wrapped over lines has fewer lines than this
    heading_max_repeats: int = 4  # a line repeated this often is not an unnumbered heading
    first_section_max: int = 3  # the first numbered heading has a number up to this
    enum_item_min_chars: int = 60  # a numbered line longer than this in running text is a list
    # --- lines and paragraphs ----------------------------------------------------------------
    long_line_chars: int = 200  # a line longer than this is a whole paragraph on one line
    line_mode_share: float = 0.2  # share of long lines that makes a file one block per line
    line_mode_min_long: int = 5  # or this many long lines ...
    line_mode_median_chars: int = 100  # ... with a median line longer than this
    double_spaced_min_gaps: int = 4  # line gaps a page needs to be judged double-spaced
    double_spaced_share: float = 0.6  # share of single blank lines that makes it double-spaced
    double_spaced_blank_lines: int = 2  # on a double-spaced page, blank lines ending a paragraph
    width_percentile: float = 0.8  # the text width is this percentile of the line lengths
    min_width: int = 25  # below this text width, width-based rules are off
    wide_line_share: float = 0.8  # a line this close to the width wraps (is not a heading)
    short_line_share: float = 0.7  # a sentence-final line shorter than this ends a paragraph
    # --- tables of contents ------------------------------------------------------------------
    toc_max_chars: int = 120  # a contents entry (without dot leaders) is at most this long
    toc_max_entries: int = 300  # contents end after this many entries at the latest
    toc_entry_max_chars: int = 70  # a contents-like line without a page number is this short
    toc_page_share: float = 0.6  # contents go on to the next page if this share is contents-like
    toc_page_numbered_share: float = 0.3  # ... and this share ends with a page number
    # --- markdown, HTML, language --------------------------------------------------------------
    markdown_min_headings: int = 3  # "#" headings that make a .txt file markdown
    bold_share: float = 0.9  # share of bold characters that makes an HTML paragraph bold
    bold_heading_max_chars: int = 120  # longest bold HTML paragraph read as a sub-heading
    language_sample_chars: int = 20000  # body text the language guess reads

    def to_json(self) -> dict[str, Any]:
        """The settings as a JSON-ready mapping (field name -> value)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TextLayout:
        """Settings recorded by :meth:`to_json`; unknown names raise TypeError."""
        return cls(**data)
