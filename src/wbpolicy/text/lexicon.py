"""The one word model shared by query analysis, lexical search and answer scoring: what a token
is, which words carry no content, and how a word is reduced to the prefix its inflections share.

English words go through :func:`stem`; words of the region's languages (Serbian, Croatian,
Bosnian in either script, Albanian; French and Dutch lightly) through :func:`local_stem`, which
strips their much richer case endings ("bezbednosti", "bezbednosnih" -> "bezbedn"; "sigurisë",
"sigurinë" -> "sigur").  Which one applies is the caller's knowledge of the word's language: an
English word is never cut by the local rules.
"""

from __future__ import annotations

import re
import unicodedata

from wbpolicy.text.normalise import fold
from wbpolicy.text.translit import has_cyrillic, to_cyrillic, to_latin

# A token: words, numbers, and compounds joined by - . / ' (KOS-CERT, e-SEE, 2013/40/EU).
TOKEN = re.compile(r"\w+(?:[-/.'’]\w+)*", re.UNICODE)

# Function words and the verbs of a request ("tell", "list"): never content.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our ours out over own same she
    should so some such than that the their theirs them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with
    would you your yours s t don cannot can't
    there's what's tell give list show find describe explain many much
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# Suffixes stripped to reach a word's stem: the first that leaves at least _MIN_STEM letters.
_SUFFIXES = ("ations", "ation", "ments", "ment", "ities", "ity", "ies", "ing", "ed", "es", "s")
_MIN_STEM = 4
_IFY = ("ific", "ify", "ifi")
# a longer stem is cut further to the prefix its derivations share ("creation" ~ "create")
_LONG = 7


# Case and derivational endings of the region's languages, folded (č -> c, ë -> e), tried longest
# first; a cut must leave at least _MIN_LOCAL_STEM letters.  Serbian/Croatian/Bosnian ("sh"):
# nouns in -ost (bezbednost, bezbednosti, bezbednošću), adjectives in -osn-/-sk-/-čk- and the
# case endings of nouns and adjectives; verbal nouns in -anje/-enje.  Not -ija: "policija" must
# keep its "ij" or its prefix would match English "policy".
_SH_SUFFIXES = (
    "ostima ostim ostih osti ost oscu "
    "osnih osnim osnima osnog osnoga osnom osnome osnoj osnu osna osne osni osno "
    "skih skim skima skog skoga skom skome skoj ska ske ski sko sku "
    "ckih ckim ckima ckog ckoga ckom ckome ckoj cka cke cki cko cku "
    "anjima anjem anje anja anju enjima enjem enje enja enju "
    "ovima evima ovi ova ove "
    "ama ima ih im og oga om ome omu oj em eg ega emu a e i o u"
).split()
# Albanian: the definite and case endings (sigurisë, sigurinë, siguria; vlerësimit; riskut;
# shërbimeve)
_SQ_SUFFIXES = (
    "ise ine ive eve ave ia it in ut un se ne te ve es en et at a e i u"
).split()  # fmt: skip
_FR_SUFFIXES = "ations ation ements ement ites ite iques ique ales aux eurs eur es e s".split()
_NL_SUFFIXES = "heden heid ingen ing en e s".split()
_LOCAL_SUFFIXES: dict[str, tuple[str, ...]] = {
    lang: tuple(sorted(set(sufs), key=len, reverse=True))
    for lang, sufs in (
        ("sh", _SH_SUFFIXES),
        ("sq", _SQ_SUFFIXES),
        ("fr", _FR_SUFFIXES),
        ("nl", _NL_SUFFIXES),
        ("", (*_SH_SUFFIXES, *_SQ_SUFFIXES)),  # a regional word of unknown language
    )
}
_MIN_LOCAL_STEM = 4
# the commonest case endings, for spelling out the inflections of a word that is also English
# ("incident": incidenta, incidentom ...; incidenti, incidentet ...) without matching the English
# word's own derivations
CASE_ENDINGS: dict[str, tuple[str, ...]] = {
    "sh": ("a", "e", "i", "u", "om", "ima", "ama", "ovi", "ova", "ove"),
    "sq": ("i", "u", "a", "e", "it", "ut", "in", "un", "et", "at", "ve", "eve", "ave", "ë",
           "ës", "ët", "ën", "në", "së", "të"),
}  # fmt: skip
_SH_LETTERS = re.compile("[čćđšž]", re.IGNORECASE)
_SQ_LETTERS = re.compile("[ëç]", re.IGNORECASE)


