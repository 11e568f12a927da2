"""Domain exceptions.  The CLI maps :class:`WbpolicyError` to exit code 1 with its message."""

from __future__ import annotations

from pathlib import Path


class WbpolicyError(Exception):
    """An expected failure that the user can act on (bad input, missing index, ...)."""


class ExtractionError(WbpolicyError):
    """A document could not be read at all.  ``code`` is a short machine-readable reason."""

    def __init__(self, path: Path | str, code: str, reason: str) -> None:
        self.path = str(path)
        self.code = code
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self) -> tuple[type, tuple[str, str, str]]:
        # raised in extraction worker processes: must cross a process boundary intact
        return (type(self), (self.path, self.code, self.reason))


class IndexNotFound(WbpolicyError):
    """No index exists where one was expected."""


class IndexMismatch(WbpolicyError):
    """The index was built with another embedding model or incompatible settings."""


class NotFound(WbpolicyError):
    """A document, page, passage or entity that was asked for does not exist."""


class OfflineError(WbpolicyError):
    """A network operation was requested but the machine is offline."""


class InvalidQuery(WbpolicyError):
    """A query or question that cannot be searched (empty, too long).  The CLI exits 2."""


class IndexReadOnly(WbpolicyError):
    """A write (ingest, remove, rebuild) was asked of an index whose files cannot be written."""


class IndexTooNew(IndexMismatch):
    """The index was written by a newer wbpolicy: its schema is newer than this code knows."""


class IndexDamaged(WbpolicyError):
    """The index's files are damaged: not a database, truncated, or failing SQLite's checks."""


class IndexBusy(WbpolicyError):
    """Another process holds the index's write lock for longer than the busy timeout."""


class MilvusUnavailable(WbpolicyError):
    """The Milvus server cannot be reached, or refused an operation."""
