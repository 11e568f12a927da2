"""Lexical expansion of a query: acronyms <-> full names from the gazetteer, topic synonyms, the
numbered references a query names ("Table 1", "Article 35"), the passage kinds it asks for, and
its translations: the glossary concepts it names in the corpus's other languages (and a
regional question's English reading), Serbian words in both scripts."""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from wbpolicy.knowledge import knowledge
from wbpolicy.knowledge.gazetteer import looks_like_acronym
from wbpolicy.knowledge.topics import Topic
from wbpolicy.text import STOPWORDS, TOKEN, fold, prefix_query, stem
from wbpolicy.text.lexicon import CASE_ENDINGS, language_family, local_stem, word_language
from wbpolicy.text.translit import has_cyrillic, other_script

_NUMBERED = re.compile(r"\b([A-Za-z]{2,})\.?\s+(\d[\w/.-]*)")
_WANTS_URL = re.compile(
    r"\b(?:published|publishes|available|url|link|links|website|web\s*site|download\w*|"
    r"web\s*page|where\s+(?:can|could|do|does|is|are)\b.*\b(?:find|read|get|found))",
    re.IGNORECASE,
)
_WANTS_TABLE = re.compile(r"\btable\s*\d+\b|\btables?\b|\bmatrix\b", re.IGNORECASE)
# a question asking for a time: its answer holds a date or a year
_WANTS_DATE = re.compile(
    r"^\W*(?:when|kada|kad|kur|quand|wanneer|када)\b|\b(?:by|since|until|till|do|od|deri|"
    r"que)\s+(?:when|kada|kad|kur|quand)\b|\b(?:what|which)\s+(?:date|day|year|month)\b|"
    r"\b(?:kojeg|kog|kojega|kojem)\s+(?:datuma|dana|godine)\b|\band\s+when\b",
    re.IGNORECASE,
)


def wants(text: str) -> tuple[str, ...]:
    """Passage kinds the query asks for: "footnote" (where something is published), "table",
    and "date" (a question asking when: its answer holds a date)."""
    out = []
    if _WANTS_URL.search(text):
        out.append("footnote")
    if _WANTS_TABLE.search(text):
        out.append("table")
    if _WANTS_DATE.search(text):
        out.append("date")
    return tuple(out)


def numbered_refs(text: str) -> list[str]:
    """ "Table 1", "Article 35", "Decision no. 1202": a number means something only with its
    noun."""
    return [
        f"{m.group(1)} {m.group(2)}"
        for m in _NUMBERED.finditer(text)
        if fold(m.group(1)) in ("no", "nos", "nr") or fold(m.group(1)) not in STOPWORDS
    ]


@dataclass(frozen=True)
class _Alias:
    forms: tuple[str, ...]  # every name of the entry
    acronym: bool  # the matched alias is an acronym ("SEENSA")


@lru_cache(maxsize=1)
def _alias_table() -> tuple[dict[str, _Alias], dict[str, _Alias], int]:
    """Aliases of ORG/INSTRUMENT entries: (case-sensitive table of acronyms keyed by their exact
    tokens, case-insensitive table of names keyed by folded tokens, longest alias in tokens).
    Acronyms match case-sensitively so that "first" never expands to FIRST.  Country names are
    handled by country boosting instead."""
    exact: dict[str, _Alias] = {}
    folded: dict[str, _Alias] = {}
    longest = 0
    for entry in knowledge().gazetteer.entries:
        if entry.label == "COUNTRY":
            continue
        forms = tuple(dict.fromkeys([entry.name, *entry.aliases]))
        for form in forms:
            toks = TOKEN.findall(form)
            if not toks:
                continue
            acronym = looks_like_acronym(form)
            # an alias shared by several entries is ambiguous: the first entry keeps it
            if acronym:
                exact.setdefault(" ".join(toks), _Alias(forms, True))
            else:
                folded.setdefault(" ".join(fold(t) for t in toks), _Alias(forms, False))
            longest = max(longest, len(toks))
    return exact, folded, longest


