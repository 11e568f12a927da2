"""Metadata a user gives for their own documents, and the order in which metadata is decided.

For each field of a document (title, kind, country, year, language, URL), the first of these
that has a value wins:

1. options given to ``ingest`` for one file (``--title --country --kind --year --language``);
2. a sidecar next to the file: ``NAME.meta.yaml`` (or ``NAME.EXT.meta.yaml``), a mapping of
   the fields;
3. ``wbpolicy.yaml`` in the file's folder or any folder above it up to the one named to
   ``ingest``: ``defaults:`` for every file below it, and ``files:`` mapping a file name (or a
   glob such as ``"*-draft.pdf"``) to fields;
4. the corpus manifest, for a file whose bytes it knows (every field);
5. inference from the document itself: its title and first page, then the file name
   (:func:`wbpolicy.prepare.document_metadata`).

Countries are ids or any name the gazetteer knows ("Kosovo", "BiH"); kinds are the ids of
``kinds.yaml`` or their aliases.  A value that names no known country or kind is an error that
names the file and the field: nothing is guessed from a typo.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from wbpolicy.errors import WbpolicyError

SIDECAR_SUFFIX = ".meta.yaml"
FOLDER_FILE = "wbpolicy.yaml"
FIELDS = ("title", "kind", "country", "year", "language", "url")


@dataclass(frozen=True)
class UserMetadata:
    """Fields a user set; None: not set (decided by the next source, see the module docstring).
    ``complete`` marks an entry that decides every field (the corpus manifest's)."""

    title: str | None = None
    kind: str | None = None
    country: str | None = None
    year: int | None = None
    language: str | None = None
    url: str | None = None
    doc_id: str | None = None
    complete: bool = False

    def over(self, other: Any) -> UserMetadata:
        """These fields, with ``other``'s where these are unset."""
        if other is None:
            return self
        values = {f: getattr(self, f) for f in FIELDS}
        for f in FIELDS:
            if values[f] is None:
                values[f] = getattr(other, f, None)
        return UserMetadata(
            **values,
            doc_id=self.doc_id or getattr(other, "doc_id", None),
            complete=bool(getattr(other, "complete", True)),
        )

    def is_empty(self) -> bool:
        return all(getattr(self, f) is None for f in FIELDS)


def checked(values: Mapping[str, Any], where: str) -> UserMetadata:
    """Validate and normalise user-given fields (``where`` names the source in errors)."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise WbpolicyError(
            f"{where}: unknown field {sorted(unknown)[0]!r} (fields: {', '.join(FIELDS)})"
        )
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or value == "":
            continue
        if key == "year":
            out[key] = _year(value, where)
        elif key == "country":
            out[key] = country_id(str(value), where)
        elif key == "kind":
            out[key] = kind_id(str(value), where)
        elif key == "language":
            lang = str(value).strip().lower()
            if not re.fullmatch(r"[a-z]{2,3}(?:[-_][a-z]{2,4})?", lang):
                raise WbpolicyError(f"{where}: language {value!r} is not a code such as en, sr")
            out[key] = lang
        else:
            out[key] = str(value).strip()
    return UserMetadata(**out)


def _year(value: Any, where: str) -> int:
    try:
        year = int(str(value).strip())
    except ValueError:
        year = 0
    if not 1000 <= year <= 9999:
        raise WbpolicyError(f"{where}: year {value!r} is not a four-digit year")
    return year


def country_id(value: str, where: str = "country") -> str:
    from wbpolicy.knowledge import get_gazetteer

    gaz = get_gazetteer()
    entry = gaz.get(value) or gaz.get(value.upper()) or gaz.find_alias(value)
    if entry is None or entry.label != "COUNTRY":
        raise WbpolicyError(f"{where}: {value!r} is not a country or body the gazetteer knows")
    return entry.id


def kind_id(value: str, where: str = "kind") -> str:
    from wbpolicy.knowledge import knowledge

    kinds = knowledge().kinds
    kind = kinds.normalise(value)
    if kind is None:
        raise WbpolicyError(f"{where}: unknown kind {value!r} (one of {', '.join(kinds.ids)})")
    return kind


# --------------------------------------------------------------------------------------------
# sidecars


def is_sidecar(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(SIDECAR_SUFFIX) or name == FOLDER_FILE


def sidecar_metadata(path: Path, roots: tuple[Path, ...] = ()) -> UserMetadata:
    """What the sidecar files say about ``path`` (empty when none)."""
    meta = UserMetadata()
    for candidate in (
        path.with_name(path.name + SIDECAR_SUFFIX),
        path.with_name(path.stem + SIDECAR_SUFFIX),
    ):
        if candidate.is_file():
            meta = meta.over(checked(_mapping(candidate), str(candidate)))
            break
    for folder in _folders(path, roots):
        spec = folder / FOLDER_FILE
        if spec.is_file():
            meta = meta.over(_folder_entry(spec, path))
    return replace(meta, complete=False)


def _folders(path: Path, roots: tuple[Path, ...]) -> list[Path]:
    """The file's folder and those above it, up to the root it was found under."""
    folder = path.resolve().parent
    stop = next((r.resolve() for r in roots if r.is_dir() and _is_under(folder, r.resolve())), None)
    out = [folder]
    while stop is not None and folder != stop and folder.parent != folder:
        folder = folder.parent
        out.append(folder)
    return out


def _is_under(folder: Path, root: Path) -> bool:
    return folder == root or root in folder.parents


def _folder_entry(spec: Path, path: Path) -> UserMetadata:
    raw = _mapping(spec)
    unknown = set(raw) - {"defaults", "files"}
    if unknown:
        raise WbpolicyError(f"{spec}: unknown key {sorted(unknown)[0]!r} (keys: defaults, files)")
    files = raw.get("files") or {}
    if not isinstance(files, dict):
        raise WbpolicyError(f"{spec}: 'files' must map file names to fields")
    rel = path.resolve().relative_to(spec.parent.resolve()).as_posix()
    meta = UserMetadata()
    for pattern, values in files.items():
        if str(pattern) in (rel, path.name) or fnmatch.fnmatch(rel, str(pattern)):
            meta = meta.over(checked(values or {}, f"{spec} [{pattern}]"))
    return meta.over(checked(raw.get("defaults") or {}, f"{spec} [defaults]"))


def _mapping(path: Path) -> dict[str, Any]:
    return dict(_load_yaml(str(path), path.stat().st_mtime_ns))


@lru_cache(maxsize=256)
def _load_yaml(path: str, mtime_ns: int) -> tuple[tuple[str, Any], ...]:
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WbpolicyError(f"{path}: cannot read metadata: {first}") from exc
    if not isinstance(data, dict):
        raise WbpolicyError(f"{path}: metadata must be a mapping of fields")
    return tuple(data.items())


# --------------------------------------------------------------------------------------------
# the lookup ingest uses


def layered_lookup(
    base: Callable[[Path, str], Any],
    given: UserMetadata | None = None,
    roots: tuple[Path, ...] = (),
) -> Callable[[Path, str], Any]:
    """``base`` (the corpus manifest) under the user's metadata: options, then sidecars."""

    def lookup(path: Path, sha256: str) -> Any:
        known = base(path, sha256)
        user = (given or UserMetadata()).over(sidecar_metadata(path, roots))
        if user.is_empty():
            return known
        return user.over(known) if known is not None else replace(user, complete=False)

    lookup.reserved_ids = getattr(base, "reserved_ids", frozenset())  # type: ignore[attr-defined]
    return lookup


__all__ = [
    "FIELDS",
    "UserMetadata",
    "checked",
    "is_sidecar",
    "layered_lookup",
    "sidecar_metadata",
]
