"""Settings.  Where things are (:class:`Settings`: option, then environment variable, then
default; nothing is read at import time) and every tuned number of the pipeline, as frozen typed
objects whose defaults are the measured values: :class:`ChunkSettings`, :class:`SearchSettings`,
:class:`AnswerSettings` (and, beside their stages, ``PdfLayout`` and ``EmbedSettings``).

A tuned number is changed by passing another settings object (``search(index, q,
settings=SearchSettings(dense_weight=0.6))``), never by editing a module global; the eval
reports print the objects they ran with (:func:`describe`), and the index manifest records the
ones that shape the index.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wbpolicy.extract.layout import TextLayout
    from wbpolicy.extract.pdf.layout import PdfLayout

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
ENV_INDEX = "WBPOLICY_INDEX"
ENV_OCR = "WBPOLICY_OCR"
ENV_MODEL = "WBPOLICY_MODEL"
ENV_CORPUS = "WBPOLICY_CORPUS"
ENV_BACKEND = "WBPOLICY_BACKEND"
ENV_MILVUS_URI = "WBPOLICY_MILVUS_URI"
# the lexical engine: auto (the default), fts5 or tantivy
ENV_FULLTEXT = "WBPOLICY_FULLTEXT"
BACKENDS = ("faiss", "milvus")
FULLTEXT_ENGINES = ("auto", "fts5", "tantivy")


def _project_root() -> Path | None:
    """The wbpolicy checkout this code runs from (editable install), if any."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "src" / "wbpolicy").is_dir():
            return parent
    return None


def default_index_dir() -> Path:
    root = _project_root()
    return (root / "indexes" / "default") if root else Path("indexes") / "default"


def default_corpus_dir() -> Path | None:
    """``$WBPOLICY_CORPUS``, else ``../shared/corpus`` beside the checkout, where the workplace
    keeps the documents."""
    env = os.environ.get(ENV_CORPUS)
    if env:
        return Path(env) if Path(env).is_dir() else None
    root = _project_root()
    for base in filter(None, [root, Path.cwd()]):
        cand = base.parent / "shared" / "corpus"
        if cand.is_dir():
            return cand
    return None


@dataclass(frozen=True)
class ChunkSettings:
    """How documents become passages and what the model reads of them; all of it changes the
    index, so all of it is part of the index key."""

    # all-MiniLM-L6-v2 truncates at 256 word pieces (incl. [CLS]/[SEP]); keep a margin
    max_tokens: int = 200
    min_tokens: int = 24
    # what the model sees for a passage: its document title and section path before the verbatim
    # text ("title+section"; chosen on dev queries, dense retrieval), or the text alone ("none")
    embed_context: str = "title+section"
    # a short prefix, so the passage itself is not pushed past the model's 256-piece window
    context_max_chars: int = 160
    # a "sentence" longer than this is cut at white space (else hard): a 1 MB line without a full
    # stop must still become bounded passages; above the corpus's longest real sentence (6,273)
    max_sentence_chars: int = 8000


@dataclass(frozen=True)
class VectorSettings:
    """The vector index of the default (FAISS) backend.  Exact search (a flat inner-product scan)
    until the index holds ``ann_threshold`` vectors, then an approximate index (IVF lists, or an
    HNSW graph); the kind chosen and its parameters are recorded in the index manifest."""

    # "auto" (flat below ann_threshold, ``ann_kind`` at or above it), "flat", "ivf" or "hnsw"
    kind: str = "auto"
    ann_threshold: int = 200_000
    # the approximate kind "auto" takes: IVF builds a million-vector index in minutes on two
    # cores (HNSW at efConstruction 160 takes about an hour) and is retrained on every rebuild
    ann_kind: str = "ivf"
    # IVF (IndexIVFFlat, inner product): lists = ivf_lists_per_sqrt x sqrt(vectors); k-means
    # trained on ivf_train_per_list sample vectors a list (FAISS warns below 39); a query scans
    # its ivf_nprobe nearest lists
    ivf_lists_per_sqrt: float = 4.0
    ivf_train_per_list: int = 40
    ivf_nprobe: int = 64
    # a broad filter widens nprobe by (vectors / allowed), up to this
    ivf_filter_nprobe_max: int = 1_024
    ivf_seed: int = 1234
    hnsw_m: int = 32
    hnsw_ef_construction: int = 160
    hnsw_ef_search: int = 1_024
    # a filtered search allowing at most this many passages scans them exactly instead of
    # walking the graph (a graph walk with a tight filter loses recall)
    exact_filter_max: int = 20_000
    # a broader filter walks the graph with efSearch widened by (vectors / allowed), up to this
    hnsw_filter_ef_max: int = 2_048
    # OpenMP threads of one query's FAISS search (0: FAISS's default, one per core).  One query
    # is a few milliseconds of work; split over threads on a busy machine, it waits for each
    # thread to be scheduled (2 cores under load: a flat 10k scan 190 ms on two threads, 1.9 ms
    # on one).  Building an index keeps every core.
    search_threads: int = 1


