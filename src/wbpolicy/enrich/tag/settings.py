"""The tagger's tuned numbers, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaggerSettings:
    """Limits of the name grammar and the resolver (defaults: the values the tagger was tuned
    with on the report and the eval sentences)."""

    forward_max_words: int = 18  # words a name run may take after its head ("Law on ...")
    local_title_max_words: int = 12  # of a lower-case local title ("Закону о кривичном поступку")
    # content words after a local body's head ("Ministarstvo unutarnjih poslova")
    local_body_max_words: int = 4
    forward_window_chars: int = 400  # text a forward run looks at
    paren_window_words: int = 8  # the ")" of an insert must come within this many words
    lower_run_max: int = 2  # consecutive lower-case content words inside a title
    backward_max_words: int = 8  # capitalised modifiers taken before a head
    backward_window_chars: int = 200  # text a backward run looks at
    inherit_min_cover: float = 0.6  # share of a pattern span a known name must cover to lend its id
    split_min_head_words: int = 2  # words an organisation keeps when a country is split off
    head_chars: int = 3000  # opening text of a document read by classification
    title_head_chars: int = 300  # of which the first characters are read like a title
    # a longer text is tagged in pieces cut at a paragraph, line or space (spaCy's own limit is
    # 1,000,000 characters, and memory grows with the piece)
    piece_chars: int = 100_000


DEFAULT_SETTINGS = TaggerSettings()
