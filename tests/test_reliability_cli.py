"""Hostile input at the command line: each case builds its input, runs the real command and
asserts no stack trace, the right exit status, every good document present and findable, and
nothing lost or replaced that should not be."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from wbpolicy.cli import main

REPO = Path(__file__).resolve().parents[1]
GOOD = "Albania adopted a law on electronic communications. The national CERT was founded."


def run(index: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--index", str(index), "--model", "hash:64", *args])


def no_traceback(r: Result) -> None:
    assert "Traceback" not in r.output, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)


def docs(index: Path) -> dict[str, dict]:
    r = run(index, "docs", "--json")
    assert r.exit_code == 0, r.output
    return {d["doc_id"]: d for d in json.loads(r.stdout)["documents"]}


def found(index: Path, query: str) -> set[str]:
    r = run(index, "search", query, "--mode", "lexical", "--json")
    assert r.exit_code == 0, r.output
    return {h["doc_id"] for h in json.loads(r.stdout)["hits"]}


def good_file(folder: Path, name: str = "good.txt", text: str = GOOD) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"{text}\n\nA second paragraph follows here.\n", encoding="utf-8")
    return path


# -- identity --------------------------------------------------------------------------------


def test_same_named_files_in_two_folders_are_two_documents(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    a = good_file(tmp_path / "a", "notes.txt", "Kosovo drafted a strategy on partnership.")
    b = good_file(tmp_path / "b", "notes.txt", "Montenegro trains police in forensics.")
    r = run(idx, "ingest", "-q", str(a))
    assert r.exit_code == 0, r.output
    r = run(idx, "ingest", "-q", str(b))
    assert r.exit_code == 0, r.output
    stored = docs(idx)
    assert len(stored) == 2 and {Path(d["path"]) for d in stored.values()} == {
        a.resolve(),
        b.resolve(),
    }
    assert "notes" in stored  # the first keeps the readable id; the second gets a suffix
    assert found(idx, "forensics") and found(idx, "partnership")
    assert found(idx, "forensics") != found(idx, "partnership")


def test_a_draft_named_like_a_corpus_document_does_not_replace_it(tmp_path: Path) -> None:
    """The corpus manifest knows this file name; other bytes make it another document."""
    idx = tmp_path / "idx"
    draft = good_file(
        tmp_path / "drafts",
        "me-national-cyber-security-strategy-2013-2017.txt",
        "My own draft about a national CERT for Kosovo.",
    )
    r = run(idx, "ingest", "-q", str(draft))
    assert r.exit_code == 0, r.output
    (doc,) = docs(idx).values()
    assert doc["doc_id"] != "me-national-cyber-security-strategy-2013-2017"
    assert doc["doc_id"].startswith("me-national-cyber-security-strategy-2013-2017-")
    assert doc["title"] != "National Cyber Security Strategy for Montenegro 2013-2017"


def test_the_same_file_named_twice_is_indexed_once(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    path = good_file(tmp_path / "in")
    r = run(idx, "ingest", "-q", "--json", str(path), str(path), str(tmp_path / "in"))
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["documents"] == 1
    assert list(docs(idx)) == ["good"]


def test_a_cyrillic_file_name_gives_a_readable_id(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    path = good_file(tmp_path, "Стратегија-информационе-безбедности.txt")
    r = run(idx, "ingest", "-q", str(path))
    assert r.exit_code == 0, r.output
    assert list(docs(idx)) == ["strategija-informacione-bezbednosti"]


def test_replace_gives_a_file_the_id_of_an_existing_document(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    old = good_file(tmp_path / "v1", "strategy.txt", "The old strategy text on awareness.")
    new = good_file(tmp_path / "v2", "strategy-final.txt", "The final strategy text on forensics.")
    assert run(idx, "ingest", "-q", str(old)).exit_code == 0
    r = run(idx, "ingest", "-q", "--replace", "strategy", str(new))
    assert r.exit_code == 0, r.output
    stored = docs(idx)
    assert list(stored) == ["strategy"] and Path(stored["strategy"]["path"]) == new.resolve()
    assert found(idx, "forensics") == {"strategy"} and not found(idx, "awareness")
    r = run(idx, "ingest", "-q", "--replace", "nosuchdoc", str(new))
    assert r.exit_code == 1 and "no document 'nosuchdoc'" in r.output
    no_traceback(r)


# -- one bad file never sinks the batch -------------------------------------------------------


def _batch_with(tmp_path: Path, bad: Path) -> tuple[Path, Result]:
    idx = tmp_path / "idx"
    before = good_file(tmp_path / "in", "a-good.txt")
    after = good_file(tmp_path / "in", "z-good.txt", "Serbia drafted a law on forensics.")
    r = run(idx, "ingest", "-q", str(before), str(bad), str(after))
    no_traceback(r)
    assert {"a-good", "z-good"} <= set(docs(idx)), r.output
    return idx, r


def test_a_fifo_and_a_device_are_reported_without_being_read(tmp_path: Path) -> None:
    fifo = tmp_path / "in" / "pipe.txt"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    result: dict[str, Result] = {}
    # a read of either would block (FIFO) or never end (/dev/zero): run with a watchdog
    worker = threading.Thread(target=lambda: result.update(r=_batch_with(tmp_path, fifo)[1]))
    worker.start()
    worker.join(120)
    if worker.is_alive():  # unblock the reader so the test process can end, then fail
        with open(fifo, "wb"):
            pass
        pytest.fail("ingest blocked on a FIFO")
    r = result["r"]
    assert r.exit_code == 1
    assert f"{fifo}: unreadable: not a regular file: a FIFO" in r.output
    idx = tmp_path / "idx"
    r = run(idx, "ingest", "-q", "/dev/zero")
    assert r.exit_code == 1 and "not a regular file: a character device" in r.output
    # a FIFO inside a folder is reported too, not skipped in silence
    r = run(idx, "ingest", "-q", str(tmp_path / "in"))
    assert r.exit_code == 1 and "pipe.txt: unreadable: not a regular file" in r.output


def test_a_file_name_that_is_not_utf8_does_not_sink_the_batch(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/strat\xe9gie-\xff.txt"
    with open(raw, "wb") as fh:
        fh.write(b"Belgium adopted a cyber security strategy with a national CERT.\n")
    idx, r = _batch_with(tmp_path, Path(os.fsdecode(raw)))
    assert r.exit_code == 0, r.output
    assert set(docs(idx)) == {"a-good", "stratgie", "z-good"}
    assert found(idx, "Belgium")


def test_a_failure_in_a_later_stage_fails_that_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunking, tagging and embedding run inside the file's error boundary too."""
    import wbpolicy.prepare as prepare

    real = prepare._tag

    def tag(texts: list[str]):
        if any("POISON" in t for t in texts):
            raise RuntimeError("tagger exploded")
        return real(texts)

    monkeypatch.setattr(prepare, "_tag", tag)
    bad = good_file(tmp_path / "in", "m-bad.txt", "POISON in this one.")
    _, r = _batch_with(tmp_path, bad)
    assert r.exit_code == 1
    assert f"{bad}: failed: tagging failed: RuntimeError: tagger exploded" in r.output
    assert r.output.strip().splitlines()[-1] == (
        "Error: 1 file not indexed (listed above); 2 indexed or unchanged"
    )


