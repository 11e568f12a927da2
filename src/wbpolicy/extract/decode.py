"""Bytes to text: reading a file, guessing its encoding, normalising line ends."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from wbpolicy.errors import ExtractionError
from wbpolicy.models import Problem

# the Council of Europe exports start with an HTML <meta> line
LEADING_TAG_LINE = re.compile(r"^\s*<[a-zA-Z!][^>]*>\s*$")


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
    if not data.strip():
        reason = "file is empty" if not data else "file has only white space"
        raise ExtractionError(path, "empty", reason)
    return data


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str, bool]:
    """Decode ``data``: BOM first, then strict UTF-8, then ``declared``, then cp1252.

    Returns ``(text, encoding, fallback_used)``; ``fallback_used`` means the bytes were not UTF-8.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", False
    if data.startswith(codecs.BOM_UTF16_LE):
        return data[2:].decode("utf-16-le", errors="replace"), "utf-16-le", False
    if data.startswith(codecs.BOM_UTF16_BE):
        return data[2:].decode("utf-16-be", errors="replace"), "utf-16-be", False
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError:
        pass
    if declared and codecs.lookup(declared).name not in ("utf-8",):
        try:
            return data.decode(declared), codecs.lookup(declared).name, True
        except (UnicodeDecodeError, LookupError):
            pass
    # cp1252 leaves five bytes undefined; anything is better than failing the whole file
    return data.decode("cp1252", errors="replace"), "cp1252", True


def encoding_problem(path: Path, encoding: str) -> Problem:
    """The non-fatal problem reported when a file was not UTF-8."""
    return Problem(str(path), "encoding", f"not valid UTF-8; decoded as {encoding}")


def normalise_newlines(text: str) -> str:
    """``\\n`` line ends; ``\\r\\r\\n`` (a CRLF file converted twice) is one line end, not two."""
    return re.sub(r"\r+\n|\r", "\n", text)


def read_text(path: Path) -> tuple[str, list[Problem]]:
    """A ``.txt``/``.md`` file as text with ``\\n`` line ends, plus any encoding problem.

    A leading line that is a lone HTML tag is blanked; a file left without text is an
    ExtractionError (``empty``).
    """
    text, encoding, fallback = decode_bytes(read_bytes(path))
    problems = [encoding_problem(path, encoding)] if fallback else []
    text = normalise_newlines(text)
    lines = text.split("\n")
    first = next((i for i, x in enumerate(lines) if x.strip()), None)
    if first is not None and LEADING_TAG_LINE.match(lines[first]):
        lines[first] = ""
        text = "\n".join(lines)
    if not text.strip():
        raise ExtractionError(path, "empty", "file has no text")
    return text, problems
