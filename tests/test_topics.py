"""The topics data file loads, every entry is usable, and questions map to the right topics."""

from __future__ import annotations

import pytest

from wbpolicy.knowledge import get_topics as load_topics
from wbpolicy.knowledge.topics import Topics


def test_every_topic_loads_and_matches_its_own_terms():
    topics = load_topics()
    assert len(topics) >= 18
    assert len(set(topics.ids)) == len(topics)
    for t in topics:
        assert t.label and t.terms
        for term in t.terms:
            assert t.mentioned_in(f"On {term} today."), (t.id, term)
        assert topics.get(t.id) is t
        for alias in t.aliases:
            assert topics.get(alias) is t


def test_table1_rows_are_topics_in_report_order():
    rows = [t.table1 for t in load_topics().table1()]
    assert rows == [
        "CS/IS Law",
        "Cybercrime (in) Law",
        "CS/IS Strategy",
        "n-CERT",
        "Substantial PPP",
        "CB/Education",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What does Montenegro's strategy say about public-private partnerships?", ["ppp"]),
        ("Is the private sector involved?", ["ppp"]),
        ("multistakeholder cooperation formats", ["ppp"]),
        ("Public Private Partnership", ["ppp"]),
        ("Does Serbia have a national CSIRT?", ["cert"]),
        ("Is there a CIRT or an incident response team?", ["cert"]),
        ("Who runs the n-CERT?", ["cert"]),
        ("Is CIIP covered?", ["critical-infrastructure"]),
        ("critical information infrastructure", ["critical-infrastructure"]),
        ("cybersecurity awareness and skills", ["education"]),
        ("capacity building", ["education"]),
        ("Does Kosovo have a cybercrime law?", ["cybercrime-law"]),  # not also "cybercrime"
        ("Croatia's Law on Information Security", ["law"]),
        ("the national cyber security strategy", ["strategy"]),
        ("CIIP and training in Serbia", ["critical-infrastructure", "education"]),
        ("Which concert halls are in Skopje?", []),  # "cert" only on word boundaries
        ("the weather in Tirana", []),
    ],
)
def test_match(text, expected):
    assert [t.id for t in load_topics().match(text)] == expected


def test_get_by_label_table_row_and_term():
    topics = load_topics()
    assert topics.get("CB/Education").id == "education"
    assert topics.get("Capacity building").id == "education"
    assert topics.get("n-CERT").id == "cert"
    assert topics.get("CSIRT").id == "cert"
    assert topics.expand("ppp")[:2] == ("public-private partnership", "public-private partnerships")
    with pytest.raises(KeyError):
        topics.get("astrology")


def test_spans_point_into_the_original_text():
    t = load_topics().get("education")
    text = "Straße: Ausbildung and training"  # folding changes the length before the match
    [(a, b)] = t.find_terms(text)
    assert text[a:b] == "training"


def test_load_from_file(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("topics:\n  - id: x\n    label: X\n    terms: [foo bar]\n", encoding="utf-8")
    topics = Topics.load(path)
    assert topics.ids == ("x",)
    assert [t.id for t in topics.match("FOO-BAR")] == ["x"]
    path.write_text("topics:\n  - id: x\n    terms: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no terms"):
        Topics.load(path)