def test_an_extraction_past_the_time_limit_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import wbpolicy.extract as extract
    from wbpolicy.prepare import extract_safely

    real = extract.extract

    def slow(path: Path, **kw):
        if "slow" in path.name:
            time.sleep(5)
        return real(path, **kw)

    monkeypatch.setattr(extract, "extract", slow)
    bad = good_file(tmp_path, "slow.txt")
    got = extract_safely(bad, timeout_s=0.5)
    assert getattr(got, "code", None) == "timeout"
    assert "extraction took over 0.5 s" in str(got)
    assert not isinstance(extract_safely(good_file(tmp_path), timeout_s=5), Exception)


# -- arguments that are misuse (exit 2) and unexpected errors (exit 1, one line) --------------


@pytest.mark.parametrize(
    "args,message",
    [
        (["search", "cert", "--year", "2020..2010"], "empty range"),
        (["search", "cert", "--year", "20201"], "not a four-digit year"),
        (["show", "doc", "--page", str(2**70)], "--page"),
        (["show", "doc", "--passage", str(2**64)], "--passage"),
        (["search", "x" * 5000], "limit is 2,000"),
        (["ask", " "], "empty"),
    ],
)
def test_misuse_exits_2_with_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    r = run(tmp_path / "idx", *args)
    no_traceback(r)
    assert r.exit_code == 2 and message in r.output, r.output


def test_an_argument_that_is_not_utf8_is_misuse() -> None:
    argv = [sys.executable, "-m", "wbpolicy", "search", os.fsdecode(b"caf\xe9")]
    r = subprocess.run(argv, capture_output=True, text=True, errors="replace", cwd=REPO)
    assert r.returncode == 2 and "is not valid UTF-8" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_an_unexpected_error_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wbpolicy.index.catalog as catalog

    def boom(*a, **k):
        raise RuntimeError("something nobody expected\nsecond line")

    monkeypatch.setattr(catalog, "list_documents", boom)
    r = run(tmp_path / "idx", "docs")
    assert r.exit_code == 1
    assert r.output.strip() == (
        "Error: unexpected error: RuntimeError: something nobody expected "
        "(run with -v for the trace; please report it)"
    )
    no_traceback(r)
    verbose = CliRunner().invoke(main, ["-v", "--index", str(tmp_path / "idx"), "docs"])
    assert verbose.exit_code == 1 and "Traceback" in verbose.output


def test_tag_takes_a_text_over_a_million_characters(tmp_path: Path) -> None:
    """spaCy refuses texts over its max_length (E088): the tagger works in pieces."""
    filler = ("a" * 999 + " ") * 1100  # 1.1 M characters, few tokens: cheap to tag
    text = f"Kosovo signed the Budapest Convention. {filler}KOS-CERT reports to the RCC."
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(main, ["tag", "--file", str(path), "--json"])
    assert r.exit_code == 0, r.output[-500:]
    ents = json.loads(r.stdout)["entities"]
    assert {e["id"] for e in ents} >= {"XK", "budapest-convention", "kos-cert", "rcc"}
    assert all(text[e["start"] : e["end"]] == e["text"] for e in ents)


def test_escape_sequences_in_a_document_never_reach_the_terminal(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    path = tmp_path / "hostile.txt"
    path.write_text(
        "Title \x1b]0;pwned\x07here\n\nThe national CERT \x1b[2Jcoordinates incident response"
        " across \x9b31mministries.\n",
        encoding="utf-8",
    )
    r = run(idx, "ingest", "-q", str(path))
    assert r.exit_code == 0, r.output
    for args in (["search", "incident response"], ["show", "hostile", "--page", "1"]):
        human = run(idx, *args)
        assert human.exit_code == 0, human.output
        assert "coordinates incident response" in human.output
        assert not any(ch in human.output for ch in "\x1b\x07\x9b"), repr(human.output)
    hits = json.loads(run(idx, "search", "incident response", "--json").stdout)["hits"]
    assert hits and not any(ch in hits[0]["text"] for ch in "\x1b\x07\x9b")