@dataclass(frozen=True)
class FullTextSettings:
    """The lexical engine.  FTS5 (in the SQLite store) computes BM25 for every passage a query
    matches: milliseconds at 10k passages, seconds at a million.  At or above
    ``tantivy_threshold`` passages a Tantivy index beside the store answers the same
    expressions (as a flat OR of their words: it scores every posting of them, faster than
    FTS5's row-by-row BM25); SQLite stays the truth and FTS5 the fallback."""

    # "auto" (FTS5 below tantivy_threshold, Tantivy at or above it), "fts5" or "tantivy"
    # ($WBPOLICY_FULLTEXT)
    engine: str = "auto"
    tantivy_threshold: int = 200_000
    # a prefix query ("secur*") becomes this many of the index's most frequent words with it
    prefix_max_terms: int = 32
    # a column weighted below this (SearchSettings.bm25_weights) is not searched: the title
    # (0.1) repeats in every passage of its document, so its words' postings are long and say
    # little (at 1M: 19 ms a query with it, 10 ms without)
    min_column_weight: float = 0.2
    # counting matches (FTS5's reading of an expression): a NEAR group of words is the sloppy
    # phrase of each order of its words, up to this many orders (3 words: 6); more words: all
    # of them anywhere in the passage
    near_orders_max: int = 6
    # a filter of at most this many passages goes into the query as a term set; a broader one
    # is applied to an ever wider top list
    filter_terms_max: int = 50_000
    # a sync that would re-index more than this share of the rows builds afresh instead
    rebuild_fraction: float = 0.5
    # rows read from SQLite at a time
    batch: int = 2_000
    # the Tantivy writer: one indexing thread and a budget that holds a million passages, so a
    # build writes one segment (tantivy-py cannot ask for a merge): a query then walks one set
    # of postings, 12% faster at 1M than the four segments of two threads with 256 MB (build
    # 32 s against 22 s)
    writer_threads: int = 1
    writer_heap_mb: int = 512


@dataclass(frozen=True)
class MilvusSettings:
    """The Milvus backend (``--backend milvus``): how its collection is built, synced and
    searched."""

    # FLAT is exact: the same ranking as FAISS flat (IVF_FLAT / AUTOINDEX are approximate)
    index_type: str = "FLAT"
    metric: str = "IP"
    # rows per insert request and per page read from SQLite during a sync
    batch: int = 2_000
    # ids in one `id in [...]` expression: Milvus Lite parses 20k ids (134 kB) in 0.4 s and 100k
    # in 2.1 s; a longer list is cut into searches of this many ids each, merged by score
    id_filter_max: int = 20_000
    # Milvus refuses a limit above 16,384
    max_top_k: int = 16_384
    # seconds to wait for a server before saying it cannot be reached
    connect_timeout_s: float = 5.0
    # scalar fields' sizes
    doc_id_max_length: int = 512
    kind_max_length: int = 64
    country_max_length: int = 16
    max_countries: int = 128
    # also keep each passage's text with a BM25 function over it (Milvus 2.5+ full text), for
    # `MilvusVectors.lexical_search`.  Off by default: Milvus Lite (pure Python) then takes 1.5x
    # as long to sync and 3 s to load the sparse index in each new process (measured on the
    # corpus, 5,987 passages); a server is where it pays.  The search path keeps FTS5 BM25.
    full_text: bool = False
    text_max_bytes: int = 65_535


