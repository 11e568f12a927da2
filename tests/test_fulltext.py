"""The Tantivy full-text index of large collections: the FTS5 expressions the lexical search
writes read back, the same passages found as FTS5 finds, filters before ranking, kept in step
with the store (incremental sync, stale or half-synced indexes never answer), chosen by size."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from tiny_index import write_test_document
from wbpolicy.embed import load_embedder
from wbpolicy.index import Index, fulltext
from wbpolicy.index.fulltext import FullText, Near, Phrase, QuerySyntaxError, parse
from wbpolicy.models import Document, PageText, Passage
from wbpolicy.query import analyse
from wbpolicy.search import search
from wbpolicy.search.lexical import fts_expression
from wbpolicy.settings import FullTextSettings, SearchSettings, Settings

WEIGHTS = SearchSettings().bm25_weights
TANTIVY = FullTextSettings(engine="tantivy")

SUBJECTS = [
    "The national CERT",
    "The ministry of interior",
    "The regulator for electronic communications",
    "The cybercrime unit of the police",
    "Nacionalni CERT",
    "Министарство унутрашњих послова",
    "Agjencia Kombëtare e Sigurisë Kibernetike",
]
PREDICATES = [
    "protects critical infrastructure operators against incidents",
    "trains public servants in information security awareness",
    "cooperates with private companies in a public-private partnership",
    "reports incidents to the European Union agency",
    "štiti kritičnu infrastrukturu od kibernetičkih incidenata",
    "штити критичну инфраструктуру од инцидената",
    "drafts the law on personal data protection",
    "investigates online child sexual abuse and grooming",
]


def sentence(rng: np.random.Generator) -> str:
    s = SUBJECTS[int(rng.integers(len(SUBJECTS)))]
    p = PREDICATES[int(rng.integers(len(PREDICATES)))]
    return f"{s} {p} in {int(rng.integers(2010, 2025))}."


def write_docs(index: Index, n_docs: int, seed: int, prefix: str = "doc") -> None:
    rng = np.random.default_rng(seed)
    for d in range(n_docs):
        texts = [" ".join(sentence(rng) for _ in range(int(rng.integers(1, 4)))) for _ in range(8)]
        passages = [
            Passage(
                t,
                "body",
                (f"{d % 5 + 1} Section on {['CERT', 'law', 'education'][d % 3]}",),
                (i + 1,),
                0,
                len(t),
                (),
                i,
            )
            for i, t in enumerate(texts)
        ]
        doc = Document(
            doc_id=f"{prefix}-{d:03d}",
            title=f"Strategy {d} of {['Serbia', 'Croatia', 'Albania'][d % 3]}",
            kind=["strategy", "law"][d % 2],
            country=["RS", "HR", "AL"][d % 3],
            year=2015 + d % 8,
            path=f"/x/{prefix}-{d:03d}.txt",
            format="txt",
            sha256=f"{seed:032x}{d:032x}",
        )
        pages = tuple(PageText(p.pages[0], p.text) for p in passages)
        write_test_document(
            index, doc, passages, [[] for _ in passages], [{doc.country: "document"}] * 8, pages
        )


@pytest.fixture()
def index(tmp_path):
    settings = Settings(index_dir=tmp_path / "idx", model="hash:64", fulltext=TANTIVY)
    index = Index.open(settings, readonly=False)
    index.embedder = load_embedder("hash:64")
    write_docs(index, 30, seed=1)
    index.rebuild_vectors()
    yield index
    index.close()


QUERIES = [
    "critical infrastructure incidents",
    "public-private partnership with private companies",
    "information security awareness of public servants",
    "law on personal data protection",
    "grooming",
    "kritična infrastruktura",  # Croatian, accents folded on both sides
    "критична инфраструктура",
    "What does the national CERT do?",
]


def expressions() -> list[str]:
    out = []
    for q in QUERIES:
        a = analyse(q)
        own = fts_expression(a.terms, a.phrases, language=a.language)
        if own:
            out.append(own)
        if a.translations:
            texpr = fts_expression(
                (), (), a.translations, a.language, SearchSettings().glossary_near
            )
            if texpr:
                out.append(texpr)
    return out


def test_parse_reads_the_shapes_lexical_search_writes():
    tree = parse(
        '"kos cert" OR "strateg"* OR NEAR("kritičn"* "infrastruktur"*, 3) OR ("a" OR "b""c")'
    )
    assert tree.parts[0] == Phrase("kos cert")
    assert tree.parts[1] == Phrase("strateg", prefix=True)
    assert tree.parts[2] == Near((Phrase("kritičn", True), Phrase("infrastruktur", True)), 3)
    assert tree.parts[3].parts == (Phrase("a"), Phrase('b"c'))
    for expr in expressions():  # every expression of these queries, translations included
        assert parse(expr).parts
    for bad in ('"open', "NEAR(", '"a" OR', "bare words", '"a" ) "b"'):
        with pytest.raises(QuerySyntaxError):
            parse(bad)


def test_tantivy_finds_what_fts5_finds(index):
    engine = index._full_text()
    assert engine is not None and len(engine) == index.count("passages")
    overlaps = []
    for expr in expressions():
        t = engine.search(expr, 10, None, WEIGHTS)
        index.reader._fulltext = None  # FTS5 alone
        f = index.reader.fts(expr, 20, None, WEIGHTS)
        index.reader._fulltext = index._full_text
        scores = [s for _, s in t]
        assert scores == sorted(scores, reverse=True)
        # every passage Tantivy returns holds one of the expression's words, in a column it
        # searches (the title's weight is below min_column_weight)
        words = " OR ".join(f'{{text section}}: "{w}"' for _, w in engine.clauses(expr, WEIGHTS))
        matched = {
            p
            for p, _ in index.reader.conn.execute(
                "SELECT rowid, 0 FROM passages_fts WHERE passages_fts MATCH ?", (words,)
            )
        }
        assert {p for p, _ in t} <= matched, expr
        if not f:  # Tantivy reads a NEAR group as its words: it may find more
            continue
        assert len(t) == min(10, len(f)), expr
        # this corpus repeats its sentences (many ties): Tantivy's top 10 among FTS5's top 20
        overlaps.append(len({p for p, _ in t} & {p for p, _ in f}) / len(t))
    assert np.mean(overlaps) >= 0.8, overlaps


def test_readings_searched_side_by_side_answer_as_one_by_one(index):
    """A query's readings go to Tantivy on several threads at once (``Reader.fts_many``): the
    hits must be those of searching them one after another, an expression Tantivy cannot read
    falling back to FTS5 and an empty reading finding nothing."""
    exprs: list[str | None] = [*expressions(), None, '"unclosed']
    for allowed in (None, set(range(1, 200, 3))):
        together = index.reader.fts_many(exprs, 25, allowed, WEIGHTS)
        apart = [index.reader.fts(e, 25, allowed, WEIGHTS) if e else [] for e in exprs]
        assert together == apart
        assert together[-2] == [] and sum(map(bool, together)) >= len(exprs) // 2


def test_accents_scripts_prefixes_and_near(index):
    engine = index._full_text()
    texts = dict(index.reader.conn.execute("SELECT rowid, text FROM passages_fts"))
    hits = engine.search('"kriticnu"', 50, None, WEIGHTS)  # no accents in the query
    assert hits and all("kritičnu" in texts[p] for p, _ in hits)
    hits = engine.search('"инфраструкт"*', 50, None, WEIGHTS)
    assert hits and all("инфраструктур" in texts[p] for p, _ in hits)
    # a NEAR group ranks by its words: passages holding both first
    near = engine.search('NEAR("infrastructure" "critical", 2)', 500, None, WEIGHTS)
    both = sum("critical infrastructure" in t for t in texts.values())
    assert both and all("critical infrastructure" in texts[p] for p, _ in near[:both])
    # counting is FTS5's reading: the words within the distance, in any order; side by side,
    # both anywhere
    assert engine.count('NEAR("infrastructure" "critical", 2)') == both
    assert engine.count('NEAR("awareness" "partnership", 2)') == 0
    assert engine.count('"grooming"') == sum("grooming" in t for t in texts.values())
    assert engine.count('"critical" "incidents"') == sum(
        "critical" in t and "incidents" in t for t in texts.values()
    )


@pytest.mark.parametrize("terms_max", [50_000, 1])  # a term-set filter, then an ever wider list
def test_filters_apply_before_ranking(index, terms_max):
    engine = index._full_text()
    engine.settings = replace(engine.settings, filter_terms_max=terms_max)
    allowed = {
        int(r[0])
        for r in index.reader.conn.execute(
            "SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_pk WHERE d.country = 'AL'"
        )
    }
    expr = '"incidents" OR "partnership"'
    got = engine.search(expr, 10, allowed, WEIGHTS)
    assert len(got) == 10 and {p for p, _ in got} <= allowed
    unfiltered = engine.search(expr, index.count("passages"), None, WEIGHTS)
    assert [p for p, _ in got] == [p for p, _ in unfiltered if p in allowed][:10]
    assert engine.search(expr, 10, set(), WEIGHTS) == []


def test_sync_follows_the_store_and_stale_never_answers(index):
    d = index.settings.index_dir
    stamp = fulltext.read_stamp(fulltext.path_of(d))
    assert stamp["state"] == "ok" and stamp["generation"] == index.store.generation
    before = index._full_text()
    assert before is not None
    # a new document: the store moves on; until the sync, FTS5 answers
    write_docs(index, 1, seed=9, prefix="late")
    assert index._full_text() is None
    new_ids = {
        int(r[0])
        for r in index.reader.conn.execute(
            "SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_pk "
            "WHERE d.doc_id = 'late-000'"
        )
    }
    done = index.sync_fulltext()
    assert done["engine"] == "tantivy" and done["added"] == 8 and done["removed"] == 0
    engine = index._full_text()
    assert engine is not None and len(engine) == index.count("passages")
    found = {
        p
        for p, _ in engine.search(
            '"cert" OR "ministry" OR "agjencia" OR "regulator" OR "cybercrime" OR "министарство"',
            10_000,
            None,
            WEIGHTS,
        )
    }
    assert new_ids <= found
    # a document removed and a title changed: re-indexed by fingerprint
    assert index.writer.remove_document("doc-000")
    index.writer.update_metadata(
        "doc-001",
        {"title": "Zakon o informacionoj bezbednosti"},
        lambda section, country, mentions: {},
    )
    done = index.sync_fulltext()
    assert done["removed"] == 8 and done["added"] == 8  # doc-001's 8 rows re-indexed
    engine = index._full_text()
    assert len(engine) == index.count("passages")
    doc1 = {
        int(r[0])
        for r in index.reader.conn.execute(
            "SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_pk "
            "WHERE d.doc_id = 'doc-001'"
        )
    }
    assert doc1 and engine.count('"informacionoj"') == len(doc1)  # the title is counted
    # the same generation again: nothing to do
    assert index.sync_fulltext()["added"] == 0


def test_interrupted_sync_is_rebuilt_and_never_trusted(index):
    directory = fulltext.path_of(index.settings.index_dir)
    gen = index.store.generation
    (directory / fulltext.STAMP).write_text(json.dumps({"format": 1, "state": "syncing"}))
    assert FullText.open_fresh(index.settings.index_dir, gen, TANTIVY) is None
    write_docs(index, 1, seed=5, prefix="after")
    done = fulltext.sync(
        index.store.conn, index.settings.index_dir, index.store.generation, TANTIVY
    )
    assert done["added"] == index.count("passages")  # built afresh
    engine = FullText.open_fresh(index.settings.index_dir, index.store.generation, TANTIVY)
    assert engine is not None and len(engine) == index.count("passages")
    assert not list(directory.parent.glob(f"{fulltext.DIRNAME}.*"))  # no temporary left


def test_engine_chosen_by_size(tmp_path):
    settings = Settings(
        index_dir=tmp_path / "idx",
        model="hash:64",
        fulltext=FullTextSettings(engine="auto", tantivy_threshold=100),
    )
    with Index.open(settings, readonly=False) as index:
        index.embedder = load_embedder("hash:64")
        write_docs(index, 10, seed=2)  # 80 passages: FTS5 only
        index.rebuild_vectors()
        assert not fulltext.path_of(settings.index_dir).exists()
        assert index.manifest["fulltext"] == {"engine": "fts5"}
        write_docs(index, 5, seed=3, prefix="more")  # 120: Tantivy beside FTS5
        index.rebuild_vectors()
        assert fulltext.path_of(settings.index_dir).is_dir()
        assert index.manifest["fulltext"]["engine"] == "tantivy"
    # FTS5 chosen explicitly: the Tantivy index is not asked
    with Index.open(replace(settings, fulltext=FullTextSettings(engine="fts5"))) as index:
        assert index._full_text() is None
    # a later read-only open with default settings searches with it (the index says so), and
    # finds what FTS5 finds
    with Index.open(Settings(index_dir=tmp_path / "idx", model="hash:64")) as index:
        assert index._full_text() is not None
        hits = search(index, "critical infrastructure incidents", mode="lexical").hits
        index.reader._fulltext = None
        fts = search(index, "critical infrastructure incidents", mode="lexical").hits
        assert hits and {h.passage_id for h in hits[:5]} & {h.passage_id for h in fts[:5]}
    assert fulltext.wanted(99, settings.fulltext) is False
    assert fulltext.wanted(10, FullTextSettings(engine="tantivy")) is True
    assert fulltext.wanted(10**9, FullTextSettings(engine="fts5")) is False
    with pytest.raises(ValueError):
        fulltext.wanted(1, FullTextSettings(engine="lucene"))
