"""A small stopword-profile language guess (no model, no dependency).

Good enough to label whole documents: en, fr, nl, de, sq (Albanian), sr (Cyrillic script),
hr (Croatian) and bs (Bosnian/Serbian in Latin script; telling them apart needs more than
stopwords, so Latin-script Serbo-Croatian without Croatian markers is labelled "bs").
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the of and to in is that for on with as by are be this which from it "
        "or an at not should will has have their its"
    ),
    "fr": _words(
        "le la les des et de du un une est dans pour que qui sur par au aux "
        "sont ce cette avec il pas"
    ),
    "nl": _words(
        "de het een en van in is dat op te voor met zijn die niet wordt worden ook door aan bij om"
    ),
    "de": _words(
        "der die das und ist zu den von mit sich des auf für nicht im dem eine "
        "ein werden wird auch bei"
    ),
    "sq": _words(
        "dhe të në për me një që nga së është e i ka si janë do më ose mbi kibernetike sigurisë"
    ),
    "sh": _words("i u je na za se da od su koji koja koje ili kao sa iz biti će"),
}
# Croatian forms that Bosnian/Serbian (Latin) write differently
_HR_MARKERS = _words(
    "što tko kibernetičke kibernetičkog kibernetičkih članak tijela tijelo razvitak "
    "sveučilište sveučilišta tisuća obitelj obitelji"
)
_SR_BS_MARKERS = _words(
    "šta ko bezbednosti bezbjednosti bezbjednost član organa univerzitet univerziteta "
    "hiljada porodica porodice historije"
)
_WORD = re.compile(r"[^\W\d_]+")


def guess_language(text: str) -> str | None:
    """ISO 639-1 code of the dominant language of ``text``, or None when unsure."""
    if not text:
        return None
    sample = text[:50000]
    letters = [c for c in sample if c.isalpha()]
    if len(letters) < 20:
        return None
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    if cyrillic >= 0.3 * len(letters):
        # Cyrillic South Slavic in this domain is Serbian (Macedonian has ѓ ќ ѕ and no ђ ћ)
        mk = sum(sample.count(c) for c in "ѓќѕЃЌЅ")
        return "mk" if mk > sum(sample.count(c) for c in "ђћЂЋ") and mk >= 3 else "sr"
    words = [w.casefold() for w in _WORD.findall(sample)]
    if len(words) < 5:
        return None
    scores = {lang: sum(1 for w in words if w in sw) for lang, sw in _STOPWORDS.items()}
    best = max(scores, key=lambda k: scores[k])
    if scores[best] < max(2, 0.05 * len(words)):
        return None
    if best != "sh":
        return best
    hr = sum(1 for w in words if w in _HR_MARKERS)
    other = sum(1 for w in words if w in _SR_BS_MARKERS)
    return "hr" if hr > other else "bs"
