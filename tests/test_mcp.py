"""``wbpolicy mcp``: a Model Context Protocol server over stdio, spoken to as an MCP client
does (JSON-RPC, one message a line): initialize, tools/list, tools/call.  Results carry
document, page, section, footnotes and the verbatim text, equal to the CLI's ``--json``."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from test_serve import (
    ALBANIA_URL,
    MONTENEGRO_LAW,
    QUESTION,
    REPORT_ID,
    cli_command,
    serve_index,
)
from wbpolicy.cli import main

pytest.importorskip("mcp")

TIMEOUT = 30.0


class McpClient:
    """A minimal stdio client: newline-delimited JSON-RPC, responses read on a thread."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.next_id = 0
        self.lines: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.next_id += 1
        rid = self.next_id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}})
        while True:
            try:
                line = self.lines.get(timeout=TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"no answer to {method} in {TIMEOUT} s") from None
            message = json.loads(line)  # stdout carries JSON-RPC only
            if message.get("id") == rid:
                return message

    def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        reply = self.request("tools/call", {"name": tool, "arguments": arguments})
        assert "result" in reply, reply
        return reply["result"]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return serve_index(tmp_path_factory)


@pytest.fixture(scope="module")
def client(index_dir: Path) -> Iterator[McpClient]:
    cmd = [*cli_command(), "--index", str(index_dir), "--model", "hash:64", "mcp"]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    mcp = McpClient(proc)
    try:
        yield mcp
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # end of input ends the server
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def structured(result: dict[str, Any]) -> dict[str, Any]:
    """The tool's JSON: structured content, and the same as the text content."""
    assert not result.get("isError"), result
    data = result.get("structuredContent")
    text = json.loads(result["content"][0]["text"])
    if data is not None:
        assert data == text
    return text


def cli_json(index_dir: Path, *args: str) -> Any:
    result = CliRunner().invoke(main, ["--index", str(index_dir), "--model", "hash:64", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_initialize_and_list_tools(client: McpClient) -> None:
    reply = client.request(
        "initialize",
        {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "wbpolicy-test", "version": "1"},
        },
    )
    info = reply["result"]
    assert info["serverInfo"]["name"] == "wbpolicy"
    assert info["protocolVersion"] == "2025-06-18"
    assert "tools" in info["capabilities"]
    client.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    tools = {t["name"]: t for t in client.request("tools/list")["result"]["tools"]}
    assert set(tools) == {"search", "ask", "get_page", "list_documents"}
    assert "query" in tools["search"]["inputSchema"]["properties"]
    assert tools["search"]["description"].startswith("Cited-passage search")


def test_search_cites_document_page_section_and_footnotes(
    client: McpClient, index_dir: Path
) -> None:
    query = "National Agency for Cyber Security Albania"
    result = structured(client.call("search", query=query, top_k=5))
    assert result == cli_json(index_dir, "search", query, "--top-k", "5", "--json")
    top = result["hits"][0]
    assert (top["doc_id"], top["page"], top["section"]) == (REPORT_ID, 1, "2 Albania")
    assert top["text"].startswith("Albania created its National Agency for Cyber Security")
    assert {"marker": "2", "text": f"Available at: {ALBANIA_URL}", "url": ALBANIA_URL} in top[
        "citations"
    ]
    filtered = structured(client.call("search", query="national CERT", country=["Serbia"]))
    expected = cli_json(index_dir, "search", "national CERT", "--country", "Serbia", "--json")
    assert filtered == expected and filtered["hits"][0]["section"] == "5 Serbia"


def test_ask_get_page_and_list_documents(client: McpClient, index_dir: Path) -> None:
    answer = structured(client.call("ask", question=QUESTION))
    assert answer == cli_json(index_dir, "ask", QUESTION, "--json")
    assert answer["answer"][0]["text"] == MONTENEGRO_LAW and answer["answer"][0]["page"] == 2
    page = structured(client.call("get_page", doc_id=REPORT_ID, page=2))
    assert page == cli_json(index_dir, "show", REPORT_ID, "--page", "2", "--json")
    docs = structured(client.call("list_documents"))
    assert docs == cli_json(index_dir, "docs", "--json")


def test_tool_errors_are_results_not_crashes(client: McpClient) -> None:
    missing = client.call("get_page", doc_id="nope", page=1)
    assert missing["isError"] and "no document" in missing["content"][0]["text"]
    empty = client.call("search", query="  ")
    assert empty["isError"]
    assert structured(client.call("list_documents"))["documents"]  # still serving
