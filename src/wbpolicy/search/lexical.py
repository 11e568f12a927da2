"""Lexical retrieval: SQLite FTS5 BM25 over passage text, section path and title.

Besides the query's own words, the expression carries its translations (one OR group per
glossary concept the query names: its forms in the corpus's other languages, a many-word form as
an FTS5 NEAR group), and a Serbian word in its other script: FTS5's unicode61 tokenizer keeps the
scripts apart, so "bezbednost" and "безбедност" are different tokens to it.  Two further readings
add to the own words' score (scaled, never lowering a passage): the query's concepts by their
other English names ("set up" -> "establish*"), and, for a query naming a body or instrument, its
content words alone."""

from __future__ import annotations

from collections.abc import Sequence

from wbpolicy.index.reader import Reader
from wbpolicy.query import Query
from wbpolicy.query.expand import form_words, search_languages
from wbpolicy.settings import SearchSettings
from wbpolicy.text import TOKEN, prefix_query
from wbpolicy.text.lexicon import word_language
from wbpolicy.text.translit import has_cyrillic, other_script


def quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _term_parts(t: str, language: str) -> list[str]:
    """A query word as FTS5 strings: itself, its prefix (stemmed by the word's language), and
    for a Serbian word the same in the other script."""
    # an English query's word spelt with regional letters is stemmed by the regional rules
    lang = language if language != "en" else ("" if word_language(t) else None)
    out = [quote(t)]
    prefix = prefix_query(t, lang)
    if prefix:
        out.append(quote(prefix) + "*")
    if language in ("sr", "sh") or has_cyrillic(t):
        other = other_script(t)
        if other:
            out.append(quote(other))
            prefix = prefix_query(other, lang if lang is not None else "")
            if prefix:
                out.append(quote(prefix) + "*")
    return out


def fts_form(form: str, near: int) -> str | None:
    """A rendered glossary form ("kritičn* infrastruktur*") as an FTS5 expression: one word a
    string (a prefix query when starred), several words a NEAR group (any order)."""
    words = [quote(" ".join(parts)) + ("*" if star else "") for parts, star in form_words(form)]
    if not words:
        return None
    if len(words) == 1:
        return words[0]
    return f"NEAR({' '.join(words)}, {int(near)})"


def fts_expression(
    terms: Sequence[str],
    phrases: Sequence[str] = (),
    translations: Sequence[Sequence[str]] = (),
    language: str = "en",
    near: int = 3,
) -> str | None:
    """A MATCH expression that cannot raise a syntax error: every term is a quoted string (FTS5
    treats a quoted string as a phrase of its tokens, so "KOS-CERT" matches ``kos cert``), every
    inflected term also as a prefix query, every translation group as an OR group of its forms,
    all OR-ed.  None when nothing searchable is left."""
    parts: list[str] = []
    for t in terms:
        if not any(c.isalnum() for c in t):
            continue
        parts.extend(_term_parts(t, language))
    for p in phrases:
        toks = TOKEN.findall(p)
        if toks:
            parts.append(quote(" ".join(toks)))
    seen = set(parts)
    for group in translations:
        forms = [f for f in dict.fromkeys(fts_form(x, near) for x in group) if f and f not in seen]
        seen.update(forms)
        if forms:
            parts.append(forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")")
    parts = list(dict.fromkeys(parts))
    return " OR ".join(parts) if parts else None


def _add_scaled(
    own: list[tuple[int, float]], extra: list[tuple[int, float]], weight: float, k: int
) -> list[tuple[int, float]]:
    """``own`` plus ``extra`` scaled so that its best passage adds ``weight`` x the best own
    score: a second reading of the query raises the passages it finds, never lowers another."""
    if not extra or not own:
        return own
    scale = weight * own[0][1] / (extra[0][1] or 1.0)
    scores = dict(own)
    for pid, v in extra:
        scores[pid] = scores.get(pid, 0.0) + scale * v
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))[:k]


def _synonym_expression(query: Query, settings: SearchSettings) -> str | None:
    """The query's English synonyms as one expression (``SearchSettings.synonym_weight``): a
    passage holding both the query's words and another name of what it asks ranks first."""
    if not query.synonyms or settings.synonym_weight <= 0:
        return None
    return fts_expression((), (), [query.synonyms], query.language, settings.glossary_near)


def _content_expression(query: Query, settings: SearchSettings) -> str | None:
    """For a query naming an organisation or instrument, its content words alone
    (``SearchSettings.content_weight``; at least two of them): in the documents of a named
    convention or body every passage repeats its name ("this Protocol", "the Convention"), so
    the name's words rank the passages that say it most, not those holding what is asked about
    it."""
    content = query.content_terms
    if settings.content_weight <= 0 or not (query.orgs or query.instruments) or len(content) < 2:
        return None
    return fts_expression(content, (), language=query.language)


def lexical_search(
    reader: Reader, query: Query, k: int, allowed: set[int] | None, settings: SearchSettings
) -> list[tuple[int, float]]:
    """BM25 of the query's own words, raised by that of its synonyms and content words
    (:func:`_add_scaled`); with translations, also the BM25 of those alone, scaled so that its
    best passage scores ``SearchSettings.translation_weight`` (an English query naming no
    country with regional documents: ``translation_weight_general``) x the best of the own
    words, and each passage keeps the better of its two scores.  A word of the corpus's few
    regional documents is rare, so its raw BM25 weight would drown the query's own words: scaled,
    a passage in another language competes with the query's own-language passages on equal
    terms and never changes their scores."""
    weight = settings.translation_weight
    if query.language == "en" and search_languages(query.countries) is None:
        weight = settings.translation_weight_general
    texpr = None
    if query.translations and weight > 0:
        near = settings.glossary_near
        texpr = fts_expression((), (), query.translations, query.language, near)
    exprs = [
        fts_expression(query.terms, query.phrases, language=query.language),
        _synonym_expression(query, settings),
        _content_expression(query, settings),
        texpr,
    ]
    own, synonyms, content, translated = reader.fts_many(exprs, k, allowed, settings.bm25_weights)
    own = _add_scaled(own, synonyms, settings.synonym_weight, k)
    own = _add_scaled(own, content, settings.content_weight, k)
    if not translated:
        return own
    top_own = own[0][1] if own else translated[0][1]
    scale = weight * top_own / (translated[0][1] or 1.0)
    scores = dict(own)
    for pid, v in translated:
        scores[pid] = max(scores.get(pid, 0.0), scale * v)
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))[:k]
