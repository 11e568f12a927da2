"""Answers as text for the terminal: each quote with its source line and its footnotes."""

from __future__ import annotations

from wbpolicy.answer.types import GROUP_ABOUT, GROUP_OWN, Answer, AnswerItem, CitedNote
from wbpolicy.knowledge import knowledge
from wbpolicy.text import normalise_ws


def country_name(country_id: str) -> str:
    return knowledge().country_name(country_id)


def format_citation(c: CitedNote) -> str:
    parts = [f"fn {c.marker}: {normalise_ws(c.text)}"]
    if c.refers_to:  # "Ibid.": say which note it repeats
        parts.append(f"(= fn {c.refers_to[0]}: {normalise_ws(c.refers_to[1])})")
    if c.url and c.url not in c.text and not (c.refers_to and c.url in c.refers_to[1]):
        parts.append(c.url)
    if c.linked_doc_id:
        parts.append(f"-> in corpus: {c.linked_title} ({c.linked_doc_id})")
    return "[" + " ".join(parts) + "]"


def format_source(it: AnswerItem) -> str:
    """ "— Title (2016), p. 18, § 4.4 Kosovo*": the document's year with every citation; the
    page (both when the quote crosses a page break); the article or section of a text without
    pages; and a newer document of the same country and kind, when there is one."""
    year = f" ({it.year})" if it.year and str(it.year) not in it.title else ""
    out = f"— {it.title}{year}"
    if not it.quote_pages:  # a text without pages: its article or section says where
        if it.locator and not it.locator.startswith("§"):
            out += f", {it.locator}"  # "Art. 8"; a numbered section shows in the section path
    elif len(it.quote_pages) > 1:
        out += f", pp. {it.quote_pages[0]}-{it.quote_pages[-1]}"
    else:
        out += f", p. {it.page}" if it.page_exact else f", pp. {'-'.join(map(str, it.pages))}"
    if it.section:
        out += f", § {it.section}"
    if it.ocr:
        out += " [machine-read (OCR): check the page]"
    if it.newer:
        out += f" (newer: {it.newer[1]}, {it.newer[2]})"
    return out


def format_answer(ans: Answer) -> str:
    u = ans.understood
    lines = [f"Question: {ans.question}"]
    understood = []
    if u.countries:
        understood.append("country " + ", ".join(country_name(c) for c in u.country_set))
    for label, vals in (
        ("organisation", u.orgs),
        ("instrument", u.instruments),
        ("kind", u.kinds),
        ("year", [str(y) for y in u.years]),
    ):
        if vals:
            understood.append(f"{label} {', '.join(vals)}")
    if u.topics:
        understood.append(
            "topic " + ", ".join(f"{t} ({ans.topic_labels.get(t, t)})" for t in u.topics)
        )
    if u.content_terms:
        understood.append("words " + ", ".join(u.content_terms))
    lines.append("Understood: " + ("; ".join(understood) or "nothing specific"))
    own = [s for s in ans.searched if s.group == GROUP_OWN]
    if own:
        lines.append("Country documents searched: " + "; ".join(s.title for s in own))
    elif u.countries:
        kinds = " or ".join(u.kinds) or "document"
        lines.append(
            f"The corpus holds no {kinds} of "
            + ", ".join(country_name(c) for c in u.countries)
            + "; quoting what other documents say about it."
        )
    if ans.abstained:
        lines += ["", ans.message or "No answer."]
        return "\n".join(lines)
    for _, items in ans.groups():
        first = items[0]
        head = (
            f"About {country_name(first.country or '')} in"
            if first.group == GROUP_ABOUT
            else first.group[:1].upper() + first.group[1:] + ":"
        )
        lines += ["", f"== {head} {first.title} ({first.doc_kind or 'document'}) =="]
        for it in items:
            cites = " ".join(format_citation(c) for c in it.citations)
            lines.append(
                f"“{normalise_ws(it.text)}” {format_source(it)}" + (f" {cites}" if cites else "")
            )
    return "\n".join(lines)
