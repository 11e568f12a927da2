"""HTML fragments of the analyst's page, rendered on the server from the library's objects.

Every text is escaped here; every link is built from ids and numbers with ``urlencode``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from wbpolicy.models import Citation, Hit

if TYPE_CHECKING:
    from wbpolicy.answer import Answer, Matrix
    from wbpolicy.answer.types import AnswerItem, CitedNote
    from wbpolicy.index.catalog import PageView

e = html.escape
FACET_TITLES = {
    "country": "Country",
    "kind": "Kind",
    "org": "Organisation",
    "instrument": "Instrument",
    "year": "Year",
}
SNIPPET = 160

Params = Sequence[tuple[str, str]]


def view_url(doc_id: str, page: int | None, passage_id: int | None = None, q: str = "") -> str:
    params: list[tuple[str, str]] = []
    if passage_id is not None:
        params.append(("highlight", str(passage_id)))
    if q:
        params.append(("quote", q))
    url = f"/view/{quote(doc_id, safe='')}/{page or 1}"
    return url + ("?" + urlencode(params) if params else "")


def png_url(doc_id: str, page: int, passage_id: int | None, q: str | None) -> str:
    params = [("highlight", str(passage_id))] if passage_id is not None else []
    params += [("quote", q)] if q else []
    url = f"/api/documents/{quote(doc_id, safe='')}/pages/{page}.png"
    return url + ("?" + urlencode(params) if params else "")


def pages_label(page: int | None, pages: Sequence[int]) -> str:
    if len(pages) > 1:
        return f"pp. {pages[0]}–{pages[-1]}"
    return f"p. {page}" if page is not None else "no page"


def safe_url(url: str | None) -> str | None:
    """Only web links become links (a PDF's text could hold a ``javascript:`` URL)."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def note_html(marker: str, text: str, url: str | None, extra: str = "") -> str:
    url = safe_url(url)
    link = f'<a class="fn-url" href="{e(url)}" rel="noreferrer">{e(url)}</a>' if url else ""
    if url and url in text:  # the URL the note gives, linked where it stands
        head, _, tail = text.partition(url)
        body, link = e(head) + link + e(tail), ""
    else:
        body, link = e(text), (" " + link if link else "")
    return f'<li><span class="fn-marker">{e(marker)}</span> {body}{link}{extra}</li>'


def marked_text(text: str, citations: Sequence[Citation]) -> str:
    """The passage text with each footnote marker put back where it stood."""
    out, pos = [], 0
    for c in sorted(citations, key=lambda c: c.offset):
        at = max(pos, min(len(text), c.offset))
        out.append(e(text[pos:at]))
        out.append(f'<sup class="fn-ref">{e(c.marker)}</sup>')
        pos = at
    out.append(e(text[pos:]))
    return "".join(out)


def cite_text(quote_text: str, source: str, notes: Iterable[str]) -> str:
    notes = list(notes)
    return f"“{' '.join(quote_text.split())}” {source}" + (" " + " ".join(notes) if notes else "")


def copy_button(citation: str) -> str:
    return (
        f'<button type="button" class="copy-cite" data-cite="{e(citation)}">Copy citation</button>'
    )


def hit_source(h: Hit) -> str:
    out = f"— {h.title}, {pages_label(h.page, h.pages)}"
    return out + (f", § {h.section}" if h.section else "")


def hit_html(h: Hit) -> str:
    notes = "".join(note_html(c.marker, c.text, c.url) for c in h.citations)
    cite = cite_text(
        h.text,
        hit_source(h),
        (f"[fn {c.marker}: {' '.join(c.text.split())}]" for c in h.citations),
    )
    section = f'<span class="section">{e(h.section)}</span>' if h.section else ""
    kind = e(h.doc_kind or "document")
    return f"""<article class="hit" data-passage="{h.passage_id}" data-doc="{e(h.doc_id)}">
<h3><a class="hit-link" href="{e(view_url(h.doc_id, h.page, h.passage_id))}">{e(h.title)}</a></h3>
<div class="meta"><span class="page">{pages_label(h.page, h.pages)}</span> {section}
<span class="kind">{kind}</span> <span class="doc-id">{e(h.doc_id)}</span></div>
<blockquote class="passage">{marked_text(h.text, h.citations)}</blockquote>
{f'<ol class="notes">{notes}</ol>' if notes else ""}
<div class="actions">{copy_button(cite)}</div>
</article>"""


def hits_html(hits: Sequence[Hit], total_note: str = "") -> str:
    if not hits:
        return '<p class="empty">No passage found. Try other words or remove a filter.</p>'
    items = "\n".join(hit_html(h) for h in hits)
    return f'<section class="hits"><h2>Passages {total_note}</h2>\n{items}</section>'


def cited_note_html(c: CitedNote) -> str:
    link = ""
    if c.linked_doc_id:
        href = e(f"/documents#{quote(c.linked_doc_id, safe='')}")
        link = f' <a class="linked" href="{href}">→ in the corpus: {e(c.linked_title or "")}</a>'
    return note_html(c.marker, c.text, c.url, link)


def answer_item_html(it: AnswerItem) -> str:
    from wbpolicy.answer.render import format_citation, format_source

    cite = cite_text(it.text, format_source(it), (format_citation(c) for c in it.citations))
    notes = "".join(cited_note_html(c) for c in it.citations)
    where = pages_label(it.page, it.pages if not it.page_exact else ())
    section = f'<span class="section">{e(it.section)}</span>' if it.section else ""
    open_link = (
        f'<a class="open-page" href="{e(view_url(it.doc_id, it.page, it.passage_id, it.text))}">'
        f"Open {where}</a>"
        if it.page is not None
        else ""
    )
    return f"""<li class="answer-item" data-passage="{it.passage_id}">
<blockquote>{e(" ".join(it.text.split()))}</blockquote>
<div class="meta"><span class="page">{where}</span> {section}</div>
{f'<ol class="notes">{notes}</ol>' if notes else ""}
<div class="actions">{open_link} {copy_button(cite)}</div></li>"""


def answer_html(ans: Answer) -> str:
    """The answer grouped as the CLI groups it: one group per document, in the order of its
    best quote, headed "Country document", "About <country> in" or "Document"."""
    from wbpolicy.answer.render import country_name, format_answer
    from wbpolicy.answer.types import GROUP_ABOUT

    header = format_answer(ans).split("\n\n", 1)[0].splitlines()[1:]  # the Understood lines
    head = "".join(f"<li>{e(line)}</li>" for line in header)
    out = [f'<section class="answer"><h2>Answer</h2><ul class="understood">{head}</ul>']
    if ans.abstained:
        message = e(ans.message or "No answer.")
        out.append(f'<p class="abstain" role="status">{message}</p></section>')
        return "\n".join(out)
    for _, items in ans.groups():
        first = items[0]
        if first.group == GROUP_ABOUT:
            label = f"About {country_name(first.country or '')} in"
        else:
            label = first.group[:1].upper() + first.group[1:] + ":"
        kind = e(first.doc_kind or "document")
        out.append(
            f'<div class="answer-group"><h3><span class="group">{e(label)}</span> '
            f"{e(first.title)} <small>({kind})</small></h3><ol>"
        )
        out += [answer_item_html(it) for it in items]
        out.append("</ol></div>")
    out.append("</section>")
    return "\n".join(out)


def facets_html(
    facets: Mapping[str, list[dict[str, Any]]], params: Params, base: Params = ()
) -> str:
    """Facet values as links that add (or, when active, remove) a filter; ``base`` is what
    every link keeps (the query)."""
    active = {(k, v) for k, v in params}
    blocks = []
    for facet, values in facets.items():
        if not values:
            continue
        links = []
        for v in values[:12]:
            on = (facet, v["value"]) in active
            if on:
                new = [(k, x) for k, x in params if (k, x) != (facet, v["value"])]
            else:
                new = [*params, (facet, v["value"])]
            cls = "facet on" if on else "facet"
            href = "/?" + urlencode([*base, *new])
            links.append(
                f'<li><a class="{cls}" data-facet="{e(facet)}" data-value="{e(v["value"])}" '
                f'href="{e(href)}">{e(v["label"])} <span class="count">{v["count"]}</span></a></li>'
            )
        title = FACET_TITLES.get(facet, facet)
        blocks.append(f'<div class="facet-group"><h4>{title}</h4><ul>{"".join(links)}</ul></div>')
    if not blocks:
        return ""
    return '<aside class="facets"><h3>Refine</h3>' + "".join(blocks) + "</aside>"


def active_filters_html(params: Params, base: Params = ()) -> str:
    chips = []
    for k, v in params:
        if k not in FACET_TITLES and k != "doc":
            continue
        rest = [(a, b) for a, b in params if (a, b) != (k, v)]
        href = e("/?" + urlencode([*base, *rest]))
        chips.append(f'<a class="chip" href="{href}" title="remove">{e(k)}: {e(v)} ×</a>')
    return f'<div class="active-filters">{"".join(chips)}</div>' if chips else ""


def search_form(q: str, as_: str, params: Params) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{e(k)}" value="{e(v)}">'
        for k, v in params
        if k in FACET_TITLES or k == "doc"
    )
    options = "".join(
        f'<option value="{v}"{" selected" if v == as_ else ""}>{label}</option>'
        for v, label in (
            ("auto", "search + answer questions"),
            ("search", "search"),
            ("ask", "ask"),
        )
    )
    return f"""<form class="search" action="/" method="get" role="search">
<input id="q" name="q" type="search" value="{e(q)}" maxlength="500" autofocus
 placeholder="Search or ask: Does Kosovo have a national CERT?" aria-label="Search or ask">
<select name="as" aria-label="what to do">{options}</select>
<button type="submit">Go</button>{hidden}
</form>"""


