"""Entity tagging evaluation, scored exactly as ``../shared/eval/README.md`` (dev_entities.jsonl).

* Gold spans of ``dev_entities.jsonl`` records are located by finding their surface text in the
  sentence (the n-th occurrence for the n-th gold entity with that surface).
* A prediction matches a gold entity when the labels are equal and the spans overlap; matching is
  one-to-one, largest overlap first.
* An unmatched prediction lying entirely inside a gold span is ignored.
* Micro precision/recall/F1 per label and overall.

Two record formats are read:

* dev: ``{"id", "text", "entities": [{"text", "label", "canonical"}]}``;
* offset-referenced (``eval/entities_extra.jsonl``): ``{"id", "file", "start", "end", "sha256",
  "entities": [{"start", "end", "label", "id"}]}`` where ``file`` is relative to the corpus
  directory (``<shared>/corpus``), except ``reference/...`` which is relative to the shared
  directory; ``start``/``end`` index the file text decoded as UTF-8 (BOM removed) with CRLF
  turned into LF; ``sha256`` is the hex digest of the UTF-8 sentence text (checked on load).
  With ``"strip_markdown": true`` (report markdown), the sentence is ``strip_markdown(file[start:
  end]).strip()`` -- what the hidden set feeds the tagger ("copied from the report (markdown
  stripped)") -- and the hash and entity offsets refer to that stripped text. An optional
  ``"split"`` names the subset a record belongs to (e.g. ``heldout2``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wbpolicy.errors import WbpolicyError

LABELS = ("COUNTRY", "ORG", "INSTRUMENT")


@dataclass(frozen=True)
class GoldEntity:
    start: int | None  # None when the surface text could not be found
    end: int | None
    label: str
    text: str = ""
    id: str | None = None


@dataclass(frozen=True)
class EvalRecord:
    id: str
    text: str
    gold: tuple[GoldEntity, ...]
    source: str = ""  # file the sentence comes from, if known
    split: str = ""  # optional subset name ("heldout2", ...)


@dataclass(frozen=True)
class Prf:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Prf) -> Prf:
        return Prf(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def to_json(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(frozen=True)
class SentenceResult:
    id: str
    text: str
    false_positives: tuple[tuple[int, int, str, str], ...]  # start, end, label, text
    false_negatives: tuple[tuple[int | None, int | None, str, str], ...]


@dataclass(frozen=True)
class EntityEvalReport:
    name: str
    sentences: int
    per_label: dict[str, Prf]
    errors: tuple[SentenceResult, ...] = field(default=())

    @property
    def overall(self) -> Prf:
        total = Prf()
        for prf in self.per_label.values():
            total = total + prf
        return total

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sentences": self.sentences,
            "per_label": {k: v.to_json() for k, v in self.per_label.items()},
            "overall": self.overall.to_json(),
        }


# ----------------------------------------------------------------------------------------------
# loading


def read_corpus_text(path: Path) -> str:
    """File text as the offsets of entities_extra.jsonl count it: UTF-8 (BOM dropped; cp1252 as a
    fallback for the one non-UTF-8 profile), CRLF -> LF."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return text.replace("\r\n", "\n")


