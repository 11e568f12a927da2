"""The spaCy pipeline that tags passages at ingest.

A blank English pipeline (no model download): tokenizer tuned for policy text, sentencizer, two
``SpanRuler`` components fed from the gazetteer (acronyms matched on ORTH, names on LOWER), a
component for the grammar of unseen names (:mod:`.grammar`) and one for span resolution
(:mod:`.resolve`).  spaCy is imported only when a pipeline is built: importing this module is
cheap.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from dataclasses import asdict
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from wbpolicy.enrich.tag.grammar import find_pattern_entities
from wbpolicy.enrich.tag.normalise import normalise_whitespace
from wbpolicy.enrich.tag.patterns import gazetteer_patterns, query_patterns
from wbpolicy.enrich.tag.resolve import (
    SOURCE_GAZETTEER,
    SOURCE_PATTERN,
    Cand,
    keep_candidate,
    make_entities,
    resolve,
)
from wbpolicy.enrich.tag.settings import DEFAULT_SETTINGS, TaggerSettings
from wbpolicy.enrich.tag.tokenizer import EXTRA_INFIXES
from wbpolicy.knowledge import get_gazetteer
from wbpolicy.knowledge.gazetteer import Gazetteer
from wbpolicy.models import Entity

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

CAND_KEY = "wb_candidates"
ENT_KEY = "wb_entities"
QUERY_KEY = "q"


def customise_tokenizer(nlp: Language) -> None:
    from spacy.util import compile_infix_regex

    infixes = [*(nlp.Defaults.infixes or ()), *EXTRA_INFIXES]
    tokenizer: Any = nlp.tokenizer
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


def _register_components() -> None:
    from spacy.language import Language

    if not Language.has_factory("wbpolicy_patterns"):
        Language.factory(
            "wbpolicy_patterns", default_config={"settings": {}}, func=_make_patterns_component
        )
    if not Language.has_factory("wbpolicy_resolve"):
        Language.factory(
            "wbpolicy_resolve", default_config={"settings": {}}, func=_make_resolve_component
        )


def build_nlp(
    gaz: Gazetteer,
    *,
    with_patterns: bool = True,
    settings: TaggerSettings = DEFAULT_SETTINGS,
) -> Language:
    import spacy

    nlp = spacy.blank("en")
    customise_tokenizer(nlp)
    nlp.add_pipe("sentencizer")
    cs_patterns, ci_patterns = gazetteer_patterns(gaz)
    for name, attr, patterns in (
        ("gazetteer_cased", "ORTH", cs_patterns),
        ("gazetteer_names", "LOWER", ci_patterns),
    ):
        ruler = nlp.add_pipe(
            "span_ruler",
            name=name,
            config={
                "spans_key": CAND_KEY,
                "phrase_matcher_attr": attr,
                "overwrite": False,
                "spans_filter": None,
            },
        )
        ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    _register_components()
    config = {"settings": asdict(settings)}
    if with_patterns:
        nlp.add_pipe("wbpolicy_patterns", config=config)
    nlp.add_pipe("wbpolicy_resolve", config=config)
    return nlp


class _PatternsComponent:
    def __init__(self, settings: TaggerSettings) -> None:
        self.settings = settings

    def __call__(self, doc: Doc) -> Doc:
        spans = list(doc.spans.get(CAND_KEY, []))
        for s, e, label in find_pattern_entities(doc.text, self.settings):
            span = doc.char_span(s, e, label=label, kb_id=SOURCE_PATTERN, alignment_mode="contract")
            if span is not None and len(span):
                spans.append(span)
        doc.spans[CAND_KEY] = spans
        return doc


class _ResolveComponent:
    def __init__(self, settings: TaggerSettings) -> None:
        self.settings = settings

    def __call__(self, doc: Doc) -> Doc:
        gaz = get_gazetteer()
        text = doc.text
        raw = (
            Cand(
                sp.start_char, sp.end_char, sp.label_, sp.id_ or None, sp.kb_id_ or SOURCE_GAZETTEER
            )
            for sp in doc.spans.get(CAND_KEY, [])
        )
        cands = [c for c in raw if keep_candidate(gaz, c, text)]
        doc.spans[ENT_KEY] = []
        spans = []
        for c in resolve(cands, text, self.settings):
            sp = doc.char_span(
                c.start,
                c.end,
                label=c.label,
                kb_id=c.source,
                span_id=c.id or "",
                alignment_mode="contract",
            )
            if sp is not None and len(sp):
                spans.append(sp)
        doc.spans[ENT_KEY] = spans
        return doc


def _make_patterns_component(
    nlp: Language, name: str, settings: dict[str, Any]
) -> _PatternsComponent:
    return _PatternsComponent(TaggerSettings(**settings))


def _make_resolve_component(
    nlp: Language, name: str, settings: dict[str, Any]
) -> _ResolveComponent:
    return _ResolveComponent(TaggerSettings(**settings))


class Tagger:
    """spaCy-based tagger.  Build with :meth:`load`; share with :func:`get_tagger`."""

    def __init__(
        self, nlp: Language, gazetteer: Gazetteer, settings: TaggerSettings = DEFAULT_SETTINGS
    ) -> None:
        self.nlp = nlp
        self.gazetteer = gazetteer
        self.settings = settings

    @classmethod
    def load(
        cls,
        gazetteer: Gazetteer | None = None,
        *,
        use_model: bool = False,
        settings: TaggerSettings = DEFAULT_SETTINGS,
    ) -> Tagger:
        gaz = gazetteer or get_gazetteer()
        if use_model:
            log.warning("statistical model entities are not supported; using rules only")
        return cls(build_nlp(gaz, settings=settings), gaz, settings)

    def tag(self, text: str) -> list[Entity]:
        """Entities of ``text`` with offsets into it; a text of any length (long ones are tagged
        in pieces, ``TaggerSettings.piece_chars`` each)."""
        limit = self.settings.piece_chars
        if len(text) <= limit:
            norm, offsets = normalise_whitespace(text)
            return self._entities(self.nlp(norm), text, offsets)
        out: list[Entity] = []
        for start, end in _pieces(text, limit):
            out.extend(
                dataclasses.replace(e, start=e.start + start, end=e.end + start)
                for e in self.tag(text[start:end])
            )
        return out

    def tag_many(self, texts: Iterable[str], batch_size: int = 64) -> list[list[Entity]]:
        originals = list(texts)
        normed = [normalise_whitespace(t) for t in originals]
        docs = self.nlp.pipe((n for n, _ in normed), batch_size=batch_size)
        return [
            self._entities(doc, orig, offs)
            for doc, orig, (_, offs) in zip(docs, originals, normed, strict=True)
        ]

    def sentences(self, text: str) -> list[tuple[int, int]]:
        doc = self.nlp(text)
        return [(s.start_char, s.end_char) for s in doc.sents]

    @staticmethod
    def _entities(doc: Doc, original: str, offsets: list[int] | None) -> list[Entity]:
        spans = (
            (sp.start_char, sp.end_char, sp.label_, sp.id_, sp.kb_id_)
            for sp in doc.spans.get(ENT_KEY, [])
        )
        return make_entities(spans, original, offsets)


def _pieces(text: str, limit: int) -> list[tuple[int, int]]:
    """``text`` cut into spans of at most ``limit`` characters, each ending at the last paragraph
    break, else line break, else space inside the limit (else exactly at the limit)."""
    spans: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        end = start + (cut + 1 if cut > limit // 2 else limit)
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    return spans


@lru_cache(maxsize=1)
def get_tagger() -> Tagger:
    return Tagger.load()


@lru_cache(maxsize=1)
def query_nlp() -> Language:
    """Lower-case matcher over every alias and demonym, for questions typed in lower case."""
    import spacy
    from spacy.lang.en.stop_words import STOP_WORDS

    nlp = spacy.blank("en")
    customise_tokenizer(nlp)
    ruler = nlp.add_pipe(
        "span_ruler", config={"spans_key": QUERY_KEY, "phrase_matcher_attr": "LOWER"}
    )
    ruler.add_patterns(query_patterns(get_gazetteer(), frozenset(STOP_WORDS)))  # type: ignore[attr-defined]
    return nlp


def query_spans(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, label, id) of the lower-case query matcher, in spaCy's order."""
    doc = query_nlp()(text)
    return [(sp.start_char, sp.end_char, sp.label_, sp.id_) for sp in doc.spans[QUERY_KEY]]
