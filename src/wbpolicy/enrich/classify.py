"""Document kind and country, and the countries a passage is about.

Used when the corpus manifest does not know a document: rules over file name, title and the
start of the text.  Countries are ISO 3166-1 alpha-2 ids (``XK`` Kosovo, ``BA-SRP`` Republika
Srpska) or bodies (``EU``, ``CoE``, ``UN``, ``OSCE``, ``NATO``, ``ITU``, ``WB`` for a Western
Balkans regional report).  The kind rules, the bodies and the file-name prefixes are data
(:mod:`wbpolicy.knowledge`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

from wbpolicy.enrich.tag.settings import DEFAULT_SETTINGS
from wbpolicy.knowledge import get_gazetteer, knowledge
from wbpolicy.knowledge.gazetteer import Gazetteer


def infer_kind(title: str | None, text: str | None, filename: str | None) -> str:
    """report | strategy | law | convention | regulation | profile | other."""
    name = PurePath(filename).stem.replace("-", " ").replace("_", " ") if filename else ""
    sources = [title or "", name, (text or "")[: DEFAULT_SETTINGS.head_chars]]
    return knowledge().kinds.infer(sources) or "other"


def infer_country(
    title: str | None,
    text: str | None,
    filename: str | None,
    entities: Iterable[Any] | None = None,
) -> str | None:
    """The country (or body) a document belongs to, or None when nothing says so.

    The document speaks first: its title, then the title-like start of its text; then a
    file-name prefix ("rs-law.pdf"), but a prefix that is also an ordinary word ("my-", "me-",
    "be-", "us-") only when the text itself mentions that country; then the country the text
    mentions most."""
    gaz = get_gazetteer()
    if title:
        found = _country_from_title(title, gaz)
        if found:
            return found
    head = (text or "")[: DEFAULT_SETTINGS.head_chars]
    if head:
        found = _country_from_title(head[: DEFAULT_SETTINGS.title_head_chars], gaz)
        if found:
            return found
    prefix, ordinary = (
        _country_from_filename(PurePath(filename).stem.lower(), gaz) if filename else (None, False)
    )
    if prefix and not ordinary:
        return prefix
    if entities is None and head:
        from wbpolicy.enrich.tag.pipeline import get_tagger

        entities = get_tagger().tag(head)
    entities = list(entities or ())
    dominant = _dominant_country(entities)
    if dominant:
        return dominant
    if prefix and any(_label_id(e) == ("COUNTRY", prefix) for e in entities):
        return prefix
    return None


_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")


def infer_year(title: str | None, filename: str | None) -> int | None:
    """The first plausible year in the title, else in the file name ("...-2023-2027" -> 2023)."""
    for source in (title or "", PurePath(filename).stem if filename else ""):
        years = _YEAR.findall(source)
        if years:
            return int(years[0])
    return None


def _dominant_country(entities: Iterable[Any]) -> str | None:
    """The country mentioned at least twice and twice as often as any other."""
    counts: Counter[str] = Counter()
    for e in entities:
        label, eid = _label_id(e)
        if label == "COUNTRY" and eid:
            counts[eid] += 1
    if counts:
        (top, n), *rest = counts.most_common(2) + [("", 0)]
        if n >= 2 and n >= 2 * rest[0][1]:
            return top
    return None


def _country_from_filename(stem: str, gaz: Gazetteer) -> tuple[str | None, bool]:
    """The country a file-name prefix names, and whether the prefix is also an ordinary word
    (then it is weak evidence: "my-kosovo-draft" is not Malaysia's)."""
    from wbpolicy.text import STOPWORDS

    m = re.search(r"profile[-_ ]([a-z]{2})$", stem)
    if m and gaz.get(m.group(1).upper()):
        return m.group(1).upper(), False
    prefix = re.split(r"[-_ .]", stem, maxsplit=1)[0]
    prefixes = knowledge().region.file_prefixes
    ordinary = prefix in STOPWORDS or prefix in knowledge().region.word_prefixes
    if prefix in prefixes:
        return prefixes[prefix], ordinary
    if len(prefix) == 2 and (entry := gaz.get(prefix.upper())) and entry.label == "COUNTRY":
        return entry.id, ordinary
    return None, False


_BODY_TITLE = (
    ("WB", re.compile(r"Western Balkans?", re.IGNORECASE)),
    ("CoE", re.compile(r"Council of Europe|\bC?ETS\s*(?:No\.?\s*)?\d+|Convention on Cybercrime")),
    (
        "EU",
        re.compile(
            r"\(EU\)|\(EC\)|European Union|European Parliament|\bENISA\b|"
            r"General Data Protection Regulation|Council of the European"
        ),
    ),
    ("ITU", re.compile(r"\bITU\b")),
    ("OSCE", re.compile(r"\bOSCE\b")),
    ("NATO", re.compile(r"\bNATO\b")),
    ("UN", re.compile(r"United Nations|\bUN\b")),
)


def _country_from_title(title: str, gaz: Gazetteer) -> str | None:
    for body, rx in _BODY_TITLE[:1]:
        if rx.search(title):
            return body
    from wbpolicy.enrich.tag.pipeline import get_tagger

    bodies = knowledge().region.bodies
    for e in get_tagger().tag(title):
        if e.label == "COUNTRY" and e.id:
            return e.id
        entry = gaz.get(e.id) if e.id else None
        if (
            entry is not None
            and entry.country
            and entry.label != "COUNTRY"
            and (entry.country not in bodies or entry.country in ("EU", "CoE"))
        ):
            return entry.country
    for word in re.findall(r"[A-Z][a-zé]+", title):
        demonym = gaz.demonym(word)
        if demonym is not None:
            return demonym.id
    named = knowledge().countries_named_in(title)  # inside a longer name: "Strategy of Albania"
    if named:
        return named[0]
    for body, rx in _BODY_TITLE[1:]:
        if rx.search(title):
            return body
    return None


_SECTION_NUMBER = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[A-Z]\.|Chapter\s+\d+)\s*")


