"""What may be quoted as an answer, and what stays searchable only."""

from __future__ import annotations

import pytest

from wbpolicy.answer.quotable import is_lead_in, list_after, quotable


@pytest.mark.parametrize(
    "text",
    [
        "4.4 Kosovo* ........................................ 18",
        "Strategic objectives . . . . . . . . 12",
        "Figure 3: Number of incidents reported to the national CERT per year",
        "Table 1 - Overview of the legal framework in the Western Balkans",
        "Source: Ministry of Interior, 2015",
        "Slika 2. Broj incidenata",
        "CERT Computer Emergency Response Team",
        "EU – European Union",
        "6) Public-private partnership",
        "7.2 Specific objective 2: Strengthening the capacities of CERTs",
        "о информационој безбедности",
        "National Cyber Security Strategy",
    ],
)
def test_not_quotable(text: str) -> None:
    assert not quotable(text)


@pytest.mark.parametrize(
    "text",
    [
        "Kosovo has no CERT.",
        "The Government adopted the National Cyber Security Strategy in 2016.",
        "Закон о информационој безбедности уређује мере заштите од безбедносних ризика.",
        "CERT teams in the region cooperate through regular meetings and joint exercises.",
        "The main laws related to cybercrime are the following:",
    ],
)
def test_quotable(text: str) -> None:
    assert quotable(text)


def test_a_heading_repeated_as_a_sentence_is_not_quoted() -> None:
    assert not quotable(
        "Public-private partnership in the energy sector.",
        "Public-private partnership in the energy sector",
    )


def test_a_colon_brings_its_list() -> None:
    text = (
        "The main laws related to cybercrime are the following:\n"
        "- the Criminal Code;\n- the Law on Electronic Communications;\n"
        "- the Law on Personal Data Protection.\nA new paragraph starts here."
    )
    end = text.index(":") + 1
    new_end = list_after(text, end, 500)
    assert text[:new_end].endswith("the Law on Personal Data Protection.")
    assert list_after(text, end, 40) is not None  # the first item fits
    assert list_after("Our aims are:\nA plain sentence follows.", 13, 500) is None
    # a bullet glyph removed at the store boundary leaves the item's indentation
    listed = "It will:\n  Systematically monitor it;\nNext."
    assert list_after(listed, 8, 500) == listed.index(";") + 1
    assert is_lead_in("The main laws related to cybercrime are the following:")
    assert not is_lead_in("The Government will establish the National Council, which will:")
