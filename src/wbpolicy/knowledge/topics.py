"""Topics analysts ask about, with their synonyms and related terms, kept as data
(``src/wbpolicy/knowledge/data/topics.yaml``).

A question is *about* a topic when it contains one of the topic's ``terms``; a sentence *addresses*
a topic when it contains one of them too.  ``related`` terms only help ranking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from wbpolicy.text import fold, fold_with_map

_SEP = r"[\s\-\u2010\u2011\u2013/]*"  # "public-private" = "public private" = "publicprivate"


def _term_words(term: str) -> list[str]:
    return [w for w in re.split(r"[\s\-\u2010\u2011\u2013/]+", fold(term)) if w]


def _term_pattern(term: str) -> str:
    words = _term_words(term)
    body = _SEP.join(re.escape(w) for w in words)
    # optional plural on the last word; \w-boundaries so "cert" never matches inside "concert"
    return rf"(?<!\w){body}(?:s|es)?(?!\w)"


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    terms: tuple[str, ...]
    related: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    table1: str | None = None
    # pattern sources, compiled on first use (``re`` caches compiled patterns): a cold process
    # that asks about one topic compiles one pattern, not all of them
    _terms_src: str = field(repr=False, compare=False, default="")
    _related_src: str = field(repr=False, compare=False, default="")
    # folded first words of the terms: a text containing none of them cannot mention the topic
    _first_words: tuple[str, ...] = field(repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        if not self.terms:
            raise ValueError(f"topic {self.id!r} has no terms")
        # longest first so the regex alternation prefers "national CERT" over "CERT"
        terms = sorted(self.terms, key=len, reverse=True)
        object.__setattr__(self, "_terms_src", "|".join(map(_term_pattern, terms)))
        rel = sorted(self.related, key=len, reverse=True)
        object.__setattr__(self, "_related_src", "|".join(map(_term_pattern, rel)))
        firsts = {ws[0] for t in self.terms if (ws := _term_words(t))}
        object.__setattr__(self, "_first_words", tuple(sorted(firsts)))

    def may_mention(self, folded_text: str) -> bool:
        """A cheap test before the regular expression: False means no term can match."""
        return any(w in folded_text for w in self._first_words)

    def find_terms(self, text: str) -> list[tuple[int, int]]:
        """Spans (into ``text``) where one of the topic's terms occurs."""
        return _spans(self._terms_src, text)

    def find_related(self, text: str) -> list[tuple[int, int]]:
        return _spans(self._related_src, text) if self._related_src else []

    def mentioned_in(self, text: str) -> bool:
        return bool(self.find_terms(text))

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "label": self.label,
            "terms": list(self.terms),
            "related": list(self.related),
            "table1": self.table1,
        }


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _spans(pattern: str, text: str) -> list[tuple[int, int]]:
    folded, origin = fold_with_map(text)
    return [
        (origin[m.start()], origin[m.end() - 1] + 1)
        for m in _compiled(pattern).finditer(folded)
        if m.end() > m.start()
    ]


@dataclass(frozen=True)
class Topics:
    topics: tuple[Topic, ...]

    @classmethod
    def load(cls, path: str | Path | None = None) -> Topics:

        if path is None:
            text = (
                resources.files("wbpolicy.knowledge")
                .joinpath("data/topics.yaml")
                .read_text("utf-8")
            )
        else:
            text = Path(path).read_text(encoding="utf-8")
        return cls.parse(text)

    @classmethod
    def parse(cls, text: str) -> Topics:
        import yaml

        data = yaml.safe_load(text) or {}
        topics = []
        seen: set[str] = set()
        for raw in data.get("topics", []):
            topic = Topic(
                id=str(raw["id"]),
                label=str(raw.get("label") or raw["id"]),
                terms=tuple(str(t) for t in raw.get("terms") or ()),
                related=tuple(str(t) for t in raw.get("related") or ()),
                aliases=tuple(str(t) for t in raw.get("aliases") or ()),
                table1=raw.get("table1"),
            )
            if topic.id in seen:
                raise ValueError(f"duplicate topic id {topic.id!r}")
            seen.add(topic.id)
            topics.append(topic)
        return cls(tuple(topics))

    def __iter__(self):
        return iter(self.topics)

    def __len__(self) -> int:
        return len(self.topics)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.topics)

    def get(self, key: str) -> Topic:
        """A topic by id, alias, label, Table 1 row name or one of its terms; ``KeyError`` if
        none."""
        k = fold(key.strip())
        for attr in ("id", "aliases", "label", "table1"):
            for t in self.topics:
                values = getattr(t, attr)
                values = values if isinstance(values, tuple) else (values,)
                if any(v is not None and fold(v) == k for v in values):
                    return t
        matched = self.match(key)
        if matched:
            return matched[0]
        raise KeyError(key)

    def expand(self, topic_id: str) -> tuple[str, ...]:
        """The topic's terms (synonyms), for query expansion."""
        return self.get(topic_id).terms

    def match(self, text: str) -> list[Topic]:
        """Topics the text mentions, in order of first mention.

        A topic whose every mention lies inside a longer mention of another topic is dropped:
        "cybercrime law" is the cybercrime-law topic, not also the cybercrime one.
        """
        found: dict[str, list[tuple[int, int]]] = {}
        folded = fold(text)
        for t in self.topics:
            spans = t.find_terms(text) if t.may_mention(folded) else []
            if spans:
                found[t.id] = spans
        all_spans = [(s, tid) for tid, spans in found.items() for s in spans]
        kept: list[tuple[int, Topic]] = []
        for t in self.topics:
            mine = found.get(t.id)
            if not mine:
                continue
            covered = all(
                any(
                    tid != t.id and a <= s and e <= b and (b - a) > (e - s)
                    for (a, b), tid in all_spans
                )
                for s, e in mine
            )
            if not covered:
                kept.append((min(s for s, _ in mine), t))
        kept.sort(key=lambda x: x[0])
        return [t for _, t in kept]

    def table1(self) -> list[Topic]:
        """The topics that rebuild the rows of the report's Table 1, in its row order."""
        return [t for t in self.topics if t.table1]
