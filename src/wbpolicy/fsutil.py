"""Atomic file writes (temp file in the target's folder, fsync, rename), file hashes, and the
per-user cache folder."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: Path | str, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp_path)`` and move the result onto ``path`` atomically.

    A crash at any moment leaves either the old file or the new one, never a torn file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        tmp_path.chmod(0o644)  # mkstemp makes 0600; index files are ordinary readable files
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def atomic_write_text(path: Path | str, text: str) -> None:
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def sha256_file(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


ENV_CACHE = "WBPOLICY_CACHE"


def cache_dir() -> Path:
    """Where derived artefacts that are not part of an index live (compiled knowledge, exported
    models): ``$WBPOLICY_CACHE``, else ``$XDG_CACHE_HOME/wbpolicy``, else ``~/.cache/wbpolicy``."""
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wbpolicy"


def path_text(path: Path | str) -> str:
    """A path as text that can be stored and printed: a file name that is not valid UTF-8 (bytes
    Python keeps as lone surrogates) gets U+FFFD for each bad byte instead of failing later."""
    raw = os.fsencode(path)
    return raw.decode("utf-8", "replace")


def regular_file_problem(path: Path | str) -> str | None:
    """Why ``path`` cannot be read as a document (None: it is a regular file).  Checked before
    any read: a FIFO or a device (``/dev/zero``) would block or never end."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "no such file"
    except OSError as exc:
        return exc.strerror or str(exc)
    if stat.S_ISREG(mode):
        return None
    for test, what in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return f"not a regular file: {what}"
    return "not a regular file"