def alias_expansions(text: str, limit: int) -> list[str]:
    """Acronym <-> full name: a query naming "SEENSA" gets the full name, and vice versa."""
    exact, folded, longest = _alias_table()
    toks = TOKEN.findall(text)
    keys = [fold(t) for t in toks]
    found: list[str] = []
    used: set[int] = set()
    for n in range(min(longest, len(toks)), 0, -1):
        for i in range(len(toks) - n + 1):
            if any(j in used for j in range(i, i + n)):
                continue
            hit = exact.get(" ".join(toks[i : i + n]))
            if hit is None and not (n == 1 and keys[i] in STOPWORDS):
                hit = folded.get(" ".join(keys[i : i + n]))
            if hit is None:
                continue
            used.update(range(i, i + n))
            # the other kind of name: full names for an acronym, acronyms for a full name
            others = [f for f in hit.forms if looks_like_acronym(f) != hit.acronym]
            found.extend(others[:2])
    return list(dict.fromkeys(found))[:limit]


def topic_terms(topics: Sequence[Topic], per_topic: int) -> tuple[str, ...]:
    terms: list[str] = []
    for t in topics:
        terms.extend(t.terms[:per_topic])
    return tuple(dict.fromkeys(terms))


def entity_names(ids: Sequence[str]) -> tuple[str, ...]:
    """Canonical names of known entities ("MK" -> "North Macedonia")."""
    know = knowledge()
    return tuple(e.name for i in ids if (e := know.entry(i)) is not None)


# --------------------------------------------------------------------------------------------
# cross-lingual: the glossary (knowledge/data/glossary.yaml) and the two Serbian scripts
#
# A glossary form is rendered as words separated by spaces, each either a prefix ("kritičn*")
# or an exact word ("akt"); a word joining parts with "-" or "'" is a phrase of its parts
# ("e-uprav*").  Lexical search turns a rendered form into an FTS5 query (search/lexical.py);
# ask matches it against a sentence (:func:`form_in`).


def english_key(word: str) -> str:
    """The key an English word is looked up by: its stem, stemmed once more ("trainings" ->
    "training" -> "train")."""
    return stem(stem(word))


def _english_keys(name: str) -> tuple[str, ...]:
    return tuple(english_key(w) for w in re.findall(r"\w+", fold(name)))


# a dictionary form is searched by its stem only when the stem keeps this many letters (a shorter
# prefix would match unrelated words: "trav*" for "travaux")
_MIN_PREFIX = 5


def _compile_word(raw: str, lang: str) -> str | None:
    """A glossary word as rendered: ``=word`` exact, ``stem*`` as written, a dictionary form cut
    by its language's endings (exact when short)."""
    word = unicodedata.normalize("NFC", raw.strip()).casefold()
    if word.startswith("="):
        word = word[1:]
        return word or None
    if word.endswith("*"):
        word = word.rstrip("*")
        return f"{word}*" if word else None
    head, sep, last = word.rpartition("-") if "-" in word else ("", "", word)
    if len(fold(last)) < _MIN_PREFIX or not last.isalpha():
        return word
    cut = local_stem(last, lang)
    return f"{head}{sep}{cut}*" if len(fold(cut)) >= _MIN_PREFIX else word


def _render(words: Sequence[str]) -> str:
    return " ".join(words)


@dataclass(frozen=True)
class Concept:
    en: tuple[str, ...]  # the English names
    en_keys: tuple[tuple[str, ...], ...]
    english: tuple[str, ...]  # the English names rendered as forms (for a non-English query)
    forms: tuple[tuple[str, str], ...]  # (language, rendered form), Cyrillic forms included

    @property
    def single_word(self) -> bool:
        return any(len(k) == 1 for k in self.en_keys)


def _english_form(name: str) -> str:
    out = []
    for w in re.findall(r"\w+", fold(name)):
        p = prefix_query(w)
        out.append(f"{p}*" if p else w)
    return _render(out)


@lru_cache(maxsize=1)
def concepts() -> tuple[Concept, ...]:
    """The glossary compiled: every form rendered, Serbian/Bosnian forms also in Cyrillic."""
    gl = knowledge().glossary
    out: list[Concept] = []
    for entry in gl.entries:
        forms: list[tuple[str, str]] = []
        for lang, raws in entry.forms:
            for raw in raws:
                words = [w for w in (_compile_word(r, lang) for r in raw.split()) if w]
                if not words:
                    continue
                forms.append((lang, _render(words)))
                if lang in gl.cyrillic:
                    cyr = [other_script(w.rstrip("*")) for w in words]
                    if all(cyr):
                        stars = ["*" if w.endswith("*") else "" for w in words]
                        forms.append(
                            (lang, _render([f"{c}{s}" for c, s in zip(cyr, stars, strict=True)]))
                        )
        out.append(
            Concept(
                en=entry.en,
                en_keys=tuple(dict.fromkeys(_english_keys(n) for n in entry.en)),
                english=tuple(dict.fromkeys(_english_form(n) for n in entry.en)),
                forms=tuple(dict.fromkeys(forms)),
            )
        )
    return tuple(out)


