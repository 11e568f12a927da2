"""Document kind/country inference and the countries a passage is about."""

from __future__ import annotations

import pytest

from wbpolicy.enrich.classify import infer_country, infer_kind, passage_countries, section_country
from wbpolicy.models import Entity


@pytest.mark.parametrize(
    ("title", "filename", "kind"),
    [
        (
            "Cybersecurity in the Western Balkans: Policy gaps and cooperation opportunities",
            "report/wb-cybersecurity-report-2016.pdf",
            "report",
        ),
        ("National Cyber Security Strategy for Ruritania 2020-2024", "x.txt", "strategy"),
        ("Law on Information Security (Official Gazette 12/2019)", "x.html", "law"),
        ("Convention on Cybercrime (Budapest, 23.XI.2001), ETS No. 185", "x.txt", "convention"),
        (
            "Regulation (EU) 2016/679 of the European Parliament and of the Council",
            "x.txt",
            "regulation",
        ),
        ("ITU Cyberwellness Profile: Albania", "x.txt", "profile"),
        ("Framework for Improving Critical Infrastructure Cybersecurity", "x.pdf", "other"),
        (None, "strategies/xx-national-cyber-strategy.txt", "strategy"),
        (None, "notes.txt", "other"),
    ],
)
def test_infer_kind(title: str | None, filename: str, kind: str) -> None:
    assert infer_kind(title, None, filename) == kind


def test_infer_kind_falls_back_to_the_text() -> None:
    text = "THE NATIONAL CYBER SECURITY STRATEGY\n\nThis document sets out ..."
    assert infer_kind(None, text, None) == "strategy"


@pytest.mark.parametrize(
    ("title", "filename", "country"),
    [
        ("Cybersecurity in the Western Balkans: Policy gaps", "report/wb-report.pdf", "WB"),
        # "me-" is an ordinary word too: without text naming Montenegro it proves nothing
        ("Some strategy", "strategies/me-strategy-2013.txt", None),
        ("Some strategy", "strategies/rs-strategy-2013.txt", "RS"),
        ("Some profile", "other/itu-cyberwellness-profile-mk.txt", "MK"),
        ("Regulation", "eu/eu-regulation.txt", "EU"),
        ("Treaty", "international/coe-ets-108.txt", "CoE"),
        ("National Cyber Security Strategy of the Republic of Croatia", None, "HR"),
        ("Cyber Security Strategy of Georgia 2012-2015", None, "GE"),
        ("The Danish Cyber and Information Security Strategy", None, "DK"),
        ("Austrian Strategy for Cybersecurity 2021", None, "AT"),
        ("Convention on Cybercrime (Budapest, 23.XI.2001), ETS No. 185", None, "CoE"),
        ("Regulation (EU) 2016/679 on data protection", None, "EU"),
        ("Notes on nothing in particular", None, None),
    ],
)
def test_infer_country(title: str, filename: str | None, country: str | None) -> None:
    assert infer_country(title, None, filename) == country


def test_infer_country_from_entities_when_nothing_else_says() -> None:
    ents = [Entity("Serbia", "COUNTRY", "RS", 0, 6)] * 3 + [Entity("EU", "ORG", "eu", 0, 2)]
    assert infer_country("Annual report", "", "notes.txt", entities=ents) == "RS"
    mixed = [Entity("Serbia", "COUNTRY", "RS", 0, 6), Entity("Albania", "COUNTRY", "AL", 0, 7)]
    assert infer_country("Annual report", "", "notes.txt", entities=mixed) is None


@pytest.mark.parametrize(
    ("path", "country"),
    [
        (("4 State of play in the Western Balkans", "4.4 Kosovo*"), "XK"),
        (("4 State of play in the Western Balkans", "4.6 Republic of Macedonia"), "MK"),
        (("4.2 Bosnia and Herzegovina",), "BA"),
        ("4 State of play in the Western Balkans > 4.7 Serbia", "RS"),
        (
            (
                "6 Existing regional security mechanisms",
                "6.3 The Regional Cooperation Council (RCC)",
            ),
            None,
        ),
        (("5.1 The European Union (EU) and the Council of Europe (CoE)",), None),
        ((), None),
        (None, None),
    ],
)
def test_section_country(path: tuple[str, ...] | str | None, country: str | None) -> None:
    assert section_country(path) == country


def test_passage_countries_sources() -> None:
    ents = [
        Entity("RepublikaSrpska", "COUNTRY", "BA-SRP", 0, 15),
        Entity("Serbia", "COUNTRY", "RS", 20, 26),
        Entity("EU", "ORG", "eu", 30, 32),
        Entity("KOS-CERT", "ORG", "kos-cert", 40, 48),
        Entity("Law on X", "INSTRUMENT", "law:law-on-x", 50, 58),
    ]
    got = passage_countries(("4 State of play", "4.5 Montenegro"), "WB", ents)
    assert got == {
        "ME": "section",
        "BA-SRP": "mention",
        "BA": "mention",
        "RS": "mention",
        "XK": "mention",
    }
    # the document's own country, and bodies never count as countries
    assert passage_countries((), "HR", [Entity("EU", "ORG", "eu", 0, 2)]) == {"HR": "document"}
    assert passage_countries((), "EU", []) == {}
    # a section wins over a mention of the same country
    assert passage_countries("4.7 Serbia", None, [ents[1]]) == {"RS": "section"}
    assert passage_countries(None, None, [{"label": "COUNTRY", "id": "AL"}]) == {"AL": "mention"}
