"""Citation chains: a footnote that cites a document which is itself in the corpus links to it,
so a claim can be followed to its primary text."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from wbpolicy.answer.types import CitedNote
from wbpolicy.knowledge import knowledge
from wbpolicy.models import Citation, Document, Entity
from wbpolicy.text import find_urls, fold

if TYPE_CHECKING:
    from wbpolicy.index import Index


_URL_WORD = re.compile(r"[a-z0-9]+")
# "Ibid.", "Ibid., p. 4", "Ibidem", "Isto" (bs/hr/sr), "Po aty" (sq), "Author, op. cit."
_IBID = re.compile(
    r"^\s*(?:(?P<author>[^,.;]{2,60}),\s*)?(?:ibid(?:em)?\b|isto\b|исто\b|po aty\b|"
    r"op\.?\s*cit\b|loc\.?\s*cit\b)",
    re.IGNORECASE,
)
_STEM_STOP = frozenset({"national", "of", "the", "and", "for", "on", "per"})


class CitationLinker:
    """Links a footnote to a corpus document it cites: same URL as the document's source URL,
    an instrument the footnote names that the document's title names too, or (for a state's
    own document) the footnote names the state and every distinctive word of the document's
    file name (e.g. ``Strategjia_per_Mbrojtjen_Kibernetike.pdf``)."""

    def __init__(
        self,
        docs: dict[str, Document],
        doc_instruments: dict[str, set[str]],
        mentions_of: Callable[[str, str], list[Entity] | None],
        footnotes_of: Callable[[str], list[tuple[str, str, tuple[str, ...]]]] | None = None,
    ) -> None:
        self.docs = docs
        self.mentions_of = mentions_of
        self.doc_instruments = doc_instruments
        self.footnotes_of = footnotes_of
        self._memo: dict[tuple[str, str], tuple[str, str] | None] = {}
        self._notes: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}

    @classmethod
    def for_index(cls, index: Index) -> CitationLinker:
        """One linker per opened index and store generation (the documents it links to)."""
        key = ("linker", index.store.generation)
        linker = index.cache.get(key)
        if not isinstance(linker, CitationLinker):
            index.cache = {k: v for k, v in index.cache.items() if k[0] != "linker"}
            reader = index.reader
            linker = index.cache[key] = cls(
                reader.documents(),
                reader.document_instruments(),
                reader.footnote_entities,
                reader.footnotes,
            )
        return linker

    def link(self, cit: Citation, from_doc: str) -> CitedNote:
        referred = self.ibid_target(cit, from_doc)
        source = cit
        if referred is not None:  # "Ibid.": the earlier note says what is cited
            marker, text, urls = referred
            source = Citation(marker, text, urls[0] if urls else None, cit.page, 0, urls)
        key = (source.text, from_doc)
        if key not in self._memo:
            self._memo[key] = self._find(source, from_doc)
        found = self._memo[key]
        return CitedNote(
            marker=cit.marker,
            text=cit.text,
            url=cit.url or source.url,
            page=cit.page or None,
            urls=tuple(cit.urls) or tuple(source.urls),
            linked_doc_id=found[0] if found else None,
            linked_title=found[1] if found else None,
            refers_to=(referred[0], referred[1]) if referred else None,
        )

    def ibid_target(self, cit: Citation, from_doc: str) -> tuple[str, str, tuple[str, ...]] | None:
        """For an "Ibid." / "op. cit." note, the nearest earlier note of the document that is
        not one itself (for "Author, op. cit.", the nearest earlier one by the same author)."""
        m = _IBID.match(cit.text)
        if m is None or self.footnotes_of is None:
            return None
        if from_doc not in self._notes:
            self._notes[from_doc] = self.footnotes_of(from_doc)
        notes = self._notes[from_doc]
        at = next((i for i, n in enumerate(notes) if n[0] == cit.marker), None)
        if at is None:
            return None
        author = fold(m.group("author") or "").strip(" ,.")
        for marker, text, urls in reversed(notes[:at]):
            if _IBID.match(text):
                continue
            if author and author not in fold(text):
                continue
            return marker, text, urls
        return None

    def _prose_entities(self, cit: Citation, from_doc: str) -> list[Entity]:
        """The entities of the note's prose (outside its URLs), as ingest tagged the note's own
        passage; the tagger runs only for a note the index does not hold as a passage."""
        tagged = self.mentions_of(cit.text, from_doc)
        if tagged is None:
            return _tag(_URL_RE.sub(" ", cit.text))
        urls = [m.span() for m in _URL_RE.finditer(cit.text)]
        return [e for e in tagged if not any(a <= e.start < b for a, b in urls)]

    def _find(self, cit: Citation, from_doc: str) -> tuple[str, str] | None:
        others = [d for d in self.docs.values() if d.doc_id != from_doc]
        urls = list(dict.fromkeys(u for u in (*cit.urls, cit.url, *find_urls(cit.text)) if u))
        normed = {_norm_url(u) for u in urls}
        for d in others:
            if d.source_url and _norm_url(d.source_url) in normed:
                return d.doc_id, d.title
        # the note's prose, and the words of its URLs' paths ("...-croatian-cyber-security-
        # strategy"); never the host names, where "ox.ac.uk" would read as a country
        prose = _URL_RE.sub(" ", cit.text)
        path_words = " ".join(_url_path_words(u) for u in urls)
        ents = self._prose_entities(cit, from_doc)
        path_countries, path_instruments = _named(path_words)
        instruments = {e.id for e in ents if e.label == "INSTRUMENT" and e.id}
        instruments |= set(path_instruments)
        if instruments:
            doc_inst = self.doc_instruments
            matches = [d for d in others if doc_inst.get(d.doc_id, set()) & instruments]
            if matches:
                best = _prefer(matches, self.docs.get(from_doc))
                return best.doc_id, best.title
        words = set(_URL_WORD.findall(fold(prose.replace("_", " ") + " " + path_words)))
        countries = {e.id for e in ents if e.label == "COUNTRY" and e.id} | set(path_countries)
        know = knowledge()
        countries |= {p for c in countries if (p := know.parent_country(c))}
        for d in others:
            if not d.country or d.country not in countries:
                continue
            stem = _stem_words(d)
            if len(stem) >= 2 and stem <= words:
                return d.doc_id, d.title
        return None


def _prefer(docs: Sequence[Document], citing: Document | None) -> Document:
    """Several documents may carry one instrument (Croatia's strategy in Croatian and in
    English, the GDPR as OJ text and as Council PDF): take the citing document's language, then
    the plain-text edition, then the first id, so the choice is stable."""
    lang = citing.language if citing else None
    return min(docs, key=lambda d: (d.language != lang, not d.path.endswith(".txt"), d.doc_id))


def _tag(text: str) -> list[Entity]:
    """The tagger's entities, through the spaCy-free matcher (identical output, no pipeline
    build on the query path)."""
    from wbpolicy.enrich.tag import query_entities

    return list(query_entities(text).entities)


def _named(text: str) -> tuple[list[str], list[str]]:
    """Countries and instruments named in the words of a URL's path."""
    if not text.strip():
        return [], []
    from wbpolicy.enrich.tag import query_entities

    qe = query_entities(text)
    return list(qe.countries), list(qe.instruments)


