"""Entity tagging: countries, organisations and instruments with canonical ids.

* :mod:`.grammar`: the regex grammar for names the gazetteer has never seen ("Law on ...",
  "Directive (EU) 2019/881", "XYZ-CERT" ...);
* :mod:`.pipeline`: the spaCy pipeline that tags passages at ingest (:class:`Tagger`);
* :mod:`.resolve`: flat, maximal spans from overlapping candidates;
* :mod:`.query`: query understanding (:func:`query_entities`), which needs no spaCy;
* :mod:`.settings`: the tuned numbers (:class:`TaggerSettings`).

Importing this package does not import spaCy.
"""

from wbpolicy.enrich.tag.grammar import find_pattern_entities, slugify
from wbpolicy.enrich.tag.normalise import normalise_whitespace
from wbpolicy.enrich.tag.pipeline import Tagger, get_tagger
from wbpolicy.enrich.tag.query import QueryEntities, query_entities
from wbpolicy.enrich.tag.settings import DEFAULT_SETTINGS, TaggerSettings

# Bump when the tagging rules change what is stored (ids, spans, passage countries): an index
# built by an older tagger then re-tags its documents on the next ingest.
TAGGER_VERSION = 4

__all__ = [
    "DEFAULT_SETTINGS",
    "TAGGER_VERSION",
    "QueryEntities",
    "Tagger",
    "TaggerSettings",
    "find_pattern_entities",
    "get_tagger",
    "normalise_whitespace",
    "query_entities",
    "slugify",
]
