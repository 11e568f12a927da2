"""Entity statistics over the index: counts per entity, and one entity's aliases and passages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wbpolicy.errors import NotFound

if TYPE_CHECKING:
    from wbpolicy.index import Index
    from wbpolicy.models import Hit


@dataclass(frozen=True)
class EntityCount:
    id: str
    label: str
    name: str
    mentions: int
    documents: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "name": self.name,
            "mentions": self.mentions,
            "documents": self.documents,
        }


@dataclass(frozen=True)
class EntityDetail:
    id: str
    label: str
    name: str
    aliases: tuple[str, ...]
    mentions: int
    documents: int
    passages: tuple[Hit, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "name": self.name,
            "aliases": list(self.aliases),
            "mentions": self.mentions,
            "documents": self.documents,
            "passages": [h.to_json() for h in self.passages],
        }


def list_entities(
    index: Index, label: str | None = None, country: str | None = None
) -> list[EntityCount]:
    """Entities with their mention and document counts, most mentioned first.

    ``country`` keeps the country itself and the national bodies and instruments the gazetteer
    assigns to it.
    """
    sql = """
        SELECT e.id, e.label, e.name, COUNT(*) AS mentions, COUNT(DISTINCT p.doc_pk) AS documents
        FROM entities e JOIN mentions m ON m.entity_id = e.id JOIN passages p ON p.id = m.passage_id
        WHERE (:label IS NULL OR e.label = :label)
        GROUP BY e.id ORDER BY mentions DESC, e.id
    """
    rows = index.store.conn.execute(sql, {"label": label}).fetchall()
    out = [EntityCount(r["id"], r["label"], r["name"], r["mentions"], r["documents"]) for r in rows]
    if country:
        keep = _entities_of_country(country)
        out = [e for e in out if e.id in keep]
    return out


def _entities_of_country(country: str) -> set[str]:
    from wbpolicy.knowledge import get_gazetteer

    gaz = get_gazetteer()
    keep = {country}
    for entry in gaz.entries:
        if getattr(entry, "country", None) == country or getattr(entry, "parent", None) == country:
            keep.add(entry.id)
    return keep


def entity_detail(index: Index, entity_id: str, limit: int = 20) -> EntityDetail:
    from wbpolicy.knowledge import get_gazetteer
    from wbpolicy.search import hits_for_passages

    conn = index.store.conn
    row = conn.execute("SELECT id, label, name FROM entities WHERE id = ?", (entity_id,)).fetchone()
    entry = get_gazetteer().get(entity_id)
    if row is None and entry is None:
        raise NotFound(f"no entity {entity_id!r} in the index or the gazetteer")
    counts = conn.execute(
        "SELECT COUNT(*), COUNT(DISTINCT p.doc_pk) FROM mentions m "
        "JOIN passages p ON p.id = m.passage_id "
        "WHERE m.entity_id = ?",
        (entity_id,),
    ).fetchone()
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT m.passage_id, COUNT(*) AS n FROM mentions m WHERE m.entity_id = ? "
            "GROUP BY m.passage_id ORDER BY n DESC, m.passage_id LIMIT ?",
            (entity_id, limit),
        )
    ]
    surface = sorted(
        {
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT text FROM mentions WHERE entity_id = ?", (entity_id,)
            )
        }
    )
    aliases = tuple(dict.fromkeys([*(entry.aliases if entry else ()), *surface]))
    label = row["label"] if row else entry.label if entry else ""
    name = row["name"] if row else entry.name if entry else entity_id
    return EntityDetail(
        id=entity_id,
        label=label,
        name=name,
        aliases=aliases,
        mentions=counts[0],
        documents=counts[1],
        passages=tuple(hits_for_passages(index, ids)),
    )