_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_FILE_WORDS = frozenset({"pdf", "html", "htm", "doc", "docx", "php", "aspx", "asp", "view"})


def _url_path_words(url: str) -> str:
    parsed = urllib.parse.urlparse(url if "://" in url else "http://" + url)
    path = urllib.parse.unquote(parsed.path + " " + parsed.query).replace("\\", " ")
    return " ".join(
        w
        for w in re.split(r"[^0-9A-Za-z\u00c0-\u024f]+", path)
        if w and w.lower() not in _FILE_WORDS
    )


def _stem_words(doc: Document) -> set[str]:
    """Distinctive words of a document's file name: "al-strategjia-per-mbrojtjen-kibernetike-2014"
    -> {strategjia, mbrojtjen, kibernetike}."""
    name = doc.path.rsplit("/", 1)[-1].rsplit(".", 1)[0] if doc.path else doc.doc_id
    words = _URL_WORD.findall(fold(name))
    country = fold(doc.country or "")
    return {
        w for w in words if len(w) >= 4 and not w.isdigit() and w != country and w not in _STEM_STOP
    }


def _norm_url(url: str) -> str:
    u = fold(urllib.parse.unquote(url.strip()))
    u = re.sub(r"^[a-z]+://", "", u)
    u = re.sub(r"^www\.", "", u)
    return u.rstrip("/")
