"""Read articles from tables: a CSV, JSON Lines or Parquet file (or a DataFrame), one per row.

A `text` column is required; `id`, `title`, `date` and `url` are optional, and a column
mapping ("text=body,id=guid") names the table's own columns for them. Rows become `TableRow`s;
`tolk.intake.sources` turns them into articles exactly as it turns `.txt` files into articles. A row
that cannot be used (no text, a number where text belongs, a bad date) fails alone, naming the
table and its row; a table without a text column fails as a whole, listing its columns.
"""

from __future__ import annotations

import datetime as dt
import json
import numbers
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tolk.errors import BadTable, UnreadableArticle
from tolk.intake.files import megabytes, shown
from tolk.intake.ids import content_sha256
from tolk.intake.text import clean_text, parse
from tolk.intake.textcheck import check_text
from tolk.records import Article, Paragraph
from tolk.settings import DEFAULTS

TABLE_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".parquet")
COLUMNS = ("text", "id", "title", "date", "url")
ColumnMap = tuple[tuple[str, str], ...]  # (tolk's name, the table's column)


@dataclass(frozen=True)
class TableRow:
    """One row of a table, checked: its text and optional metadata, all plain strings."""

    origin: str  # "path.csv#row 3": rows count from 1, the header not counted
    text: str
    id: str | None = None
    title: str | None = None
    date: str | None = None  # YYYY-MM-DD or YYYY-MM
    url: str | None = None


def row_article(row: TableRow, article_id: str) -> Article:
    """Read a row's text as a `.txt` file's would be read; a title column opens it as a heading."""
    text, warnings = clean_text(row.text, row.origin, row.origin)
    marker_date, paragraphs = parse(text)
    if not paragraphs:
        raise UnreadableArticle(f"{row.origin}: only a date marker, no article text; add the text")
    if row.title and not (paragraphs[0].kind == "heading" and paragraphs[0].text == row.title):
        title = Paragraph(0, "heading", " ".join(row.title.split()))
        paragraphs = [title] + [replace(p, index=p.index + 1) for p in paragraphs]
    date = row.date or marker_date
    return Article(
        id=article_id,
        source_path=row.origin,
        sha256=content_sha256(paragraphs, date, row.url),
        date=date,
        paragraphs=tuple(paragraphs),
        warnings=tuple(warnings),
        url=row.url,
        source_kind="table",
    )


def parse_columns(spec: str) -> ColumnMap:
    """Read a column mapping such as "text=body,id=guid" (tolk's name = the table's column)."""
    pairs = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, sep, column = (s.strip() for s in part.partition("="))
        if not sep or name not in COLUMNS or not column:
            raise BadTable(
                f"columns: cannot read {part!r}; write NAME=COLUMN pairs separated by commas, "
                f"NAME one of {', '.join(COLUMNS)} (for example text=body,id=guid)"
            )
        pairs.append((name, column))
    return tuple(pairs)


def _missing(value: object) -> bool:
    if isinstance(value, float | dt.datetime):  # NaN and NaT are not equal to themselves
        return value != value
    return value is None or (isinstance(value, str) and not value.strip())


