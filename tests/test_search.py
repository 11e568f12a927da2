"""Search on a tiny index written through the index writer (the contract between ingest and
search) with the deterministic ``hash:64`` embedder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tiny_index import build_tiny_index
from wbpolicy.index import Index
from wbpolicy.models import Filters
from wbpolicy.query import analyse
from wbpolicy.search import SearchResult, search
from wbpolicy.search.fusion import complete, fuse
from wbpolicy.search.lexical import fts_expression
from wbpolicy.settings import SearchSettings
from wbpolicy.text import tokens as query_tokens


@pytest.fixture
def tiny(tmp_path: Path) -> Index:
    idx = build_tiny_index(tmp_path)
    yield idx
    idx.close()


def test_lexical_finds_exact_acronym(tiny: Index) -> None:
    res = search(tiny, "KOS-CERT", top_k=3, mode="lexical")
    assert res.hits[0].text.startswith("The national CERT known as KOS-CERT")
    assert res.hits[0].doc_id == "report"
    assert res.hits[0].section == "4 State > 4.4 Kosovo*"
    res = search(tiny, "e-SEE", top_k=3, mode="lexical")
    assert "e-SEE Initiative" in res.hits[0].text


def test_hit_fields_and_citations_ordered_by_offset(tiny: Index) -> None:
    hit = search(tiny, "KOS-CERT regulator", top_k=1, mode="hybrid").hits[0]
    assert hit.rank == 1
    assert hit.title == "Title of report"
    assert hit.page == 1 and hit.pages == (1, 2)
    assert hit.kind == "body" and hit.doc_kind == "report"
    assert [c.marker for c in hit.citations] == ["65", "66"]
    assert hit.citations[1].url == "http://example.org/kos-strategy.pdf"
    assert hit.citations[1].offset == 20


def test_to_json_has_the_cli_shape(tiny: Index) -> None:
    res = search(tiny, "KOS-CERT", top_k=2)
    data = res.to_json()
    assert isinstance(res, SearchResult)
    assert data["query"] == "KOS-CERT" and data["mode"] == "hybrid"
    h = data["hits"][0]
    assert {
        "rank",
        "doc_id",
        "title",
        "page",
        "pages",
        "section",
        "text",
        "score",
        "citations",
    } <= set(h)
    assert h["citations"][1] == {
        "marker": "66",
        "text": "Strategy and Action Plan 2016-2019",
        "url": "http://example.org/kos-strategy.pdf",
    }
    json.dumps(data)  # serialisable


def test_footnote_and_table_passages_are_searchable(tiny: Index) -> None:
    hit = search(tiny, "where is the e-SEE agenda published", top_k=1, mode="hybrid").hits[0]
    assert hit.kind == "footnote" and "agenda-plus.html" in hit.text
    hit = search(tiny, "Table 1", top_k=1, mode="hybrid").hits[0]
    assert hit.kind == "table"


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_filters_apply_before_ranking(tiny: Index, mode: str) -> None:
    # unfiltered, the Montenegro strategy dominates "cyber threats"
    top = search(tiny, "cyber threats", top_k=5, mode=mode).hits
    assert {h.doc_id for h in top} == {"strategy-me"}
    res = search(tiny, "cyber threats", top_k=5, mode=mode, filters=Filters(doc_ids=("law-rs",)))
    assert len(res.hits) == 5 and {h.doc_id for h in res.hits} == {"law-rs"}
    res = search(tiny, "cyber threats", top_k=4, mode=mode, filters=Filters(kinds=("law",)))
    assert len(res.hits) == 4 and {h.doc_id for h in res.hits} == {"law-rs"}
    res = search(tiny, "cyber threats", top_k=10, mode=mode, filters=Filters(countries=("XK",)))
    assert {h.doc_id for h in res.hits} == {"report"}
    assert all(h.section == "4 State > 4.4 Kosovo*" for h in res.hits)
    res = search(
        tiny,
        "cyber threats",
        top_k=3,
        mode=mode,
        filters=Filters(year_min=2014, year_max=2016, kinds=("report", "law")),
    )
    assert len(res.hits) == 3 and {h.doc_id for h in res.hits} <= {"report", "law-rs"}
    res = search(tiny, "cyber threats", top_k=3, mode=mode, filters=Filters(orgs=("ME",)))
    assert len(res.hits) == 3 and {h.doc_id for h in res.hits} == {"strategy-me"}
    res = search(tiny, "cyber threats", top_k=3, mode=mode, filters=Filters(doc_ids=("none",)))
    assert res.hits == ()


@pytest.mark.parametrize(
    "query",
    ['"AND OR (', '" -- NEAR', "NEAR(a b, 2)", "*", "col:text", "^start", "a'b\"c", "()", "-"],
)
def test_hostile_input_never_raises(tiny: Index, query: str) -> None:
    for mode in ("lexical", "hybrid", "dense"):
        res = search(tiny, query, top_k=3, mode=mode)
        assert isinstance(res.hits, tuple)


def test_fts_expression_quotes_everything() -> None:
    expr = fts_expression(query_tokens('"AND OR ( -- NEAR KOS-CERT no. 1202'))
    assert expr == '"NEAR" OR "KOS-CERT" OR "1202"'
    assert fts_expression(query_tokens("the of and")) is None
    assert fts_expression(["attacks"]) == '"attacks" OR "attack"*'
    assert fts_expression([], ["South-East European"]) == '"South-East European"'


def test_modes_differ_and_unknown_mode_fails(tiny: Index) -> None:
    q = "regulator set up in 2012"
    lex = [h.passage_id for h in search(tiny, q, top_k=6, mode="lexical").hits]
    den = [h.passage_id for h in search(tiny, q, top_k=6, mode="dense").hits]
    assert lex != den
    from wbpolicy.errors import WbpolicyError

    with pytest.raises(WbpolicyError):
        search(tiny, q, mode="fuzzy")


def test_duplicate_texts_dropped(tiny: Index) -> None:
    res = search(tiny, "awareness of cyber threats limited and basic", top_k=10, mode="lexical")
    texts = [h.text for h in res.hits]
    assert len(texts) == len(set(texts))
    assert (
        texts.count(
            "Awareness of cyber threats among citizens of the region remains limited and basic."
        )
        == 1
    )
    assert [h.rank for h in res.hits] == list(range(1, len(res.hits) + 1))


def test_fuse_methods() -> None:
    dense = [(1, 0.9), (2, 0.5), (3, 0.1)]
    lexical = [(3, 12.0), (1, 6.0), (4, 0.0)]
    w = dict(fuse(dense, lexical, SearchSettings(fusion="weighted", dense_weight=0.5)))
    assert w[1] == pytest.approx(0.5 * 1.0 + 0.5 * 0.5)
    assert w[3] == pytest.approx(0.5)
    assert w[4] == pytest.approx(0.0)
    r = fuse(dense, lexical, SearchSettings(fusion="rrf", dense_weight=0.5))
    assert r[0][0] == 1 and r[0][1] == pytest.approx(1.0)
    assert [pid for pid, _ in r][:2] == [1, 3]


def test_country_named_in_query_prefers_passages_about_it(tiny: Index) -> None:
    res = search(tiny, "awareness of cyber threats among Kosovo citizens", top_k=3)
    assert res.understood["countries"] == ["XK"]
    assert res.hits[0].section == "4 State > 4.4 Kosovo*"
    assert res.hits[0].text.startswith("Awareness of cyber threats")


def test_acronym_and_full_name_expand_each_other() -> None:
    a = analyse("Which SEE countries are not members of SEENSA?")
    assert "South-East European National Security Authorities" in a.expansions
    assert "South-East European National Security Authorities" in a.dense_text
    b = analyse("south-east european national security authorities")
    assert b.expansions == ("SEENSA",)
    # acronyms match case-sensitively: the word "first" is not the FIRST forum
    assert analyse("which country passed such a law first").expansions == ()


def test_numbered_references_become_phrases() -> None:
    assert "Table 1" in analyse("Table 1 status per country").phrases
    assert "no 1202" in analyse("Decision no. 1202").phrases
    assert not any(p.startswith("in ") for p in analyse("held in 2014").phrases)


def test_fuse_with_absolute_floors() -> None:
    dense = [(1, 0.8), (2, 0.55), (3, 0.2)]
    lexical = [(2, 10.0), (4, 2.5)]
    f = dict(
        fuse(dense, lexical, SearchSettings(fusion="weighted", dense_weight=0.5), floors=(0.3, 0.0))
    )
    # dense: (s - 0.3) / (max(0.8, DENSE_REF 0.6) - 0.3); below the floor counts 0, never < 0
    assert f[1] == pytest.approx(0.5 * 1.0)
    assert f[2] == pytest.approx(0.5 * 0.5 + 0.5 * 1.0)
    assert f[3] == pytest.approx(0.0)
    # lexical floor 0: a weak match keeps partial credit instead of scoring 0 at the list's end
    assert f[4] == pytest.approx(0.5 * 0.25)


def test_score_completion_scores_both_lists(tiny: Index) -> None:
    from wbpolicy.search.dense import dense_search
    from wbpolicy.search.lexical import lexical_search

    a = analyse("KOS-CERT regulator")
    dense = dense_search(tiny, a, 2, None)
    lexical = lexical_search(tiny.reader, a, 100, None, SearchSettings())
    lex_top, lex_more = lexical[:1], lexical[1:]
    d2, l2 = complete(tiny, a, dense, lex_top, lex_more)
    d_ids = {p for p, _ in dense}
    # every lexical-only candidate now has its true cosine in the dense list
    full_dense = dict(dense_search(tiny, a, 100, None))
    for pid, score in d2[len(dense) :]:
        assert pid in {p for p, _ in lex_top} and pid not in d_ids
        assert score == pytest.approx(full_dense[pid], abs=1e-5)
    # lexical scores below the cut-off are added only for dense candidates
    assert l2[:1] == lex_top
    assert {p for p, _ in l2[1:]} == {p for p, _ in lex_more} & d_ids


def test_off_focus_state_documents_step_back(tiny: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    import wbpolicy.search.rerank as R
    from wbpolicy.knowledge import knowledge

    know = knowledge()
    only_me = replace(know, region=replace(know.region, focus=("ME",)))
    monkeypatch.setattr(R, "knowledge", lambda: only_me)
    s = SearchSettings(coverage_weight=0.0)
    conn = tiny.store.conn
    rows = dict(
        conn.execute(
            "SELECT d.doc_id, MIN(p.id) FROM passages p JOIN documents d ON d.id = p.doc_pk "
            "WHERE p.kind = 'body' GROUP BY d.doc_id"
        ).fetchall()
    )
    head = [(rows["law-rs"], 0.5), (rows["strategy-me"], 0.5), (rows["report"], 0.5)]
    out = dict(R.rerank_head(tiny.reader, head, analyse("information security law"), s))
    assert out[rows["law-rs"]] == pytest.approx(0.5 - s.off_focus_penalty)
    assert out[rows["strategy-me"]] == pytest.approx(0.5)  # a focus state
    assert out[rows["report"]] == pytest.approx(0.5)  # WB: a region, not a state
    # a query naming a country is handled by the country boost, not by the focus prior
    named = dict(R.rerank_head(tiny.reader, head, analyse("Serbia information security law"), s))
    assert named[rows["law-rs"]] > named[rows["strategy-me"]]


def _bonus_row(text: str, kind: str = "body") -> dict[str, object]:
    return {"kind": kind, "text": text, "country": None, "cited_url": 0, "is_toc": 0}


def test_a_fragment_steps_back() -> None:
    from wbpolicy.search.rerank import _passage_bonus

    s = SearchSettings(coverage_weight=0.0)
    q = analyse("information security law")
    sentence = "The law on information security names the office that enforces it."
    assert _passage_bonus(_bonus_row(sentence), q, s) == 0.0
    # a heading or a list number left alone answers nothing, whatever words it holds
    for fragment in ("Information Security Law", "1.", "Law on information security"):
        assert _passage_bonus(_bonus_row(fragment), q, s) == pytest.approx(-s.fragment_penalty)


def test_document_years_from_year_and_title_period() -> None:
    from wbpolicy.search.rerank import document_years

    assert document_years(2016, "National Cyber Security Strategy 2016-2021") == set(
        range(2016, 2022)
    )
    assert document_years(2011, "The UK Cyber Security Strategy (November 2011)") == {2011}
    assert document_years(None, "Strategy until 2020") == {2020}
    assert document_years(None, "Law on Information Security") == set()


def test_a_year_named_with_a_kind_prefers_that_document(tiny: Index) -> None:
    from wbpolicy.search.rerank import year_bonus

    s = SearchSettings()
    conn = tiny.store.conn
    first = dict(
        conn.execute(
            "SELECT d.doc_id, MIN(p.id) FROM passages p JOIN documents d ON d.id = p.doc_pk "
            "GROUP BY d.doc_id"
        ).fetchall()
    )
    ids = [first["strategy-me"], first["law-rs"], first["report"]]
    out = year_bonus(tiny.reader, ids, analyse("cyber threats in the 2013 strategy"), s)
    assert out == {first["strategy-me"]: s.year_boost}
    # a year without a document kind dates an event: no document is preferred for it
    assert year_bonus(tiny.reader, ids, analyse("cyber threats in 2013"), s) == {}


def test_a_question_asking_when_prefers_a_dated_passage() -> None:
    from wbpolicy.query.expand import wants
    from wbpolicy.search.rerank import _passage_bonus, has_date

    assert "date" in wants("When does the new agency start work?")
    assert "date" in wants("By when should the operators report?")
    assert "date" in wants("On what date was the law adopted?")
    assert "date" in wants("Where and when was the declaration signed?")
    assert "date" not in wants("What happens to an operator that does not report an incident?")
    assert has_date("The law was adopted on 3.3.2010.") and has_date("adopted in 2019")
    assert not has_date("Article 12 applies to 350 operators.")
    s = SearchSettings(coverage_weight=0.0)
    q = analyse("When was the agency set up?")
    dated = _passage_bonus(
        _bonus_row("The agency was set up in March 2015 by the government."), q, s
    )
    undated = _passage_bonus(
        _bonus_row("The agency was set up by the government of the day."), q, s
    )
    assert dated == pytest.approx(undated + s.date_boost)


def test_a_year_prefers_only_a_document_of_the_kind_named(tiny: Index) -> None:
    from wbpolicy.search.rerank import year_bonus

    s = SearchSettings()
    first = dict(
        tiny.store.conn.execute(
            "SELECT d.doc_id, MIN(p.id) FROM passages p JOIN documents d ON d.id = p.doc_pk "
            "GROUP BY d.doc_id"
        ).fetchall()
    )
    ids = [first["law-rs"], first["report"]]  # both of 2016
    out = year_bonus(tiny.reader, ids, analyse("information security in the 2016 law"), s)
    assert out == {first["law-rs"]: s.year_boost}


def test_content_words_of_a_query_naming_a_body_add_to_its_score(tiny: Index) -> None:
    from dataclasses import replace

    from wbpolicy.search.lexical import lexical_search

    s = SearchSettings()
    q = analyse("How does KOS-CERT work with the regulator and citizens?")
    assert q.orgs and len(q.content_terms) >= 2
    text = dict(tiny.store.conn.execute("SELECT id, text FROM passages").fetchall())
    plain = dict(lexical_search(tiny.reader, q, 50, None, replace(s, content_weight=0.0)))
    ranked = dict(lexical_search(tiny.reader, q, 50, None, s))
    assert set(plain) <= set(ranked)
    for pid, v in plain.items():
        held = any(w in text[pid].lower() for w in ("work", "regulator", "citizen"))
        # a passage holding what is asked about the body gains; any other keeps its score
        assert (ranked[pid] > v) if held else (ranked[pid] == pytest.approx(v)), text[pid]
    # a query naming no body is searched by its own words alone
    bare = analyse("regulator and citizens of the region")
    assert not (bare.orgs or bare.instruments)
    assert lexical_search(tiny.reader, bare, 50, None, s) == lexical_search(
        tiny.reader, bare, 50, None, replace(s, content_weight=0.0)
    )


def test_coverage_reads_word_starts_as_the_patterns_did() -> None:
    """Coverage finds a word's prefix at a word start by bisecting the passage's word runs; it
    must agree with a plain pattern search over the folded text, prefixes with hyphens,
    stars and slashes included."""
    import random
    import re

    from wbpolicy.search.rerank import Word, coverage
    from wbpolicy.text import fold, match_prefix

    rng = random.Random(7)
    vocab = [
        "cooperation",
        "Kosovo*",
        "KOS-CERT",
        "e-government",
        "bezbjednošću",
        "ID/2",
        "безбедност",
        "strategy",
        "co-operation",
        "kosovo",
        "gov",
        "x",
    ]
    for _ in range(500):
        pieces = [*vocab, "-", "(", "the", "_a", "ko", "½", "_", "2", "\u0301", "ǅ", ""]
        text = rng.choice(["", " "]).join(rng.choice(pieces) for _ in range(12))
        terms = rng.sample(vocab, 4)
        words = [Word(match_prefix(t)) for t in terms]
        expected = sum(
            re.search(r"(?<!\w)" + re.escape(match_prefix(t)), fold(text)) is not None
            for t in terms
        ) / len(terms)
        assert coverage(text, words) == expected, (text, terms)
