"""Write the extractor's fixture PDFs into OUTDIR: ``python scripts/make_fixtures.py OUTDIR``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from pdf_fixtures import build_all


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: make_fixtures.py OUTDIR\n")
        return 2
    for name, path in build_all(Path(argv[0])).items():
        sys.stderr.write(f"{name}: {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
