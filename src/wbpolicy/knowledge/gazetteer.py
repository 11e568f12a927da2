"""The curated gazetteer: countries, organisations and instruments with canonical ids and aliases.

Data lives in ``wbpolicy/knowledge/data/gazetteer/*.yaml`` (one file per label).  Adding an
alias or an
entry is an edit to those files; :meth:`Gazetteer.load` validates them (unique ids, valid labels,
no alias claimed by two entries unless both list it under ``shared_aliases``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from wbpolicy.errors import WbpolicyError

LABELS = ("COUNTRY", "ORG", "INSTRUMENT")
_FILES = ("countries.yaml", "organisations.yaml", "instruments.yaml")
_ENTRY_KEYS = frozenset(
    {
        "id",
        "label",
        "name",
        "aliases",
        "country",
        "demonyms",
        "parent",
        "case_sensitive",
        "shared_aliases",
    }
)


class GazetteerError(WbpolicyError):
    """A gazetteer data file is malformed (bad label, duplicate id or alias...)."""


@dataclass(frozen=True)
class GazEntry:
    id: str
    label: str
    name: str
    aliases: tuple[str, ...]
    country: str | None = None
    demonyms: tuple[str, ...] = ()
    parent: str | None = None
    case_sensitive: bool | None = None  # None: decide per alias (acronyms are case-sensitive)
    shared_aliases: tuple[str, ...] = ()

    def alias_is_case_sensitive(self, alias: str) -> bool:
        if self.case_sensitive is not None:
            return self.case_sensitive
        return looks_like_acronym(alias)


def looks_like_acronym(alias: str) -> bool:
    """ "RCC", "BiH", "CoE", "ReSPA", "KOS-CERT", "CIRT.me", "US": matched case-sensitively,
    because their lower-case forms are ordinary words ("us") or noise."""
    if " " in alias:
        words = alias.split()
        return all(looks_like_acronym(w) for w in words)
    caps = sum(1 for c in alias if c.isupper())
    return caps >= 2 or (caps >= 1 and any(c.isdigit() for c in alias) and len(alias) <= 6)


def alias_key(text: str) -> str:
    """Case-, accent-, quote- and space-insensitive lookup key."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("“", '"').replace("”", '"').replace("–", "-")
    return re.sub(r"\s+", " ", text).strip().casefold()


def _clean_alias(alias: str) -> str:
    # "Kosovo*": the asterisk is a footnote-like mark, never part of a name.
    return alias.strip().rstrip("*").strip()


