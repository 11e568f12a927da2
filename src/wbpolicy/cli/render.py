"""Human-readable rendering of library results (the --json forms come from the results)."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any


def _width() -> int:
    return max(60, min(110, shutil.get_terminal_size((100, 20)).columns))


def _wrap(text: str, indent: str = "   ") -> str:
    return "\n".join(
        textwrap.fill(
            para,
            width=_width(),
            initial_indent=indent,
            subsequent_indent=indent,
            break_on_hyphens=False,
            break_long_words=False,
        )
        for para in text.split("\n")
        if para.strip()
    )


def pages_label(pages: Sequence[int]) -> str:
    if not pages:
        return "no page"
    if len(pages) == 1:
        return f"p. {pages[0]}"
    return f"pp. {pages[0]}-{pages[-1]}"


def citation_lines(citations: Iterable[Any], indent: str = "   ") -> list[str]:
    lines = []
    for c in citations:
        url = f" <{c.url}>" if c.url and c.url not in c.text else ""
        lines.append(
            textwrap.fill(
                f"[{c.marker}] {c.text}{url}",
                width=_width(),
                initial_indent=indent,
                subsequent_indent=indent + "    ",
                break_on_hyphens=False,
                break_long_words=False,
            )
        )
    return lines


def with_year(title: str, year: int | None) -> str:
    """ "Title (2016)"; the title alone when it says its year already."""
    return f"{title} ({year})" if year and str(year) not in title else title


def hits_text(hits: Sequence[Any]) -> str:
    out = []
    for h in hits:
        title = with_year(h.title, h.doc_year)
        pages = pages_label(h.pages) if h.paginated else None  # a text without pages
        where = " — ".join(filter(None, [title, pages, f"§ {h.section}" if h.section else None]))
        kind = ("" if h.kind == "body" else f" ({h.kind})") + (" (OCR)" if h.ocr else "")
        out.append(f"{h.rank}. {where}{kind}  [{h.doc_id}, score {h.score:.3f}]")
        out.append(_wrap(h.text))
        out.extend(citation_lines(h.citations))
        out.append("")
    return "\n".join(out).rstrip()


def document_rows(documents: Sequence[Any]) -> str:
    """One row per document: the full id (what `show` and `--doc` take), then the title."""
    if not documents:
        return "no documents indexed"
    width = max(6, *(len(d.doc_id) for d in documents))
    head = (
        f"{'doc_id':<{width}} {'kind':<10} {'country':<7} {'year':<5} {'pages':>5} "
        f"{'passages':>8}  {'problems':<12} title"
    )
    rows = [head, "-" * len(head)]
    for d in documents:
        probs = ", ".join(sorted({p.code for p in d.problems})) or "-"
        rows.append(
            f"{d.doc_id:<{width}} {d.kind:<10} {d.country or '-':<7} {d.year or '-'!s:<5} "
            f"{d.pages:>5} {d.passages:>8}  {probs:<12} {d.title}"
        )
    return "\n".join(rows)


def problem_line(p: Any, with_path: bool = True) -> str:
    """ "NOT INDEXED: PATH: corrupt: not a PDF" / "warning: PATH: no-text: ... (pages 2, 5)"."""
    status = "NOT INDEXED" if p.fatal else "warning"
    pages = f" (pages {', '.join(map(str, p.pages))})" if p.pages else ""
    where = f"{p.path}: " if with_path else ""
    return f"{status}: {where}{p.code}: {p.message}{pages}"


def problem_rows(problems: Sequence[Any]) -> str:
    if not problems:
        return "no problems recorded"
    return "\n".join(problem_line(p) for p in problems)


def document_view(doc: Any) -> str:
    """A document's record, field by field; unknown fields say "unknown", never "None"."""
    fields = [
        ("id", doc.doc_id),
        ("title", doc.title),
        ("kind", doc.kind),
        ("country", doc.country),
        ("year", doc.year),
        ("language", doc.language),
        ("format", doc.format),
        ("pages", doc.pages),
        ("passages", doc.passages),
        ("file", doc.path),
        ("source", doc.source_url),
        ("sha256", doc.sha256),
    ]
    lines = [
        f"{name + ':':<10} {value if value not in (None, '') else 'unknown'}"
        for name, value in fields
    ]
    lines += [f"{'problem:':<10} {problem_line(p, with_path=False)}" for p in doc.problems]
    return "\n".join(lines)


def page_view(view: Any) -> str:
    """A page or passage view from wbpolicy.catalog, or a Document."""
    if hasattr(view, "render"):
        return view.render()
    data = view.to_json() if hasattr(view, "to_json") else vars(view)
    return "\n".join(f"{k}: {v}" for k, v in data.items())


def entity_rows(rows: Sequence[Any]) -> str:
    if not rows:
        return "no entities"
    head = f"{'id':<45} {'label':<10} {'mentions':>8} {'docs':>5}  name"
    out = [head, "-" * len(head)]
    for r in rows:
        out.append(f"{r.id[:45]:<45} {r.label:<10} {r.mentions:>8} {r.documents:>5}  {r.name}")
    return "\n".join(out)


def entity_detail_text(detail: Any) -> str:
    out = [f"{detail.id} ({detail.label}): {detail.name}"]
    if detail.aliases:
        out.append("aliases: " + "; ".join(detail.aliases))
    out.append(f"{detail.mentions} mentions in {detail.documents} documents")
    out.append("")
    out.append(hits_text(detail.passages))
    return "\n".join(out).rstrip()
