"""Options and helpers shared by the commands."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from wbpolicy.errors import InvalidQuery, WbpolicyError
from wbpolicy.settings import Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])

# ids and page numbers are SQLite integers: larger values are misuse, not an OverflowError
MAX_ID = 2**63 - 1


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")(f)


def say(text: str) -> None:
    """Print human-readable results: without control characters, so text read from a document
    (or a file name) can never drive the user's terminal.  JSON output is exact instead."""
    from wbpolicy.text.controls import strip_controls

    click.echo(strip_controls(text))


def emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def settings_from(ctx: click.Context, ocr: bool | None = None) -> Settings:
    obj = ctx.find_root().obj or {}
    return load_settings(
        index_dir=obj.get("index"),
        model=obj.get("model"),
        ocr=ocr,
        backend=obj.get("backend"),
        milvus_uri=obj.get("milvus_uri"),
    )


def no_ocr_option(f: F) -> F:
    return click.option(
        "--no-ocr",
        is_flag=True,
        help="Do not OCR pages without a text layer (also: WBPOLICY_OCR=0).",
    )(f)


def open_index(ctx: click.Context):  # -> wbpolicy.index.Index
    from wbpolicy.index import Index

    return Index.open(settings_from(ctx), readonly=True)


def expected_errors(f: F) -> F:
    """Map domain errors to click's exit code 1 with a one-line message."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except InvalidQuery as exc:
            raise click.UsageError(str(exc)) from exc
        except WbpolicyError as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise click.ClickException(message) from exc
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def parse_year_range(value: str | None) -> tuple[int | None, int | None]:
    """``2015..2019``, ``2015..``, ``..2019`` or ``2016``."""
    if not value:
        return None, None
    try:
        if ".." in value:
            lo_text, hi_text = value.split("..", 1)
            lo, hi = (int(lo_text) if lo_text else None, int(hi_text) if hi_text else None)
        else:
            lo = hi = int(value)
    except ValueError as exc:
        raise click.BadParameter(
            f"{value!r} is not a year or a range like 2015..2019", param_hint="--year"
        ) from exc
    for year in (lo, hi):
        if year is not None and not 1000 <= year <= 9999:
            raise click.BadParameter(f"{year} is not a four-digit year", param_hint="--year")
    if lo is not None and hi is not None and lo > hi:
        raise click.BadParameter(
            f"{value!r} is an empty range: write the earlier year first ({hi}..{lo})",
            param_hint="--year",
        )
    return lo, hi


def year_bounds(year: str | None, since: int | None) -> tuple[int | None, int | None]:
    """``(year_min, year_max)`` from ``--year`` and ``--since`` (one of them at most)."""
    if year and since is not None:
        raise click.UsageError("give --year or --since, not both (--since 2015 = --year 2015..)")
    if since is not None:
        return since, None
    return parse_year_range(year)


def csv_list(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()


def echo_err(message: str) -> None:
    click.echo(message, err=True)
