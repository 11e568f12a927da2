"""``wbpolicy serve``: the JSON API (equal to the CLI's ``--json``), the page images with their
highlights, the analyst's page, the error statuses and the safety rules, over a small real index
ingested (hash:64 embedder) from generated PDFs and a markdown strategy."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from wbpolicy.cli import main

pytest.importorskip("fastapi")
pytest.importorskip("pypdfium2")

REPORT_ID = "wb-test-report-2016"
STRATEGY_ID = "me-test-strategy-2013"
STRUCTURED_ID = "structured"
REPORT_TITLE = "Cyber Readiness in the Western Balkans"
ALBANIA_URL = "http://example.org/alcirt-report.pdf"
QUESTION = "Does Montenegro have a law on information security?"
MONTENEGRO_LAW = "Montenegro adopted its Law on Information Security in 2010."

# the report: per page, (kind, value); "{n}" in a line is a superscript footnote marker
REPORT_PAGES: list[list[tuple[str, Any]]] = [
    [
        ("h1", REPORT_TITLE),
        ("h2", "1 Introduction"),
        (
            "p",
            [
                "This review looks at cyber readiness in the Western Balkans and relies on public",
                "sources and on interviews with the national authorities of each country{1}.",
            ],
        ),
        ("h2", "2 Albania"),
        (
            "p",
            [
                "Albania created its National Agency for Cyber Security in 2011 as the national",
                "institution for response to cyber incidents{2}. A national cybersecurity strategy",
                "was adopted in 2015 and covers the protection of critical infrastructure.",
            ],
        ),
        (
            "notes",
            [
                ("1", "Interviews conducted in Tirana and Pristina in March 2016."),
                ("2", f"Available at: {ALBANIA_URL}"),
            ],
        ),
    ],
    [
        ("h2", "3 Kosovo*"),
        (
            "p",
            [
                "Kosovo* does not have a stand-alone law on cybersecurity. In January 2016 the",
                "Government of Kosovo* adopted its National Cyber Security Strategy and Action",
                "Plan 2016-2019{3}. KOS-CERT, the national CERT, works within the regulator.",
            ],
        ),
        ("h2", "4 Montenegro"),
        (
            "p",
            [
                "Montenegro adopted its Law on Information Security in 2010. The Government will",
                "set up procedures for the regular exchange of information with the private "
                "sector,",
                "such as banks and internet providers, in a public-private partnership{4}.",
            ],
        ),
        (
            "notes",
            [
                (
                    "3",
                    "National Cyber Security Strategy, available at: "
                    "http://example.org/kosovo-ncss.pdf",
                ),
                ("4", "Action 6 of the National Action Plan of Montenegro, 2013."),
            ],
        ),
    ],
    [
        ("h2", "5 Serbia"),
        (
            "p",
            [
                "Serbia adopted its law on information security in 2016 and set up a national CERT",
                "inside the telecommunications regulator. Education in cybersecurity is offered",
                "by two universities, and training of civil servants remains limited.",
            ],
        ),
        ("h2", "6 Conclusions"),
        (
            "p",
            [
                "All countries of the region would benefit from capacity building, from shared",
                "training and from lasting public-private partnerships with operators.",
            ],
        ),
    ],
]

STRATEGY = """\
# National Cyber Security Strategy for Montenegro 2013-2017

## 1 Introduction

This Strategy sets the goals of Montenegro for a secure cyberspace until 2017.

## 4 Public-private partnership