_FORM_SEP = r"[\s\-\u2010\u2011\u2013'’]*"
_WORD = re.compile(r"\w+")


FormWords = tuple[tuple[tuple[str, ...], bool], ...]  # (folded parts, prefix?) per word


@lru_cache(maxsize=8192)
def form_words(form: str) -> FormWords:
    """A rendered form's words: (folded parts, prefix?) each."""
    out = []
    for w in form.split():
        parts = tuple(fold(p) for p in _WORD.findall(w.rstrip("*")))
        if parts:
            out.append((parts, w.endswith("*")))
    return tuple(out)


def _word_at(parts: tuple[str, ...], star: bool, toks: Sequence[str], i: int) -> bool:
    n = len(parts)
    if i + n > len(toks):
        return False
    for j, p in enumerate(parts):
        t = toks[i + j]
        if j == n - 1 and star:
            if not t.startswith(p):
                return False
        elif t != p:
            return False
    return True


class Tokens:
    """A text's folded word tokens, indexed for :func:`form_in_tokens`: where each token stands,
    and the distinct tokens sorted (a prefix is a range of them).  Built once per passage, it
    answers each form in a few lookups instead of a scan of every token (a rerank checks dozens
    of forms against each of 60 passages)."""

    __slots__ = ("at", "toks", "vocab")

    def __init__(self, toks: Sequence[str]) -> None:
        self.toks = toks
        at: dict[str, list[int]] = {}
        for i, t in enumerate(toks):
            at.setdefault(t, []).append(i)
        self.at = at
        self.vocab = sorted(at)

    def starts(self, first: str, prefix: bool) -> Iterator[int]:
        """The positions of tokens equal to ``first`` (or starting with it)."""
        if not prefix:
            yield from self.at.get(first, ())
            return
        lo = bisect.bisect_left(self.vocab, first)
        for tok in itertools.islice(self.vocab, lo, None):
            if not tok.startswith(first):
                return
            yield from self.at[tok]


def form_in_tokens(form: str, toks: Sequence[str] | Tokens) -> bool:
    """Whether folded word tokens contain every word of a rendered form (a word of several
    parts, "public-private", as consecutive tokens; a starred last part as a prefix)."""
    words = form_words(form)
    if not words:
        return False
    index = toks if isinstance(toks, Tokens) else Tokens(toks)
    for parts, star in words:
        single = len(parts) == 1
        if not any(
            single or _word_at(parts, star, index.toks, i)
            for i in index.starts(parts[0], star and single)
        ):
            return False
    return True


@lru_cache(maxsize=4096)
def form_patterns(form: str) -> tuple[re.Pattern[str], ...]:
    """One pattern per word of a rendered form, over folded text."""
    pats = []
    for w in form.split():
        star = w.endswith("*")
        parts = [re.escape(fold(p)) for p in re.split(r"[-'’]", w.rstrip("*")) if p]
        if not parts:
            continue
        body = _FORM_SEP.join(parts)
        pats.append(re.compile(r"(?<!\w)" + body + ("" if star else r"(?!\w)")))
    return tuple(pats)


def form_in(form: str, folded_text: str) -> bool:
    """Whether a (folded) text contains every word of a rendered form (in any order)."""
    pats = form_patterns(form)
    return bool(pats) and all(p.search(folded_text) for p in pats)


def _collides(form: str, english_words: set[str]) -> bool:
    """Whether every word of a form matches one of the concept's English names ("strateg*" ~
    "strategy", "=police", "private sector"): such a form would find the English passages the
    English words find already, and count them twice."""
    words = form.split()
    return all(any(form_in(w, e) for e in english_words) for w in words)


