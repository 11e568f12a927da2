"""A real browser on the analyst's page: Playwright drives Debian's chromium against
``wbpolicy serve`` started here on a free loopback port.  Type a question, see hits with page
numbers, open the page view (the highlighted page image loads), apply a country facet (the hits
change), download a brief; a screenshot goes into the test's tmp dir.

Skipped only when chromium is not installed (``scripts/install_system.sh`` installs it)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_serve import MONTENEGRO_LAW, QUESTION, cli_command, serve_index

CHROMIUM = next(
    (p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and Path(p).is_file()),
    None,
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium not found at /usr/bin/chromium (run scripts/install_system.sh)",
)

# a function, not an expression: the page's Content-Security-Policy forbids eval
IMAGE_LOADED = (
    "() => { const i = document.getElementById('page-img'); return !!i && i.naturalWidth > 0; }"
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"wbpolicy serve exited: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("wbpolicy serve did not answer /healthz in time")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    index = serve_index(tmp_path_factory)
    port = free_port()
    env = {**os.environ, "WBPOLICY_INDEX": str(index)}
    cmd = [*cli_command(), "--index", str(index), "--model", "hash:64", "serve", "--port"]
    proc = subprocess.Popen(
        [*cmd, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=ARGS,
            headless=True,
            accept_downloads=True,
            viewport={"width": 1280, "height": 900},
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()


def hit_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all("article.hit", "els => els.map(e => e.dataset.passage)")


def test_question_to_highlighted_page_facets_and_brief(
    server: str, browser_page: Any, tmp_path: Path
) -> None:
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/")
    # 1. type a question: an answer and hits with page numbers
    page.fill("#q", QUESTION)
    page.press("#q", "Enter")
    page.wait_for_selector("article.hit")
    pages = page.eval_on_selector_all(
        "article.hit .meta .page", "els => els.map(e => e.textContent)"
    )
    assert pages and all(re.fullmatch(r"pp?\. \d+(–\d+)?", p) for p in pages), pages
    assert MONTENEGRO_LAW in page.inner_text("section.answer")
    before = hit_ids(page)
    # 2. the answer's "Open p. 2": the page view, the quote highlighted on the rendered page
    page.click("li.answer-item a.open-page")
    page.wait_for_selector("#page-img")
    page.wait_for_function(IMAGE_LOADED)
    assert "highlight=" in page.get_attribute("#page-img", "src")
    assert page.inner_text("mark#quote") == MONTENEGRO_LAW
    assert "page 2 of 3" in page.inner_text("nav.pager")
    page.screenshot(path=str(tmp_path / "page-view.png"))
    # prev/next
    page.click("nav.pager a[rel=next]")
    page.wait_for_function(IMAGE_LOADED)
    assert "page 3 of 3" in page.inner_text("nav.pager")
    # 3. back to the hits; a country facet changes them
    page.go_back()
    page.go_back()
    page.wait_for_selector("article.hit")
    assert hit_ids(page) == before
    page.click("aside.facets a.facet[data-facet=country][data-value=RS]")
    page.wait_for_selector("aside.facets a.facet.on[data-value=RS]")
    after = hit_ids(page)
    assert after and after != before
    assert all(
        "Serbia" in s
        for s in page.eval_on_selector_all("article.hit", "els => els.map(e => e.innerText)")
    )
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    # 4. click a hit: its page with the passage highlighted
    page.click("article.hit a.hit-link")
    page.wait_for_function(IMAGE_LOADED)
    # 5. download a brief
    page.goto(server + "/")
    page.fill("section.brief input[name=topic]", "capacity building")
    with page.expect_download() as info:
        page.click("section.brief button.dl-md")
    download = info.value
    assert download.suggested_filename == "brief-capacity-building.md"
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    assert target.read_text(encoding="utf-8").startswith("# Briefing: Capacity building")
    assert errors == []


def test_matrix_cells_open_their_evidence(server: str, browser_page: Any) -> None:
    page = browser_page
    page.goto(server + "/matrix?topics=law,cert&countries=ME,RS")
    page.wait_for_selector("table.matrix a.evidence")
    page.click("table.matrix a.evidence")
    page.wait_for_function(IMAGE_LOADED)
    assert page.query_selector("mark#quote") is not None