@dataclass(frozen=True)
class IngestSettings:
    """How ingest spreads its work.  PDF extraction is CPU-bound pure Python: it runs in a pool of
    worker processes while the main process chunks, tags, embeds and writes (one writer)."""

    # extraction worker processes; 0: one per core
    workers: int = 0
    # below this many bytes of PDF to extract, worker start-up (about a second) costs more than
    # it saves: extract in the main process
    parallel_min_bytes: int = 4_000_000
    # extractions queued ahead of the writer (bounds memory)
    prefetch: int = 4
    # one file's extraction, and then its chunking, tagging and embedding, each stop after this
    # many seconds plus so many per MB of file, and the file is reported as "timeout" (0: no
    # limit).  A guard against a file that would never finish, not a performance target.
    file_timeout_s: float = 300.0
    file_timeout_s_per_mb: float = 60.0

    def time_limit(self, size_bytes: int) -> float:
        if self.file_timeout_s <= 0:
            return 0.0
        return self.file_timeout_s + self.file_timeout_s_per_mb * size_bytes / 1e6


@dataclass(frozen=True)
class Settings:
    index_dir: Path
    model: str = BUNDLED_MODEL
    # texts per forward pass, = EmbedSettings().batch_size: a small batch pads less
    # (scripts/bench_embed.py)
    batch_size: int = 8
    chunk: ChunkSettings = field(default_factory=ChunkSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    # extraction layouts (None: the defaults); kept beside their engines in wbpolicy.extract,
    # which is too heavy to import here
    pdf_layout: PdfLayout | None = None
    text_layout: TextLayout | None = None
    vectors: VectorSettings = field(default_factory=VectorSettings)
    fulltext: FullTextSettings = field(default_factory=FullTextSettings)
    # where the vectors live: "faiss" (a file beside the SQLite store) or "milvus"; None: what
    # the index manifest records, else "faiss"
    backend: str | None = None
    # the Milvus server ("http://host:19530") or Milvus Lite file; None: milvus.db in the index
    milvus_uri: str | None = None
    milvus: MilvusSettings = field(default_factory=MilvusSettings)

    @property
    def max_tokens(self) -> int:
        return self.chunk.max_tokens

    @property
    def min_tokens(self) -> int:
        return self.chunk.min_tokens

    @property
    def db_path(self) -> Path:
        return self.index_dir / "wbpolicy.sqlite"

    @property
    def faiss_path(self) -> Path:
        return self.index_dir / "vectors.faiss"

    @property
    def manifest_path(self) -> Path:
        return self.index_dir / "manifest.json"

    def with_(self, **kw: object) -> Settings:
        return replace(self, **kw)  # type: ignore[arg-type]


def load_settings(
    index_dir: str | Path | None = None,
    model: str | None = None,
    ocr: bool | None = None,
    backend: str | None = None,
    milvus_uri: str | None = None,
) -> Settings:
    """The settings of a run: the index, model and vector backend from the arguments, else the
    environment, else the defaults (the backend: what the index manifest records); OCR of pages
    without a text layer unless ``ocr`` is False or ``$WBPOLICY_OCR`` is ``0`` (it also needs
    Tesseract installed)."""
    idx = index_dir or os.environ.get(ENV_INDEX) or default_index_dir()
    mdl = model or os.environ.get(ENV_MODEL) or BUNDLED_MODEL
    bk = (backend or os.environ.get(ENV_BACKEND) or "").strip().lower() or None
    if bk is not None and bk not in BACKENDS:
        from wbpolicy.errors import WbpolicyError

        choices = ", ".join(BACKENDS)
        raise WbpolicyError(f"unknown backend {bk!r} (${ENV_BACKEND}); use one of {choices}")
    uri = milvus_uri or os.environ.get(ENV_MILVUS_URI) or None
    settings = Settings(index_dir=Path(idx), model=mdl, backend=bk, milvus_uri=uri)
    engine = os.environ.get(ENV_FULLTEXT, "").strip().lower()
    if engine:
        if engine not in FULLTEXT_ENGINES:
            from wbpolicy.errors import WbpolicyError

            choices = ", ".join(FULLTEXT_ENGINES)
            raise WbpolicyError(f"unknown ${ENV_FULLTEXT} {engine!r}; use one of {choices}")
        settings = replace(settings, fulltext=FullTextSettings(engine=engine))
    if ocr is None:
        ocr = os.environ.get(ENV_OCR, "1").strip().lower() not in ("0", "false", "no", "off")
    if not ocr:
        from wbpolicy.extract.pdf.layout import PdfLayout

        settings = replace(
            settings, pdf_layout=replace(settings.pdf_layout or PdfLayout(), ocr=False)
        )
    return settings


@dataclass(frozen=True)
class SearchSettings:
    """Hybrid retrieval: FTS5 BM25 and dense candidates, fused, then a light rerank of the head.
    Values measured on the dev and own query sets (eval/README.md)."""

    # candidate depth per retriever before fusion; deep enough for fusion and boosts to reorder
    candidates: int = 100
    # a longer query or question is refused (a paste of a whole document is not a query)
    max_query_chars: int = 2000
    # "weighted" (min-max normalised score mix) or "rrf" (reciprocal rank fusion, kept for the
    # comparison in eval/README.md)
    fusion: str = "weighted"
    rrf_k: int = 60
    dense_weight: float = 0.5
    # cosine at which a dense list counts as fully confident: a list whose best cosine is weak (an
    # unknown acronym) then weighs less than a confident one
    dense_ref: float = 0.6
    # hybrid scores every candidate in both retrievers, normalised against absolute floors: bm25
    # 0, and a cosine below which MiniLM similarity is noise
    dense_floor: float = 0.3
    # how deep the lexical list is read for that completion
    complete_lex_depth: int = 500
    # relevance floors (hybrid and dense; semantic embedders only): a query no passage matches
    # lexically returns nothing unless its best cosine reaches the first; any query returns
    # nothing below the second ("zzzzqqqq" 0.22, "banana smoothie recipe" 0.16, "football world
    # cup results" 0.21; the weakest dev query 0.40)
    relevance_floor_unmatched: float = 0.35
    relevance_floor: float = 0.25
    # bm25 column weights of passages_fts(text, section, title)
    bm25_weights: tuple[float, float, float] = (1.0, 0.4, 0.1)
    # bonus for passages about a country the query names, by how the country was assigned
    country_boost: tuple[tuple[str, float], ...] = (
        ("section", 0.12),
        ("document", 0.08),
        ("mention", 0.04),
    )
    # penalty for a passage about other states only, when the query names a country
    country_mismatch: float = 0.1
    # bonus for the passage kind the query asks for (a footnote or URL; a table)
    kind_boost: float = 0.15
    # a bare footnote is weak evidence unless the query asks where something is published
    footnote_penalty: float = 0.2
    # tables of contents match every heading's words and answer nothing
    toc_penalty: float = 0.3
    # bonus x share of the query's content terms present in the passage
    coverage_weight: float = 0.1
    # the coverage share is averaged with the share of the query's content words (names, kinds,
    # topic words left out) when it has at least this many (search/rerank.py)
    coverage_content_min_terms: int = 2
    # when a query names no country, single states outside the focus region step back this much
    off_focus_penalty: float = 0.1
    # a passage of fewer words than this (a heading, a title, a "1." left by a list) answers
    # nothing: it steps back this much
    fragment_min_words: int = 6
    fragment_penalty: float = 0.15
    # a passage of more words than this (a preamble of one long sentence, which the chunker does
    # not cut: about three times ChunkSettings.max_tokens) matches many words of any query across
    # unrelated clauses: its BM25 overrates it
    long_passage_words: int = 600
    long_passage_penalty: float = 0.2
    # bonus for a passage of a document of the year a query names beside a document kind
    year_boost: float = 0.1
    # bonus for a passage holding a date or a year, when the query asks when
    date_boost: float = 0.05
    # only the head of the fused list is reranked
    boost_depth: int = 60
    # query expansion: alias expansions and topic terms added to the lexical query
    expansions_max: int = 3
    topic_terms_max: int = 6
    # cross-lingual lexical search (knowledge/data/glossary.yaml): the words of a many-word
    # glossary form match within this many words of each other (FTS5 NEAR), in any order
    glossary_near: int = 3
    # a query's translations (search/lexical.py): their best passage scores this share of the
    # best passage of the query's own words; for an English query naming no country (translated
    # into every language, and rarely after a regional document), the second
    translation_weight: float = 0.9
    translation_weight_general: float = 0.5
    # the query's concepts by their other English names (glossary.yaml en): the best passage of
    # those alone adds this share of the best own-words score to its own (search/lexical.py)
    synonym_weight: float = 0.3
    # a query naming an organisation or instrument: the BM25 of its content words alone (names,
    # kinds, topic words left out) adds this share of the best own-words score
    content_weight: float = 0.3
    # a text is read as regional (Serbian, Croatian, Bosnian, Albanian, French, Dutch) when its
    # regional words (function words, regional letters, glossary-only words; a word fitting two
    # languages counts half for each) reach this and outnumber its English function words
    language_evidence: float = 1.5

    def boost_for(self, source: str) -> float:
        return dict(self.country_boost).get(source, 0.0)


@dataclass(frozen=True)
class AnswerSettings:
    """Sentence scoring and selection for ``ask``, ``brief`` and ``matrix``.  ``w_sim`` weighs the
    cosine of sentence and question; the other weights weigh evidence in [0, 1]: topic terms, the
    question's own words (IDF-weighted share), the passage's rank in its search, and the
    organisation/instrument the question names.  Chosen on eval/ask_questions.jsonl (a flat
    optimum), so ``min_score`` is on this scale."""

    top_k: int = 8
    w_sim: float = 0.40
    w_topic: float = 0.25
    w_terms: float = 0.20
    w_hit: float = 0.15
    w_entity: float = 0.15
    # a sentence must reach this score to be quoted; below it for every sentence -> abstain
    min_score: float = 0.30
    # without a topic term, only a sentence this similar to the question addresses the topic
    strong_sim: float = 0.68
    # a topic term only in the sentence's heading counts this much (and makes it eligible)
    heading_topic: float = 0.8
    # a related (not naming) topic term counts this much
    related_topic: float = 0.4
    # without a topic, a sentence must hold this share (IDF-weighted) of the question's words ...
    terms_min: float = 0.5
    # ... and be at least this similar to the question
    terms_sim: float = 0.35
    # a year the question names, found in the sentence, adds this to its terms evidence
    year_bonus: float = 0.5
    # a sentence naming the asked sub-state entity (Republika Srpska) ranks first without
    # becoming an answer by that alone (1.0 is reserved for asked organisations/instruments)
    subdivision_entity: float = 0.9
    country_entity: float = 0.5
    # quote at most this many sentences, at most per_doc from one document, none scoring below
    # relative x the best one
    max_items: int = 8
    per_doc: int = 3
    relative: float = 0.5
    max_sentence_chars: int = 1500
    # evidence found only in the preceding sentence of the paragraph counts this much, and a
    # topic named there at most context_topic (below heading_topic: ranks up, not eligible)
    context: float = 0.5
    context_topic: float = 0.6
    # sentences embedded per question (the rest use their passage's stored vector)
    max_sentences_embedded: int = 128
    vector_cache_size: int = 50_000
    # a quote widened to its anaphoric neighbour stays under this length
    max_quote_chars: int = 900
    # bonus for a sentence of the newest primary document (strategy, law ...) of its country and
    # kind: the current source answers before an older one or a report about it
    w_current: float = 0.03
    # a sentence of fewer words is a fragment, never a quote; so is one of fewer than
    # fragment_words without a sentence end ("о информационој безбедности", a heading)
    min_quote_words: int = 4
    fragment_words: int = 10


@dataclass(frozen=True)
class BriefSettings:
    """``brief`` and ``matrix``: how deep each country's evidence is searched."""

    top_k: int = 8
    quotes_per_country: int = 3


def describe(*objs: Any) -> dict[str, Any]:
    """The settings objects as JSON-ready dicts, by class name (for eval reports, manifests)."""
    return {type(o).__name__: _jsonable(asdict(o)) for o in objs}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def index_settings(settings: Settings) -> dict[str, Any]:
    """The settings objects that shape an index, as recorded in its manifest."""
    from wbpolicy.extract.layout import TextLayout
    from wbpolicy.extract.pdf.layout import PdfLayout

    return describe(
        settings.chunk,
        settings.ingest,
        settings.pdf_layout or PdfLayout(),
        settings.text_layout or TextLayout(),
        settings.vectors,
        settings.fulltext,
    )
