"""spaCy's English tokenizer, in pure Python, for the spaCy-free query matcher.

A port of ``spacy.tokenizer.Tokenizer`` (split on white space, peel prefixes and suffixes, split
infixes, special cases, then special cases across affix splits) driven by a snapshot of the
rules of ``spacy.blank("en")`` with :data:`EXTRA_INFIXES` (``spacy_en_tokenizer.json``, made by
:mod:`.snapshot`).  It gives the tokens spaCy gives, with their offsets and trailing-space flags,
so that phrase matching and ``Doc.char_span(..., alignment_mode="contract")`` can be reproduced
exactly (:class:`Tokens`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any

SNAPSHOT_FILE = "spacy_en_tokenizer.json"

# Infixes added to spaCy's English ones: "CyberCrime@IPA(2010-2013)", "(NIS)Directive",
# "CETS no.108".
EXTRA_INFIXES = (
    r"[()\[\]]",
    r"(?<=[A-Za-z])@(?=[A-Za-z])",
    r"(?<=\b[Nn]o)\.(?=\d)",
)


@dataclass(frozen=True)
class TokenizerRules:
    """The tokenizer's rules as plain data (picklable; patterns are compiled by the user)."""

    patterns: dict[str, str]  # prefix, suffix, infix, url: spaCy's own
    reduced: dict[str, str]  # the same, exact on texts made of the characters in "chars"
    specials: dict[str, tuple[str, ...]]  # special case -> its tokens
    special_patterns: dict[tuple[str, ...], str]  # affix tokens of a special case -> the case
    symbols: dict[str, int]  # spaCy's symbol table (their ids order spans, see .matcher)
    stop_words: frozenset[str]

    @classmethod
    def from_snapshot(cls, snap: dict[str, Any]) -> TokenizerRules:
        return cls(
            patterns=dict(snap["patterns"]),
            reduced=dict(snap["reduced"]),
            specials={k: tuple(v) for k, v in snap["specials"].items()},
            special_patterns={tuple(toks): key for key, toks in snap["special_patterns"]},
            symbols={str(k): int(v) for k, v in snap["symbols"].items()},
            stop_words=frozenset(snap["stop_words"]),
        )

    @classmethod
    def load(cls) -> TokenizerRules:
        text = resources.files(__package__).joinpath(SNAPSHOT_FILE).read_text("utf-8")
        return cls.from_snapshot(json.loads(text))


@dataclass(frozen=True)
class _Compiled:
    prefix: re.Pattern[str]
    suffix: re.Pattern[str]
    infix: re.Pattern[str]
    url: re.Pattern[str]

    @classmethod
    def of(cls, patterns: dict[str, str]) -> _Compiled:
        return cls(*(re.compile(patterns[k]) for k in ("prefix", "suffix", "infix", "url")))


class Tokens:
    """The tokens of a text: offsets, texts and trailing-space flags, as in a spaCy ``Doc``."""

    def __init__(self, orth: list[str], spacy: list[bool]) -> None:
        self.orth = orth
        self.spacy = spacy
        self.idx: list[int] = []
        pos = 0
        for t, sp in zip(orth, spacy, strict=True):
            self.idx.append(pos)
            pos += len(t) + sp

    def __len__(self) -> int:
        return len(self.orth)

    @cached_property
    def text(self) -> str:
        return "".join(t + " " if sp else t for t, sp in zip(self.orth, self.spacy, strict=True))

    @cached_property
    def lower(self) -> list[str]:
        return [t.lower() for t in self.orth]

    def char_offsets(self, start: int, end: int) -> tuple[int, int]:
        """Character offsets of the tokens ``start`` to ``end`` (exclusive)."""
        return self.idx[start], self.idx[end - 1] + len(self.orth[end - 1])

    def _token_by_char(self, char_idx: int) -> int:
        lo, hi = 0, len(self.orth) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            if char_idx < self.idx[mid]:
                hi = mid - 1
            elif char_idx >= self.idx[mid] + len(self.orth[mid]) + self.spacy[mid]:
                lo = mid + 1
            else:
                return mid
        return -1

    def contract(self, start_char: int, end_char: int) -> tuple[int, int] | None:
        """``Doc.char_span(start_char, end_char, alignment_mode="contract")`` as character
        offsets of the tokens wholly inside; None if there are none."""
        start = self._token_by_char(start_char)
        if start < 0:
            return None
        end = self._token_by_char(end_char - 1)
        if end < 0:
            return None
        if self.idx[start] < start_char:
            start += 1
        if end_char < self.idx[end] + len(self.orth[end]):
            end -= 1
        if end < start:
            return None
        return self.idx[start], self.idx[end] + len(self.orth[end])


