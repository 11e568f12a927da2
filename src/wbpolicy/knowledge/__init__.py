"""Domain facts as data: the gazetteer, topics, document kinds, the region, the lexicon and the
multilingual glossary.

Every fact lives in ``knowledge/data/*.yaml``; code reads it through :func:`knowledge`, which
parses the files once per process.  Parsing YAML costs about half a second, so the parsed form
is also kept in a compiled cache (a pickle keyed by the hash of the data files, this package's
code and the Python version,
under ``$WBPOLICY_CACHE`` or ``~/.cache/wbpolicy``): a cold process loads it in milliseconds.
An edit to a data file changes the hash, so the cache can never serve stale facts.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbpolicy.errors import WbpolicyError
from wbpolicy.fsutil import cache_dir

if TYPE_CHECKING:
    from wbpolicy.knowledge.gazetteer import GazEntry, Gazetteer
    from wbpolicy.knowledge.topics import Topics

log = logging.getLogger(__name__)

_CACHE_FORMAT = 1
_DATA_FILES = (
    "gazetteer/countries.yaml",
    "gazetteer/organisations.yaml",
    "gazetteer/instruments.yaml",
    "topics.yaml",
    "kinds.yaml",
    "region.yaml",
    "lexicon.yaml",
)
# read by queries only (never by ingest): part of the cache key, not of the facts an index
# records, so that a glossary edit never re-tags an indexed document
_QUERY_FILES = ("glossary.yaml",)


class KnowledgeError(WbpolicyError):
    """A knowledge data file is missing or malformed."""


@dataclass(frozen=True)
class Kind:
    id: str
    aliases: tuple[str, ...]
    asked: re.Pattern[str] | None  # a question naming the kind
    infer: re.Pattern[str] | None  # a title, file name or opening text of a document of the kind
    primary: bool = False  # the instrument itself (a strategy, a law), not a text about one


@dataclass(frozen=True)
class Kinds:
    kinds: tuple[Kind, ...]
    infer_order: tuple[str, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(k.id for k in self.kinds)

    def is_primary(self, stored: str | None) -> bool:
        k = self.get(self.normalise(stored) or "") if stored else None
        return bool(k and k.primary)

    def get(self, kind_id: str) -> Kind | None:
        return next((k for k in self.kinds if k.id == kind_id), None)

    def normalise(self, value: str) -> str | None:
        """The kind id for a spelling ("strategies", "International"); None if unknown."""
        v = value.strip().lower()
        for k in self.kinds:
            if v == k.id or v in k.aliases:
                return k.id
        return None

    def stored_values(self, kind_id: str) -> tuple[str, ...]:
        """Every spelling a document of this kind may be stored with."""
        k = self.get(kind_id)
        return (kind_id, *k.aliases) if k else (kind_id,)

    def asked_in(self, text: str) -> list[str]:
        """The kinds a question names, in the order of ``kinds.yaml``."""
        return [k.id for k in self.kinds if k.asked is not None and k.asked.search(text)]

    def asked_spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for k in self.kinds if k.asked is not None for m in k.asked.finditer(text)]

    def titled(self, title: str, kind_id: str) -> bool:
        """Whether a title names the kind ("... Cyberwellness profile")."""
        k = self.get(kind_id)
        return bool(k and k.asked and k.asked.search(title or ""))

    def infer(self, sources: list[str]) -> str | None:
        """The first kind whose rule matches, trying each source in turn."""
        rules = [k for kid in self.infer_order if (k := self.get(kid)) and k.infer]
        for source in sources:
            if not source.strip():
                continue
            for k in rules:
                if k.infer and k.infer.search(source):
                    return k.id
        return None


@dataclass(frozen=True)
class Region:
    focus: tuple[str, ...]  # the Western Balkans states, in the report's order
    bodies: frozenset[str]
    not_states: frozenset[str]
    capitals: dict[str, str]
    file_prefixes: dict[str, str]
    table1_columns: dict[str, str]
    word_prefixes: frozenset[str] = frozenset()

    def is_state(self, code: str) -> bool:
        """ISO alpha-2 codes and sub-state ids (BA-SRP); bodies (EU, CoE, WB) are not states."""
        head = code[:2]
        return (
            head.isalpha()
            and head.isupper()
            and (len(code) == 2 or code[2] == "-")
            and code not in self.not_states
        )

    def in_focus(self, code: str) -> bool:
        return code in self.focus or code.split("-", 1)[0] in self.focus


GLOSSARY_LANGUAGES = ("sh", "sr", "hr", "bs", "sq", "fr", "nl")
# "sh": the forms Serbian, Croatian and Bosnian share
SHARED = {"sh": ("sr", "hr", "bs")}


@dataclass(frozen=True)
class GlossaryEntry:
    """One concept: its English names and its forms in each other language (as written in
    ``glossary.yaml``: words, ``stem*`` prefixes, ``=exact`` words)."""

    en: tuple[str, ...]
    forms: tuple[tuple[str, tuple[str, ...]], ...]  # (language, forms), "sh" expanded

    def forms_in(self, lang: str) -> tuple[str, ...]:
        return next((f for code, f in self.forms if code == lang), ())


@dataclass(frozen=True)
class Glossary:
    entries: tuple[GlossaryEntry, ...] = ()
    cyrillic: frozenset[str] = frozenset()  # languages also written in Serbian Cyrillic
    stopwords: tuple[tuple[str, frozenset[str]], ...] = ()  # (language, folded words)
    # the languages a country's own documents may be written in, besides English
    country_languages: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def stopwords_of(self, lang: str) -> frozenset[str]:
        return next((w for code, w in self.stopwords if code == lang), frozenset())

    def languages_of(self, country: str) -> tuple[str, ...]:
        return next((ls for code, ls in self.country_languages if code == country), ())


@dataclass(frozen=True)
class Knowledge:
    gazetteer: Gazetteer
    topics: Topics
    kinds: Kinds
    region: Region
    generic_words: frozenset[str]
    digest: str = field(default="")
    glossary: Glossary = field(default_factory=Glossary)

    def entry(self, entity_id: str | None) -> GazEntry | None:
        return self.gazetteer.get(entity_id) if entity_id else None

    def parent_country(self, country_id: str) -> str | None:
        """The state a sub-state entity belongs to: the gazetteer's parent, else the ISO 3166-2
        prefix ("BA-SRP" -> "BA")."""
        entry = self.entry(country_id)
        if entry is not None and entry.parent:
            return str(entry.parent)
        head, sep, _ = country_id.partition("-")
        return head if sep and len(head) == 2 and head.isalpha() and head.isupper() else None

    def countries_named_in(self, text: str) -> list[str]:
        """Countries whose name, alias, demonym or capital occurs anywhere in the text, also inside
        the name of another entity (which the tagger reports as that entity only), in the order
        they occur."""
        from wbpolicy.text import fold

        folded = fold(text)
        by_first, always = _country_patterns(self)
        # a name can only occur where its first word does: only those names are searched
        candidates = [
            *always,
            *(n for w in set(_WORD_RUN.findall(folded)) for n in by_first.get(w, ())),
        ]
        found: list[tuple[int, str]] = []
        for pattern, country in candidates:
            m = pattern.search(folded)
            if m:
                found.append((m.start(), country))
        return list(dict.fromkeys(c for _, c in sorted(found)))

    def home_country(self, entity_id: str) -> str | None:
        """The state a national body or instrument belongs to (not a body such as the EU)."""
        entry = self.entry(entity_id)
        country = entry.country if entry is not None else None
        home = self.entry(country)
        return str(country) if home is not None and home.label == "COUNTRY" else None

    def country_name(self, country_id: str) -> str:
        """ "Kosovo (XK)"; the bare id when the gazetteer does not know it."""
        entry = self.entry(country_id)
        return f"{entry.name} ({country_id})" if entry is not None else country_id

    def names_of(self, entity_id: str) -> str:
        """The names of a gazetteer entity, or the words of an id the tagger made up
        ("strategy:national-cyber-security-strategy-of-kosovo")."""
        entry = self.entry(entity_id)
        if entry is not None:
            return " ; ".join((entry.name, *entry.aliases))
        return entity_id.rpartition(":")[2].replace("-", " ")


# --------------------------------------------------------------------------------------------
# loading


def _read(name: str, directory: Path | None = None) -> str:
    try:
        if directory is not None:
            return (directory / name).read_text(encoding="utf-8")
        return resources.files("wbpolicy.knowledge").joinpath("data", name).read_text("utf-8")
    except OSError as exc:
        raise KnowledgeError(f"cannot read knowledge file {name}: {exc}") from exc


def _yaml(name: str) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(_read(name)) or {}
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"knowledge file {name} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise KnowledgeError(f"knowledge file {name} must hold a mapping")
    return data


def _pattern(raw: object, where: str) -> re.Pattern[str] | None:
    if raw is None:
        return None
    try:
        return re.compile(str(raw), re.IGNORECASE)
    except re.error as exc:
        raise KnowledgeError(f"{where}: bad regular expression: {exc}") from exc


def load_kinds() -> Kinds:
    data = _yaml("kinds.yaml")
    kinds = []
    for raw in data.get("kinds") or []:
        kid = str(raw["id"])
        kinds.append(
            Kind(
                id=kid,
                aliases=tuple(str(a).lower() for a in raw.get("aliases") or ()),
                asked=_pattern(raw.get("asked"), f"kinds.yaml: {kid}.asked"),
                infer=_pattern(raw.get("infer"), f"kinds.yaml: {kid}.infer"),
                primary=bool(raw.get("primary", False)),
            )
        )
    order = tuple(str(k) for k in data.get("infer_order") or [k.id for k in kinds])
    unknown = set(order) - {k.id for k in kinds}
    if unknown:
        raise KnowledgeError(f"kinds.yaml: infer_order names unknown kinds {sorted(unknown)}")
    return Kinds(tuple(kinds), order)


def load_region() -> Region:
    data = _yaml("region.yaml")
    try:
        return Region(
            focus=tuple(str(c) for c in data["focus"]),
            bodies=frozenset(str(b) for b in data["bodies"]),
            not_states=frozenset(str(b) for b in data.get("not_states") or ()),
            capitals={str(k).lower(): str(v) for k, v in (data.get("capitals") or {}).items()},
            file_prefixes={
                str(k).lower(): str(v) for k, v in (data.get("file_prefixes") or {}).items()
            },
            table1_columns={str(k): str(v) for k, v in (data.get("table1_columns") or {}).items()},
            word_prefixes=frozenset(str(w).lower() for w in data.get("word_prefixes") or ()),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise KnowledgeError(f"region.yaml is malformed: {exc!r}") from exc


def load_glossary() -> Glossary:
    """``glossary.yaml``: concepts with their English names and their forms in the corpus's
    other languages ("sh" forms belong to Serbian, Croatian and Bosnian alike)."""
    from wbpolicy.text import fold

    data = _yaml("glossary.yaml")
    entries: list[GlossaryEntry] = []
    for i, raw in enumerate(data.get("terms") or []):
        where = f"glossary.yaml: terms[{i}]"
        if not isinstance(raw, dict) or not raw.get("en"):
            raise KnowledgeError(f"{where}: an entry needs its English names (en)")
        unknown = set(raw) - {"en", *GLOSSARY_LANGUAGES}
        if unknown:
            raise KnowledgeError(f"{where}: unknown languages {sorted(unknown)}")
        forms: dict[str, list[str]] = {}
        for lang in GLOSSARY_LANGUAGES:
            values = raw.get(lang) or []
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise KnowledgeError(f"{where}: {lang} must be a list of forms")
            for target in SHARED.get(lang, (lang,)):
                forms.setdefault(target, []).extend(v.strip() for v in values if v.strip())
        en = raw["en"]
        if not isinstance(en, list) or not all(isinstance(v, str) for v in en):
            raise KnowledgeError(f"{where}: en must be a list of names")
        entries.append(
            GlossaryEntry(
                en=tuple(dict.fromkeys(str(v).strip() for v in en)),
                forms=tuple((k, tuple(dict.fromkeys(v))) for k, v in forms.items() if v),
            )
        )
    stop = data.get("stopwords") or {}
    if not isinstance(stop, dict):
        raise KnowledgeError("glossary.yaml: stopwords must map languages to words")
    stopwords: dict[str, set[str]] = {}
    for lang, words in stop.items():
        if lang not in GLOSSARY_LANGUAGES:
            raise KnowledgeError(f"glossary.yaml: stopwords of unknown language {lang!r}")
        for target in SHARED.get(str(lang), (str(lang),)):
            stopwords.setdefault(target, set()).update(fold(w) for w in str(words).split())
    cyrillic = frozenset(str(c) for c in data.get("cyrillic") or ())
    if cyrillic - set(GLOSSARY_LANGUAGES):
        raise KnowledgeError("glossary.yaml: cyrillic names unknown languages")
    langs = data.get("country_languages") or {}
    if not isinstance(langs, dict) or not all(
        isinstance(v, list) and set(map(str, v)) <= set(GLOSSARY_LANGUAGES) for v in langs.values()
    ):
        raise KnowledgeError("glossary.yaml: country_languages must map countries to languages")
    return Glossary(
        entries=tuple(entries),
        cyrillic=cyrillic,
        stopwords=tuple((k, frozenset(v)) for k, v in stopwords.items()),
        country_languages=tuple((str(k), tuple(map(str, v))) for k, v in langs.items()),
    )


def _parse() -> Knowledge:
    import yaml

    from wbpolicy.knowledge.gazetteer import Gazetteer
    from wbpolicy.knowledge.topics import Topics

    region = load_region()
    try:
        topics = Topics.parse(_read("topics.yaml"))
    except (KeyError, TypeError, ValueError, AttributeError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"topics.yaml is malformed: {exc}") from exc
    generic = _yaml("lexicon.yaml").get("generic_words") or ""
    return Knowledge(
        gazetteer=Gazetteer.load(bodies=region.bodies),
        topics=topics,
        kinds=load_kinds(),
        region=region,
        generic_words=frozenset(str(generic).split()),
        glossary=load_glossary(),
    )


def facts_digest() -> str:
    """A digest of the data files alone: what entity tagging and classification depend on (an
    index records it, so changed facts re-tag the documents on the next ingest)."""
    h = hashlib.sha256()
    for name in _DATA_FILES:
        h.update(name.encode() + b"\0" + _read(name).encode("utf-8") + b"\0")
    return h.hexdigest()[:16]


def data_digest() -> str:
    h = hashlib.sha256(f"{_CACHE_FORMAT}:{sys.version_info[:2]}".encode())
    for name in (*_DATA_FILES, *_QUERY_FILES):
        h.update(name.encode() + b"\0" + _read(name).encode("utf-8") + b"\0")
    # the classes pickled are part of the cache's shape: a code change invalidates it too
    here = Path(__file__).parent
    for module in ("__init__.py", "gazetteer.py", "topics.py"):
        h.update((here / module).read_bytes())
    return h.hexdigest()[:20]


def _load_cached(path: Path) -> Knowledge | None:
    try:
        with path.open("rb") as fh:
            obj = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a broken cache is rebuilt, never trusted
        log.debug("knowledge cache %s unreadable; rebuilding", path, exc_info=True)
        return None
    return obj if isinstance(obj, Knowledge) else None


def _store_cached(path: Path, know: Knowledge) -> None:
    from wbpolicy.fsutil import atomic_write

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(
            path, lambda tmp: tmp.write_bytes(pickle.dumps(know, protocol=pickle.HIGHEST_PROTOCOL))
        )
    except OSError:  # a read-only home is no error: the next process parses again
        log.debug("cannot write knowledge cache %s", path, exc_info=True)


@lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    """The domain facts, parsed once per process (and once per data change on this machine)."""
    digest = data_digest()
    path = cache_dir() / f"knowledge-{digest}.pickle"
    know = _load_cached(path)
    if know is None or know.digest != digest:
        parsed = _parse()
        know = Knowledge(
            parsed.gazetteer,
            parsed.topics,
            parsed.kinds,
            parsed.region,
            parsed.generic_words,
            digest,
            parsed.glossary,
        )
        _store_cached(path, know)
    return know


# (not named ``gazetteer``/``topics``: importing a submodule sets the package attribute of its name)
def get_gazetteer() -> Gazetteer:
    return knowledge().gazetteer


def get_topics() -> Topics:
    return knowledge().topics


__all__ = [
    "Glossary",
    "GlossaryEntry",
    "Kind",
    "Kinds",
    "Knowledge",
    "KnowledgeError",
    "Region",
    "get_gazetteer",
    "get_topics",
    "knowledge",
    "load_glossary",
    "load_kinds",
    "load_region",
]


_WORD_RUN = re.compile(r"\w+")
_CountryPattern = tuple[re.Pattern[str], str]
_CountryPatterns = tuple[dict[str, list[_CountryPattern]], list[_CountryPattern]]


def _country_patterns(k: Knowledge) -> _CountryPatterns:
    """Every country's name, alias, demonym (short acronyms such as "KOS" or "BIH" only as the
    tagger reads them, never inside words) and capital as a compiled whole-word pattern over
    folded text, filed under the name's first run of word characters (a name that starts
    otherwise: always searched).  Compiled once per knowledge object (some 600 patterns, more
    than the ``re`` module's cache holds, so compiling them per question cost ~10 ms; searching
    them all, ~2 ms)."""
    from wbpolicy.text import fold

    cached = k.__dict__.get("_country_patterns")
    if cached is None:
        names: list[tuple[str, str]] = []
        for entry in k.gazetteer.by_label("COUNTRY"):
            for name in (entry.name, *entry.aliases, *entry.demonyms):
                if len(name) >= 4:
                    names.append((name, entry.id))
        names += list(k.region.capitals.items())
        by_first: dict[str, list[_CountryPattern]] = {}
        always: list[_CountryPattern] = []
        for name, country in names:
            key = fold(name)
            item = (re.compile(r"(?<!\w)" + re.escape(key) + r"(?!\w)"), country)
            first = _WORD_RUN.match(key)
            if first is None:
                always.append(item)
            else:
                by_first.setdefault(first.group(0), []).append(item)
        cached = (by_first, always)
        object.__setattr__(k, "_country_patterns", cached)  # a frozen dataclass
    return cached
