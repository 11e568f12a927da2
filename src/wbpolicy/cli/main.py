"""The ``wbpolicy`` command group, its error boundary, and the document-management commands."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

import click

from wbpolicy import __version__
from wbpolicy.cli.common import (
    MAX_ID,
    emit_json,
    expected_errors,
    json_option,
    no_ocr_option,
    say,
    settings_from,
)
from wbpolicy.errors import WbpolicyError
from wbpolicy.fsutil import path_text
from wbpolicy.models import Document, IngestSummary


class _Main(click.Group):
    """The top-level group: the one error boundary of the CLI.  An expected failure already
    is a one-line ClickException (exit 1) or a usage error (exit 2); anything else that escapes
    a command becomes one line on stderr and exit 1 as well (``-v`` prints the trace), so no
    user ever sees a stack trace."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for arg in args:
            # bytes that are not UTF-8 arrive as lone surrogates: fine in a path to a file that
            # exists, misuse anywhere else (a query, an id, an option value)
            if _has_surrogates(arg) and not os.path.lexists(arg):
                raise click.UsageError(f"argument {path_text(arg)!r} is not valid UTF-8", ctx)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:  # `wbpolicy search ... | head`: the reader left, nothing to say
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout
            sys.exit(0)
        except Exception as exc:  # noqa: BLE001 - the boundary
            if (ctx.obj or {}).get("verbose"):
                traceback.print_exc(file=sys.stderr)
            detail = (str(exc).strip().splitlines() or [""])[0][:300]
            raise click.ClickException(
                f"unexpected error: {type(exc).__name__}: {path_text(detail)} "
                "(run with -v for the trace; please report it)"
            ) from exc


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wbpolicy")
@click.option(
    "--index",
    "index",
    type=click.Path(file_okay=False, path_type=Path),
    help="Index directory (default: $WBPOLICY_INDEX, else indexes/default in the checkout).",
)
@click.option(
    "--model", help="Embedding model: bundled:all-MiniLM-L6-v2 (default) or a local directory."
)
@click.option(
    "--backend",
    type=click.Choice(["faiss", "milvus"]),
    help="Where the vectors live: faiss (default) or milvus (also: $WBPOLICY_BACKEND). "
    "Recorded in the index manifest; later commands need not repeat it.",
)
@click.option(
    "--milvus-uri",
    help="Milvus server (http://host:19530) or Milvus Lite file (default: milvus.db in the "
    "index directory; also: $WBPOLICY_MILVUS_URI).",
)
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv for debug).")
@click.pass_context
def main(
    ctx: click.Context,
    index: Path | None,
    model: str | None,
    backend: str | None,
    milvus_uri: str | None,
    verbose: int,
) -> None:
    """Search policy documents with evidence: verbatim passages with page, section and footnotes."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    ctx.obj = {
        "index": index,
        "model": model,
        "backend": backend,
        "milvus_uri": milvus_uri,
        "verbose": verbose,
    }


class _Progress:
    """Turns ingest progress events into a progress bar on stderr."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Any = None  # click's progress bar, entered on the first event

    def __call__(self, event: str, path: str, i: int, n: int) -> None:
        if self.quiet:
            return
        if event == "embedding":  # inside a large file: passages, not files
            if self.bar is not None:
                self.bar.label = f"embedding {i:>6}/{n} passages".ljust(40)
                self.bar.render_progress()
            return
        if self.bar is None and n:
            self.bar = click.progressbar(
                length=n, label="ingesting", file=sys.stderr, show_pos=True
            )
            self.bar.__enter__()
        if self.bar is not None:
            self.bar.label = Path(path).name[:40].ljust(40) if path else "finishing"
            self.bar.update(max(0, i - self.bar.pos))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _interrupted_ingest() -> NoReturn:
    click.echo("interrupted; the previous index is intact", err=True)
    sys.exit(130)


def _render_summary(summary: IngestSummary, as_json: bool) -> None:
    from dataclasses import asdict

    if as_json:
        emit_json(asdict(summary))
        return
    click.echo(
        f"documents indexed: {summary.documents}, unchanged: {summary.unchanged}, "
        f"pages: {summary.pages}, passages: {summary.passages}, problems: {len(summary.problems)}"
    )
    from wbpolicy.cli.render import problem_line

    for p in summary.problems:
        say(f"  {problem_line(p)}")