@dataclass
class Gazetteer:
    entries: tuple[GazEntry, ...]
    _by_id: dict[str, GazEntry] = field(default_factory=dict, repr=False)
    _by_alias: dict[str, tuple[GazEntry, ...]] = field(default_factory=dict, repr=False)
    _by_demonym: dict[str, GazEntry] = field(default_factory=dict, repr=False)

    bodies: frozenset[str] = frozenset()  # may stand in an entry's `country` (region.yaml)

    @classmethod
    def load(
        cls, directory: str | Path | None = None, bodies: frozenset[str] | None = None
    ) -> Gazetteer:
        """Parse the YAML files (``directory`` for tests; default: the package's data).  Code
        that only reads the gazetteer uses :func:`wbpolicy.knowledge.knowledge` instead, which
        parses once and caches a compiled form."""
        import yaml

        entries: list[GazEntry] = []
        for name in _FILES:
            if directory is None:
                text = (
                    resources.files("wbpolicy.knowledge")
                    .joinpath("data", "gazetteer", name)
                    .read_text(encoding="utf-8")
                )
            else:
                path = Path(directory) / name
                if not path.is_file():
                    continue
                text = path.read_text(encoding="utf-8")
            data = yaml.safe_load(text) or {}
            default_label = data.get("label")
            for raw in data.get("entries") or []:
                entries.append(_parse_entry(raw, default_label, name))
        if bodies is None:
            from wbpolicy.knowledge import load_region

            bodies = load_region().bodies
        return cls.from_entries(entries, bodies)

    @classmethod
    def from_entries(
        cls, entries: list[GazEntry], bodies: frozenset[str] = frozenset()
    ) -> Gazetteer:
        gaz = cls(entries=tuple(entries), bodies=frozenset(bodies))
        gaz._index()
        return gaz

    def _index(self) -> None:
        for e in self.entries:
            if e.id in self._by_id:
                raise GazetteerError(f"duplicate gazetteer id {e.id!r}")
            self._by_id[e.id] = e
        owners: dict[str, list[GazEntry]] = {}
        for e in self.entries:
            seen: set[str] = set()
            for a in e.aliases:
                k = alias_key(a)
                if k in seen:
                    continue
                seen.add(k)
                owners.setdefault(k, []).append(e)
        for k, es in owners.items():
            if len(es) > 1:
                unshared = [e.id for e in es if k not in {alias_key(s) for s in e.shared_aliases}]
                if unshared:
                    raise GazetteerError(
                        f"alias {k!r} claimed by {', '.join(e.id for e in es)}; list it under "
                        "shared_aliases in each entry if that is deliberate"
                    )
            self._by_alias[k] = tuple(es)
        for e in self.entries:
            if e.parent is not None and e.parent not in self._by_id:
                raise GazetteerError(f"{e.id}: unknown parent {e.parent!r}")
            if (
                e.country is not None
                and e.country not in self._by_id
                and e.country not in self.bodies
            ):
                raise GazetteerError(f"{e.id}: unknown country {e.country!r}")
            for d in e.demonyms:
                self._by_demonym[alias_key(d)] = e

    def get(self, entity_id: str) -> GazEntry | None:
        return self._by_id.get(entity_id)

    def find_alias(self, text: str) -> GazEntry | None:
        """The entry an alias (or demonym) names, ignoring case and accents; None if unknown."""
        es = self._by_alias.get(alias_key(_clean_alias(text)))
        if es:
            return es[0]
        return self._by_demonym.get(alias_key(text))

    def by_label(self, label: str) -> list[GazEntry]:
        return [e for e in self.entries if e.label == label]

    def demonym(self, text: str) -> GazEntry | None:
        return self._by_demonym.get(alias_key(text))

    @property
    def demonyms(self) -> dict[str, GazEntry]:
        return dict(self._by_demonym)


def _parse_entry(raw: object, default_label: str | None, source: str) -> GazEntry:
    if not isinstance(raw, dict):
        raise GazetteerError(f"{source}: entry is not a mapping: {raw!r}")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise GazetteerError(f"{source}: {raw.get('id')}: unknown keys {sorted(unknown)}")
    eid = raw.get("id")
    if not isinstance(eid, str) or not eid.strip():
        raise GazetteerError(f"{source}: entry without a string id: {raw!r}")
    label = raw.get("label", default_label)
    if label not in LABELS:
        raise GazetteerError(f"{source}: {eid}: invalid label {label!r}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise GazetteerError(f"{source}: {eid}: missing name")
    aliases_raw = raw.get("aliases") or []
    if not isinstance(aliases_raw, list) or not all(isinstance(a, str) for a in aliases_raw):
        raise GazetteerError(f"{source}: {eid}: aliases must be a list of strings")
    aliases = tuple(dict.fromkeys(a for a in map(_clean_alias, aliases_raw) if a))
    if not aliases:
        raise GazetteerError(f"{source}: {eid}: no aliases")
    demonyms = tuple(raw.get("demonyms") or ())
    if demonyms and label != "COUNTRY":
        raise GazetteerError(f"{source}: {eid}: demonyms are only for countries")
    cs = raw.get("case_sensitive")
    if cs is not None and not isinstance(cs, bool):
        raise GazetteerError(f"{source}: {eid}: case_sensitive must be true/false")
    return GazEntry(
        id=eid.strip(),
        label=label,
        name=name.strip(),
        aliases=aliases,
        country=raw.get("country"),
        demonyms=demonyms,
        parent=raw.get("parent"),
        case_sensitive=cs,
        shared_aliases=tuple(_clean_alias(a) for a in raw.get("shared_aliases") or ()),
    )
