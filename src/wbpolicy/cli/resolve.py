"""Turn what users type for entities and kinds ("Kosovo", "BiH", "rcc") into canonical ids."""

from __future__ import annotations

import click

from wbpolicy.models import DOCUMENT_KINDS as KINDS

_KIND_ALIASES = {
    "strategies": "strategy",
    "laws": "law",
    "act": "law",
    "conventions": "convention",
    "treaty": "convention",
    "international": "convention",
    "directive": "regulation",
    "eu": "regulation",
    "regulations": "regulation",
    "profiles": "profile",
    "reports": "report",
}


def resolve_kinds(values: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for v in values:
        k = _KIND_ALIASES.get(v.lower(), v.lower())
        if k not in KINDS:
            raise click.BadParameter(f"unknown kind {v!r} (one of {', '.join(KINDS)})", param_hint="--kind")
        out.append(k)
    return tuple(out)


def resolve_entities(values: tuple[str, ...], label: str | None, hint: str) -> tuple[str, ...]:
    """Accept canonical ids (any case) or any alias known to the gazetteer."""
    if not values:
        return ()
    from wbpolicy.knowledge import get_gazetteer

    gaz = get_gazetteer()
    out = []
    for value in values:
        entry = gaz.get(value) or gaz.get(value.upper()) or gaz.get(value.lower())
        if entry is None:
            entry = gaz.find_alias(value)
        if entry is None or (label and entry.label != label):
            if label is None or ":" in value:
                out.append(value)  # pattern-derived ids (law:...) are not in the gazetteer
                continue
            kind = {"COUNTRY": "country", "ORG": "organisation", "INSTRUMENT": "instrument"}[label]
            raise click.BadParameter(f"unknown {kind} {value!r}", param_hint=hint)
        out.append(entry.id)
    return tuple(out)
