"""Serbian (and Macedonian) Cyrillic to Latin, and readable ASCII ids from any name.

The transliteration is the official Serbian one (Гајица: ђ -> đ, љ -> lj, џ -> dž ...), so a
Cyrillic text and its Latin form compare equal once folded; ids go one step further to ASCII
(đ -> dj), the spelling Serbian uses where diacritics are unavailable.
"""

from __future__ import annotations

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