@dataclass(frozen=True)
class Translation:
    """The concepts a text names and what lexical search adds for them."""

    language: str  # "en", or the regional language: "sr" (Cyrillic), "sh" (sr/hr/bs), "sq" ...
    groups: tuple[tuple[str, ...], ...]  # per concept, its forms in the other languages
    gloss: str  # the English names of the concepts named (a local text's English reading)
    term_forms: tuple[tuple[str, tuple[str, ...]], ...]  # content term -> its translations
    concepts: tuple[str, ...] = ()  # the first English name of each concept named
    # an English text's concepts in each language of the countries it names, as plain words
    rendering: dict[str, str] = field(default_factory=dict)
    # an English text's concepts by their other English names ("set up" -> "establish*")
    synonyms: tuple[str, ...] = ()


def text_language(text: str, min_evidence: float = 1.5) -> str:
    """ "en", or the regional language a question is written in: Cyrillic ("sr"), else the
    family whose evidence outnumbers the English function words (at least two words): function
    words, words spelt with regional letters (ë: Albanian; č, š: Serbo-Croatian), and words only
    the regional side of the glossary knows ("informaciona bezbednost").  Serbian, Croatian and
    Bosnian share their function words: "sh".  ``min_evidence``: the least evidence (a word
    fitting two families counts half for each) that makes a text regional."""
    raw = TOKEN.findall(text)
    if not raw:
        return "en"
    if sum(1 for w in raw if has_cyrillic(w)) * 2 >= len(raw):
        return "sr"
    gl = knowledge().glossary
    english = 0
    score: dict[str, float] = {}
    for w in raw:
        key = fold(w)
        if key in STOPWORDS:
            english += 1
            continue
        letters = word_language(w)
        families = {letters} if letters else set(_regional_word(key))
        for lang in ("hr", "sq", "fr", "nl"):
            family = language_family(lang)
            if key in gl.stopwords_of(lang) and letters in (None, family):
                families.add(family)
        for f in families:
            # a word that fits several families counts for each, less
            score[f] = score.get(f, 0.0) + 1.0 / len(families)
    if not score:
        return "en"
    best = max(score, key=lambda f: score[f])
    return best if score[best] >= min_evidence and score[best] > english else "en"


@lru_cache(maxsize=4096)
def _regional_word(folded: str) -> tuple[str, ...]:
    """The language families ("sh", "sq") of a word only the regional side of the glossary knows,
    by a long prefix ("informacionoj" ~ "informacion*"); none for a word an English concept
    names."""
    if len(folded) < _MIN_PREFIX or _english_matches(folded):
        return ()
    toks = [folded]
    found: list[str] = []
    for c in concepts():
        for lang, form in c.forms:
            words = form_words(form)
            if len(words) != 1 or lang not in ("sr", "hr", "bs", "sq"):
                continue
            parts, star = words[0]
            if star and len(parts) == 1 and len(parts[0]) >= _MIN_PREFIX:
                if form_in_tokens(form, toks):
                    found.append(language_family(lang))
    return tuple(dict.fromkeys(found))


def local_stopwords(lang: str) -> frozenset[str]:
    gl = knowledge().glossary
    return gl.stopwords_of("hr" if lang in ("sh", "sr", "bs") else lang)


@lru_cache(maxsize=1)
def _by_first_key() -> dict[str, list[tuple[int, tuple[str, ...]]]]:
    table: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for i, c in enumerate(concepts()):
        for k in c.en_keys:
            if k:
                table.setdefault(k[0], []).append((i, k))
    return table


def _english_matches(text: str) -> list[int]:
    keys = [english_key(w) for w in _WORD.findall(fold(text))]
    table = _by_first_key()
    found: list[int] = []
    for j, key in enumerate(keys):
        for i, k in table.get(key, ()):
            if tuple(keys[j : j + len(k)]) == k:
                found.append(i)
    return sorted(set(found), key=found.index)


@lru_cache(maxsize=1)
def _forms_by_start() -> dict[str, list[tuple[int, str, str, FormWords]]]:
    """Every concept's regional forms, filed under the first three letters of their first word:
    a text is tested only against the forms its words could begin."""
    table: dict[str, list[tuple[int, str, str, FormWords]]] = {}
    for i, c in enumerate(concepts()):
        for lang, form in c.forms:
            words = form_words(form)
            if words:
                table.setdefault(words[0][0][0][:3], []).append((i, lang, form, words))
    return table