def brief_form(topic: str) -> str:
    return f"""<section class="brief"><h3>Briefing download</h3>
<form action="/api/brief" method="get" class="brief-form">
<input type="hidden" name="download" value="true">
<label>Topic <input name="topic" value="{e(topic)}" maxlength="200" required
 placeholder="capacity building"></label>
<label>Countries <input name="countries" placeholder="AL,XK,ME (default: the region)"></label>
<button type="submit" name="format" value="md" class="dl-md">Markdown</button>
<button type="submit" name="format" value="csv" class="dl-csv">CSV</button>
</form></section>"""


def _mark_in(text: str, target: str) -> str | None:
    """``text`` escaped with ``target`` marked, matching whitespace-insensitively."""
    words = target.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    m = re.search(pattern, text)
    if m is None:
        return None
    return e(text[: m.start()]) + f'<mark id="quote">{e(m.group(0))}</mark>' + e(text[m.end() :])


def page_text_html(view: PageView, targets: Sequence[str]) -> str:
    if not view.has_text:
        return '<p class="empty">(no text layer on this page)</p>'
    for t in targets:
        marked = _mark_in(view.text, t)
        if marked is not None:
            return f'<div class="page-text">{marked}</div>'
    return f'<div class="page-text">{e(view.text)}</div>'


