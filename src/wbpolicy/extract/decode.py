"""Bytes to text: reading a file, guessing its encoding, refusing binary data, normalising line
ends.

The order of the guesses (:func:`decode_bytes`): a byte-order mark; UTF-16 or UTF-32 without
one, recognised by where the NUL bytes fall (ASCII characters have a NUL high byte: every other
byte of UTF-16, three of four of UTF-32) or, for text without ASCII (Cyrillic UTF-16), by the
handful of values its high bytes take; strict UTF-8; the declared charset (HTML); cp1252.  Bytes
that are none of these (NUL bytes outside UTF-16/32, a high share of control or undecodable
characters: an image or an archive renamed ``.txt``) raise :class:`NotText`, which
:func:`decode_file` turns into an ``ExtractionError`` with code ``not-text``.

Only samples of the bytes are inspected (:data:`SAMPLE_BYTES` from the start, the middle and the
end), so a large file costs one decode.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from collections import Counter
from pathlib import Path

from wbpolicy.errors import ExtractionError
from wbpolicy.models import Problem

log = logging.getLogger(__name__)

# the Council of Europe exports start with an HTML <meta> line
LEADING_TAG_LINE = re.compile(r"^\s*<[a-zA-Z!][^>]*>\s*$")

# bytes inspected at each of the start, the middle and the end of a file (a multiple of 4)
SAMPLE_BYTES = 16384
# a text whose samples hold more than this share of control characters (other than white
# space), C1 controls or undecodable bytes is binary data ...
MAX_JUNK_SHARE = 0.05
# ... provided there are at least this many of them (a stray control in a short note is kept)
MIN_JUNK_CHARS = 4
# UTF-16 without a BOM: the share of the NUL bytes that must fall on one parity
UTF16_NUL_PARITY_SHARE = 0.95
# ... and the share of the characters that must be ASCII (NUL high byte) at the least
UTF16_MIN_NUL_SHARE = 0.05
# ... or else (little or no ASCII) the share of its high bytes that its three commonest values
# must cover (Serbian: 0x04 Cyrillic, 0x01 Latin Extended, 0x00 ASCII; random bytes: 3 of 256)
UTF16_HIGH_BYTE_VALUES = 3
UTF16_HIGH_BYTE_SHARE = 0.9
# UTF-16 without a single NUL byte is not looked for in fewer bytes than this
UTF16_MIN_SAMPLE = 64

# C0 controls except \t \n \v \f \r, DEL, C1 controls, and the replacement character
_JUNK = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


class NotText(ValueError):
    """The bytes are not text in any encoding we read; the message says why (one line)."""


def read_bytes(path: Path) -> bytes:
    """File content; a missing/unreadable file or one with no visible text is an ExtractionError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ExtractionError(path, "unreadable", "file not found") from exc
    except IsADirectoryError as exc:
        raise ExtractionError(path, "unreadable", "is a directory, not a file") from exc
    except OSError as exc:
        raise ExtractionError(path, "unreadable", f"cannot read file ({exc.strerror})") from exc
    if not data or data.isspace():  # (not data.strip(), without copying the whole file)
        reason = "file is empty" if not data else "file has only white space"
        raise ExtractionError(path, "empty", reason)
    return data


