"""Serbian (and Macedonian) Cyrillic to Latin and back, and readable ASCII ids from any name.

The transliteration is the official Serbian one (Гајица: ђ -> đ, љ -> lj, џ -> dž ...), so a
Cyrillic text and its Latin form compare equal once folded; ids go one step further to ASCII
(đ -> dj), the spelling Serbian uses where diacritics are unavailable.  :func:`to_cyrillic` is
the reverse (the digraphs lj, nj, dž are one letter each), so a query in one script can search
a document in the other (:func:`other_script`).
"""

from __future__ import annotations

import re
import unicodedata

from wbpolicy.text.normalise import ascii_slug

_LOWER = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž", "з": "z",
    "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "ć", "у": "u", "ф": "f", "х": "h", "ц": "c",
    "ч": "č", "џ": "dž", "ш": "š",
    # Macedonian letters, and the Russian ones that turn up in names
    "ѓ": "gj", "ќ": "kj", "ѕ": "dz", "й": "j", "ы": "y", "э": "e", "ю": "ju", "я": "ja",
    "ё": "e", "щ": "šč", "ъ": "", "ь": "",
}  # fmt: skip
_TABLE: dict[int, str] = {}
for _cyr, _lat in _LOWER.items():
    _TABLE[ord(_cyr)] = _lat
    upper = _lat[:1].upper() + _lat[1:]  # Љубљана -> Ljubljana (title case, the common case)
    _TABLE[ord(_cyr.upper())] = upper

# Latin letters that do not decompose into a base letter plus a combining mark
_ASCII = str.maketrans(
    {"đ": "dj", "Đ": "Dj", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae",
     "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ı": "i", "þ": "th"}
)  # fmt: skip


# Serbian Latin to Cyrillic: the digraphs first (one Cyrillic letter each), then single letters
_SR_DIGRAPHS = {"lj": "љ", "nj": "њ", "dž": "џ"}
_SR_LETTERS = {
    "a": "а", "b": "б", "c": "ц", "č": "ч", "ć": "ћ", "d": "д", "đ": "ђ", "e": "е", "f": "ф",
    "g": "г", "h": "х", "i": "и", "j": "ј", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о",
    "p": "п", "r": "р", "s": "с", "š": "ш", "t": "т", "u": "у", "v": "в", "z": "з", "ž": "ж",
}  # fmt: skip
_TO_CYR: dict[str, str] = {}
for _lat, _cyr in (*_SR_DIGRAPHS.items(), *_SR_LETTERS.items()):
    _TO_CYR[_lat] = _cyr
    _TO_CYR[_lat.upper()] = _cyr.upper()
    if len(_lat) == 2:  # Lj, Nj, Dž (title case) as well as LJ, NJ, DŽ
        _TO_CYR[_lat[0].upper() + _lat[1]] = _cyr.upper()
_CYR_RE = re.compile("|".join(sorted(map(re.escape, _TO_CYR), key=len, reverse=True)))
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
# a word Serbian Cyrillic can spell: Serbian Latin letters only (no q, w, x, y; no digits)
_SERBIAN_LATIN_WORD = re.compile(r"[abcčćdđefghijklmnoprsštuvzž]+", re.IGNORECASE)


def has_cyrillic(text: str) -> bool:
    return _CYRILLIC.search(text) is not None


def to_cyrillic(text: str) -> str:
    """Serbian Latin letters to Cyrillic (``Ljubljana`` -> ``Љубљана``, ``džep`` -> ``џеп``);
    every other character unchanged.  Text is taken as composed (NFC): ``č`` is one letter."""
    text = unicodedata.normalize("NFC", text)
    return _CYR_RE.sub(lambda m: _TO_CYR[m.group(0)], text)


def other_script(word: str) -> str | None:
    """The word in the other Serbian script: Cyrillic to Latin, or a word of Serbian Latin letters
    to Cyrillic; None when there is no other form (digits, q/w/x/y, other scripts)."""
    if has_cyrillic(word):
        latin = to_latin(word)
        return latin if latin != word and not has_cyrillic(latin) else None
    bare = unicodedata.normalize("NFC", word)
    parts = re.split(r"[-/.'’]", bare)
    if not all(_SERBIAN_LATIN_WORD.fullmatch(p) for p in parts if p) or not any(parts):
        return None
    return to_cyrillic(bare)


def to_latin(text: str) -> str:
    """Serbian/Macedonian Cyrillic letters to Latin; every other character unchanged."""
    return text.translate(_TABLE)


def to_ascii(text: str) -> str:
    """Latin letters without diacritics (Cyrillic transliterated first): ``Стратегија`` ->
    ``Strategija``, ``Đorđević`` -> ``Djordjevic``.  Characters with no ASCII form are dropped."""
    text = unicodedata.normalize("NFKD", to_latin(text).translate(_ASCII))
    bare = "".join(c for c in text if not unicodedata.combining(c))
    return bare.encode("ascii", "ignore").decode()


def readable_slug(text: str, default: str = "document") -> str:
    """An id from a name in any script: ``Стратегија-безбедности`` -> ``strategija-bezbednosti``."""
    return ascii_slug(to_ascii(text), default)
