"""OCR of page images with Tesseract (through pytesseract), cached by image.

The boundary to the OCR engine, independent of the PDF engine: whether Tesseract is installed,
which of its languages are (``pytesseract.get_languages``), the language data for a document
language (ISO 639-1 -> Tesseract), rendering a PDF page to a grayscale image (pypdfium2), how
much ink an image has (blank pages), and :func:`recognise`: the words Tesseract reads, with their
boxes (pixels), confidences and block/paragraph/line numbers.

Results are cached as JSON under ``cache_dir() / "ocr"``, keyed by the SHA-256 of the image's
pixels, the languages, the Tesseract version and the configuration, so that an unchanged page is
never read twice (a re-ingest, another index, a page view).

pytesseract, pypdfium2 and Pillow are imported inside the functions that need them; importing
this module loads none of them.  Everything it returns is plain, picklable data.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.fsutil import atomic_write_text, cache_dir

if TYPE_CHECKING:
    from PIL.Image import Image

log = logging.getLogger(__name__)

# bump when what is cached (or how it is computed) changes
CACHE_VERSION = 1
# Tesseract's page segmentation: automatic (3), the default; part of the cache key
TESSERACT_CONFIG = "--psm 3"
# a small cut-out (a footnote marker, enlarged) read as one line of digits
DIGITS_CONFIG = "--psm 7 -c tessedit_char_whitelist=0123456789"
# ISO 639-1 document language -> the Tesseract language data that reads it
TESSERACT_LANGUAGES: dict[str, tuple[str, ...]] = {
    "en": ("eng",),
    "fr": ("fra",),
    "nl": ("nld",),
    "de": ("deu",),
    "sr": ("srp", "srp_latn"),
    "hr": ("hrv",),
    "bs": ("bos",),
    "sq": ("sqi",),
    "mk": ("mkd",),
}
DEFAULT_LANGUAGE = "en"

_ENV_LOCK = threading.Lock()


class OcrError(Exception):
    """Tesseract could not read an image (it failed, timed out, or is not installed)."""


@dataclass(frozen=True)
class OcrWord:
    """One word Tesseract read: its box in image pixels (origin top left) and its confidence."""

    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float  # 0-100
    block: int
    par: int
    line: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


@dataclass(frozen=True)
class OcrResult:
    """The words of one image, in Tesseract's reading order."""

    words: tuple[OcrWord, ...]
    width: int  # image size in pixels
    height: int
    languages: str  # the Tesseract languages it was read with ("fra", "srp+srp_latn")
    cached: bool = False

    @property
    def text(self) -> str:
        """The words, a line per Tesseract line."""
        out: list[str] = []
        key = None
        for w in self.words:
            k = (w.block, w.par, w.line)
            if out and k == key:
                out[-1] += " " + w.text
            else:
                out.append(w.text)
            key = k
        return "\n".join(out)


# --- what is installed -------------------------------------------------------------------------


def available() -> bool:
    """Whether OCR can run here: the ``tesseract`` program and pytesseract are installed."""
    return (
        shutil.which("tesseract") is not None
        and importlib.util.find_spec("pytesseract") is not None
    )


def ocr_enabled(layout: Any = None) -> bool:
    """Whether pages without a text layer will be OCR'd under ``layout`` (a PdfLayout; None:
    the defaults): OCR switched on, and Tesseract installed."""
    return bool(getattr(layout, "ocr", True)) and available()


@lru_cache(maxsize=1)
def installed_languages() -> frozenset[str]:
    """The Tesseract language data installed (``osd`` left out); empty when none can be read."""
    if not available():
        return frozenset()
    import pytesseract

    try:
        langs = pytesseract.get_languages(config="")
    except Exception as exc:  # noqa: BLE001 - a broken install means no OCR, not a crash
        log.warning("cannot list Tesseract languages: %s", exc)
        return frozenset()
    return frozenset(str(x) for x in langs) - {"osd", "equ"}


@lru_cache(maxsize=1)
def tesseract_version() -> str:
    import pytesseract

    try:
        return str(pytesseract.get_tesseract_version())
    except Exception as exc:  # noqa: BLE001
        raise OcrError(f"tesseract does not run: {exc}") from exc


def languages_for(language: str | None, installed: frozenset[str] | None = None) -> str | None:
    """The Tesseract language spec for an ISO 639-1 code (``"sr"`` -> ``"srp+srp_latn"``), from
    the installed data only; English when the language is unknown or not installed; None when
    not even that is installed."""
    installed = installed_languages() if installed is None else installed
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    have = [t for t in TESSERACT_LANGUAGES.get(code, ()) if t in installed]
    if have:
        return "+".join(have)
    fallback = [t for t in TESSERACT_LANGUAGES[DEFAULT_LANGUAGE] if t in installed]
    return "+".join(fallback) or None


def parse_languages(spec: str, installed: frozenset[str] | None = None) -> str | None:
    """A user's language list (``"fra+nld"``, ``"fr,nl"``, ``"sr"``) as an installed Tesseract
    spec; None when none of it is installed."""
    installed = installed_languages() if installed is None else installed
    out: list[str] = []
    for part in spec.replace(",", "+").replace(" ", "+").split("+"):
        part = part.strip()
        if not part:
            continue
        names = (part,) if part in installed else TESSERACT_LANGUAGES.get(part.lower(), ())
        out += [t for t in names if t in installed and t not in out]
    return "+".join(out) or None


# --- images ------------------------------------------------------------------------------------


def open_document(path: Path | str) -> Any:
    """The PDF opened with pypdfium2 (close it when done)."""
    import pypdfium2 as pdfium

    return pdfium.PdfDocument(str(path))


