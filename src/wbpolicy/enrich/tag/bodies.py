"""Names of bodies that the head-word grammar (:mod:`.grammar`) cannot take on its own.

* heads that name a body only with more evidence ("Federal Intelligence Service", "Singapore
  Police Force", "Research and Academic Computer Network (NASK)"), where the same head word also
  makes terms ("Denial of Service", "Virtual Private Network (VPN)");
* a CERT named after its country ("CERT Poland", "CSIRT Malta");
* an acronym explained by an apposition ("XYZ – the information security arm of ...");
* bodies named in Serbian (Cyrillic or Latin), Croatian, Bosnian and Albanian, whose titles are
  lower case after the head ("Ministarstvo unutarnjih poslova", "Агенција за ...") or joined by
  Albanian articles ("Ministria e Mbrojtjes", "Agjencia e Sistemeve të ...").

Pure regex over the text, like the grammar; the resolver flattens overlapping candidates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from wbpolicy.enrich.tag.runs import WORD, backward_run
from wbpolicy.enrich.tag.settings import DEFAULT_SETTINGS, TaggerSettings
from wbpolicy.knowledge import get_gazetteer
from wbpolicy.text.lexicon import local_stem
from wbpolicy.text.translit import to_cyrillic, to_latin

PatternSpan = tuple[int, int, str]


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


# head -> the modifiers that make it a body; an empty set: only a bracketed acronym that is not
# the phrase's own initials (a body's native acronym, "NASK") makes it one.
_STRICT_HEADS: dict[str, frozenset[str]] = {
    "Service": _words(
        """Intelligence Security Police Government Federal Military Secret Customs Tax
        Prosecution Investigation Investigative Counterintelligence Counter-Intelligence Border
        Diplomatic"""
    ),
    "Force": _words("Police Task Air Border Defence Defense Security Special"),
    "Corps": _words("Police Cadet Marine Signal Cyber"),
    "Administration": _words("Finance Tax Customs Revenue Federal"),
    "Network": frozenset(),
}
_STRICT_RX = re.compile(rf"\b(?:{'|'.join(_STRICT_HEADS)})\b")
_BRACKET_ACR = re.compile(r"\s*\(([A-Z][A-Z0-9&-]{1,9})\)")
_CAP_WORD = re.compile(r"[A-Z][\w’'-]*$")
_CONNECTORS = _words("of and for the on in to &")
_NOT_MODIFIER = _words(
    "The This That These Those A An Its Their Our Each Every Any Such New Other Both All"
)


def strict_head_bodies(
    text: str, settings: TaggerSettings = DEFAULT_SETTINGS
) -> Iterator[PatternSpan]:
    for m in _STRICT_RX.finditer(text):
        nxt = WORD.match(text, _skip_space(text, m.end()))
        if nxt and text[m.end() : nxt.start()].strip() == "" and _CAP_WORD.match(nxt.group(0)):
            continue  # "Service Providers": the head is a modifier of a longer term
        mods = _adjacent_modifiers(text, m.start())
        acr = _BRACKET_ACR.match(text, m.end())
        signals = _STRICT_HEADS[m.group(0)]
        start = backward_run(text, m.start(), settings)
        if signals:
            if not any(w in signals for w in mods) or (len(mods) < 2 and acr is None):
                continue
        else:
            if (
                acr is None
                or start == m.start()
                or initials_of(acr.group(1), text[start : m.end()])
            ):
                continue
        yield (start, m.end(), "ORG")


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _adjacent_modifiers(text: str, pos: int) -> list[str]:
    """The capitalised words right before ``pos``, with no connector or punctuation between."""
    out: list[str] = []
    for w in reversed(text[max(0, pos - 120) : pos].split(" ")[:-1]):
        if not w:
            break
        if not _CAP_WORD.match(w) or w in _NOT_MODIFIER:
            break
        out.append(w)
    return out


def initials_of(acr: str, phrase: str) -> bool:
    """Whether ``acr`` is made of ``phrase``'s own letters in order, starting with its first
    word ("VPN" of "Virtual Private Network"): then the phrase is a term that was abbreviated,
    not a body with a name of its own."""
    words = [w for w in re.findall(r"[^\W\d_][\w-]*", phrase) if w.lower() not in _CONNECTORS]
    letters = [ch for ch in acr if ch.isalpha()]
    if not words or not letters or letters[0] != words[0][0].upper():
        return False
    flat = "".join(words).upper()
    i = 0
    for ch in letters:
        i = flat.find(ch, i)
        if i < 0:
            return False
        i += 1
    return True


# "CERT Poland", "CSIRT Malta": a CERT named after its country.
_CERT_COUNTRY = re.compile(r"\b(?:CERT|CSIRT|CIRT)\s+([A-Z][^\W\d_]+(?:\s+[A-Z][^\W\d_]+)?)")


def cert_of_country(text: str) -> Iterator[PatternSpan]:
    gaz = get_gazetteer()
    for m in _CERT_COUNTRY.finditer(text):
        words = m.group(1).split()
        for n in (len(words), 1):
            name = " ".join(words[:n])
            e = gaz.find_alias(name)
            if e is not None and e.label == "COUNTRY" and gaz.demonym(name) is None:
                yield (m.start(), m.start(1) + len(name), "ORG")
                break


# "XYZ – the information security arm of ...", "XYZ, the national cybersecurity agency": an
# acronym explained as a body by the noun phrase right after it.
_APPOSITION = re.compile(
    r"(?<![\w-])([A-Z][A-Z0-9]{1,7})\s*(?:[–—]|\s-|,)\s*the\s+(?:[\w-]+\s+){0,5}?"
    r"(?:arm|agency|body|branch|unit|division|department|office|authority|regulator|centre"
    r"|center|team|service|directorate|ministry|council|committee)\s+(?:of|for|in|within|at)\s"
)


def apposition_acronyms(text: str) -> Iterator[PatternSpan]:
    for m in _APPOSITION.finditer(text):
        yield (m.start(1), m.end(1), "ORG")


# Bodies in the local languages.  The head word in any case ending; Serbo-Croatian titles
# continue in lower case ("za ...", a genitive), Albanian ones with an article and capitals.
_SC_HEAD = re.compile(
    r"(?<![\w-])(?:Ministarstv(?:o|a|u|om)|Agencij(?:a|e|i|u|om)|Kancelarij(?:a|e|i|u|om)"
    r"|Uprav(?:a|e|i|u|om)|Zavod(?:a|u|om)?|Direkcij(?:a|e|i|u|om)|Inspektorat(?:a|u|om)?"
    r"|Ured(?:a|u|om)?|Savjet(?:a|u|om)?|Savet(?:a|u|om)?|Vijeć(?:e|a|u|em)|Centa?r(?:a|u|om)?"
    r"|Министарств(?:о|а|у|ом)|Агенциј(?:а|е|и|у|ом)|Канцелариј(?:а|е|и|у|ом)"
    r"|Управ(?:а|е|и|у|ом)|Завод(?:а|у|ом)?|Дирекциј(?:а|е|и|у|ом)|Инспекторат(?:а|у|ом)?"
    r"|Савет(?:а|у|ом)?|Цента?р(?:а|у|ом)?)(?![\w-])"
)
# Words that end a local title: prepositions, pronouns, auxiliaries and the verbs laws use
# of a body ("Kancelarija vrši poslove ..."), in Latin script; the Cyrillic forms are derived.
_SC_STOP_LATIN = _words(
    """u na od iz sa s kod prema do po pri preko nakon putem radi će je su se bi da koji koja
    koje kojeg kojim što kao ili te a ali nije može mogu treba biti ove ovog taj ima imaju
    nadležno nadležni nadležnog nadležan nadležna vrši obavlja donosi utvrdi utvrđuje daje
    priprema postupa objavljuje obrazuje sačinjava preduzima ostvaruje sarađuje
    podstiče obezbeđuje osigurava provodi sprovodi prati izrađuje dostavlja dostavi stavlja
    predlaže usvaja koordinira upravlja rukovodi izvještava izveštava čini najmanje najviše
    godišnje odmah neposredno bliže počev odnosno propisane propisan ovim tim preuzima
    najkasnije najranije već još"""
)
_SC_STOP = _SC_STOP_LATIN | frozenset(to_cyrillic(w) for w in _SC_STOP_LATIN)
_SC_JOIN = _words("za за i и o о")
_SC_WORD = re.compile(r"[ \t]+([^\W\d_]+)")
_SQ_HEAD = re.compile(
    r"(?<![\w-])(?:Ministri[a-zë]{0,3}|Agjenci[a-zë]{0,3}|Drejtori[a-zë]{0,3}"
    r"|Autoritet[a-zë]{0,3}|Qendr[a-zë]{1,3}|Këshill[a-zë]{1,3}|Inspektorat[a-zë]{0,3})"
    r"(?:[ \t]+Kombëtar[a-zë]{0,3})?"
    r"(?=[ \t]+(?:e|i|të|së|për)[ \t]+[A-ZË])"
)
_SQ_TAIL = re.compile(r"[ \t]+(?:(?:e|i|të|së|për|dhe)[ \t]+)?([A-ZË][a-zë]+)")


def local_bodies(text: str, settings: TaggerSettings = DEFAULT_SETTINGS) -> Iterator[PatternSpan]:
    for m in _SC_HEAD.finditer(text):
        end = _sc_title(text, m.end(), settings.local_body_max_words)
        if end > m.end():
            yield (m.start(), end, "ORG")
    for m in _SQ_HEAD.finditer(text):
        end, n = m.end(), 0
        while n < settings.local_body_max_words:
            t = _SQ_TAIL.match(text, end)
            if t is None or _SQ_HEAD.match(text, t.start(1)):
                break  # "Ministria e Drejtësisë dhe Agjencia ...": two bodies
            end, n = t.end(), n + 1
        if end > m.end():
            yield (m.start(), end, "ORG")


def _sc_title(text: str, pos: int, max_words: int) -> int:
    """The end of a lower-case Serbo-Croatian title after a head ending at ``pos``: ``pos`` when
    the head stands alone ("the Ministry") or is described, not named ("Ministarstvo nadležno
    za ..." is "the ministry responsible for ...")."""
    end, n, best = pos, 0, pos
    while n < max_words:
        m = _SC_WORD.match(text, end)
        if m is None:
            break
        w = m.group(1)
        if not w[0].islower() or w in _SC_STOP:
            if n == 0 and w in _SC_STOP:
                return pos
            break
        end = m.end()
        if w not in _SC_JOIN:
            best, n = end, n + 1
    return best


def local_name_key(text: str) -> str | None:
    """The text a local body's id is made from, the same in either script and any case of its
    head: "Канцеларије за ..." and "Kancelarija za ..." -> "kancelarij za ..."; None when
    ``text`` is not a local body's name."""
    m = _SC_HEAD.match(text) or _SQ_HEAD.match(text)
    if m is None:
        return None
    head = text[: m.end()].split()
    rest = _SQ_ARTICLE.sub(" ", text[m.end() :], count=1)  # "Ministria e" / "Ministrisë së"
    return to_latin(" ".join([local_stem(head[0]), *head[1:]]) + rest)


_SQ_ARTICLE = re.compile(r"^[ \t]+(?:e|i|të|së)[ \t]+")
