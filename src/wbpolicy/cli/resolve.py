"""Turn what users type for entities and kinds ("Kosovo", "BiH", "rcc") into canonical ids."""

from __future__ import annotations

import click


def resolve_kinds(values: tuple[str, ...]) -> tuple[str, ...]:
    from wbpolicy.knowledge import knowledge

    kinds = knowledge().kinds
    out = []
    for v in values:
        k = kinds.normalise(v)
        if k is None:
            raise click.BadParameter(
                f"unknown kind {v!r} (one of {', '.join(kinds.ids)})", param_hint="--kind"
            )
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