def section_country(section_path: Iterable[str] | str | None) -> str | None:
    """The state a report section is about: ("4 State of play...", "4.4 Kosovo*") -> "XK".

    The innermost heading that *is* a country name decides ("4.6 Republic of Macedonia" ->
    "MK"); headings about organisations ("6.3 The Regional Cooperation Council (RCC)") give None.
    """
    if section_path is None:
        return None
    if isinstance(section_path, str):
        section_path = [s for s in section_path.split(" > ") if s]
    gaz = get_gazetteer()
    for heading in reversed(list(section_path)):
        name = _SECTION_NUMBER.sub("", heading).strip().strip("*").strip()
        name = re.sub(r"^(?:the)\s+", "", name, flags=re.IGNORECASE)
        entry = gaz.find_alias(name)
        if entry is not None and entry.label == "COUNTRY" and gaz.demonym(name) is None:
            return entry.id
    return None


def passage_countries(
    section_path: Iterable[str] | str | None,
    doc_country: str | None,
    entities: Iterable[Any],
) -> dict[str, str]:
    """The states a passage is about -> how that was decided: "section" | "document" | "mention".

    Only states and sub-state entities count (not EU/CoE/WB...).  A sub-state entity brings its
    parent (Republika Srpska -> BA-SRP and BA).  National bodies and instruments the gazetteer
    assigns to a state count as mentions of it.
    """
    gaz = get_gazetteer()
    out: dict[str, str] = {}

    def add(cid: str | None, source: str) -> None:
        entry = gaz.get(cid) if cid else None
        if entry is None or entry.label != "COUNTRY":
            return
        out.setdefault(entry.id, source)
        if entry.parent:
            out.setdefault(entry.parent, source)

    add(section_country(section_path), "section")
    add(doc_country, "document")
    for e in entities:
        label, eid = _label_id(e)
        if not eid:
            continue
        if label == "COUNTRY":
            add(eid, "mention")
        elif (entry := gaz.get(eid)) is not None and entry.country:
            add(entry.country, "mention")
    return out


def _label_id(e: Any) -> tuple[str | None, str | None]:
    if isinstance(e, dict):
        return e.get("label"), e.get("id")
    return getattr(e, "label", None), getattr(e, "id", None)


__all__ = ["infer_country", "infer_kind", "infer_year", "passage_countries", "section_country"]