Montenegro will build a public-private partnership with the operators of critical \
information infrastructure. Banks and telecommunication operators will share information \
about incidents with the national CIRT.
"""

# what a corpus manifest would say: kind, country, year, title
META = {
    REPORT_ID: ("report", "WB", 2016, REPORT_TITLE),
    STRATEGY_ID: ("strategy", "ME", 2013, None),
    STRUCTURED_ID: ("report", None, 2020, None),
}


def _line(pdf: Any, y: float, line: str) -> None:
    x = 60.0
    for i, part in enumerate(line.replace("}", "{").split("{")):
        if not part:
            continue
        if i % 2:  # a footnote marker: smaller and raised
            pdf.set_font("Times", size=7)
            pdf.text(x, y - 4.5, part)
        else:
            pdf.set_font("Times", size=11)
            pdf.text(x, y, part)
        x += pdf.get_string_width(part)


def _notes(pdf: Any, notes: list[tuple[str, str]]) -> None:
    pdf.set_line_width(0.5)
    pdf.line(60, 740, 210, 740)
    y = 752.0
    for marker, text in notes:
        pdf.set_font("Times", size=6)
        pdf.text(60, y - 3, marker)
        pdf.set_font("Times", size=8)
        pdf.text(60 + pdf.get_string_width(marker) + 1.5, y, text)
        y += 10


def write_report(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    for number, items in enumerate(REPORT_PAGES, start=1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=8)
        pdf.text(60, 32, "Regional Cyber Review - Test Edition")
        pdf.text(500, 812, f"Page {number}")
        y = 80.0
        for kind, value in items:
            if kind in ("h1", "h2"):
                size = 18 if kind == "h1" else 14
                pdf.set_font("Helvetica", "B", size)
                pdf.text(60, y, value)
                y += size + 14
            elif kind == "p":
                for line in value:
                    _line(pdf, y, line)
                    y += 14
                y += 10
            else:
                _notes(pdf, value)
    pdf.output(str(path))
    return path


def build_serve_index(root: Path) -> Path:
    """Ingest the fixture corpus (two PDFs, one markdown file) into ``root/index``."""
    from pdf_fixtures import structured
    from wbpolicy.embed import load_embedder
    from wbpolicy.ingest import ingest
    from wbpolicy.settings import load_settings

    corpus = root / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    write_report(corpus / f"{REPORT_ID}.pdf")
    structured(corpus / f"{STRUCTURED_ID}.pdf")
    (corpus / f"{STRATEGY_ID}.md").write_text(STRATEGY, encoding="utf-8")
    settings = load_settings(index_dir=root / "index", model="hash:64")

    def metadata(path: Path, sha256: str) -> SimpleNamespace | None:
        if path.stem not in META:
            return None
        kind, country, year, title = META[path.stem]
        return SimpleNamespace(
            doc_id=path.stem,
            title=title,
            kind=kind,
            country=country,
            year=year,
            language="en",
            url=None,
        )

    summary = ingest([corpus], settings, embedder=load_embedder("hash:64"), metadata=metadata)
    assert summary.documents == 3, summary
    return root / "index"


_BUILT: dict[str, Path] = {}


def serve_index(factory: pytest.TempPathFactory) -> Path:
    """The fixture index, built once per test process (the browser and MCP tests share it)."""
    if "index" not in _BUILT:
        _BUILT["index"] = build_serve_index(factory.mktemp("serve"))
    return _BUILT["index"]


def cli_command() -> list[str]:
    """``wbpolicy`` as a subprocess of this interpreter."""
    return [sys.executable, "-c", "from wbpolicy.cli import main; main()"]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return serve_index(tmp_path_factory)


@pytest.fixture(scope="module")
def settings(index_dir: Path):
    from wbpolicy.settings import load_settings

    return load_settings(index_dir=index_dir, model="hash:64")


@pytest.fixture(scope="module")
def client(settings):
    from fastapi.testclient import TestClient

    from wbpolicy.serve.app import create_app

    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.service.close()


def cli(index_dir: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--index", str(index_dir), "--model", "hash:64", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def cli_json(index_dir: Path, *args: str) -> Any:
    return json.loads(cli(index_dir, *args))


def passage_on(client, doc_id: str, page: int, starts: str) -> int:
    view = client.get(f"/api/documents/{doc_id}/pages/{page}").json()
    return next(p["passage_id"] for p in view["passages"] if p["text"].startswith(starts))


# --------------------------------------------------------------------------------------------
# the JSON API is the CLI's --json


@pytest.mark.parametrize(
    ("url", "args"),
    [
        ("/api/search?q=national%20CERT", ["search", "national CERT", "--json"]),
        (
            "/api/search?q=cybersecurity%20strategy&country=Albania&kind=report&top_k=3",
            ["search", "cybersecurity strategy", "--country", "Albania", "--kind", "report"]
            + ["--top-k", "3", "--json"],
        ),
        (
            f"/api/search?q=law%20on%20information%20security&mode=lexical&year=2015..2016"
            f"&doc={REPORT_ID}&country=ME,RS",
            ["search", "law on information security", "--mode", "lexical", "--year"]
            + ["2015..2016", "--doc", REPORT_ID, "--country", "ME", "--country", "RS", "--json"],
        ),
        (f"/api/ask?q={QUESTION}", ["ask", QUESTION, "--json"]),
        (
            "/api/ask?q=national%20CERT%20of%20Kosovo&top_k=4",
            ["ask", "national CERT of Kosovo"] + ["--top-k", "4", "--json"],
        ),
        (
            "/api/brief?topic=capacity%20building&countries=AL,XK,ME&format=json",
            ["brief", "capacity building", "--countries", "AL,XK,ME", "--format", "json"],
        ),
        ("/api/matrix", ["matrix", "--format", "json"]),
        (
            "/api/matrix?topics=law,cert&countries=ME,Serbia",
            ["matrix", "--topics", "law,cert", "--countries", "ME,Serbia", "--format", "json"],
        ),
        ("/api/documents", ["docs", "--json"]),
        (f"/api/documents/{REPORT_ID}", ["show", REPORT_ID, "--json"]),
        (f"/api/documents/{REPORT_ID}/pages/2", ["show", REPORT_ID, "--page", "2", "--json"]),
        ("/api/entities", ["entities", "--json"]),
        ("/api/entities?label=COUNTRY", ["entities", "--label", "COUNTRY", "--json"]),
        ("/api/entities/XK", ["entities", "XK", "--json"]),
    ],
)
def test_api_json_is_the_cli_json(client, index_dir: Path, url: str, args: list[str]) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == cli_json(index_dir, *args)


def test_passage_json_is_the_cli_json(client, index_dir: Path) -> None:
    pid = passage_on(client, REPORT_ID, 2, "Montenegro adopted")
    got = client.get(f"/api/passages/{pid}").json()
    assert got == cli_json(index_dir, "show", REPORT_ID, "--passage", str(pid), "--json")
    assert got["page"] == 2 and got["section"] == "4 Montenegro"
    assert [c["marker"] for c in got["citations"]] == ["4"]


@pytest.mark.parametrize("fmt", ["md", "csv"])
def test_brief_text_formats_are_the_cli_output(client, index_dir: Path, fmt: str) -> None:
    url = f"/api/brief?topic=capacity%20building&countries=AL,RS&format={fmt}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith({"md": "text/markdown"}.get(fmt, "text/csv"))
    expected = cli(index_dir, "brief", "capacity building", "--countries", "AL,RS", "--format", fmt)
    assert response.text + "\n" == expected
    assert "content-disposition" not in response.headers
    download = client.get(url + "&download=true")
    assert download.headers["content-disposition"] == (
        f'attachment; filename="brief-capacity-building.{fmt}"'
    )


def test_search_carries_page_section_and_footnotes(client) -> None:
    hits = client.get("/api/search?q=National%20Agency%20for%20Cyber%20Security%20Albania").json()
    top = hits["hits"][0]
    assert (top["doc_id"], top["page"], top["section"]) == (REPORT_ID, 1, "2 Albania")
    assert {"marker": "2", "text": f"Available at: {ALBANIA_URL}", "url": ALBANIA_URL} in top[
        "citations"
    ]


def test_ask_quotes_verbatim_with_page(client) -> None:
    answer = client.get("/api/ask", params={"q": QUESTION}).json()
    assert not answer["abstained"]
    first = answer["answer"][0]
    assert (first["text"], first["page"], first["doc_id"]) == (MONTENEGRO_LAW, 2, REPORT_ID)


def test_facets_count_the_hits(client) -> None:
    body = client.get("/api/facets?q=national%20CERT%20law").json()
    facets = body["facets"]
    assert set(facets) == {"country", "kind", "org", "instrument", "year"}
    assert sum(v["count"] for v in facets["kind"]) == body["hits"]
    countries = {v["value"]: v for v in facets["country"]}
    assert countries["AL"]["label"] == "Albania"
    filtered = client.get("/api/search?q=national%20CERT%20law&country=AL&top_k=50").json()
    assert len(filtered["hits"]) >= countries["AL"]["count"]


def test_web_hits_are_the_first_of_the_facet_search(client) -> None:
    from wbpolicy.serve.service import FilterArgs

    service = client.app.state.service
    shallow = service.search("national CERT", top_k=10, mode="hybrid", filters=FilterArgs())
    deep, _ = service.search_with_facets(
        "national CERT", top_k=10, mode="hybrid", filters=FilterArgs()
    )
    assert [h.passage_id for h in deep.hits] == [h.passage_id for h in shallow.hits]


def test_health_and_openapi(client) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["documents"] == 3 and health["model"] == "hash:64"
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    for path in (
        "/api/search",
        "/api/ask",
        "/api/brief",
        "/api/matrix",
        "/api/documents",
        "/api/documents/{doc_id}",
        "/api/documents/{doc_id}/pages/{page}",
        "/api/documents/{doc_id}/pages/{page}.png",
        "/api/entities",
        "/healthz",
    ):
        assert path in paths, path
    assert client.get("/docs").status_code == 404  # Swagger UI would load a CDN


# --------------------------------------------------------------------------------------------
# page images and highlights


def _yellow_pixels(png: bytes) -> int:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    raw = image.resize((image.width // 4, image.height // 4)).tobytes()
    pixels = zip(raw[0::3], raw[1::3], raw[2::3], strict=True)
    return sum(1 for r, g, b in pixels if r > 200 and g > 180 and b < 170)


def test_page_png_highlights_the_passage(client) -> None:
    pid = passage_on(client, REPORT_ID, 2, "Montenegro adopted")
    plain = client.get(f"/api/documents/{REPORT_ID}/pages/2.png")
    lit = client.get(f"/api/documents/{REPORT_ID}/pages/2.png?highlight={pid}&width=800")
    assert plain.status_code == lit.status_code == 200
    assert lit.headers["content-type"] == "image/png" and lit.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert plain.headers["x-highlight-boxes"] == "0"
    assert lit.headers["x-highlight-boxes"] == "3"  # the passage's three lines
    from PIL import Image

    assert Image.open(io.BytesIO(lit.content)).width == 800
    assert _yellow_pixels(plain.content) == 0 < _yellow_pixels(lit.content)


def test_highlight_boxes_come_from_the_pdf_characters(client) -> None:
    pid = passage_on(client, REPORT_ID, 2, "Montenegro adopted")
    url = f"/api/documents/{REPORT_ID}/pages/2/highlights?highlight={pid}"
    passage = client.get(url).json()
    quote = client.get(url, params={"quote": MONTENEGRO_LAW}).json()
    assert len(passage["boxes"]) == 3 and len(quote["boxes"]) == 1
    lines = sorted(passage["boxes"], key=lambda b: b["top"])
    q = quote["boxes"][0]
    # the quote is the start of the passage's first line, left-aligned with it
    assert abs(q["top"] - lines[0]["top"]) < 1 and abs(q["x0"] - lines[0]["x0"]) < 1
    assert q["x1"] < lines[0]["x1"]
    # the first body line of page 2's Montenegro section is drawn at y = 80 + 28 + 3*14 + 10 + 28
    assert 170 < lines[0]["top"] < 190


def test_highlight_across_a_page_break(client) -> None:
    """The Serbia paragraph of the structured fixture runs from page 2 onto page 3."""
    view = client.get(f"/api/documents/{STRUCTURED_ID}/pages/3").json()
    spanning = next(p for p in view["passages"] if p["pages"] == [2, 3])
    for page in (2, 3):
        url = f"/api/documents/{STRUCTURED_ID}/pages/{page}/highlights"
        boxes = client.get(url, params={"highlight": spanning["passage_id"]}).json()["boxes"]
        assert len(boxes) == 2, (page, boxes)  # two lines on each page


# --------------------------------------------------------------------------------------------
# errors: JSON with a message and the right status, never a stack trace


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/search?q=CERT&country=Narnia", 400),
        ("/api/search?q=CERT&kind=poem", 400),
        ("/api/search?q=CERT&year=soon", 400),
        ("/api/search?q=%20%20", 400),
        ("/api/search?q=CERT&doc=/etc/passwd", 400),
        ("/api/search?q=CERT&doc=../../etc/passwd", 400),
        ("/api/brief?topic=x&countries=Narnia", 400),
        ("/api/documents/.hidden", 400),
        ("/api/documents/nope", 404),
        ("/api/documents/nope/pages/1", 404),
        (f"/api/documents/{REPORT_ID}/pages/9", 404),
        (f"/api/documents/{REPORT_ID}/pages/9.png", 404),
        (f"/api/documents/{STRATEGY_ID}/pages/1.png", 404),
        ("/api/passages/999999", 404),
        ("/api/entities/narnia", 404),
        ("/api/documents/..%2F..%2Fetc%2Fpasswd", 404),
        ("/api/documents/%2Fetc%2Fpasswd/pages/1.png", 404),
        ("/static/..%2F..%2F..%2Fpyproject.toml", 404),
        ("/no/such/route", 404),
        ("/api/search", 422),
        ("/api/search?q=CERT&top_k=0", 422),
        ("/api/search?q=CERT&top_k=201", 422),
        ("/api/search?q=CERT&mode=psychic", 422),
        ("/api/search?q=" + "a" * 501, 422),
        ("/api/ask?q=CERT&top_k=101", 422),
        (f"/api/documents/{REPORT_ID}/pages/abc", 422),
        (f"/api/documents/{REPORT_ID}/pages/0", 422),
        (f"/api/documents/{REPORT_ID}/pages/1.png?width=99999", 422),
        ("/api/brief?topic=x&format=pdf", 422),
    ],
)
def test_error_statuses(client, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and body["message"] and body["error"]
    assert "Traceback" not in response.text


def test_highlight_of_a_passage_elsewhere_is_a_bad_parameter(client) -> None:
    pid = passage_on(client, REPORT_ID, 2, "Montenegro adopted")
    response = client.get(f"/api/documents/{REPORT_ID}/pages/1.png?highlight={pid}")
    assert response.status_code == 400
    assert "not on page 1" in response.json()["message"]


def test_read_only_by_default(client) -> None:
    assert client.post("/api/ingest", json={"paths": ["x.md"]}).status_code == 403
    assert client.delete(f"/api/documents/{REPORT_ID}").status_code == 403
    assert client.get("/api/documents").json()["documents"][0]["doc_id"] == STRATEGY_ID


class _Slow:
    """A service whose search sleeps (time limit) or fails (internal error)."""

    def __init__(self, service: Any, *, sleep: float = 0.0, fail: bool = False) -> None:
        self._service, self._sleep, self._fail = service, sleep, fail

    def __getattr__(self, name: str) -> Any:
        return getattr(self._service, name)

    def search(self, *args: Any, **kwargs: Any) -> Any:
        if self._fail:
            raise RuntimeError("secret internals")
        time.sleep(self._sleep)
        return self._service.search(*args, **kwargs)


def test_time_limit_and_internal_errors(settings) -> None:
    from fastapi.testclient import TestClient

    from wbpolicy.serve.app import create_app
    from wbpolicy.serve.service import Service

    service = Service(settings)
    try:
        slow = create_app(settings, time_limit=0.3, service=_Slow(service, sleep=1.5))  # type: ignore[arg-type]
        with TestClient(slow, raise_server_exceptions=False) as c:
            t0 = time.monotonic()
            response = c.get("/api/search?q=CERT")
            assert response.status_code == 503 and time.monotonic() - t0 < 1.2
            assert "limit of 0.3 s" in response.json()["message"]
        broken = create_app(settings, service=_Slow(service, fail=True))  # type: ignore[arg-type]
        with TestClient(broken, raise_server_exceptions=False) as c:
            response = c.get("/api/search?q=CERT")
            assert response.status_code == 500
            assert "secret" not in response.text and "Traceback" not in response.text
    finally:
        time.sleep(1.3)  # the abandoned search finishes before the index closes
        service.close()


def test_host_header_is_checked_when_loopback(settings) -> None:
    from fastapi.testclient import TestClient

    from wbpolicy.serve.app import create_app

    app = create_app(settings, allowed_hosts=["127.0.0.1", "localhost"])
    with TestClient(app, base_url="http://127.0.0.1") as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/healthz", headers={"host": "evil.example"}).status_code == 400
    app.state.service.close()


def test_ingest_and_remove_when_allowed(
    settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from fastapi.testclient import TestClient

    from wbpolicy.serve.app import create_app

    index = tmp_path / "index"
    shutil.copytree(settings.index_dir, index)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "rs-note-2017.md").write_text(
        "# A note on Serbia\n\n## 1 CERT\n\nThe national CERT of Serbia was set up in 2017.\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("WBPOLICY_CORPUS", str(corpus))
    app = create_app(settings.with_(index_dir=index), allow_ingest=True)
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.post("/api/ingest", json={"paths": ["../../etc/passwd"]}).status_code == 400
        assert c.post("/api/ingest", json={"paths": ["/etc/passwd"]}).status_code == 400
        done = c.post("/api/ingest", json={"paths": ["rs-note-2017.md"]})
        assert done.status_code == 200 and done.json()["documents"] == 1, done.text
        ids = [d["doc_id"] for d in c.get("/api/documents").json()["documents"]]
        assert "rs-note-2017" in ids
        hits = c.get("/api/search?q=national%20CERT%20Serbia%202017").json()["hits"]
        assert hits[0]["doc_id"] == "rs-note-2017"
        assert c.delete("/api/documents/rs-note-2017").json() == {"removed": "rs-note-2017"}
        assert c.get("/api/documents/rs-note-2017").status_code == 404
    app.state.service.close()


# --------------------------------------------------------------------------------------------
# the analyst's page (server-rendered)


def test_home_page_answers_and_lists_hits_with_facets(client) -> None:
    page = client.get("/", params={"q": QUESTION})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert 'class="answer-group"' in html and MONTENEGRO_LAW in html
    assert "About Montenegro (ME) in" in html  # grouped as the CLI groups it
    assert 'class="hit"' in html and '<span class="page">p. 2</span>' in html
    assert 'data-facet="country" data-value="ME"' in html
    assert "copy-cite" in html and "/view/wb-test-report-2016/2?highlight=" in html
    assert '<script src="/static/app.js"' in html and "http" not in html.split("<main>")[0]


def test_home_page_abstains(client) -> None:
    html = client.get(
        "/", params={"q": "What does Croatia's law say about quantum computing?"}
    ).text
    assert 'class="abstain"' in html


def test_facet_link_filters_the_hits(client) -> None:
    html = client.get("/", params={"q": "national CERT", "country": "RS"}).text
    assert "5 Serbia" in html and "2 Albania" not in html
    assert 'class="facet on" data-facet="country" data-value="RS"' in html


def test_page_view_shows_the_highlighted_page(client) -> None:
    pid = passage_on(client, REPORT_ID, 2, "Montenegro adopted")
    html = client.get(f"/view/{REPORT_ID}/2", params={"highlight": pid, "quote": MONTENEGRO_LAW})
    assert html.status_code == 200
    text = html.text
    assert f"/api/documents/{REPORT_ID}/pages/2.png?highlight={pid}" in text
    assert f'<mark id="quote">{MONTENEGRO_LAW}</mark>' in text
    assert 'rel="prev"' in text and 'rel="next"' in text and "page 2 of 3" in text
    assert 'data-focus="0.2' in text  # the highlight's height on the page, for scrolling
    assert "http://example.org/kosovo-ncss.pdf</a>" in text  # the page's footnotes, linked


def test_web_pages_and_their_errors(client) -> None:
    assert '<table class="matrix">' in client.get("/matrix?topics=law,cert").text
    assert REPORT_ID in client.get("/documents").text
    assert client.get("/static/app.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/nope.js").status_code == 404
    assert client.get(f"/view/{REPORT_ID}/9").status_code == 404
    assert client.get("/view/nope/1").status_code == 404
    assert client.get("/?q=x&country=Narnia").status_code == 400
    assert client.get(f"/view/{STRATEGY_ID}/1").status_code == 200  # text only, no image


# --------------------------------------------------------------------------------------------
# the commands


def test_help_stays_light() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from wbpolicy.cli import main;"
        "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0, r.output;"
        "assert 'serve' in r.output and 'mcp' in r.output;"
        "heavy = [m for m in ('fastapi', 'uvicorn', 'mcp', 'pypdfium2', 'pdfplumber', 'starlette')"
        " if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_serve_refuses_a_public_host_without_the_flag(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wbpolicy.cli.serve_cmd import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")
    base = ["--index", str(index_dir), "--model", "hash:64", "serve"]
    refused = CliRunner().invoke(main, [*base, "--host", "0.0.0.0"])
    assert refused.exit_code == 2 and "--public" in refused.output
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    ok = CliRunner().invoke(main, [*base, "--host", "0.0.0.0", "--public", "--port", "9"])
    assert ok.exit_code == 0, ok.output
    assert calls == [{"host": "0.0.0.0", "port": 9, "log_level": "warning", "access_log": False}]
    assert "warning:" in ok.stderr and "no authentication" in ok.stderr