def page_nav(doc_id: str, page: int, pages: int) -> str:
    prev = (
        f'<a class="prev" rel="prev" href="{e(view_url(doc_id, page - 1))}">← page {page - 1}</a>'
        if page > 1
        else '<span class="prev disabled">← </span>'
    )
    nxt = (
        f'<a class="next" rel="next" href="{e(view_url(doc_id, page + 1))}">page {page + 1} →</a>'
        if page < pages
        else '<span class="next disabled"> →</span>'
    )
    return (
        f'<nav class="pager">{prev} <span class="where">page {page} of {pages}</span> {nxt}</nav>'
    )


def page_view_html(
    view: PageView,
    *,
    image: str | None,
    focus: float | None,
    highlight: int | None,
    quote_text: str | None,
    source_url: str | None,
) -> str:
    targets = [quote_text] if quote_text else []
    targets += [p.text for p in view.passages if p.passage_id == highlight]
    notes = "".join(note_html(c.marker, c.text, c.url) for c in view.citations)
    figure = (
        f'<figure class="page-image" data-focus="{focus if focus is not None else ""}">'
        f'<img id="page-img" src="{e(image)}" alt="page {view.page} of {e(view.title)}, '
        f'the quoted text highlighted"></figure>'
        if image
        else '<p class="empty">No page image: this document is not a PDF on this machine.</p>'
    )
    source_url = safe_url(source_url)
    src = f' · <a href="{e(source_url)}" rel="noreferrer">source</a>' if source_url else ""
    return f"""<section class="page-view" data-doc="{e(view.doc_id)}" data-page="{view.page}">
<h2>{e(view.title)}</h2>
<p class="doc-meta"><code>{e(view.doc_id)}</code>{src}</p>
{page_nav(view.doc_id, view.page, view.pages)}
<div class="page-columns">{figure}
<div class="page-side"><h3>Page text</h3>{page_text_html(view, targets)}
{f'<h3>Footnotes</h3><ol class="notes">{notes}</ol>' if notes else ""}</div></div>
</section>"""