def _is_integer(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _iso_date(value: object, origin: str) -> str:
    if isinstance(value, dt.datetime):  # also pandas.Timestamp
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        for length, form in ((7, "%Y-%m"), (10, "%Y-%m-%d")):
            try:
                dt.datetime.strptime(text[:length], form)
            except ValueError:
                continue
            if len(text) == length or (length == 10 and text[10:11] in ("T", " ")):
                return text[:length]
    raise BadTable(f"{origin}: date {value!r} is not a date; write it as YYYY-MM-DD or YYYY-MM")


def check_row(
    values: Mapping[str, object], origin: str, columns: ColumnMap = DEFAULTS.columns
) -> TableRow:
    """Check one row's values and make a `TableRow`; raise `BadTable` naming the row."""
    names = {name: name for name in COLUMNS} | dict(columns)
    got = {name: values.get(column) for name, column in names.items()}
    text = got["text"]
    if _missing(text):
        raise BadTable(f"{origin}: no text in column {names['text']!r}; fill it or drop the row")
    fields: dict[str, str | None] = {}
    for name in ("text", "id", "title", "url"):
        value = got[name]
        if _missing(value):
            fields[name] = None
        elif isinstance(value, str) or (name == "id" and _is_integer(value)):
            fields[name] = str(value)
            # A lone surrogate or NUL fails the row here, before it reaches an id or a hash.
            check_text(fields[name], origin, f"column {names[name]!r}", line=name != "text")
        else:
            raise BadTable(
                f"{origin}: column {names[name]!r} holds {type(value).__name__} {value!r}, "
                "not text; fix the row or map another column"
            )
    url = fields["url"]
    if url is not None and not url.startswith(("http://", "https://")):
        raise BadTable(f"{origin}: url {url!r} is not an http(s) address; fix or clear it")
    if isinstance(got["date"], str):
        check_text(got["date"], origin, f"column {names['date']!r}", line=True)
    date = None if _missing(got["date"]) else _iso_date(got["date"], origin)
    return TableRow(origin, str(text), fields["id"], fields["title"], date, url)


def table_rows(
    path: Path, columns: ColumnMap = DEFAULTS.columns, max_text_bytes: int | None = None
) -> Iterator[tuple[int, Mapping[str, object] | BadTable]]:
    """Yield each row of a table file by number, or the error that spoils that row alone."""
    import pandas as pd

    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".jsonl", ".ndjson"):
            yield from _json_lines(path, columns, max_text_bytes)
            return
        else:
            raise BadTable(
                f"{shown(path)}: not a table tolk reads; give a {', '.join(TABLE_SUFFIXES)} file"
            )
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise BadTable(f"{shown(path)}: cannot read the table ({error}); check the file") from None
    yield from frame_rows(frame, shown(path), columns)


def frame_rows(
    frame, where: str, columns: ColumnMap = DEFAULTS.columns
) -> Iterator[tuple[int, dict]]:
    """Yield each row of a pandas DataFrame by number (from 1) as a dict of its columns."""
    require_columns(list(frame.columns), where, columns)
    names = [str(c) for c in frame.columns]
    rows = frame.itertuples(index=False, name=None)
    yield from enumerate((dict(zip(names, values, strict=True)) for values in rows), 1)


def require_columns(
    found: Sequence[object], where: str, columns: ColumnMap = DEFAULTS.columns
) -> None:
    """Refuse a table without its text column or a mapped column, listing the columns it has."""
    found = [str(c) for c in found]
    listed = ", ".join(found) or "none"
    text = dict(columns).get("text", "text")
    if text not in found:
        raise BadTable(
            f"{where}: no {text!r} column (it has: {listed}); name the column that holds the "
            "text, for example --columns text=body"
        )
    for name, column in columns:
        if column not in found:
            raise BadTable(
                f"{where}: no {column!r} column for {name} (it has: {listed}); check the "
                "column mapping"
            )


def _json_lines(
    path: Path, columns: ColumnMap, max_text_bytes: int | None = None
) -> Iterator[tuple[int, Mapping[str, object] | BadTable]]:
    # A line this long cannot hold a text within the limit, even escaped (\uXXXX: 6 bytes a
    # character): it fails unparsed, so a huge cell costs its line once, not its parse too.
    longest = None if max_text_bytes is None else 6 * max_text_bytes + 65_536
    rows: list[tuple[int, Mapping[str, object] | BadTable]] = []
    keys: dict[str, None] = {}
    with open(path, encoding="utf-8-sig") as file:
        lines = (line for line in file if line.strip())
        for number, line in enumerate(lines, 1):
            origin = f"{shown(path)}#row {number}"
            if longest is not None and len(line) > longest:
                size = megabytes(len(line.encode("utf-8", "surrogatepass")))
                rows.append(
                    (
                        number,
                        BadTable(
                            f"{origin}: the line is {size}, over the limit of "
                            f"{megabytes(max_text_bytes)} per article; split it into articles"
                        ),
                    )
                )
                continue
            _json_row(line, origin, number, rows, keys)
    require_columns(list(keys), shown(path), columns)
    yield from rows


def _json_row(line: str, origin: str, number: int, rows: list, keys: dict[str, None]) -> None:
    """Parse one JSON line into `rows` (a dict, or the error that spoils it); note its keys."""
    try:
        value = json.loads(line.strip())
    except json.JSONDecodeError as error:
        rows.append((number, BadTable(f"{origin}: not valid JSON ({error}); fix the line")))
        return
    if not isinstance(value, dict):
        rows.append((number, BadTable(f"{origin}: not a JSON object; write one per line")))
        return
    keys.update(dict.fromkeys(value))
    rows.append((number, value))
