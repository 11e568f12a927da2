"""Score the entity tagger on annotated sentences (scoring of ../shared/eval/README.md).

Usage: PYTHONPATH=src python scripts/eval_entities.py [--errors] [--json] [FILE...]
Without FILE: ../shared/eval/dev_entities.jsonl and eval/entities_extra.jsonl (the latter split
into report sentences and other-document sentences).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from wbpolicy.enrich.tag import get_tagger  # noqa: E402
from wbpolicy.evaluation.entities import (  # noqa: E402
    evaluate_entities,
    format_report,
    load_records,
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--errors", action="store_true", help="list false positives/negatives")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    tagger = get_tagger()
    reports = []
    if args.files:
        for f in args.files:
            reports.append(evaluate_entities(f, tagger, shared_dir=args.shared))
    else:
        dev = args.shared / "eval" / "dev_entities.jsonl"
        if dev.is_file():
            reports.append(evaluate_entities(dev, tagger, shared_dir=args.shared))
        extra = ROOT / "eval" / "entities_extra.jsonl"
        if extra.is_file():
            recs = load_records(extra, args.shared)
            rep = [r for r in recs if r.source.startswith("reference/")]
            other = [r for r in recs if not r.source.startswith("reference/")]
            reports.append(evaluate_entities(rep, tagger, name="extra: report sentences"))
            reports.append(evaluate_entities(other, tagger, name="extra: other documents"))
    if args.json:
        print(json.dumps([r.to_json() for r in reports], indent=2))
    else:
        print(format_report(reports, show_errors=args.errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