class Tokenizer:
    """``Tokenizer(rules)(text) -> Tokens``, as spaCy tokenizes ``text``."""

    def __init__(self, rules: TokenizerRules, *, full_only: bool = False) -> None:
        self.rules = rules
        self.specials = rules.specials
        self._full_only = full_only
        self._special_lengths = sorted({len(p) for p in rules.special_patterns})

    @cached_property
    def _reduced(self) -> _Compiled:
        return _Compiled.of(self.rules.reduced)

    @cached_property
    def _full(self) -> _Compiled:
        return _Compiled.of(self.rules.patterns)

    @cached_property
    def _outside_reduced(self) -> re.Pattern[str]:
        return re.compile(f"[^{self.rules.reduced['chars']}]")

    def _rules_for(self, text: str) -> _Compiled:
        if self._full_only or self._outside_reduced.search(text):
            return self._full
        return self._reduced

    def __call__(self, text: str) -> Tokens:
        rx = self._rules_for(text)
        orth: list[str] = []
        spacy: list[bool] = []
        self._tokenize_affixes(rx, text, orth, spacy, with_special=True)
        if self.rules.special_patterns:
            self._apply_special_cases(orth, spacy)
        return Tokens(orth, spacy)

    def affix_tokens(self, text: str) -> list[str]:
        """The tokens of ``text`` without special cases (spaCy's special-case matcher patterns)."""
        orth: list[str] = []
        self._tokenize_affixes(self._rules_for(text), text, orth, [], with_special=False)
        return orth

    def in_special_matcher(self, key: str) -> bool:
        """Whether spaCy (``faster_heuristics``) also matches a special case across affixes."""
        rx = self._rules_for(key)
        return bool(
            _find(rx.prefix, key)
            or list(rx.infix.finditer(key))
            or _find(rx.suffix, key)
            or " " in key
        )

    # -- the port of Tokenizer._tokenize_affixes and friends -----------------------------------

    def _tokenize_affixes(
        self, rx: _Compiled, string: str, orth: list[str], spacy: list[bool], *, with_special: bool
    ) -> None:
        """Runs of non-space and of space characters; a single " " only sets the flag."""
        if not string:
            return
        start = 0
        in_ws = string[0].isspace()
        for i, uc in enumerate(string):
            if uc.isspace() != in_ws:
                if start < i:
                    self._tokenize(rx, string[start:i], orth, spacy, with_special)
                if uc == " ":
                    spacy[-1] = True
                    start = i + 1
                else:
                    start = i
                in_ws = not in_ws
        if start < len(string):
            self._tokenize(rx, string[start:], orth, spacy, with_special)
            spacy[-1] = string[-1] == " " and not in_ws

    def _tokenize(
        self, rx: _Compiled, span: str, orth: list[str], spacy: list[bool], with_special: bool
    ) -> None:
        if with_special and span in self.specials:
            toks = list(self.specials[span])
        else:
            prefixes: list[str] = []
            suffixes: list[str] = []
            core = self._split_affixes(rx, span, prefixes, suffixes, with_special)
            toks = prefixes + self._attach(rx, core, with_special) + suffixes[::-1]
        orth.extend(toks)
        spacy.extend([False] * len(toks))

    def _split_affixes(
        self,
        rx: _Compiled,
        string: str,
        prefixes: list[str],
        suffixes: list[str],
        with_special: bool,
    ) -> str:
        last_size = 0
        while string and len(string) != last_size:
            if with_special and string in self.specials:
                break
            last_size = len(string)
            pre_len = _find(rx.prefix, string)
            prefix = string[:pre_len]
            minus_pre = string[pre_len:]
            if pre_len and minus_pre and with_special and minus_pre in self.specials:
                prefixes.append(prefix)
                return minus_pre
            suf_len = _find(rx.suffix, string[pre_len:])
            suffix = string[len(string) - suf_len :]
            minus_suf = string[: len(string) - suf_len]
            if suf_len and minus_suf and with_special and minus_suf in self.specials:
                suffixes.append(suffix)
                return minus_suf
            if pre_len and suf_len and (pre_len + suf_len) <= len(string):
                string = string[pre_len : len(string) - suf_len]
                prefixes.append(prefix)
                suffixes.append(suffix)
            elif pre_len:
                string = minus_pre
                prefixes.append(prefix)
            elif suf_len:
                string = minus_suf
                suffixes.append(suffix)
        return string

    def _attach(self, rx: _Compiled, string: str, with_special: bool) -> list[str]:
        if not string:
            return []
        if with_special and string in self.specials:
            return list(self.specials[string])
        if rx.url.match(string):
            return [string]
        out: list[str] = []
        start = 0
        matches = list(rx.infix.finditer(string))
        for m in matches:
            infix_start, infix_end = m.start(), m.end()
            if infix_start == 0:
                continue
            if infix_start != start:
                out.append(string[start:infix_start])
            if infix_start != infix_end:
                out.append(string[infix_start:infix_end])
            start = infix_end
        if string[start:]:
            out.append(string[start:])
        return out

    def _apply_special_cases(self, orth: list[str], spacy: list[bool]) -> None:
        """Special cases found across affix splits ("(e.g." ...) are retokenized."""
        found = []
        for i in range(len(orth)):
            for n in self._special_lengths:
                if i + n <= len(orth) and tuple(orth[i : i + n]) in self.rules.special_patterns:
                    found.append((i, i + n))
        if not found:
            return
        found.sort(key=lambda se: (se[1] - se[0], -se[0]))
        seen: set[int] = set()
        chosen = []
        for s, e in reversed(found):
            if s not in seen and e - 1 not in seen:
                chosen.append((s, e))
            seen.update(range(s, e))
        for s, e in sorted(chosen, reverse=True):
            span_text = "".join(
                t + " " if sp else t for t, sp in zip(orth[s:e], spacy[s:e], strict=True)
            )[: -1 if spacy[e - 1] else None]
            toks = self.specials.get(span_text)
            if toks is None:
                continue
            final_space = spacy[e - 1]
            orth[s:e] = list(toks)
            spacy[s:e] = [False] * (len(toks) - 1) + [final_space]


def _find(rx: re.Pattern[str], string: str) -> int:
    m = rx.search(string)
    return m.end() - m.start() if m is not None else 0