def _ray_options(f: Any) -> Any:
    """``--ray`` and ``--ray-address``: a flag and a separate option, since an optional value
    after ``--ray`` would swallow the first path."""
    f = click.option(
        "--ray-address",
        metavar="ADDRESS",
        help="Prepare on this Ray cluster (implies --ray): auto, HOST:6379 or ray://HOST:10001.",
    )(f)
    return click.option(
        "--ray",
        "use_ray",
        is_flag=True,
        help="Extract, tag and embed the files as Ray tasks (a local Ray runtime for the run, "
        "unless --ray-address names a cluster); this process writes the index.",
    )(f)


def _preparer(ctx: click.Context, use_ray: bool, address: str | None) -> Any:
    """A context giving the ingest's preparer: None (this machine's processes), or Ray's."""
    import contextlib

    if not use_ray and address is None:
        return contextlib.nullcontext(None)
    from wbpolicy.distributed import ray_preparer

    return ray_preparer(address, verbose=bool((ctx.obj or {}).get("verbose")))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Re-index unchanged files too.")
@click.option(
    "--replace",
    "replace",
    metavar="DOC",
    help="Index the one file given as a new version of document DOC (wherever DOC came from).",
)
@click.option("--title", help="Title of the one file given.")
@click.option("--country", help="Country of the one file given: an id or a name (XK, Kosovo).")
@click.option("--kind", help="Kind of the one file given: strategy, law, report...")
@click.option("--year", type=click.IntRange(1000, 9999), help="Year of the one file given.")
@click.option("--language", help="Language code of the one file given (en, sr, sq...).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@_ray_options
@no_ocr_option
@json_option
@click.pass_context
@expected_errors
def ingest(
    ctx: click.Context,
    paths: tuple[Path, ...],
    force: bool,
    replace: str | None,
    quiet: bool,
    use_ray: bool,
    ray_address: str | None,
    no_ocr: bool,
    as_json: bool,
    **fields: Any,
) -> None:
    """Index files or folders (recursive): PDF, text, markdown, HTML.

    Metadata: the options above for one file, else a sidecar NAME.meta.yaml or a folder's
    wbpolicy.yaml, else the corpus manifest, else what the document's title and text say.
    A file that cannot be indexed is reported with its path and reason and the others still go
    in; the exit status is 1 when any file was not indexed."""
    from wbpolicy.docmeta import checked
    from wbpolicy.ingest import ingest as run_ingest

    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise click.BadParameter(f"{path_text(missing[0])} does not exist", param_hint="'PATHS...'")
    progress = _Progress(quiet)
    try:
        given = checked(fields, "ingest options")
        with _preparer(ctx, use_ray, ray_address) as preparer:
            summary = run_ingest(
                list(paths),
                settings_from(ctx, ocr=False if no_ocr else None),
                progress=progress,
                force=force,
                replace=replace,
                given=None if given.is_empty() else given,
                preparer=preparer,
            )
    except KeyboardInterrupt:
        _interrupted_ingest()
    finally:
        progress.close()
    _render_summary(summary, as_json)
    _fail_if_not_indexed(summary)


def _fail_if_not_indexed(summary: IngestSummary) -> None:
    if summary.failed:
        n = len(summary.failed)
        indexed = summary.documents + summary.unchanged
        raise WbpolicyError(
            f"{n} file{'s' if n > 1 else ''} not indexed (listed above); "
            f"{indexed} indexed or unchanged"
        )


@main.command()
@click.argument("doc_id")
@json_option
@click.pass_context
@expected_errors
def remove(ctx: click.Context, doc_id: str, as_json: bool) -> None:
    """Drop a document and its passages from the index."""
    from wbpolicy.ingest import remove as run_remove

    run_remove(doc_id, settings_from(ctx))
    if as_json:
        emit_json({"removed": doc_id})
    else:
        click.echo(f"removed {doc_id}")


@main.group(invoke_without_command=True)
@click.option("--country", help="Only documents of this country (an id or a name).")
@click.option("--kind", help="Only documents of this kind (strategy, law, report...).")
@click.option("--year", help="Only documents of this year or range: 2016, 2015..2019, 2015..")
@click.option("--problems", is_flag=True, help="List every recorded problem instead.")
@json_option
@click.pass_context
@expected_errors
def docs(
    ctx: click.Context,
    country: str | None,
    kind: str | None,
    year: str | None,
    problems: bool,
    as_json: bool,
) -> None:
    """List indexed documents (full id, kind, country, year, pages, passages, problems, title);
    with --problems, every file that failed or has warnings, and why.  `docs set DOC ...`
    edits a document's metadata."""
    if ctx.invoked_subcommand is not None:
        return
    from wbpolicy.cli.common import parse_year_range
    from wbpolicy.cli.render import document_rows, problem_rows
    from wbpolicy.cli.resolve import resolve_entities, resolve_kinds
    from wbpolicy.index import catalog

    settings = settings_from(ctx)
    if problems:
        found = catalog.list_problems(settings)
        if as_json:
            emit_json({"problems": [_problem_json(p) for p in found]})
        else:
            say(problem_rows(found))
        return
    countries = resolve_entities((country,), "COUNTRY", "--country") if country else ()
    kinds = resolve_kinds((kind,)) if kind else ()
    lo, hi = parse_year_range(year)
    documents = [
        d
        for d in catalog.list_documents(settings)
        if (not countries or d.country in countries)
        and (not kinds or _is_kind(d, kinds[0]))
        and (lo is None or (d.year is not None and d.year >= lo))
        and (hi is None or (d.year is not None and d.year <= hi))
    ]
    if as_json:
        emit_json({"documents": [d.to_json() for d in documents]})
    else:
        say(document_rows(documents))


@docs.command("set")
@click.argument("doc_id")
@click.option("--title", help="The document's title.")
@click.option("--country", help="Its country: an id or a name (XK, Kosovo).")
@click.option("--kind", help="Its kind: strategy, law, report...")
@click.option("--year", type=click.IntRange(1000, 9999), help="Its year.")
@click.option("--language", help="Its language code (en, sr, sq...).")
@click.option("--url", help="Its public source address.")
@json_option
@click.pass_context
@expected_errors
def docs_set(ctx: click.Context, doc_id: str, as_json: bool, **fields: Any) -> None:
    """Edit DOC's metadata in place; what depends on it (the countries its passages are about,
    the title's instruments) is re-derived, nothing is re-read."""
    from wbpolicy.docmeta import checked
    from wbpolicy.index.catalog import get_document
    from wbpolicy.ingest import set_metadata

    settings = settings_from(ctx)
    set_metadata(doc_id, settings, checked(fields, "docs set"))
    doc = get_document(settings, doc_id)
    if as_json:
        emit_json(doc.to_json())
    else:
        from wbpolicy.cli.render import document_view

        say(document_view(doc))


def _is_kind(doc: Document, kind: str) -> bool:
    from wbpolicy.answer.question import is_kind

    return is_kind(doc, kind)


def _problem_json(p: Any) -> dict[str, Any]:
    from dataclasses import asdict

    out = asdict(p)
    out["pages"] = list(p.pages)
    return out


@main.command()
@click.argument("doc_id")
@click.option("--page", type=click.IntRange(1, MAX_ID), help="Page number to print.")
@click.option(
    "--passage",
    "passage_id",
    type=click.IntRange(1, MAX_ID),
    help="Passage id (from search --json); it must belong to DOC_ID.",
)
@json_option
@click.pass_context
@expected_errors
def show(
    ctx: click.Context, doc_id: str, page: int | None, passage_id: int | None, as_json: bool
) -> None:
    """Print a page or a passage of a document, with its citations (or the document's record)."""
    from wbpolicy.cli.render import document_view, page_view
    from wbpolicy.errors import NotFound
    from wbpolicy.index import catalog

    settings = settings_from(ctx)
    if page is not None and passage_id is not None:
        raise click.UsageError("give --page or --passage, not both")
    view: catalog.PassageView | catalog.PageView | Document
    if passage_id is not None:
        view = catalog.show_passage(settings, passage_id)
        if view.doc_id != doc_id:
            raise NotFound(f"passage {passage_id} belongs to {view.doc_id}, not to {doc_id}")
    elif page is not None:
        view = catalog.show_page(settings, doc_id, page)
    else:
        view = catalog.get_document(settings, doc_id)
    if as_json:
        emit_json(view.to_json())
    else:
        say(document_view(view) if isinstance(view, Document) else page_view(view))


@main.command("open")
@click.argument("doc_id")
@click.option("--page", type=click.IntRange(1, MAX_ID), default=1, show_default=True)
@click.option("--print", "print_only", is_flag=True, help="Only print the file:// address.")
@json_option
@click.pass_context
@expected_errors
def open_cmd(ctx: click.Context, doc_id: str, page: int, print_only: bool, as_json: bool) -> None:
    """Open a cited page in the desktop's viewer (or print its file://...#page=N address)."""
    from wbpolicy.index import catalog

    doc = catalog.get_document(settings_from(ctx), doc_id)
    path = Path(doc.path)
    if not path.is_file():
        raise WbpolicyError(f"{doc.path} is no longer there (indexed from it); re-ingest it")
    if doc.pages and page > doc.pages:
        raise WbpolicyError(f"{doc_id} has {doc.pages} pages, not {page}")
    url = path.resolve().as_uri() + (f"#page={page}" if doc.format == "pdf" else "")
    if as_json:
        emit_json({"doc_id": doc_id, "page": page, "url": url, "path": str(path)})
        return
    click.echo(url)
    desktop = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not print_only and desktop:  # without a desktop there is nothing to open it in
        import webbrowser

        webbrowser.open(url)


@main.group()
def corpus() -> None:
    """The documents wbpolicy knows about (corpus/manifest.json)."""


@corpus.command("import")
@click.argument(
    "src", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@_ray_options
@no_ocr_option
@json_option
@click.pass_context
@expected_errors
def corpus_import(
    ctx: click.Context,
    src: Path | None,
    quiet: bool,
    use_ray: bool,
    ray_address: str | None,
    no_ocr: bool,
    as_json: bool,
) -> None:
    """Check SRC (default ../shared/corpus) against the manifest and index it."""
    from wbpolicy.corpus import import_corpus
    from wbpolicy.ingest import ingest as run_ingest
    from wbpolicy.settings import default_corpus_dir

    src = src or default_corpus_dir()
    if src is None:
        raise WbpolicyError("no corpus folder given and ../shared/corpus not found")
    check = import_corpus(src)
    for line in check.describe():
        click.echo(line, err=True)
    progress = _Progress(quiet)
    try:
        with _preparer(ctx, use_ray, ray_address) as preparer:
            summary = run_ingest(
                [src],
                settings_from(ctx, ocr=False if no_ocr else None),
                progress=progress,
                preparer=preparer,
            )
    except KeyboardInterrupt:
        _interrupted_ingest()
    finally:
        progress.close()
    _render_summary(summary, as_json)
    _fail_if_not_indexed(summary)


@corpus.command("fetch")
@click.option(
    "--dest", type=click.Path(file_okay=False, path_type=Path), help="Where to save files."
)
@click.option("--timeout", default=10.0, show_default=True, help="Seconds per request.")
@json_option
@expected_errors
def corpus_fetch(dest: Path | None, timeout: float, as_json: bool) -> None:
    """Download the manifest's documents that have a public URL (needs a network)."""
    from wbpolicy.corpus import default_fetch_dir, fetch

    report = fetch(dest or default_fetch_dir(), timeout=timeout)
    if as_json:
        emit_json(report.to_json())
        return
    click.echo(
        f"into {report.dest_dir}: downloaded {len(report.downloaded)}, already present "
        f"{len(report.already_present)}, no public URL {len(report.no_url)}, derived copies that "
        f"cannot be re-downloaded {len(report.not_fetchable)}, failed {len(report.failed)}"
    )
    for doc_id, reason in report.failed:
        click.echo(f"  failed: {doc_id}: {reason}")
