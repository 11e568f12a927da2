"""Pure-Python text helpers shared by every stage (no heavy imports)."""

from wbpolicy.text.hyphens import build_lexicon, dehyphenate, join_hyphenated
from wbpolicy.text.lexicon import STOPWORDS, TOKEN, match_prefix, prefix_query, stem, tokens
from wbpolicy.text.normalise import ascii_slug, fold, fold_with_map, normalise_ws, squash
from wbpolicy.text.sentences import PARAGRAPH_BREAK, sentence_spans, split_sentences
from wbpolicy.text.urls import URL, find_urls, join_wrapped_lines

__all__ = [
    "PARAGRAPH_BREAK",
    "STOPWORDS",
    "TOKEN",
    "URL",
    "ascii_slug",
    "build_lexicon",
    "dehyphenate",
    "find_urls",
    "fold",
    "fold_with_map",
    "join_hyphenated",
    "join_wrapped_lines",
    "match_prefix",
    "normalise_ws",
    "prefix_query",
    "sentence_spans",
    "split_sentences",
    "squash",
    "stem",
    "tokens",
]
