"""Cross-lingual retrieval without a translation model: Serbian in both scripts, light stemming of
the region's languages, the multilingual policy glossary (knowledge/data/glossary.yaml), and the
evidence step accepting a glossary translation of a question's word."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tiny_index import write_test_document
from wbpolicy.answer.evidence import term_in
from wbpolicy.embed import load_embedder
from wbpolicy.index import Index
from wbpolicy.knowledge import knowledge
from wbpolicy.models import Document, PageText, Passage
from wbpolicy.query import analyse
from wbpolicy.query.expand import concepts, form_in, text_language, topic_forms
from wbpolicy.search import search
from wbpolicy.search.lexical import fts_expression, fts_form
from wbpolicy.settings import Settings
from wbpolicy.text import fold, prefix_query
from wbpolicy.text.lexicon import local_stem
from wbpolicy.text.translit import other_script, to_cyrillic, to_latin

# ---------------------------------------------------------------------------------------------
# transliteration


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Ljubljana", "Љубљана"),
        ("LJUBLJANA", "ЉУБЉАНА"),
        ("Njegoš", "Његош"),
        ("džep", "џеп"),
        ("Džamija", "Џамија"),
        ("Đorđe Ćirić", "Ђорђе Ћирић"),
        ("informaciona bezbednost", "информациона безбедност"),
        ("Kancelarija za informacionu bezbednost", "Канцеларија за информациону безбедност"),
    ],
)
def test_latin_to_cyrillic_and_back(latin: str, cyrillic: str) -> None:
    assert to_cyrillic(latin) == cyrillic
    # back to Latin: equal once folded (Cyrillic capitals of digraphs come back title-cased)
    assert fold(to_latin(cyrillic)) == fold(latin)


def test_digraphs_are_one_letter() -> None:
    assert len(to_cyrillic("ljnjdž")) == 3
    assert to_cyrillic("Lj") == "Љ"
    # a decomposed č (c + combining caron) is one letter too
    assert to_cyrillic("c\u030cas") == "час"


def test_other_script() -> None:
    assert other_script("безбедности") == "bezbednosti"
    assert other_script("bezbednost") == "безбедност"
    assert other_script("e-uprava") == "е-управа"
    # no Serbian Cyrillic spelling: letters Serbian lacks, digits
    assert other_script("x-ray") is None
    assert other_script("Quantum") is None
    assert other_script("2015") is None


# ---------------------------------------------------------------------------------------------
# stemming


@pytest.mark.parametrize(
    ("word", "lang", "stem"),
    [
        ("bezbednost", "sr", "bezbedn"),
        ("bezbednosti", "sr", "bezbedn"),
        ("bezbednosnih", "sr", "bezbedn"),
        ("безбедности", "sr", "безбедн"),
        ("sigurnosti", "hr", "sigurn"),
        ("sigurisë", "sq", "sigur"),
        ("sigurinë", "sq", "sigur"),
        ("vlerësimit", "sq", "vlerësim"),
        ("policije", "bs", "policij"),  # never "polic": that would match English "policy"
    ],
)
def test_local_stem(word: str, lang: str, stem: str) -> None:
    assert local_stem(word, lang) == stem


def test_english_prefixes_unchanged() -> None:
    assert prefix_query("attacks") == "attack"
    assert prefix_query("security") == "secur"
    assert prefix_query("bezbednosti") is None  # read as English: left whole
    assert prefix_query("bezbednosti", "sr") == "bezbedn"
    assert prefix_query("sigurisë", "sq") == "sigur"


def test_ify_verbs_share_one_stem_with_their_derivations() -> None:
    from wbpolicy.text import stem

    forms = ("ratify", "ratified", "ratifying", "ratifies", "ratification", "ratifications")
    assert {stem(w) for w in forms} == {"ratif"}
    assert stem("notification") == stem("notified") == "notif"
    # a prefix query on it finds every form; words outside the family keep their stems
    assert prefix_query("ratifying") == "ratif"
    assert stem("attacks") == "attack" and stem("security") == "secur"


# ---------------------------------------------------------------------------------------------
# the glossary


def _concept(name: str):
    return next(c for c in concepts() if name in c.en)


def test_glossary_loads_through_the_knowledge_cache() -> None:
    gl = knowledge().glossary
    assert len(gl.entries) > 100
    assert {"sr", "bs"} <= gl.cyrillic
    assert gl.languages_of("RS") == ("sr",)


def test_glossary_maps_critical_infrastructure() -> None:
    c = _concept("critical infrastructure")
    forms = {(lang, f) for lang, f in c.forms}
    assert ("hr", "kritičn* infrastruktur*") in forms
    assert ("sr", "критичн* инфраструктур*") in forms  # Cyrillic, transliterated
    assert ("sq", "infrastruktur* kritik*") in forms
    assert form_in("kritičn* infrastruktur*", fold("zaštita kritične infrastrukture"))
    assert form_in("infrastruktur* kritik*", fold("mbrojtja e infrastrukturës kritike"))


def test_glossary_forms_render_as_fts() -> None:
    # folded as FTS5 folds (remove_diacritics): "č" is "c" to it
    assert fts_form("kritičn* infrastruktur*", 3) == 'NEAR("kriticn"* "infrastruktur"*, 3)'
    assert fts_form("e-uprav*", 3) == '"e uprav"*'
    assert fts_form("akt", 3) == '"akt"'


def test_topic_terms_have_translations() -> None:
    forms = topic_forms("education")
    assert "obuk*" in forms
    assert "trajnim*" in forms


# ---------------------------------------------------------------------------------------------
# query analysis


def test_language_of_a_question() -> None:
    assert text_language("What does Croatia's strategy say about critical infrastructure?") == "en"
    assert text_language("Što kaže strategija o kritičnoj infrastrukturi?") == "sh"
    assert text_language("informaciona bezbednost") == "sh"
    assert text_language("Закон о информационој безбедности") == "sr"
    assert text_language("Strategjia për sigurinë kibernetike") == "sq"


def test_english_query_is_translated_into_its_countrys_languages() -> None:
    q = analyse("What does Serbia's law say about critical infrastructure?")
    assert q.language == "en"
    forms = {f for g in q.translations for f in g}
    assert "критичн* инфраструктур*" in forms
    assert "kritičn* infrastruktur*" in forms
    assert not any("kritik" in f for f in forms)  # Albanian is not Serbia's language
    assert q.terms == ("Serbia's", "law", "say", "critical", "infrastructure")


def test_english_query_about_an_english_speaking_country_is_not_translated() -> None:
    q = analyse("What does Finland's strategy say about critical infrastructure?")
    assert q.translations == ()
    expr = fts_expression(q.terms, q.phrases, q.translations, q.language)
    assert expr is not None and "NEAR" not in expr


def test_regional_question() -> None:
    q = analyse("Što kaže hrvatska strategija o obuci policije?")
    assert q.language == "sh"
    assert "Što" not in q.terms and "kaže" not in q.terms
    forms = {f for g in q.translations for f in g}
    assert "police" in forms  # its English reading
    assert "education" in q.topics  # training, read from the English reading
    expr = fts_expression(q.terms, (), (), q.language)
    assert expr is not None
    assert '"policij"*' in expr and '"полициј"*' in expr  # stemmed, in both scripts


def test_evidence_accepts_a_translation_of_a_term() -> None:
    q = analyse("What does Bosnia's action plan say about training police and prosecutors?")
    sentence = fold("Zajednička obuka policije, tužilaštva i sudova")
    assert not term_in("prosecutors", sentence)
    assert term_in("prosecutors", sentence, q.forms_of("prosecutors"))
    assert "policij*" in q.forms_of("police")
    # English words keep their English rule; a translation never matches an unrelated word
    assert term_in("prosecutors", fold("the prosecutor's office"), q.forms_of("prosecutors"))
    assert not term_in("prosecutors", fold("the attorney general"), q.forms_of("prosecutors"))
    assert not any(form_in(f, fold("the policy document")) for f in q.forms_of("police"))


# ---------------------------------------------------------------------------------------------
# search on a small index with passages in four languages

DOCS = [
    (
        "zakon-rs",
        "law",
        "RS",
        "sr",
        [
            "Канцеларија за информациону безбедност обавља послове из своје надлежности.",
            "Овај закон ступа на снагу осмог дана од дана објављивања.",
        ],
    ),
    (
        "plan-ba",
        "strategy",
        "BA",
        "bs",
        [
            "Zajednička obuka policije, tužilaštva i sudova na temu istraživanja krivičnih djela.",
            "Nabavka opreme za laboratorije digitalne forenzike.",
        ],
    ),
    (
        "strategy-me",
        "strategy",
        "ME",
        "en",
        [
            "Montenegro will train police officers and prosecutors in handling digital evidence.",
            "The national CIRT coordinates the response to incidents.",
        ],
    ),
    (
        "strategjia-al",
        "strategy",
        "AL",
        "sq",
        ["Kryerja e vlerësimit të riskut për infrastrukturën kritike të informacionit."],
    ),
    (
        "code-hr",
        "law",
        "HR",
        "en",
        [
            "Computer sabotage is punished under the Criminal Code with up to five years.",
            "Theft of a vehicle is punished under the Criminal Code.",
        ],
    ),
]


def _build(path: Path) -> Index:
    index = Index.open(Settings(index_dir=path, model="hash:64"), readonly=False)
    emb = load_embedder("hash:64")
    index.embedder = emb
    for doc_id, kind, country, lang, texts in DOCS:
        doc = Document(
            doc_id=doc_id,
            title=f"Title of {doc_id}",
            kind=kind,
            country=country,
            year=2020,
            language=lang,
            path=f"/x/{doc_id}.txt",
            format="txt",
            sha256="0" * 64,
        )
        ps = [
            Passage(
                text=t,
                kind="body",
                section=("1",),
                pages=(1,),
                char_start=0,
                char_end=len(t),
                ordinal=i,
            )
            for i, t in enumerate(texts)
        ]
        write_test_document(
            index,
            doc,
            ps,
            [[] for _ in ps],
            [{country: "document"} for _ in ps],
            (PageText(1, "\n\n".join(texts)),),
        )
    index.rebuild_vectors()
    return index


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Index]:
    idx = _build(tmp_path)
    yield idx
    idx.close()


def test_latin_query_matches_a_cyrillic_passage(small: Index) -> None:
    res = search(small, "kancelarija informaciona bezbednost", top_k=3, mode="lexical")
    assert res.hits and res.hits[0].doc_id == "zakon-rs"
    assert res.hits[0].text.startswith("Канцеларија за информациону безбедност")


def test_cyrillic_query_matches_itself_inflected(small: Index) -> None:
    res = search(small, "безбедности", top_k=3, mode="lexical")
    assert res.hits and res.hits[0].doc_id == "zakon-rs"


def test_english_query_matches_a_bosnian_passage(small: Index) -> None:
    res = search(small, "training of police and prosecutors in Bosnia", top_k=5, mode="lexical")
    docs = [h.doc_id for h in res.hits]
    assert "plan-ba" in docs
    bosnian = next(h for h in res.hits if h.doc_id == "plan-ba")
    assert bosnian.text.startswith("Zajednička obuka policije")


def test_english_query_matches_an_albanian_passage(small: Index) -> None:
    res = search(small, "Albania critical infrastructure risk assessment", top_k=5, mode="lexical")
    assert [h.doc_id for h in res.hits][:1] == ["strategjia-al"]


def test_english_passage_still_first_for_an_english_query(small: Index) -> None:
    for mode in ("lexical", "hybrid"):
        res = search(small, "Montenegro police officers digital evidence", top_k=5, mode=mode)
        assert res.hits[0].doc_id == "strategy-me", mode
    # an English query's own words are searched exactly as before; its translations apart
    q = analyse("KOS-CERT regulator")
    own = fts_expression(q.terms, q.phrases, language=q.language)
    assert own is not None and own.startswith('"KOS-CERT" OR "regulator" OR ')
    assert "ЦЕРТ" not in own and "NEAR" not in own
    assert q.translations  # Kosovo: Albanian and Serbian (CERT in Cyrillic: ЦЕРТ)


def test_rerank_coverage_counts_a_word_in_its_translation() -> None:
    from wbpolicy.search.rerank import coverage, coverage_words

    q = analyse("When will the Serbian registry start to publish reports?")
    assert "start" in q.content_terms and q.forms_of("start")
    plain = coverage_words(q.terms)
    words = coverage_words(q.terms, q)
    english = "The registry will start to publish reports next year."
    serbian = to_cyrillic("Registar počinje da objavljuje izveštaje.")
    unrelated = to_cyrillic("Ministarstvo donosi pravilnik.")
    # without its translations a Cyrillic passage holds none of the words
    assert coverage(serbian, plain) == 0.0
    assert coverage(serbian, words) > coverage(unrelated, words)
    assert coverage(english, words) == coverage(english, plain)


def test_online_alone_does_not_ask_for_a_url() -> None:
    from wbpolicy.query.expand import wants

    assert wants("Is online grooming of children a crime?") == ()
    assert wants("Where is the strategy available online?") == ("footnote",)


def test_rerank_weighs_what_is_asked_beside_the_name() -> None:
    from wbpolicy.search.rerank import _coverage_words
    from wbpolicy.settings import SearchSettings

    s = SearchSettings()
    q = analyse("What does the Budapest Convention require on data retention periods?")
    words = _coverage_words(q, s)
    assert words[0] == q.terms and len(words) == 2
    assert "retention" in words[1] and "Budapest" not in words[1]
    # one content word is too weak a test on its own
    assert len(_coverage_words(analyse("What is the role of Kosovo's RCC?"), s)) == 1


def test_english_synonyms_are_phrases_or_stand_for_one() -> None:
    q = analyse("Is online grooming a crime?")
    # another name of the concept asked about, written as a phrase
    assert "solicit* of children" in q.synonyms
    # a form of a word the question holds is no synonym ("crimes" for "crime")
    assert not any(s.startswith("crim") for s in q.synonyms)
    # a one-word name beside a one-word name is a looser neighbour kept for translation
    assert "safety" not in analyse("Who is responsible for security?").synonyms
    assert "establish*" in analyse("Where will the centre be set up?").synonyms
    # a regional question has none (its English reading is its translation)
    assert analyse("Šta kaže zakon o informacionoj bezbednosti?").synonyms == ()


def test_synonyms_add_to_the_own_words_score(small: Index) -> None:
    from dataclasses import replace

    from wbpolicy.search.lexical import lexical_search
    from wbpolicy.settings import SearchSettings

    s = SearchSettings()
    q = analyse("How is data interference punished?")
    assert "computer sabotage" in q.synonyms
    text = dict(small.store.conn.execute("SELECT id, text FROM passages").fetchall())
    plain = lexical_search(small.reader, replace(q, synonyms=()), 10, None, s)
    ranked = lexical_search(small.reader, q, 10, None, s)
    # both passages hold "punished"; the one naming the offence by its other name comes first
    assert {text[p].split()[0] for p, _ in plain[:2]} == {"Computer", "Theft"}
    assert text[ranked[0][0]].startswith("Computer sabotage")
    assert ranked[0][1] > dict(plain)[ranked[0][0]]
    # the other passage keeps its own score exactly
    theft = next(p for p, _ in plain if text[p].startswith("Theft"))
    assert dict(ranked)[theft] == pytest.approx(dict(plain)[theft])
    assert lexical_search(small.reader, q, 10, None, replace(s, synonym_weight=0.0)) == plain


def test_glossary_maps_core_cybercrime_offences() -> None:
    fraud = _concept("computer fraud")
    forms = {f for _, f in fraud.forms}
    assert "mashtrim*" in forms
    assert any(form_in(f, fold(to_cyrillic("računarska prevara"))) for f in forms)
    q = analyse("Does Croatia criminalise computer fraud?")
    assert any("prijevar*" in g for g in q.translations)
    racism = _concept("racism")
    assert any(form_in(f, fold("ksenofobije")) for _, f in racism.forms)


def _scan(form: str, toks: list[str]) -> bool:
    """form_in_tokens as a plain scan of every position (the reference)."""
    from wbpolicy.query.expand import form_words

    def at(parts: tuple[str, ...], star: bool, i: int) -> bool:
        if i + len(parts) > len(toks):
            return False
        return all(
            toks[i + j].startswith(p) if (j == len(parts) - 1 and star) else toks[i + j] == p
            for j, p in enumerate(parts)
        )

    words = form_words(form)
    return bool(words) and all(
        any(at(parts, star, i) for i in range(len(toks))) for parts, star in words
    )


def test_indexed_form_lookup_agrees_with_a_scan() -> None:
    import random

    from wbpolicy.query.expand import Tokens, form_in_tokens

    rnd = random.Random(7)
    vocab = ["ab", "abc", "b", "bc", "c", "ca", "abd", "x", "kritičn", "kriticne"]
    held = 0
    for _ in range(5_000):
        toks = [rnd.choice(vocab) for _ in range(rnd.randint(0, 8))]
        form = " ".join(
            "-".join(rnd.choice(vocab) for _ in range(rnd.randint(1, 2)))
            + ("*" if rnd.random() < 0.5 else "")
            for _ in range(rnd.randint(1, 2))
        )
        want = _scan(form, toks)
        assert form_in_tokens(form, toks) is want
        assert form_in_tokens(form, Tokens(toks)) is want
        held += want
    assert 500 < held < 4_500  # both answers are common


def test_local_concept_lookup_agrees_with_a_scan_of_every_form() -> None:
    """The regional forms are looked up by the first letters of the text's words; the concepts
    found must be those a test of every form finds, in glossary order."""
    import random

    from wbpolicy.query.expand import (
        Tokens,
        _local_matches,
        concepts,
        form_in_tokens,
        form_words,
    )
    from wbpolicy.text import fold

    def scan(text: str, langs: tuple[str, ...] | None, min_prefix: int) -> list[int]:
        toks = Tokens([fold(w) for w in re.findall(r"\w+", text)])
        found = []
        for i, c in enumerate(concepts()):
            for lang, form in c.forms:
                words = form_words(form)
                if not words or (langs is not None and lang not in langs):
                    continue
                if min_prefix and any(not s or len(p[-1]) < min_prefix for p, s in words):
                    continue
                if form_in_tokens(form, toks):
                    found.append(i)
                    break
        return found

    rng = random.Random(11)
    words = [
        w.rstrip("*") + rng.choice(["", "a", "om", "ima"])
        for c in concepts()
        for _, form in c.forms
        for w in form.split()
    ]
    for _ in range(150):
        text = " ".join(rng.sample(words, 6))
        for langs, min_prefix in ((None, 0), (("sr", "hr", "bs", "sq"), 5)):
            assert _local_matches(text, langs, min_prefix) == scan(text, langs, min_prefix), text