def _samples(data: bytes) -> list[bytes]:
    """The start, middle and end of ``data``, each cut at a multiple of 4 bytes from the start
    (so that UTF-16/32 code units stay aligned); the whole of a small file."""
    n = len(data)
    if n <= 3 * SAMPLE_BYTES:
        return [data]
    mid = (n // 2) & ~3
    end = (n - SAMPLE_BYTES) & ~3
    return [data[:SAMPLE_BYTES], data[mid : mid + SAMPLE_BYTES], data[end : end + SAMPLE_BYTES]]


def _decode_samples(samples: list[bytes], encoding: str) -> str:
    """The samples decoded (a code unit cut at a sample's end is dropped; bad ones become
    U+FFFD, which counts as junk)."""
    out: list[str] = []
    for sample in samples:
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        out.append(decoder.decode(sample, final=False))
    return "".join(out)


def _junk_share(text: str) -> tuple[int, float]:
    """Controls (not white space), C1 controls, U+FFFD, unassigned code points and surrogates
    in ``text``: their number and share.  (Private-use characters are not junk: symbol-font
    bullets come out of PDF-to-text tools as those.)"""
    junk = len(_JUNK.findall(text))
    junk += sum(1 for c in text if c > "\x9f" and unicodedata.category(c) in ("Cn", "Cs"))
    return junk, junk / max(len(text), 1)


def _is_junk(text: str) -> bool:
    junk, share = _junk_share(text)
    return junk >= MIN_JUNK_CHARS and share > MAX_JUNK_SHARE


def _clean_as(samples: list[bytes], encoding: str) -> bool:
    text = _decode_samples(samples, encoding)
    return bool(text.strip()) and "\x00" not in text and not _is_junk(text)


def _wide_encoding(samples: list[bytes]) -> str | None:
    """UTF-32 or UTF-16 (LE or BE) recognised by its NUL bytes, without a BOM; or None."""
    pos = [0, 0, 0, 0]  # NUL bytes at each offset modulo 4 (whole 4-byte units only)
    even = odd = 0  # NUL bytes at even and odd offsets (whole 2-byte units only)
    units4 = units2 = 0
    for sample in samples:
        whole = sample[: len(sample) // 4 * 4]
        units4 += len(whole) // 4
        for k in range(4):
            pos[k] += whole[k::4].count(0)
        whole = sample[: len(sample) // 2 * 2]
        units2 += len(whole) // 2
        even += whole[0::2].count(0)
        odd += whole[1::2].count(0)
    nuls = even + odd
    if not nuls:
        return None
    candidates: list[str] = []
    # UTF-32: every code point is below 0x110000, so its top byte is always NUL, and the next
    # one is NUL for every character of the Basic Multilingual Plane
    if units4:
        if pos[3] == units4 and pos[2] >= 0.5 * units4 and pos[0] < units4:
            candidates.append("utf-32-le")
        if pos[0] == units4 and pos[1] >= 0.5 * units4 and pos[3] < units4:
            candidates.append("utf-32-be")
    # UTF-16: the high byte of every ASCII character (white space, digits, punctuation even in
    # Cyrillic text) is NUL and its low byte is not; random bytes have a NUL in 1 of 256, and
    # high bytes of every value
    for enc, on_parity, first in (("utf-16-le", odd, 1), ("utf-16-be", even, 0)):
        if on_parity >= UTF16_NUL_PARITY_SHARE * nuls and (
            on_parity >= UTF16_MIN_NUL_SHARE * units2 or _few_high_bytes(samples, first)
        ):
            candidates.append(enc)
    return next((enc for enc in candidates if _clean_as(samples, enc)), None)


def _few_high_bytes(samples: list[bytes], first: int) -> bool:
    """Whether the bytes at ``first``, ``first + 2``, ... (the high bytes of UTF-16 code units)
    take few values: text in one or two scripts (Cyrillic 0x04, Latin Extended 0x01, ASCII 0x00)."""
    high = b"".join(s[first::2] for s in samples)
    common = sum(c for _, c in Counter(high).most_common(UTF16_HIGH_BYTE_VALUES))
    return bool(high) and common >= UTF16_HIGH_BYTE_SHARE * len(high)


def _utf16_without_ascii(samples: list[bytes]) -> str | None:
    """UTF-16 without a BOM or a single NUL byte: text with no ASCII at all (Cyrillic, Greek),
    whose high bytes take few values; or None."""
    if sum(len(s) for s in samples) < UTF16_MIN_SAMPLE:
        return None
    for enc, first in (("utf-16-le", 1), ("utf-16-be", 0)):
        if _few_high_bytes(samples, first) and _clean_as(samples, enc):
            return enc
    return None


def decode_bytes(
    data: bytes, declared: str | None = None, *, source: str | None = None
) -> tuple[str, str, bool]:
    """Decode ``data``: BOM first, then UTF-16/32 without a BOM, then strict UTF-8, then
    ``declared``, then cp1252.

    Returns ``(text, encoding, fallback_used)``; ``fallback_used`` means the bytes were neither
    UTF-8 nor UTF-16/32.  Raises :class:`NotText` for binary data.  An unknown ``declared``
    charset is ignored, with a logged warning naming ``source``.
    """
    bom = _decode_bom(data)
    if bom is not None:
        _refuse_junk(bom[0])
        return bom[0], bom[1], False
    samples = _samples(data)
    wide = _wide_encoding(samples)
    if wide is not None:
        return data.decode(wide, errors="replace"), wide, False
    if b"\x00" in data:
        raise NotText("not a text file: it holds NUL bytes and is not UTF-16 or UTF-32")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not _is_junk("".join(_text_samples(text))):
            return text, "utf-8", False
    wide = _utf16_without_ascii(samples)
    if wide is not None:
        return data.decode(wide, errors="replace"), wide, False
    text, encoding = _legacy_decode(data, declared, source)
    _refuse_junk(text)
    return text, encoding, True


def _decode_bom(data: bytes) -> tuple[str, str] | None:
    """Text and encoding of ``data`` that starts with a byte-order mark, else None."""
    view = memoryview(data)  # slicing a view copies nothing
    if data.startswith(codecs.BOM_UTF8):
        return str(view[3:], "utf-8", "replace"), "utf-8-sig"
    if data.startswith(codecs.BOM_UTF32_LE) and len(data) % 4 == 0:
        # (FF FE 00 00 may also be a UTF-16 BOM and a NUL character: keep what reads as text)
        text = str(view[4:], "utf-32-le", "replace")
        if not _is_junk(text[:SAMPLE_BYTES]):
            return text, "utf-32-le"
    if data.startswith(codecs.BOM_UTF32_BE):
        return str(view[4:], "utf-32-be", "replace"), "utf-32-be"
    if data.startswith(codecs.BOM_UTF16_LE):
        return str(view[2:], "utf-16-le", "replace"), "utf-16-le"
    if data.startswith(codecs.BOM_UTF16_BE):
        return str(view[2:], "utf-16-be", "replace"), "utf-16-be"
    return None


def _refuse_junk(text: str) -> None:
    """Raise :class:`NotText` when the samples of ``text`` are mostly junk characters."""
    junk, share = _junk_share("".join(_text_samples(text)))
    if junk >= MIN_JUNK_CHARS and share > MAX_JUNK_SHARE:
        raise NotText(
            f"not a text file: {share:.0%} of its characters are control characters or "
            "undecodable bytes"
        )


def _legacy_decode(data: bytes, declared: str | None, source: str | None) -> tuple[str, str]:
    """Bytes that are not UTF-8: the declared charset if it decodes them, else cp1252."""
    if declared:
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            log.warning("%s: unknown charset %r; guessing the encoding", source or "text", declared)
            name = "utf-8"
        if name != "utf-8":
            try:
                return data.decode(declared), name
            except UnicodeDecodeError:
                pass
    # cp1252 leaves five bytes undefined; anything is better than failing the whole file
    return data.decode("cp1252", errors="replace"), "cp1252"


def _text_samples(text: str) -> list[str]:
    n = SAMPLE_BYTES
    if len(text) <= 3 * n:
        return [text]
    mid = len(text) // 2
    return [text[:n], text[mid : mid + n], text[-n:]]


# private-use code points the parsers use as sentinels in their working text (see
# extract.blocks): in a file's own text they would be read as citation markers, and an unclosed
# one made every later one scan to the end of the text (quadratic)
_SENTINEL_CHARS = "".join(chr(c) for c in range(0xE000, 0xE005))
_NO_SENTINELS = str.maketrans(dict.fromkeys(_SENTINEL_CHARS))


def decode_file(path: Path, data: bytes, declared: str | None = None) -> tuple[str, str, bool]:
    """:func:`decode_bytes` for the bytes of ``path``: binary data is an ExtractionError
    (``not-text``) with a one-line reason.  The parsers' sentinel characters (U+E000-U+E004)
    are removed from the text."""
    try:
        text, encoding, fallback = decode_bytes(data, declared, source=str(path))
    except NotText as exc:
        raise ExtractionError(path, "not-text", str(exc)) from None
    if any(c in text for c in _SENTINEL_CHARS):
        text = text.translate(_NO_SENTINELS)
    return text, encoding, fallback


def encoding_problem(path: Path, encoding: str) -> Problem:
    """The non-fatal problem reported when a file was not UTF-8."""
    return Problem(str(path), "encoding", f"not valid UTF-8; decoded as {encoding}")


_LINE_END = re.compile(r"\r+\n|\r")
_FIRST_VISIBLE = re.compile(r"\S")  # the first character that str.strip() keeps


def normalise_newlines(text: str) -> str:
    """``\\n`` line ends; ``\\r\\r\\n`` (a CRLF file converted twice) is one line end, not two."""
    if "\r" not in text:
        return text  # no copy of a large text that is already clean
    return _LINE_END.sub("\n", text)


def read_text(path: Path) -> tuple[str, list[Problem]]:
    """A ``.txt``/``.md`` file as text with ``\\n`` line ends, plus any encoding problem.

    A leading line that is a lone HTML tag is blanked; a file left without text is an
    ExtractionError (``empty``); binary data is an ExtractionError (``not-text``).
    """
    text, encoding, fallback = decode_file(path, read_bytes(path))
    problems = [encoding_problem(path, encoding)] if fallback else []
    text = normalise_newlines(text)
    first = _FIRST_VISIBLE.search(text)
    if first is not None and text[first.start()] == "<":
        # the first line with text (found without splitting the whole text into lines)
        start = text.rfind("\n", 0, first.start()) + 1
        end = text.find("\n", first.start())
        end = len(text) if end < 0 else end
        if LEADING_TAG_LINE.match(text[start:end]):
            text = text[:start] + text[end:]
    if not text or text.isspace():
        raise ExtractionError(path, "empty", "file has no text")
    return text, problems