def _local_matches(text: str, langs: Sequence[str] | None, min_prefix: int = 0) -> list[int]:
    """The concepts (glossary order) one of whose forms in ``langs`` (None: any) the text holds;
    with ``min_prefix``, only forms whose every word is a prefix of at least that length."""
    toks = Tokens([fold(w) for w in _WORD.findall(text)])
    table = _forms_by_start()
    found: set[int] = set()
    for start in {t[:3] for t in toks.vocab}:
        for i, lang, form, words in table.get(start, ()):
            if i in found or (langs is not None and lang not in langs):
                continue
            if min_prefix and any(not star or len(p[-1]) < min_prefix for p, star in words):
                continue
            if form_in_tokens(form, toks):
                found.add(i)
    return sorted(found)


def search_languages(countries: Sequence[str]) -> tuple[str, ...] | None:
    """The languages an English question about ``countries`` is translated into: those of the
    countries' own documents (glossary.yaml country_languages; a sub-state entity takes its
    state's), none for countries whose documents are English; None (every language) when it
    names no country."""
    if not countries:
        return None
    know = knowledge()
    gl = know.glossary
    out: list[str] = []
    for c in countries:
        out.extend(gl.languages_of(c) or gl.languages_of(know.parent_country(c) or ""))
    return tuple(dict.fromkeys(out))


def translate(
    text: str,
    content_terms: Sequence[str] = (),
    lang: str | None = None,
    countries: Sequence[str] = (),
) -> Translation:
    """The glossary concepts ``text`` names and their forms in the other languages: for an
    English text its Serbian (both scripts), Croatian, Bosnian, Albanian, French and Dutch forms
    (only the languages of the ``countries`` it is about, when they have any); for a text in one
    of those, the English names and the other languages' forms.  Each ``content_terms`` word gets
    the forms of the one-word concepts it names.  ``lang``: the text's language when already
    known (:func:`text_language`)."""
    lang = lang or text_language(text)
    table = concepts()
    targets = search_languages(countries) if lang == "en" else None
    if lang == "en":
        hits = _english_matches(text)
        # regional words inside an English question ("the Zakon o informacionoj bezbednosti"):
        # only by long prefixes, so that no English word is read as a regional one
        rest = " ".join(
            w for w in TOKEN.findall(text) if fold(w) not in STOPWORDS and not _english_matches(w)
        )
        if rest:
            hits += _local_matches(rest, ("sr", "hr", "bs", "sq"), min_prefix=_MIN_PREFIX)
    else:
        hits = _english_matches(text) + _local_matches(text, None)
    hits = list(dict.fromkeys(hits))
    groups = [_group(table[i], lang, targets) for i in hits]
    gloss = " ; ".join(n for i in hits for n in table[i].en)
    term_forms = []
    for term in content_terms:
        forms = _term_forms(term, lang)
        if forms:
            term_forms.append((term, forms))
    out = Translation(
        language=lang,
        groups=tuple(g for g in groups if g),
        gloss=gloss,
        term_forms=tuple(term_forms),
        concepts=tuple(table[i].en[0] for i in hits),
        rendering=_rendering([table[i] for i in hits], targets) if targets else {},
        synonyms=_synonyms(text, [table[i] for i in hits]) if lang == "en" else (),
    )
    if lang != "en" and hits:
        english = " ".join(dict.fromkeys(table[i].en[0] for i in hits))
        out = replace(out, rendering={"en": english})
    return out


_SYNONYM_HEAD = 3


def _synonyms(text: str, cs: Sequence[Concept]) -> tuple[str, ...]:
    """The other English names of the concepts a text names, rendered as forms, where the
    text's name or the other name is a phrase ("set up" -> "establish*", "grooming" ->
    "solicit* of children"): a one-word name beside another one-word name is mostly a looser
    neighbour kept for translation ("security", "safety").  A name sharing a word's head
    with the text is (or holds) a form of what the text says ("crimes", "centres"): left out
    (measured: keeping a name that shares only some of its words adds noise)."""
    words = _WORD.findall(fold(text))
    keys = [english_key(w) for w in words]
    heads = {w[:_SYNONYM_HEAD] for w in words}
    out: list[str] = []
    for c in cs:
        said = [k for k in c.en_keys if k and _holds(keys, k)]
        phrase_said = any(len(k) > 1 for k in said)
        for name in c.en:
            ws = _WORD.findall(fold(name))
            if not ws or any(w[:_SYNONYM_HEAD] in heads for w in ws):
                continue
            if phrase_said or len(ws) > 1:
                out.append(_english_form(name))
    return tuple(dict.fromkeys(out))


