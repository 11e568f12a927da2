"""The phrase patterns made from the gazetteer, shared by the spaCy pipeline and the spaCy-free
matcher: one list per matcher, in the order the SpanRulers receive them."""

from __future__ import annotations

from typing import Any

from wbpolicy.enrich.tag.normalise import ascii_dashes
from wbpolicy.knowledge.gazetteer import Gazetteer

Pattern = dict[str, Any]  # {"label": ..., "pattern": ..., "id": ...}


def gazetteer_patterns(gaz: Gazetteer) -> tuple[list[Pattern], list[Pattern]]:
    """(case-sensitive patterns, matched on ORTH; case-insensitive ones, matched on LOWER).

    Acronyms ("RCC", "BiH", "KOS-CERT") are case-sensitive, names are not; every alias also
    comes with ASCII hyphens and plain spaces, as :func:`.normalise_whitespace` leaves text."""
    cs_patterns: list[Pattern] = []
    ci_patterns: list[Pattern] = []
    for e in gaz.entries:
        for a in e.aliases:
            target = cs_patterns if e.alias_is_case_sensitive(a) else ci_patterns
            for variant in dict.fromkeys((a, ascii_dashes(a))):
                target.append({"label": e.label, "pattern": variant, "id": e.id})
    return cs_patterns, ci_patterns


def query_patterns(gaz: Gazetteer, stop_words: frozenset[str]) -> list[Pattern]:
    """Patterns of the lower-case query matcher: every alias and demonym, except short aliases
    that are stop words when typed in lower case ("US" -> "us")."""
    patterns: list[Pattern] = []
    for e in gaz.entries:
        for a in e.aliases:
            if len(a) <= 3 and a.lower() in stop_words:
                continue
            patterns.append({"label": e.label, "pattern": a, "id": e.id})
        for d in e.demonyms:
            patterns.append({"label": "COUNTRY", "pattern": d, "id": e.id})
    return patterns
