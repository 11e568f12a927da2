"""A tiny index written through the index writer (the contract between ingest and queries) with
the deterministic ``hash:64`` embedder: three documents whose passages, citations, countries and
mentions the search tests know."""

from __future__ import annotations

from pathlib import Path

from wbpolicy.embed import load_embedder
from wbpolicy.index import Index
from wbpolicy.index.writer import PreparedDocument
from wbpolicy.models import Citation, Document, Entity, Extraction, PageText, Passage
from wbpolicy.settings import Settings

AWARENESS = "Awareness of cyber threats among citizens of the region remains limited and basic."

# (doc_id, kind, country, year, [(passage kind, section, text, [(marker, note, url, offset)])])
DOCS: list[tuple[str, str, str, int, list[tuple[str, str, str, list]]]] = [
    (
        "report",
        "report",
        "WB",
        2016,
        [
            (
                "body",
                "4 State > 4.4 Kosovo*",
                "The national CERT known as KOS-CERT was set up inside the regulator in 2012.",
                [
                    (
                        "66",
                        "Strategy and Action Plan 2016-2019",
                        "http://example.org/kos-strategy.pdf",
                        20,
                    )
                ],
            ),
            (
                "body",
                "4 State > 4.4 Kosovo*",
                AWARENESS,
                [],
            ),
            (
                "body",
                "6 Mechanisms > 6.6 e-SEE",
                "The e-SEE Initiative supports the information society agenda in the region.",
                [],
            ),
            (
                "footnote",
                "6 Mechanisms > 6.6 e-SEE",
                "e-SEE Agenda+ of 2007, available at: http://www.example.org/esee/agenda-plus.html",
                [],
            ),
            (
                "table",
                "4 State > 4.8 Regional summary",
                "Table 1 | Albania | Strategy + | CERT + | Law -/+",
                [],
            ),
            (
                "body",
                "1 Introduction",
                AWARENESS,
                [],
            ),
        ],
    ),
    (
        "strategy-me",
        "strategy",
        "ME",
        2013,
        [
            (
                "body",
                "Goals",
                (
                    f"Cyber threats goal {i}: Montenegro protects critical infrastructure "
                    "from cyber threats and cyber threats to citizens."
                ),
                [],
            )
            for i in range(8)
        ],
    ),
    (
        "law-rs",
        "law",
        "RS",
        2016,
        [
            (
                "body",
                "Article 1",
                f"Article {i} of the law on information security addresses cyber threats in part.",
                [],
            )
            for i in range(6)
        ],
    ),
]


def build_tiny_index(path: Path) -> Index:
    """The documents above, written through the same writer ingest uses."""
    index = Index.open(Settings(index_dir=path, model="hash:64"), readonly=False)
    emb = load_embedder("hash:64")
    index.embedder = emb
    for doc_id, kind, country, year, passages in DOCS:
        doc = Document(
            doc_id=doc_id,
            title=f"Title of {doc_id}",
            kind=kind,
            country=country,
            year=year,
            path=f"/x/{doc_id}.txt",
            format="txt",
            sha256="0" * 64,
        )
        ps: list[Passage] = []
        ents: list[list[Entity]] = []
        countries: list[dict[str, str]] = []
        for ordinal, (pkind, section, text, cites) in enumerate(passages):
            page = ordinal + 1
            # citations listed out of order: hits must list them by offset
            cs = [Citation(m, note, url, page, offset, (url,)) for m, note, url, offset in cites]
            if cites:
                cs.insert(0, Citation("65", "An earlier note", None, page, 3))
            cs.reverse()
            ps.append(
                Passage(
                    text=text,
                    kind=pkind,
                    section=tuple(section.split(" > ")),
                    pages=(page, page + 1),
                    char_start=0,
                    char_end=len(text),
                    citations=tuple(cs),
                    ordinal=ordinal,
                )
            )
            ents.append(
                [Entity("Montenegro", "COUNTRY", "ME", 0, 10)] if "Montenegro" in text else []
            )
            countries.append({"XK": "section"} if "Kosovo" in section else {country: "document"})
        pages = tuple(PageText(p.pages[0], p.text) for p in ps)
        write_test_document(index, doc, ps, ents, countries, pages)
    index.rebuild_vectors()
    return index


def write_test_document(
    index: Index,
    doc: Document,
    passages: list[Passage],
    entities: list[list[Entity]],
    countries: list[dict[str, str]],
    pages: tuple[PageText, ...],
) -> None:
    """Write one document with its passages through the writer ingest uses (vectors from the
    index's embedder)."""
    emb = index.embedder
    extraction = Extraction(path=doc.path, format="txt", title=doc.title, pages=pages, blocks=())
    vectors = emb.embed([p.text for p in passages], kind="passage")
    index.writer.write_document(
        PreparedDocument(doc, extraction, passages, entities, countries, vectors, "key"),
        model_id=emb.model_id,
        dim=emb.dim,
        chunking={},
        run_id=0,
    )
