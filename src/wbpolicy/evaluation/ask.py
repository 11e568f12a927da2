"""Measure ``ask`` on a questions file (``eval/ask_questions.jsonl``, or the shared sets'
``dev2_ask.jsonl`` form with ``expect_abstain`` and ``expect_filters``):

* the country is understood (the expected country is among the understood ones);
* for questions the corpus answers, an answer sentence contains a gold phrase (after the
  normalisation of ``../shared/eval/README.md``);
* for questions it does not answer, ``ask`` abstains.

Gold phrases are stored as references (file, character offsets, sha256) into the shared data and
resolved at run time, so no corpus text is copied into the repository.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wbpolicy.errors import WbpolicyError
from wbpolicy.evaluation.retrieval import default_roots, iter_jsonl, normalise, resolve_gold
from wbpolicy.settings import AnswerSettings, SearchSettings, describe


@dataclass(frozen=True)
class AskQuestion:
    id: str
    question: str
    country: str | None
    expect: str  # answer | abstain
    gold: tuple[str, ...]
    split: str = "dev"  # dev (tuned on) | heldout (written after tuning)


@dataclass(frozen=True)
class AskOutcome:
    id: str
    question: str
    expect: str
    country: str | None
    understood: tuple[str, ...]
    abstained: bool
    gold_rank: int | None  # 1-based position of the first answer sentence holding a gold phrase
    gold_in_hits: bool
    items: int
    seconds: float
    split: str = "dev"

    @property
    def country_ok(self) -> bool:
        return self.country is None or self.country in self.understood

    @property
    def correct(self) -> bool:
        if self.expect == "abstain":
            return self.abstained
        return self.gold_rank is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "expect": self.expect,
            "country": self.country,
            "understood": list(self.understood),
            "country_ok": self.country_ok,
            "abstained": self.abstained,
            "gold_rank": self.gold_rank,
            "gold_in_hits": self.gold_in_hits,
            "items": self.items,
            "correct": self.correct,
            "split": self.split,
            "seconds": round(self.seconds, 4),
        }


@dataclass(frozen=True)
class AskReport:
    outcomes: tuple[AskOutcome, ...]
    top_k: int
    settings: dict[str, Any] = field(default_factory=dict)  # the settings objects it ran with

    def _share(self, rows: Sequence[AskOutcome], pred: Any) -> float | None:
        return sum(1 for r in rows if pred(r)) / len(rows) if rows else None

    @property
    def answerable(self) -> list[AskOutcome]:
        return [o for o in self.outcomes if o.expect == "answer"]

    @property
    def unanswerable(self) -> list[AskOutcome]:
        return [o for o in self.outcomes if o.expect == "abstain"]

    @property
    def country_accuracy(self) -> float | None:
        return self._share(self.outcomes, lambda o: o.country_ok)

    @property
    def gold_recall(self) -> float | None:
        """Share of answerable questions whose answer quotes a gold passage."""
        return self._share(self.answerable, lambda o: o.gold_rank is not None)

    @property
    def gold_at_1(self) -> float | None:
        return self._share(self.answerable, lambda o: o.gold_rank == 1)

    @property
    def abstention_accuracy(self) -> float | None:
        """Share of unanswerable questions on which ask abstained."""
        return self._share(self.unanswerable, lambda o: o.abstained)

    @property
    def false_abstentions(self) -> int:
        return sum(1 for o in self.answerable if o.abstained)

    def split(self, name: str) -> AskReport:
        return AskReport(tuple(o for o in self.outcomes if o.split == name), self.top_k)

    @property
    def splits(self) -> list[str]:
        return list(dict.fromkeys(o.split for o in self.outcomes))

    def summary(self) -> dict[str, Any]:
        return {
            "questions": len(self.outcomes),
            "answerable": len(self.answerable),
            "unanswerable": len(self.unanswerable),
            "country_accuracy": self.country_accuracy,
            "gold_recall": self.gold_recall,
            "gold_at_1": self.gold_at_1,
            "abstention_accuracy": self.abstention_accuracy,
            "false_abstentions": self.false_abstentions,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "settings": self.settings,
            "splits": {name: self.split(name).summary() for name in self.splits},
            "top_k": self.top_k,
            "details": [o.to_json() for o in self.outcomes],
        }

    def format(self, details: bool = False) -> str:
        def pct(x: float | None) -> str:
            return "n/a" if x is None else f"{100 * x:.1f}%"

        lines = [
            (
                f"questions: {len(self.outcomes)} ({len(self.answerable)} answerable, "
                f"{len(self.unanswerable)} not answerable from the corpus)"
            ),
            f"country understood:        {pct(self.country_accuracy)}",
            (
                f"answer quotes gold:        {pct(self.gold_recall)}   (first sentence: "
                f"{pct(self.gold_at_1)})"
            ),
            f"abstained when due:        {pct(self.abstention_accuracy)}",
            f"abstained wrongly:         {self.false_abstentions}",
        ]
        if len(self.splits) > 1:
            for name in self.splits:
                sub = self.split(name)
                lines.append(
                    f"  {name:8} {len(sub.outcomes):3} questions: "
                    f"country {pct(sub.country_accuracy)},"
                    f" gold {pct(sub.gold_recall)}, abstention {pct(sub.abstention_accuracy)}"
                )
        if self.settings:
            lines.append("settings: " + json.dumps(self.settings, sort_keys=True))
        if details:
            lines.append("")
            for o in self.outcomes:
                mark = "ok " if o.correct and o.country_ok else "BAD"
                what = (
                    "abstained"
                    if o.abstained
                    else f"gold at {o.gold_rank}"
                    if o.gold_rank
                    else f"no gold in {o.items} sentences"
                    + (" (gold in hits)" if o.gold_in_hits else "")
                )
                lines.append(f"{mark} {o.id:5} {o.split:8} {o.expect:8} {what:32} {o.question}")
        return "\n".join(lines)


def load_ask_questions(
    path: Path | str, roots: Sequence[Path | str] | None = None
) -> list[AskQuestion]:
    root_paths = tuple(Path(r) for r in roots) if roots is not None else default_roots()
    cache: dict[Path, str] = {}
    out = []
    for n, rec in iter_jsonl(path):
        # the shared sets' form: "expect_abstain": true, "expect_filters": {"country": ...}
        expect = rec.get("expect") or ("abstain" if rec.get("expect_abstain") else "answer")
        country = rec.get("country") or (rec.get("expect_filters") or {}).get("country")
        if expect not in ("answer", "abstain"):
            raise WbpolicyError(f"{path}:{n}: expect must be 'answer' or 'abstain'")
        gold = tuple(
            resolve_gold(g, root_paths, cache) if isinstance(g, dict) else str(g)
            for g in rec.get("gold", [])
        )
        if expect == "answer" and not gold:
            raise WbpolicyError(f"{path}:{n}: an answerable question needs gold references")
        out.append(
            AskQuestion(
                str(rec.get("id", n)),
                rec["question"],
                country,
                expect,
                gold,
                str(rec.get("split", "dev")),
            )
        )
    return out


def evaluate_ask(
    index: Any,
    path: Path | str,
    top_k: int = 8,
    roots: Sequence[Path | str] | None = None,
    settings: AnswerSettings | None = None,
    search_settings: SearchSettings | None = None,
) -> AskReport:
    from wbpolicy.answer import ask

    settings = settings or AnswerSettings()
    search_settings = search_settings or SearchSettings()
    outcomes = []
    for q in load_ask_questions(path, roots):
        t0 = time.perf_counter()
        ans = ask(
            index, q.question, top_k=top_k, settings=settings, search_settings=search_settings
        )
        seconds = time.perf_counter() - t0
        gold = [normalise(g) for g in q.gold]
        rank = next(
            (
                i
                for i, it in enumerate(ans.items, start=1)
                if any(g in normalise(it.text) for g in gold)
            ),
            None,
        )
        in_hits = any(g in normalise(h.text) for h in ans.hits for g in gold)
        outcomes.append(
            AskOutcome(
                q.id,
                q.question,
                q.expect,
                q.country,
                ans.understood.country_set,
                ans.abstained,
                rank,
                in_hits,
                len(ans.items),
                seconds,
                q.split,
            )
        )
    return AskReport(tuple(outcomes), top_k, describe(settings, search_settings))
