"""Regenerate corpus/manifest.json from the shared corpus metadata (../shared/corpus/MANIFEST.json).

Reads metadata only (titles, kinds, sources, hashes); no document text goes into the repository.

    PYTHONPATH=src .venv/bin/python scripts/build_corpus_manifest.py [SHARED_MANIFEST] [OUT]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from wbpolicy.corpus import entries_from_shared, write_manifest  # noqa: E402


def main(argv: list[str]) -> int:
    shared = Path(argv[1]) if len(argv) > 1 else REPO.parent / "shared" / "corpus" / "MANIFEST.json"
    out = Path(argv[2]) if len(argv) > 2 else REPO / "corpus" / "manifest.json"
    if not shared.is_file():
        print(f"shared manifest not found: {shared}", file=sys.stderr)
        return 1
    entries = entries_from_shared(json.loads(shared.read_text(encoding="utf-8")))
    write_manifest(entries, out)
    kinds: dict[str, int] = {}
    for e in entries:
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    print(
        f"wrote {len(entries)} entries to {out}: "
        + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