def _holds(keys: Sequence[str], k: tuple[str, ...]) -> bool:
    n = len(k)
    return any(tuple(keys[i : i + n]) == k for i in range(len(keys) - n + 1))


def _rendering(cs: Sequence[Concept], targets: Sequence[str]) -> dict[str, str]:
    """Per target language (Serbian also in Cyrillic: "sr-cyrl"), the concepts' first forms as
    plain words: what a sentence of that language about them would contain."""
    out: dict[str, list[str]] = {}
    for c in cs:
        seen: set[str] = set()
        for code, form in c.forms:
            if code not in targets:
                continue
            cyrillic = has_cyrillic(form)
            if cyrillic and code != "sr":  # Bosnian documents are Latin as a rule
                continue
            key = f"{code}-cyrl" if cyrillic else code
            if key in seen:
                continue
            seen.add(key)
            out.setdefault(key, []).extend(w.rstrip("*") for w in form.split())
    return {k: " ".join(dict.fromkeys(v)) for k, v in out.items()}


@lru_cache(maxsize=4096)  # the glossary is loaded once: a concept's group is a constant
def _group(c: Concept, lang: str, targets: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """What lexical search adds for a concept: an English question gets its forms in the target
    languages, less those that would match its English names (English passages must not score
    twice; "strateg*"); a regional word that is also English ("incident*") is spelt out in its
    language's case endings instead.  A regional question gets the English names and the forms
    of its own language family (Serbian, Croatian and Bosnian, both scripts, for any of them)."""
    if lang != "en":
        family = language_family(lang)
        own = (f for code, f in c.forms if language_family(code) == family)
        return tuple(dict.fromkeys((*c.english, *own)))
    english = {fold(n) for n in c.en}
    out: list[str] = []
    for code, f in c.forms:
        if targets is not None and code not in targets:
            continue
        if not _collides(f, english):
            out.append(f)
        elif f.endswith("*") and " " not in f and "-" not in f:
            endings = CASE_ENDINGS.get(language_family(code), ())
            out.extend(w for e in endings if not _collides(w := f[:-1] + e, english))
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=4096)
def _term_forms(term: str, lang: str) -> tuple[str, ...]:
    """What counts as ``term`` in a sentence besides the word itself: the forms of the one-word
    concepts it names (and, for a regional word, its stem in both Serbian scripts)."""
    table = concepts()
    out: list[str] = []
    if lang == "en" and word_language(term) is None:
        key = (english_key(term),)
        for c in table:
            if key in c.en_keys:
                english = {fold(n) for n in c.en}
                out.extend(f for _, f in c.forms if not _collides(f, english))
    else:
        out.extend(_own_forms(term, lang))
        folded = fold(term)
        for c in table:
            if c.single_word and any(
                len(f.split()) == 1 and form_in(f, folded) for _, f in c.forms
            ):
                out.extend((*c.english, *(f for _, f in c.forms if len(f.split()) == 1)))
    return tuple(dict.fromkeys(out))


def _own_forms(term: str, lang: str) -> list[str]:
    """A regional word's stem as a prefix, in both Serbian scripts."""
    cut = local_stem(term, lang)
    word = f"{cut}*" if cut != unicodedata.normalize("NFC", term.casefold()) else cut
    out = [word]
    other = other_script(word.rstrip("*"))
    if other:
        out.append(other + ("*" if word.endswith("*") else ""))
    return out


@lru_cache(maxsize=64)
def topic_forms(topic_id: str) -> tuple[str, ...]:
    """The glossary forms of a topic's terms ("training" -> "obuk*", "trajnim*" ...): a sentence
    in another language naming one addresses the topic."""
    topic = knowledge().topics.get(topic_id)
    keys = {_english_keys(t) for t in topic.terms}
    out: list[str] = []
    for c in concepts():
        if keys & set(c.en_keys):
            english = {fold(n) for n in c.en}
            out.extend(f for _, f in c.forms if not _collides(f, english))
    return tuple(dict.fromkeys(out))