_MD_SUP = re.compile(r"<sup>.*?</sup>", re.DOTALL)
_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
_MD_AUTOLINK = re.compile(r"<((?:https?://|mailto:|www\.)[^>\s]+)>")
_MD_ESCAPE = re.compile(r"\\+([\\`*_{}\[\]()#+\-.!<>|~\"'])")
_MD_EMPHASIS = re.compile(r"(?<![\\\w*])(\*{1,3})(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_MD_STRAY_STRONG = re.compile(r"(?<!\\)\*\*")


def strip_markdown(text: str) -> str:
    """Markdown as a reader copies it: footnote markers dropped, links and autolinks reduced to
    their text, emphasis markers removed, backslash escapes resolved (``Kosovo\\*`` -> ``Kosovo*``,
    doubled escapes in URLs included)."""
    text = _MD_SUP.sub("", text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _MD_AUTOLINK.sub(lambda m: m.group(1), text)
    text = _MD_EMPHASIS.sub(lambda m: m.group(2), text)
    text = _MD_STRAY_STRONG.sub("", text)
    return _MD_ESCAPE.sub(lambda m: m.group(1), text)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def locate_gold(text: str, surfaces: Sequence[tuple[str, str]]) -> list[GoldEntity]:
    """Find each (surface, label) in ``text``: the n-th gold entity with a given surface takes the
    n-th occurrence of that surface."""
    seen: dict[str, int] = {}
    out: list[GoldEntity] = []
    for surface, label in surfaces:
        n = seen.get(surface, 0)
        seen[surface] = n + 1
        pos = -1
        start = 0
        for _ in range(n + 1):
            pos = text.find(surface, start)
            if pos < 0:
                break
            start = pos + max(1, len(surface))
        if pos < 0 or not surface:
            out.append(GoldEntity(None, None, label, surface))
        else:
            out.append(GoldEntity(pos, pos + len(surface), label, surface))
    return out


def load_records(
    source: str | Path | Iterable[dict[str, Any]],
    shared_dir: str | Path | None = None,
) -> list[EvalRecord]:
    """Records from a JSONL path or from already-parsed dicts (either format)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        lines = path.read_text(encoding="utf-8").splitlines()
        raws = [json.loads(ln) for ln in lines if ln.strip()]
    else:
        raws = list(source)
    shared = Path(shared_dir) if shared_dir else _default_shared()
    cache: dict[str, str] = {}
    return [_record(r, shared, cache) for r in raws]


def _default_shared() -> Path | None:
    from wbpolicy.settings import default_corpus_dir

    corpus = default_corpus_dir()
    return corpus.parent if corpus else None


def _record(raw: dict[str, Any], shared: Path | None, cache: dict[str, str]) -> EvalRecord:
    rid = str(raw.get("id", ""))
    if "text" in raw:
        text = raw["text"]
        ents = raw.get("entities") or []
        if ents and "start" in ents[0]:
            gold = [
                GoldEntity(
                    e["start"], e["end"], e["label"], text[e["start"] : e["end"]], e.get("id")
                )
                for e in ents
            ]
        else:
            gold = locate_gold(text, [(e["text"], e["label"]) for e in ents])
        return EvalRecord(rid, text, tuple(gold), raw.get("file", ""), raw.get("split", ""))
    if shared is None:
        raise WbpolicyError(f"{rid}: shared data directory not found; cannot resolve {raw['file']}")
    rel = raw["file"]
    path = shared / rel if rel.startswith("reference/") else shared / "corpus" / rel
    if rel not in cache:
        if not path.is_file():
            raise WbpolicyError(f"{rid}: {path} not found")
        cache[rel] = read_corpus_text(path)
    text = cache[rel][raw["start"] : raw["end"]]
    if raw.get("strip_markdown"):
        text = strip_markdown(text).strip()
    if sha256_text(text) != raw["sha256"]:
        raise WbpolicyError(f"{rid}: text of {rel}[{raw['start']}:{raw['end']}] changed (hash)")
    gold = [
        GoldEntity(e["start"], e["end"], e["label"], text[e["start"] : e["end"]], e.get("id"))
        for e in raw.get("entities") or []
    ]
    return EvalRecord(rid, text, tuple(gold), rel, raw.get("split", ""))


# ----------------------------------------------------------------------------------------------
# scoring


def score_sentence(
    gold: Sequence[GoldEntity],
    predicted: Sequence[tuple[int, int, str]],
) -> tuple[dict[str, Prf], list[int], list[int]]:
    """Per-label counts for one sentence, plus the indices of unmatched (counted) predictions
    and unmatched gold entities."""
    pairs: list[tuple[int, int, int]] = []  # (overlap, gold index, prediction index)
    for gi, g in enumerate(gold):
        if g.start is None or g.end is None:
            continue
        for pi, (ps, pe, pl) in enumerate(predicted):
            if pl != g.label:
                continue
            overlap = min(g.end, pe) - max(g.start, ps)
            if overlap > 0:
                pairs.append((overlap, gi, pi))
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    matched_g: set[int] = set()
    matched_p: set[int] = set()
    for _, gi, pi in pairs:
        if gi in matched_g or pi in matched_p:
            continue
        matched_g.add(gi)
        matched_p.add(pi)
    counts = {label: Prf() for label in LABELS}

    def bump(label: str, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
        counts[label] = counts.get(label, Prf()) + Prf(tp, fp, fn)

    for gi in matched_g:
        bump(gold[gi].label, tp=1)
    fn_idx = [gi for gi in range(len(gold)) if gi not in matched_g]
    for gi in fn_idx:
        bump(gold[gi].label, fn=1)
    located = [(g.start, g.end) for g in gold if g.start is not None and g.end is not None]
    fp_idx = []
    for pi, (ps, pe, pl) in enumerate(predicted):
        if pi in matched_p:
            continue
        if any(gs <= ps and pe <= ge for gs, ge in located):
            continue  # inside a gold span: ignored
        fp_idx.append(pi)
        bump(pl, fp=1)
    return counts, fp_idx, fn_idx


def evaluate_entities(
    source: str | Path | Iterable[dict[str, Any]] | Sequence[EvalRecord],
    tagger: Any = None,
    *,
    name: str = "",
    shared_dir: str | Path | None = None,
) -> EntityEvalReport:
    """Tag every sentence with ``tagger`` (default: the spaCy tagger) and score."""
    if isinstance(source, Sequence) and source and isinstance(source[0], EvalRecord):
        records = list(source)
    else:
        records = load_records(source, shared_dir)  # type: ignore[arg-type]
    if tagger is None:
        from wbpolicy.enrich.tag import get_tagger

        tagger = get_tagger()
    predictions = tagger.tag_many([r.text for r in records])
    totals = {label: Prf() for label in LABELS}
    errors: list[SentenceResult] = []
    for rec, ents in zip(records, predictions, strict=True):
        pred = [(e.start, e.end, e.label) for e in ents]
        counts, fp_idx, fn_idx = score_sentence(rec.gold, pred)
        for label, prf in counts.items():
            totals[label] = totals.get(label, Prf()) + prf
        if fp_idx or fn_idx:
            errors.append(
                SentenceResult(
                    rec.id,
                    rec.text,
                    tuple(
                        (pred[i][0], pred[i][1], pred[i][2], rec.text[pred[i][0] : pred[i][1]])
                        for i in fp_idx
                    ),
                    tuple(
                        (rec.gold[i].start, rec.gold[i].end, rec.gold[i].label, rec.gold[i].text)
                        for i in fn_idx
                    ),
                )
            )
    if not name and isinstance(source, (str, Path)):
        name = Path(source).name
    return EntityEvalReport(name or "entities", len(records), totals, tuple(errors))


def format_report(reports: Sequence[EntityEvalReport], *, show_errors: bool = False) -> str:
    lines = [f"{'set':<34} {'label':<11} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>4} {'fn':>4}"]
    for rep in reports:
        head = f"{rep.name} ({rep.sentences} sent.)"
        rows = [*((lab, rep.per_label.get(lab, Prf())) for lab in LABELS), ("overall", rep.overall)]
        for i, (lab, prf) in enumerate(rows):
            lines.append(
                f"{head if i == 0 else '':<34} {lab:<11} {prf.precision:6.3f} {prf.recall:6.3f} "
                f"{prf.f1:6.3f} {prf.tp:5d} {prf.fp:4d} {prf.fn:4d}"
            )
        if show_errors:
            for err in rep.errors:
                for s, e, lab, t in err.false_positives:
                    lines.append(f"    {err.id}: FP {lab} {t!r} [{s}:{e}]")
                for fs, fe, lab, t in err.false_negatives:
                    lines.append(f"    {err.id}: FN {lab} {t!r} [{fs}:{fe}]")
    return "\n".join(lines)
