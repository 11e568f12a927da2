"""Citations an analyst can check and date: the year on every citation, both pages of a quote
that crosses a page break, the article or section of a source without pages, and a note when
a newer document supersedes the one quoted."""

from __future__ import annotations

from dataclasses import replace

import pytest

from wbpolicy.answer.citations import CitationLinker
from wbpolicy.answer.evidence import Candidate, Sentence
from wbpolicy.answer.question import quote, section_locator, with_newer
from wbpolicy.answer.render import format_source
from wbpolicy.models import Document, Hit

TEXT = "The first sentence ends here. The second one starts on page 4 and ends on page 5."


def hit(**kw) -> Hit:
    base = Hit(
        rank=1,
        passage_id=7,
        doc_id="al-strategy",
        title="National Cybersecurity Strategy",
        page=4,
        pages=(4, 5),
        section="7 Objectives > 7.2 Specific objective 2",
        text=TEXT,
        score=1.0,
        page_breaks=((0, 4), (TEXT.index("and ends"), 5)),
        doc_year=2020,
        doc_kind="strategy",
        country="AL",
    )
    return replace(base, **kw)


def quoted(h: Hit, which: int):
    start = 0 if which == 0 else TEXT.index("The second")
    end = TEXT.index(" The second") if which == 0 else len(TEXT)
    x = Sentence(Candidate(h, "document", None, 1), start, end, TEXT[start:end])
    return quote(x, CitationLinker({}, {}, lambda *_: None))


def test_a_quote_that_crosses_a_page_break_cites_both_pages() -> None:
    one, two = quoted(hit(), 0), quoted(hit(), 1)
    assert (one.quote_pages, one.page, one.page_exact) == ((4,), 4, True)
    assert (two.quote_pages, two.page) == ((4, 5), 4)
    assert format_source(two).startswith("— National Cybersecurity Strategy (2020), pp. 4-5, §")
    assert two.to_json()["year"] == 2020


def test_a_source_without_pages_is_cited_by_article_or_section() -> None:
    law = hit(
        paginated=False,
        page=1,
        pages=(1,),
        page_breaks=((0, 1),),
        section="Chapter II > Article 8 - Misuse of devices",
    )
    item = quoted(law, 0)
    assert (item.page_exact, item.quote_pages, item.locator) == (False, (), "Art. 8")
    assert format_source(item) == (
        "— National Cybersecurity Strategy (2020), Art. 8, § Chapter II > Article 8 - Misuse of "
        "devices"
    )
    assert "p. 1" not in format_source(item)


@pytest.mark.parametrize(
    ("section", "locator"),
    [
        ("Chapter II > Article 8 - Misuse of devices", "Art. 8"),
        ("Član 12 Nadležnost", "Član 12"),
        ("3 Goals > 3.2 Strategic aims", "§ 3.2"),
        ("Introduction", "§ Introduction"),
        (None, None),
    ],
)
def test_section_locator(section: str | None, locator: str | None) -> None:
    assert section_locator(section) == locator


def doc(doc_id: str, kind: str, year: int, country: str = "AL") -> Document:
    return Document(doc_id=doc_id, title=doc_id.replace("-", " "), kind=kind, country=country,
                    year=year)  # fmt: skip


def test_a_newer_document_is_noted() -> None:
    docs = {
        d.doc_id: d
        for d in (
            doc("itu-profile-al", "profile", 2014),
            doc("al-strategy-2015", "strategy", 2015),
            doc("al-strategy-2020", "strategy", 2020),
            doc("rs-law-2025", "law", 2025, "RS"),
        )
    }
    profile = replace(quoted(hit(), 0), doc_id="itu-profile-al")
    noted = with_newer(profile, docs)
    # a profile quoted while a newer primary document of the country is indexed
    assert noted.newer == ("al-strategy-2020", "al strategy 2020", 2020)
    assert format_source(noted).endswith("(newer: al strategy 2020, 2020)")
    # a strategy is superseded only by a newer strategy, and the newest one is quoted as is
    old = with_newer(replace(profile, doc_id="al-strategy-2015"), docs)
    assert old.newer == ("al-strategy-2020", "al strategy 2020", 2020)
    assert with_newer(replace(profile, doc_id="al-strategy-2020"), docs).newer is None


def test_ibid_and_op_cit_resolve_to_the_note_they_refer_to() -> None:
    from wbpolicy.models import Citation

    notes = [
        ("1", "Smith, J., Cyber Readiness, 2015, https://example.org/smith.pdf", ("https://example.org/smith.pdf",)),
        ("2", "Ibid., p. 4.", ()),
        ("3", "Law on Information Security, Official Gazette 6/2016.", ()),
        ("4", "Ibid.", ()),
        ("5", "Smith, op. cit., p. 9.", ()),
        ("6", "A plain note.", ()),
    ]  # fmt: skip
    linker = CitationLinker({}, {}, lambda *_: [], lambda doc_id: notes)

    def link(marker: str):
        text = dict((m, t) for m, t, _ in notes)[marker]
        return linker.link(Citation(marker, text, None, 3, 0), "wb-report")

    two = link("2")
    assert two.refers_to == ("1", notes[0][1]) and two.url == "https://example.org/smith.pdf"
    assert two.to_json()["refers_to"]["marker"] == "1"
    assert link("4").refers_to == ("3", notes[2][1])  # the nearest earlier note
    assert link("5").refers_to == ("1", notes[0][1])  # "Smith, op. cit.": Smith's note
    assert link("6").refers_to is None


def test_the_newest_primary_document_of_a_country_is_the_current_source() -> None:
    from wbpolicy.answer.evidence import current_primary

    docs = {
        d.doc_id: d
        for d in (
            doc("itu-profile-al", "profile", 2014),
            doc("al-strategy-2015", "strategy", 2015),
            doc("al-strategy-2020", "strategy", 2020),
            doc("al-law-2017", "law", 2017),
            doc("rs-law-2016", "law", 2016, "RS"),
            doc("rs-law-2025", "law", 2025, "RS"),
        )
    }

    # each country's newest strategy and newest law; never a profile or a report
    assert current_primary(docs) == {"al-strategy-2020", "al-law-2017", "rs-law-2025"}
