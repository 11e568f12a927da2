"""Generate PDFs for the OCR tests: pages that are pictures of printed text (no text layer).

Text is drawn with Pillow (a TrueType font found on the system) into a 300 dpi grayscale image,
which fpdf2 places over the whole page; so the page shows words but has no glyphs.  The texts are
invented for these fixtures.
"""

from __future__ import annotations

import glob
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF
    from PIL.Image import Image

PAGE_W, PAGE_H = 595.0, 842.0  # A4, points
DPI = 300
PX = DPI / 72.0

HEADING = "Harbour Resilience Programme"
IMAGE_LINES = [
    "The coastal authority inspected every lighthouse along the northern",
    "shore during the spring and published its findings in a short report.",
    "Volunteers repaired the signal lamps before the autumn storms arrived.",
]
SECOND_PARAGRAPH = [
    "Fishing crews reported fewer accidents in the following winter season.",
]
TEXT_PAGE_LINES = [
    "Port tariffs were revised twice during the reviewed year and the",
    "harbour office posted both schedules on its public notice board.",
]
HEADING_TOP_PT = 100.0  # where the heading is drawn (points from the top)
LEFT_PT = 72.0


def find_font() -> str | None:
    """A TrueType font file on this system (DejaVu Sans preferred), or None."""
    for pattern in (
        "/usr/share/fonts/**/DejaVuSans.ttf",
        "/usr/share/fonts/**/LiberationSans-Regular.ttf",
        "/usr/share/fonts/**/*.ttf",
    ):
        hits = sorted(glob.glob(pattern, recursive=True))
        if hits:
            return hits[0]
    if shutil.which("fc-list"):
        out = subprocess.run(
            ["fc-list", "--format", "%{file}\n"], capture_output=True, text=True, check=False
        ).stdout
        files = [f for f in out.splitlines() if f.lower().endswith(".ttf")]
        if files:
            return sorted(files)[0]
    return None


def text_image(font_path: str, heading: str, paragraphs: list[list[str]]) -> Image:
    """A white A4 page at 300 dpi with a heading (18 pt) and paragraphs (11 pt) in black."""
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFont

    image = PILImage.new("L", (round(PAGE_W * PX), round(PAGE_H * PX)), 255)
    draw = ImageDraw.Draw(image)
    big = ImageFont.truetype(font_path, round(18 * PX))
    body = ImageFont.truetype(font_path, round(11 * PX))
    y = HEADING_TOP_PT * PX
    draw.text((LEFT_PT * PX, y), heading, font=big, fill=0)
    y += 40 * PX
    for para in paragraphs:
        for line in para:
            draw.text((LEFT_PT * PX, y), line, font=body, fill=0)
            y += 15 * PX
        y += 12 * PX
    return image


def _pdf() -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(PAGE_W, PAGE_H))
    pdf.set_auto_page_break(False)
    pdf.set_compression(True)
    return pdf


def build(outdir: Path, font_path: str) -> dict[str, Path]:
    """``mixed.pdf``: a text page, an image-of-text page, a blank page; ``scan.pdf``: one
    image-of-text page only."""
    outdir.mkdir(parents=True, exist_ok=True)
    image = text_image(font_path, HEADING, [IMAGE_LINES, SECOND_PARAGRAPH])

    pdf = _pdf()
    pdf.add_page()
    pdf.set_font("Times", size=11)
    for i, line in enumerate(TEXT_PAGE_LINES):
        pdf.text(LEFT_PT, 200 + 14 * i, line)
    pdf.add_page()
    pdf.image(image, x=0, y=0, w=PAGE_W, h=PAGE_H)
    pdf.add_page()  # blank
    mixed = outdir / "mixed.pdf"
    pdf.output(str(mixed))

    pdf = _pdf()
    pdf.add_page()
    pdf.image(image, x=0, y=0, w=PAGE_W, h=PAGE_H)
    scan = outdir / "scan.pdf"
    pdf.output(str(scan))
    return {"mixed": mixed, "scan": scan}