def word_language(word: str) -> str | None:
    """The regional language family a word's letters give away: "sh" (Cyrillic, č ć đ š ž), "sq"
    (ë, ç), else None (any language, English included)."""
    if has_cyrillic(word) or _SH_LETTERS.search(word):
        return "sh"
    if _SQ_LETTERS.search(word):
        return "sq"
    return None


def language_family(lang: str | None) -> str:
    """The family whose endings a language's words take: "sh" for Serbian, Croatian, Bosnian and
    Montenegrin; "sq", "fr", "nl"; "" for any other (every regional rule)."""
    if lang in ("sr", "hr", "bs", "sh", "me"):
        return "sh"
    return lang if lang in ("sq", "fr", "nl") else ""


def local_stem(word: str, lang: str | None = None) -> str:
    """The lower-case word less its case or derivational ending in a regional language (``lang``:
    sr, hr, bs, sq, fr, nl; None: guessed from the letters, else every regional rule), keeping
    its script and diacritics: "bezbednosnih" -> "bezbedn", "безбедности" -> "безбедн",
    "sigurisë" -> "sigur", "kibernetičke" -> "kiberneti"."""
    low = unicodedata.normalize("NFC", word.casefold())
    family = language_family(lang or word_language(low))
    cyrillic = has_cyrillic(low)
    latin = to_latin(low) if cyrillic else low
    if cyrillic and (has_cyrillic(latin) or to_cyrillic(latin) != low):
        return low  # not Serbian Cyrillic (Macedonian, Russian letters): left whole
    folded = fold(latin)
    if len(folded) != len(latin):  # a letter folding to two ("ß"): left whole
        return low
    for suf in _LOCAL_SUFFIXES[family]:
        if folded.endswith(suf) and len(folded) - len(suf) >= _MIN_LOCAL_STEM:
            latin = latin[: -len(suf)]
            break
    return to_cyrillic(latin) if cyrillic else latin


def tokens(text: str) -> list[str]:
    """Content tokens of ``text`` in order: stopwords, duplicates and lone letters dropped."""
    out: list[str] = []
    seen: set[str] = set()
    for m in TOKEN.finditer(text):
        tok = m.group(0).strip(".'’")
        key = fold(tok)
        if not tok or key in seen or key in STOPWORDS:
            continue
        # single letters carry no signal except as part of compounds
        if len(tok) == 1 and not tok.isdigit():
            continue
        seen.add(key)
        out.append(tok)
    return out


def stem(word: str) -> str:
    """The word folded, less its inflectional or derivational suffix: "attacks" -> "attack",
    "cooperation" -> "cooper", "adopted" -> "adopt", "ratification" and "ratifying" ->
    "ratif"."""
    t = fold(word)
    for suf in _SUFFIXES:
        if t.endswith(suf) and len(t) - len(suf) >= _MIN_STEM:
            t = t[: -len(suf)]
            break
    # the -ify verbs and their derivations share "-if": ratify, ratified, ratifying, ratification
    for end in _IFY:
        if t.endswith(end) and len(t) - len(end) >= _MIN_STEM - 1:
            return t[: -len(end)] + "if"
    return t


def prefix_query(word: str, lang: str | None = None) -> str | None:
    """The prefix a full-text prefix query uses for ``word`` ("attacks" -> "attack*"); None when
    the word is matched as it is (short, not purely alphabetic, or already its own stem).
    ``lang``: the word's regional language (see :func:`local_stem`; "" for one unknown), None or
    "en" for English."""
    low = fold(word)
    if not low.isalpha() or len(low) < 5:
        return None
    if lang is not None and lang != "en":
        prefix = fold(local_stem(word, lang or None))
    else:
        prefix = stem(low)
    return prefix if prefix != low else None


def match_prefix(word: str) -> str:
    """What a text must contain (at a word start) to contain ``word`` in some form: its stem,
    cut to the prefix its derivations share when long ("create" ~ "creation", "organise" ~
    "organised", "adopted" ~ "adoption")."""
    t = stem(word)
    if t.endswith("e") and len(t) > 5:  # "create" ~ "creating", "creation"
        t = t[:-1]
    return t[: max(5, len(t) - 3)] if len(t) > _LONG else t
