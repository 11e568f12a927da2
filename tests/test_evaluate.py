"""Evaluation metrics and the relevance rule of ../shared/eval/README.md on hand-made hits."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from wbpolicy.errors import WbpolicyError
from wbpolicy.evaluation.retrieval import (
    EvalReport,
    Query,
    evaluate,
    first_relevant_rank,
    format_table,
    is_relevant,
    load_queries,
    metrics,
    normalise,
)
from wbpolicy.models import Citation, Hit


def hit(rank: int, text: str, citations: tuple[Citation, ...] = (), doc: str = "r") -> Hit:
    return Hit(
        rank=rank,
        passage_id=rank,
        doc_id=doc,
        title="T",
        page=1,
        pages=(1,),
        section=None,
        text=text,
        score=1.0 / rank,
        citations=citations,
    )


def test_normalise_rules() -> None:
    assert normalise("Kosovo* has  a\nCERT<sup>66</sup>.") == "kosovo has a cert."
    assert normalise("**Bold** \\_under\\_score") == "bold _under_score"
    assert normalise("see [the guide](http://x.org/a_b) now") == "see the guide now"
    assert normalise("at <https://x.org/p>") == "at https://x.org/p"
    assert normalise("\u201cquoted\u201d \u2018s\u2019 2016\u20132019 \u2014 a") == (
        "\"quoted\" 's' 2016-2019 - a"
    )
    assert normalise("cyber- security infra- structure") == "cybersecurity infrastructure"
    assert normalise("seoul\\\\_policy") == "seoul_policy"


def test_relevance_plain_and_normalised() -> None:
    q = Query("q", "x", "fact", ("exists in fragments only at the University",))
    assert is_relevant(
        hit(1, "It exists in frag- ments only at the\nUniversity of P."), q.gold, q.kind
    )
    assert not is_relevant(hit(1, "It exists in fragments at the University"), q.gold, q.kind)
    # gold written with markdown, hit text plain
    q2 = Query("q", "x", "fact", ["Kosovo\\* has a **national** CERT<sup>3</sup>"])
    assert is_relevant(hit(1, "Kosovo* has a national CERT since"), q2.gold, q2.kind)


def test_citation_rule_searches_citations_only_for_citation_kind() -> None:
    cites = (
        Citation(
            "7",
            "Bosnia and Herzegovina 2015 Report, available",
            "http://ec.eu/20151110_report_bosnia_and_herzegovina.pdf",
            3,
        ),
    )
    h = hit(1, "Body text with a footnote.", cites)
    gold = ("20151110_report_bosnia_and_herzegovina",)
    assert is_relevant(h, gold, "citation")
    assert is_relevant(h, ("Bosnia and Herzegovina 2015 Report",), "citation")
    assert not is_relevant(h, gold, "fact")
    # dict hits (from --json output) work the same
    as_json = h.to_json()
    assert is_relevant(as_json, gold, "citation")


def test_first_relevant_rank_orders_by_rank() -> None:
    q = Query("q", "x", "fact", ("needle phrase here",))
    hits = [hit(3, "a needle phrase here"), hit(1, "nothing"), hit(2, "still nothing")]
    assert first_relevant_rank(hits, q) == 3
    dicts = [{"text": "no"}, {"text": "needle phrase here"}]  # no ranks: list order
    assert first_relevant_rank(dicts, q) == 2
    assert first_relevant_rank([hit(1, "no")], q) is None


def test_metrics_values() -> None:
    m = metrics([1, 3, None, 7, 12])
    assert m.n == 5
    assert m.recall == {1: 0.2, 5: 0.4, 10: 0.6}
    assert m.mrr == pytest.approx((1 + 1 / 3 + 1 / 7) / 5)
    assert metrics([]).recall[5] == 0.0


def test_load_queries_resolves_references(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "d").mkdir(parents=True)
    raw = "\ufeffFirst line\r\nThe caf\u00e9 gold phrase sits here.\r\n"
    (corpus / "d" / "a.txt").write_bytes(raw.encode("utf-8"))
    (corpus / "d" / "b.txt").write_bytes("x \u2013 caf\u00e9 old".encode("cp1252"))
    text_a = raw.lstrip("\ufeff").replace("\r\n", "\n")
    start = text_a.index("caf")
    phrase = text_a[start : start + len("caf\u00e9 gold phrase")]
    ref = {
        "file": "d/a.txt",
        "start": start,
        "end": start + len(phrase),
        "sha256": hashlib.sha256(phrase.encode()).hexdigest(),
    }
    ref_b = {
        "file": "d/b.txt",
        "start": 4,
        "end": 8,
        "sha256": hashlib.sha256("caf\u00e9".encode()).hexdigest(),
    }
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        json.dumps({"id": "e1", "query": "q?", "kind": "fact", "gold": [ref, "literal"]})
        + "\n\n"
        + json.dumps({"id": "e2", "query": "r?", "kind": "acronym", "gold": [ref_b]})
        + "\n",
        encoding="utf-8",
    )
    qs = load_queries(qfile, roots=[corpus])
    assert [q.id for q in qs] == ["e1", "e2"]
    assert qs[0].gold == ("caf\u00e9 gold phrase", "literal")
    assert qs[1].gold == ("caf\u00e9",) and qs[1].kind == "acronym"
    bad = dict(ref, sha256="0" * 64)
    qfile.write_text(json.dumps({"id": "e3", "query": "q", "gold": [bad]}), encoding="utf-8")
    with pytest.raises(WbpolicyError, match="sha256"):
        load_queries(qfile, roots=[corpus])


def test_evaluate_and_table_with_fake_search() -> None:
    queries = [
        Query("a", "alpha", "fact", ("alpha gold",)),
        Query("b", "beta", "acronym", ("beta gold",)),
    ]
    canned = {
        ("hybrid", "alpha"): [hit(1, "alpha gold text")],
        ("hybrid", "beta"): [hit(1, "x"), hit(2, "beta gold")],
        ("lexical", "alpha"): [hit(1, "x")],
        ("lexical", "beta"): [hit(1, "beta gold!")],
    }

    def fake(index, query, top_k, filters, mode, settings=None):
        return SimpleNamespace(hits=tuple(canned[(mode, query)]))

    rep = evaluate(None, queries, modes=("hybrid", "lexical"), search_fn=fake)
    assert isinstance(rep, EvalReport)
    assert list(rep.settings) == ["SearchSettings"]
    # on an index, the report carries its engines' tuned numbers too
    from wbpolicy.settings import Settings

    on_index = SimpleNamespace(settings=Settings(index_dir=Path("unused")))
    tuned = evaluate(on_index, queries[:1], modes=("hybrid",), search_fn=fake).settings
    assert tuned["FullTextSettings"]["tantivy_threshold"] == 200_000
    assert tuned["VectorSettings"]["ivf_nprobe"] == 64
    assert rep.overall["hybrid"].recall == {1: 0.5, 5: 1.0, 10: 1.0}
    assert rep.overall["hybrid"].mrr == pytest.approx(0.75)
    assert rep.overall["lexical"].recall[10] == 0.5
    assert rep.by_kind["lexical"]["acronym"].mrr == 1.0
    assert [(d.id, d.mode, d.rank) for d in rep.details] == [
        ("a", "hybrid", 1),
        ("b", "hybrid", 2),
        ("a", "lexical", None),
        ("b", "lexical", 1),
    ]
    data = rep.to_json()
    assert data["overall"]["hybrid"] == {
        "n": 2,
        "recall@1": 0.5,
        "recall@5": 1.0,
        "recall@10": 1.0,
        "mrr@10": 0.75,
    }
    table = format_table(rep)
    lines = table.splitlines()
    assert lines[2].split() == ["all", "hybrid", "2", "0.500", "1.000", "1.000", "0.750"]
    assert lines[3].split() == ["all", "lexical", "2", "0.500", "0.500", "0.500", "0.500"]
    assert "lexical  a" in table  # the miss is listed
