"""The gazetteer data files load, validate and resolve aliases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wbpolicy.knowledge import get_gazetteer
from wbpolicy.knowledge.gazetteer import (
    LABELS,
    GazEntry,
    Gazetteer,
    GazetteerError,
    alias_key,
    looks_like_acronym,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


def test_every_entry_loads_with_valid_fields(gaz: Gazetteer) -> None:
    assert len(gaz.entries) > 300
    ids = [e.id for e in gaz.entries]
    assert len(ids) == len(set(ids))
    for e in gaz.entries:
        assert e.label in LABELS
        assert e.name.strip() and e.aliases
        assert all(a == a.strip() and not a.endswith("*") for a in e.aliases)
        if e.label == "COUNTRY":
            assert re.fullmatch(r"[A-Z]{2}(-[A-Z]{3})?", e.id), e.id
        else:
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", e.id), e.id
        if e.demonyms:
            assert e.label == "COUNTRY"


def test_aliases_unique_across_entries(gaz: Gazetteer) -> None:
    owner: dict[str, str] = {}
    for e in gaz.entries:
        for a in {alias_key(x) for x in e.aliases}:
            if a in owner:
                shared = {alias_key(s) for s in e.shared_aliases}
                assert a in shared, f"{a!r}: {owner[a]} and {e.id}"
            owner[a] = e.id


@pytest.mark.parametrize(
    ("alias", "eid"),
    [
        ("Kosovo*", "XK"),
        ("BIH", "BA"),
        ("BiH", "BA"),
        ("Bosnia and Herzegovina", "BA"),
        ("RepublikaSrpska", "BA-SRP"),
        ("Republika Srpska", "BA-SRP"),
        ("FYR Macedonia", "MK"),
        ("FYROM", "MK"),
        ("the former Yugoslav Republic of Macedonia".removeprefix("the "), "MK"),
        ("North Macedonia", "MK"),
        ("MKD", "MK"),
        ("Republic of Serbia", "RS"),
        ("USA", "US"),
        ("Regional Cooperation Council", "rcc"),
        ("RCC", "rcc"),
        ("PCC SEE Secretariat", "pcc-see-secretariat"),
        ("CCD COE", "ccdcoe"),
        ("KOS-CERT", "kos-cert"),
        ("CIRT.ME", "cirt-me"),
        ("e-SEE", "e-see"),
        ("Budapest Convention", "budapest-convention"),
        ("CoE Convention on Cybercrime", "budapest-convention"),
        ("ETS No. 185", "budapest-convention"),
        ("CETS no.108", "convention-108"),
        ("CETS 201", "lanzarote-convention"),
        ("Directive (EU) 2016/1148", "nis-directive"),
        ("Regulation (EU) 2016/679", "gdpr"),
        ("Decision no. 1106", "osce-decision-1106"),
        ("Treaty of Lisbon", "treaty-of-lisbon"),
    ],
)
def test_find_alias(gaz: Gazetteer, alias: str, eid: str) -> None:
    entry = gaz.find_alias(alias)
    assert entry is not None and entry.id == eid


def test_sub_state_entity_and_demonyms(gaz: Gazetteer) -> None:
    srp = gaz.get("BA-SRP")
    assert srp is not None and srp.parent == "BA" and srp.label == "COUNTRY"
    assert gaz.demonym("Kosovar").id == "XK"  # type: ignore[union-attr]
    assert gaz.demonym("Macedonian").id == "MK"  # type: ignore[union-attr]
    assert gaz.find_alias("no such body") is None


def test_national_instruments_carry_their_country(gaz: Gazetteer) -> None:
    assert gaz.get("me-cyber-security-strategy-2013").country == "ME"  # type: ignore[union-attr]
    assert gaz.get("hr-national-cyber-security-strategy-2015").country == "HR"  # type: ignore
    assert gaz.get("xk-law-cyber-crime-2010").country == "XK"  # type: ignore[union-attr]
    assert gaz.get("budapest-convention").country == "CoE"  # type: ignore[union-attr]


def _entry(eid: str, aliases: tuple[str, ...], shared: tuple[str, ...] = ()) -> GazEntry:
    return GazEntry(id=eid, label="ORG", name=eid, aliases=aliases, shared_aliases=shared)


def test_duplicate_alias_is_an_error_unless_shared() -> None:
    with pytest.raises(GazetteerError, match="shared_aliases"):
        Gazetteer.from_entries([_entry("a", ("Same Name",)), _entry("b", ("same name",))])
    g = Gazetteer.from_entries(
        [
            _entry("a", ("Same Name",), ("Same Name",)),
            _entry("b", ("Same Name",), ("Same Name",)),
        ]
    )
    assert g.find_alias("same name").id == "a"  # type: ignore[union-attr]


def test_duplicate_id_and_bad_label_are_errors(tmp_path: Path) -> None:
    with pytest.raises(GazetteerError, match="duplicate"):
        Gazetteer.from_entries([_entry("a", ("X1",)), _entry("a", ("X2",))])
    (tmp_path / "organisations.yaml").write_text(
        "label: ORG\nentries:\n  - {id: x, label: PERSON, name: X, aliases: [X]}\n",
        encoding="utf-8",
    )
    with pytest.raises(GazetteerError, match="invalid label"):
        Gazetteer.load(tmp_path)
    (tmp_path / "organisations.yaml").write_text(
        "label: ORG\nentries:\n  - {id: x, name: X, aliases: [X], colour: red}\n",
        encoding="utf-8",
    )
    with pytest.raises(GazetteerError, match="unknown keys"):
        Gazetteer.load(tmp_path)


def test_load_from_directory(tmp_path: Path) -> None:
    (tmp_path / "countries.yaml").write_text(
        "label: COUNTRY\nentries:\n  - {id: XK, name: Kosovo, aliases: ['Kosovo*', Kosova]}\n",
        encoding="utf-8",
    )
    g = Gazetteer.load(tmp_path)
    assert [e.id for e in g.entries] == ["XK"]
    assert g.entries[0].aliases == ("Kosovo", "Kosova")


def test_acronym_detection() -> None:
    assert looks_like_acronym("RCC") and looks_like_acronym("BiH") and looks_like_acronym("US")
    assert looks_like_acronym("KOS-CERT") and looks_like_acronym("SEECP PA")
    assert not looks_like_acronym("Kosovo") and not looks_like_acronym("Regional Cooperation")


def test_cached_instance_and_package_data() -> None:
    assert get_gazetteer() is get_gazetteer()
    assert "knowledge/data/gazetteer/*.yaml" in (REPO / "pyproject.toml").read_text(
        encoding="utf-8"
    )


def test_countries_named_in_agrees_with_searching_every_name() -> None:
    """Only the names whose first word a text holds are searched; the answer (countries in the
    order they occur) must be that of searching every name."""
    import random

    from wbpolicy.knowledge import knowledge
    from wbpolicy.text import fold

    know = knowledge()
    names = [
        (name, e.id)
        for e in know.gazetteer.by_label("COUNTRY")
        for name in (e.name, *e.aliases, *e.demonyms)
        if len(name) >= 4
    ] + list(know.region.capitals.items())

    def every_name(text: str) -> list[str]:
        folded = fold(text)
        found = []
        for name, country in names:
            m = re.search(r"(?<!\w)" + re.escape(fold(name)) + r"(?!\w)", folded)
            if m:
                found.append((m.start(), country))
        return list(dict.fromkeys(c for _, c in sorted(found)))

    rng = random.Random(3)
    pieces = [n for n, _ in names] + ["the", "strategy of", "-", "(", "Kosovo*", "ministry"]
    texts = [" ".join(rng.sample(pieces, 5)) for _ in range(300)]
    texts += ["Does Bosnia and Herzegovina's Republika Srpska have a CERT?", "Tirana and Skopje"]
    for text in texts:
        assert know.countries_named_in(text) == every_name(text), text
    assert know.countries_named_in("Skopje, then Serbian law") == ["MK", "RS"]