def matrix_html(m: Matrix) -> str:
    from wbpolicy.answer.render import format_source
    from wbpolicy.answer.topic import NO_EVIDENCE, country_label

    head = "".join(f"<th>{e(t.table1 or t.label)}</th>" for t in m.topics)
    rows = []
    for c in m.countries:
        cells = []
        for t in m.topics:
            cell = m.cell(c, t.id)
            mark = f'<span class="table1">Table 1: {e(cell.table1)}</span>' if cell.table1 else ""
            it = cell.item
            if it is None:
                cells.append(f'<td class="none">{mark}<span>{e(NO_EVIDENCE)}</span></td>')
                continue
            text = " ".join(it.text.split())
            short = text if len(text) <= SNIPPET else text[: SNIPPET - 1].rstrip() + "…"
            href = e(view_url(it.doc_id, it.page, it.passage_id, it.text))
            cells.append(
                f'<td class="found">{mark}<a class="evidence" href="{href}" '
                f'title="{e(text)}">“{e(short)}”</a><cite>{e(format_source(it))}</cite></td>'
            )
        rows.append(f"<tr><th>{e(country_label(c))} ({e(c)})</th>{''.join(cells)}</tr>")
    return (
        f'<table class="matrix"><thead><tr><th>Country</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def matrix_form(topics: str, countries: str) -> str:
    csv_href = e(
        "/api/matrix?" + urlencode({"topics": topics, "countries": countries, "format": "csv"})
    )
    return f"""<form class="matrix-form" action="/matrix" method="get">
<label>Topics <input name="topics" value="{e(topics)}" maxlength="400"></label>
<label>Countries <input name="countries" value="{e(countries)}" maxlength="400"
 placeholder="default: the region"></label>
<button type="submit">Build</button>
<a class="dl" href="{csv_href}" download="matrix.csv">CSV</a>
</form>"""


def documents_html(docs: Sequence[dict[str, Any]]) -> str:
    rows = []
    for d in docs:
        link = e(view_url(d["doc_id"], 1)) if d.get("pages") else ""
        title = f'<a href="{link}">{e(d["title"])}</a>' if link else e(d["title"])
        rows.append(
            f'<tr id="{e(d["doc_id"])}"><td>{title}<br><code>{e(d["doc_id"])}</code></td>'
            f"<td>{e(d.get('kind') or '')}</td><td>{e(d.get('country') or '')}</td>"
            f"<td>{e(str(d.get('year') or ''))}</td><td>{d.get('pages', 0)}</td>"
            f"<td>{d.get('passages', 0)}</td></tr>"
        )
    return (
        '<table class="documents"><thead><tr><th>Document</th><th>Kind</th><th>Country</th>'
        "<th>Year</th><th>Pages</th><th>Passages</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