def render_page(doc: Any, index: int, dpi: int) -> Image:
    """Page ``index`` (0-based) of a pypdfium2 document as a grayscale image at ``dpi``."""
    page = doc[index]
    try:
        bitmap = page.render(scale=dpi / 72.0, grayscale=True)
        image = bitmap.to_pil().convert("L")
    finally:
        page.close()
    return image


def ink_share(image: Image, level: int) -> float:
    """The share of the image's pixels darker than ``level`` (0-255)."""
    gray = image if image.mode == "L" else image.convert("L")
    hist = gray.histogram()
    total = gray.width * gray.height
    return sum(hist[: max(0, min(256, level))]) / total if total else 0.0


def image_key(image: Image, languages: str, config: str = TESSERACT_CONFIG) -> str:
    """The cache key of reading ``image`` with ``languages``: its pixels, the languages, the
    Tesseract version and configuration."""
    h = hashlib.sha256()
    head = (
        f"wbpolicy-ocr:{CACHE_VERSION}:{tesseract_version()}:{languages}:{config}:"
        f"{image.mode}:{image.width}x{image.height}\n"
    )
    h.update(head.encode("utf-8"))
    h.update(image.tobytes())
    return h.hexdigest()


def cache_path(key: str) -> Path:
    return cache_dir() / "ocr" / key[:2] / f"{key}.json"


# --- reading -----------------------------------------------------------------------------------


def recognise(
    image: Image,
    languages: str,
    *,
    config: str = TESSERACT_CONFIG,
    threads: int = 1,
    timeout_s: float = 0.0,
    use_cache: bool = True,
) -> OcrResult:
    """The words Tesseract reads in ``image`` with ``languages`` (a Tesseract spec such as
    ``"fra"``) and command-line ``config``, from the cache when this image was read so before.
    Raises :class:`OcrError`."""
    key = image_key(image, languages, config)
    path = cache_path(key)
    if use_cache:
        hit = _load(path, key)
        if hit is not None:
            return OcrResult(hit, image.width, image.height, languages, cached=True)
    data = _run_tesseract(image, languages, config, threads, timeout_s)
    words = tuple(_words(data))
    if use_cache:
        _store(path, key, languages, image, words)
    return OcrResult(words, image.width, image.height, languages)


def _run_tesseract(
    image: Image, languages: str, config: str, threads: int, timeout_s: float
) -> dict[str, list[Any]]:
    """pytesseract's ``image_to_data`` as a dict of columns (the one call into Tesseract)."""
    import pytesseract

    try:
        with _omp_threads(threads):
            data: dict[str, list[Any]] = pytesseract.image_to_data(
                image,
                lang=languages,
                config=config,
                output_type=pytesseract.Output.DICT,
                timeout=timeout_s or 0,
            )
    except RuntimeError as exc:  # pytesseract's timeout
        raise OcrError(f"tesseract: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - TesseractError, OSError, a bad image ...
        raise OcrError(f"tesseract failed: {type(exc).__name__}: {exc}") from exc
    return data


@contextmanager
def _omp_threads(threads: int) -> Iterator[None]:
    """Run the tesseract child with ``OMP_THREAD_LIMIT=threads`` (it inherits os.environ): one
    thread per page is several times faster than OpenMP's default on a busy, small machine.
    The variable is restored at once, so that this process's own libraries never see it."""
    if threads <= 0:
        yield
        return
    with _ENV_LOCK:
        old = os.environ.get("OMP_THREAD_LIMIT")
        os.environ["OMP_THREAD_LIMIT"] = str(threads)
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("OMP_THREAD_LIMIT", None)
            else:
                os.environ["OMP_THREAD_LIMIT"] = old


def _words(data: dict[str, list[Any]]) -> Iterator[OcrWord]:
    """The word rows (level 5) of ``image_to_data`` output that hold text."""
    cols = ("level", "text", "left", "top", "width", "height", "conf", "block_num", "par_num")
    n = len(data.get("text", ()))
    for i in range(n):
        if int(data["level"][i]) != 5:
            continue
        text = str(data["text"][i] or "").strip()
        if not text:
            continue
        row = {c: data[c][i] for c in cols}
        yield OcrWord(
            text=text,
            left=int(row["left"]),
            top=int(row["top"]),
            width=int(row["width"]),
            height=int(row["height"]),
            conf=float(row["conf"]),
            block=int(row["block_num"]),
            par=int(row["par_num"]),
            line=int(data["line_num"][i]),
        )


def _load(path: Path, key: str) -> tuple[OcrWord, ...] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        return tuple(
            OcrWord(
                str(w[0]),
                int(w[1]),
                int(w[2]),
                int(w[3]),
                int(w[4]),
                float(w[5]),
                int(w[6]),
                int(w[7]),
                int(w[8]),
            )
            for w in data["words"]
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        log.debug("ignoring unreadable OCR cache entry %s: %s", path, exc)
        return None


def _store(path: Path, key: str, languages: str, image: Image, words: tuple[OcrWord, ...]) -> None:
    data = {
        "key": key,
        "version": CACHE_VERSION,
        "tesseract": tesseract_version(),
        "languages": languages,
        "size": [image.width, image.height],
        "words": [
            [w.text, w.left, w.top, w.width, w.height, w.conf, w.block, w.par, w.line]
            for w in words
        ],
    }
    try:
        atomic_write_text(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    except OSError as exc:  # a read-only cache costs time, not results
        log.debug("cannot write OCR cache entry %s: %s", path, exc)
