"""Generate the fixture PDFs the extractor tests run on (fpdf2, core fonts only).

Every line is placed explicitly, so the tests know exactly which text is on which page, where
lines break (one word is hyphenated across a line end), which paragraph continues across a page
break, and where the footnote markers (small, raised digits) stand.  The texts are invented for
these fixtures.

``build_all(outdir)`` writes all files and returns ``{name: path}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

PAGE_W, PAGE_H = 595.0, 842.0
LEFT = 60.0
RIGHT = PAGE_W - 60.0
BODY_SIZE = 11.0
LEADING = 14.0
PARA_GAP = 9.0

RUNNING_HEADER = "Regional Digital Policy Monitor - Working Paper No. 7"
TITLE = "Connectivity and Resilience in Small States"

# Footnote texts (marker -> text), shared with the tests.
FOOTNOTES = {
    "1": "Survey of national registries, Ministry of Digital Affairs, 2019.",
    "2": (
        "Annual statement, available at https://example.org/reports/2019-annual.pdf "
        "(accessed 3 May 2020)."
    ),
    "3": (
        "Interview with a senior official of the national response team, conducted in "
        "Tirana in March 2020; notes on file with the authors."
    ),
    "4": "Budget law for the following year, article 12.",
}

# Body paragraphs: lists of lines; "{n}" marks a superscript footnote marker.
P_INTRO_1 = [
    "Small states face a particular dilemma when they plan their digital infrastructure because",
    "most of the networks they depend on are owned or operated abroad{1} and their regulators",
    "have few levers over foreign providers, even where a national strategy has been adopted",
    "and published with considerable fanfare.",
]
P_INTRO_2 = [
    "This paper reviews how two neighbouring countries organise their incident response and how",
    "the national government institutions share the burden of prevention with operators of essen-",
    "tial services{2} across the energy, banking and transport sectors in the wider region.",
]
P_FINDINGS = [
    "The comparison covers legislation, essential institutions and funding over the period between",
    "the first strategy documents and the latest revisions adopted by the two governments.",
]
P_ALBANIA = [
    "In Albania the response team was created by a decision of the council of ministers and it",
    "reports to a regulator{3} whose mandate covers electronic communications as well as trust",
    "services for the public administration.",
]
P_SERBIA_PAGE2 = [
    "Serbia adopted its law on information security first and then set up a dedicated team inside",
    (
        "the telecommunications regulator, which by the end of the review period had not yet "
        "published its"
    ),
]
P_SERBIA_PAGE3 = [
    "annual work plan, so the allocation of staff remains uncertain{4} for the coming year and the",
    "planned exercises with neighbouring teams have been postponed twice.",
]
P_CONCLUSIONS = [
    "Both countries would benefit from a shared training calendar, from lasting public-",
    "private partnerships and from a common template for reporting incidents to the public.",
]
SIMPLE_TEXTS = [
    (
        "Harbour tariffs were revised twice during the winter season of the reviewed year",
        "and the port authority published both schedules on its notice board.",
    ),
    (
        "The ferry operator reported fewer crossings after the storm damaged the northern",
        "pier, which remained closed until the repairs were finished in spring.",
    ),
    (
        "Fishing cooperatives asked for a longer consultation period before any new quota",
        "is set for the coastal waters shared by the three municipalities.",
    ),
]
TABLE_CAPTION = "Table 1: Readiness indicators by country"
TABLE_ROWS = [
    ["Country", "Strategy", "Response team"],
    ["Albania", "Adopted", "Operational"],
    ["Serbia", "Draft", "Partial"],
]


def _pdf() -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(LEFT, 40, PAGE_W - RIGHT)
    return pdf


def _chrome(pdf: FPDF, page: int, total: int) -> None:
    """Running header and page number, as a layout program would set them."""
    pdf.set_font("Helvetica", size=8)
    pdf.text(LEFT, 32, RUNNING_HEADER)
    label = f"Page {page} of {total}"
    pdf.text(RIGHT - pdf.get_string_width(label), 812, label)


def _heading(pdf: FPDF, y: float, text: str, size: float) -> float:
    pdf.set_font("Helvetica", "B", size)
    pdf.text(LEFT, y, text)
    return y + size + 12


def _body_line(pdf: FPDF, y: float, line: str) -> None:
    """Draw one body line; ``{n}`` becomes a superscript marker (smaller and raised)."""
    x = LEFT
    parts = line.replace("}", "{").split("{")
    for i, part in enumerate(parts):
        if not part:
            continue
        if i % 2:
            pdf.set_font("Times", size=7)
            pdf.text(x, y - 4.5, part)
        else:
            pdf.set_font("Times", size=BODY_SIZE)
            pdf.text(x, y, part)
        x += pdf.get_string_width(part)


def _paragraph(pdf: FPDF, y: float, lines: list[str]) -> float:
    for line in lines:
        _body_line(pdf, y, line)
        y += LEADING
    return y + PARA_GAP


def _footnotes(pdf: FPDF, notes: list[tuple[str | None, str]], start_y: float = 740) -> None:
    """A short rule, then notes: superscript marker + 8 pt text (marker None = continuation)."""
    pdf.set_line_width(0.5)
    pdf.line(LEFT, start_y, LEFT + 150, start_y)
    y = start_y + 12
    for marker, text in notes:
        x = LEFT
        if marker is not None:
            pdf.set_font("Times", size=6)
            pdf.text(x, y - 3, marker)
            x += pdf.get_string_width(marker) + 1.5
        pdf.set_font("Times", size=8)
        pdf.text(x, y, text)
        y += 10


def _table(pdf: FPDF, top: float) -> float:
    widths = [130.0, 130.0, 130.0]
    row_h = 18.0
    pdf.set_line_width(0.6)
    n = len(TABLE_ROWS)
    total_w = sum(widths)
    for r in range(n + 1):
        pdf.line(LEFT, top + r * row_h, LEFT + total_w, top + r * row_h)
    x = LEFT
    for w in [0.0, *widths]:
        x += w
        pdf.line(x, top, x, top + n * row_h)
    for r, row in enumerate(TABLE_ROWS):
        x = LEFT
        pdf.set_font("Helvetica", "B" if r == 0 else "", 9)
        for w, cell in zip(widths, row, strict=True):
            pdf.text(x + 4, top + r * row_h + 12.5, cell)
            x += w
    return top + n * row_h + 20


def structured(path: Path) -> Path:
    pdf = _pdf()
    total = 3
    # Page 1
    pdf.add_page()
    _chrome(pdf, 1, total)
    pdf.set_font("Helvetica", "B", 20)
    pdf.text(LEFT, 80, TITLE)
    y = _heading(pdf, 125, "1 Introduction", 15)
    y = _paragraph(pdf, y + 4, P_INTRO_1)
    y = _paragraph(pdf, y, P_INTRO_2)
    _footnotes(
        pdf,
        [
            ("1", FOOTNOTES["1"]),
            ("2", "Annual statement, available at https://example.org/reports/2019-annual.pdf"),
            (None, "(accessed 3 May 2020)."),
        ],
    )
    # Page 2
    pdf.add_page()
    _chrome(pdf, 2, total)
    y = _heading(pdf, 70, "2 Findings", 15)
    y = _paragraph(pdf, y + 4, P_FINDINGS)
    y = _heading(pdf, y + 6, "2.1 Albania", 12.5)
    y = _paragraph(pdf, y + 2, P_ALBANIA)
    pdf.set_font("Times", "I", 10)
    pdf.text(LEFT, y + 4, TABLE_CAPTION)
    y = _table(pdf, y + 12)
    y = _heading(pdf, y + 6, "2.2 Serbia", 12.5)
    # Push the Serbia paragraph to the page foot so that it has to continue on page 3.
    y = max(y + 2, 700)
    _paragraph(pdf, y, P_SERBIA_PAGE2)
    note3_start = "Interview with a senior official of the national response team, conducted in"
    _footnotes(pdf, [("3", note3_start)])
    # Page 3
    pdf.add_page()
    _chrome(pdf, 3, total)
    y = _paragraph(pdf, 70, P_SERBIA_PAGE3)
    y = _heading(pdf, y + 6, "3 Conclusions", 15)
    _paragraph(pdf, y + 4, P_CONCLUSIONS)
    _footnotes(
        pdf,
        [(None, "Tirana in March 2020; notes on file with the authors."), ("4", FOOTNOTES["4"])],
    )
    pdf.output(str(path))
    return path


def _simple(path: Path, pages: list[bool], encrypt: tuple[str, str] | None = None) -> Path:
    """One page per entry: True = a page of text, False = a drawn shape only (no text layer)."""
    pdf = _pdf()
    for i, has_text in enumerate(pages, start=1):
        pdf.add_page()
        if has_text:
            first, second = SIMPLE_TEXTS[(i - 1) % len(SIMPLE_TEXTS)]
            pdf.set_font("Times", size=BODY_SIZE)
            pdf.text(LEFT, 200, first)
            pdf.text(LEFT, 214, second)
        else:
            pdf.set_fill_color(90, 120, 160)
            pdf.rect(LEFT, 100, 300, 200, style="F")
            pdf.set_draw_color(20, 20, 20)
            pdf.ellipse(LEFT + 50, 350, 200, 120, style="D")
    if encrypt is not None:
        owner, user = encrypt
        pdf.set_encryption(owner_password=owner, user_password=user)
    pdf.output(str(path))
    return path


def build_all(outdir: Path) -> dict[str, Path]:
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    out = {
        "structured": structured(outdir / "structured.pdf"),
        "encrypted": _simple(outdir / "encrypted.pdf", [True], encrypt=("owner-pw", "user-pw")),
        "empty-password": _simple(outdir / "empty-password.pdf", [True], encrypt=("owner-pw", "")),
        "image-only": _simple(outdir / "image-only.pdf", [False]),
        "mixed": _simple(outdir / "mixed.pdf", [True, False, True]),
    }
    data = out["structured"].read_bytes()
    truncated = outdir / "truncated.pdf"
    truncated.write_bytes(data[: len(data) // 2])
    out["truncated"] = truncated
    empty = outdir / "empty.pdf"
    empty.write_bytes(b"")
    out["empty"] = empty
    notapdf = outdir / "notapdf.pdf"
    notapdf.write_text("This is a plain text file that merely ends in .pdf\n", encoding="utf-8")
    out["notapdf"] = notapdf
    return out


# A page of columns: a pull quote set large in a left column beside the body, a banner set at
# an angle, a full-width note below; then a page of two equal columns.
SIDEBAR_QUOTE = ["OPERATORS SHARE", "THE BURDEN OF", "PREVENTION WITH", "THE REGULATOR."]
SIDEBAR_BODY = [
    [
        "The regulator publishes a yearly register of essential",
        "services and asks each operator to name a contact point",
        "who answers incident reports within one working day.",
    ],
    [
        "Smaller operators may pool their contact points through",
        "a sector association, provided that the association keeps",
        "a written agreement with every member it represents.",
    ],
]
SIDEBAR_NOTE = "Note: the register covers energy, banking, transport and health operators."
BANNER = "ROTATED BANNER TEXT"
TWO_COLUMNS = (
    [
        "Column one opens the page with",
        "a sentence that runs over four",
        "short lines before it comes to",
        "its end at the bottom of the column.",
    ],
    [
        "Column two continues the text",
        "with a second sentence that the",
        "reader meets only after the first",
        "column has been read to its end.",
    ],
)


def columns(path: Path) -> Path:
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font("Helvetica", size=8)
    pdf.text(LEFT, 32, RUNNING_HEADER)
    _heading(pdf, 90, "Shared Prevention", 20)
    pdf.set_font("Helvetica", "B", 14)
    for i, line in enumerate(SIDEBAR_QUOTE):
        pdf.text(LEFT, 150 + 18 * i, line)
    y = 140.0
    for para in SIDEBAR_BODY:
        for line in para:
            pdf.set_font("Times", size=10)
            pdf.text(230, y, line)
            y += 14
        y += 10
    with pdf.rotation(20, 300, 400):
        pdf.set_font("Helvetica", size=16)
        pdf.text(250, 400, BANNER)
    pdf.set_font("Times", size=8)
    pdf.text(LEFT, 760, SIDEBAR_NOTE)
    pdf.add_page()
    pdf.set_font("Helvetica", size=8)
    pdf.text(LEFT, 32, RUNNING_HEADER)
    for x, col in ((LEFT, TWO_COLUMNS[0]), (320.0, TWO_COLUMNS[1])):
        for i, line in enumerate(col):
            pdf.set_font("Times", size=11)
            pdf.text(x, 120 + 14 * i, line)
    pdf.output(str(path))
    return path


# A tall label beside a statement set in lines closer than the label is high (issue 11: the US
# Cyber Command vision's "VISION" label merged two lines of its statement glyph by glyph).
TALL_LABEL = "VISION"
LABELLED_STATEMENT = [
    "Keep the networks of the state",
    "open, safe and secure for every",
    "citizen, business and public body",
    "in the country and beyond it.",
]
LABEL_BODY = [
    "The government adopts the strategy for five years and reviews",
    "its measures every year with the operators and the regulator.",
]


def tall_label(path: Path) -> Path:
    pdf = _pdf()
    pdf.add_page()
    y = 120.0
    for line in LABEL_BODY:
        pdf.set_font("Times", size=10)
        pdf.text(LEFT, y, line)
        y += 14
    pdf.set_font("Helvetica", "B", 32)
    pdf.text(LEFT + 20, 269, TALL_LABEL)  # beside the 2nd and 3rd lines of the statement
    pdf.set_font("Helvetica", size=15)
    for i, line in enumerate(LABELLED_STATEMENT):
        pdf.text(215, 240 + 18 * i, line)
    pdf.output(str(path))
    return path


# A paragraph opening with a drop cap three lines high (issue 11: the US National Cyber Strategy
# 2018's drop caps sit on the third line's baseline and wove the lines above into it).
DROP_CAP_LINES = [
    "he regulator publishes a yearly register",
    "of essential services and asks each of the",
    "operators to name a contact point who",
    "answers incident reports within one working day.",
]
DROP_CAP_TEXT = "T" + " ".join(DROP_CAP_LINES)


def drop_cap(path: Path) -> Path:
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font("Times", "B", 44)
    pdf.text(LEFT, 120 + 2 * 13, "T")
    for i, line in enumerate(DROP_CAP_LINES):
        pdf.set_font("Times", size=10)
        pdf.text(LEFT + (34 if i < 3 else 0), 120 + 13 * i, line)
    pdf.output(str(path))
    return path
