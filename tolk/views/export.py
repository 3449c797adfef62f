"""Export the stored sentence pairs for other tools: TMX 1.4b, Moses plain text and JSON Lines.

Each exporter takes an iterable of row dicts with the columns of `SENTENCES_SCHEMA` (`flags` may
be None in rows an older tolk wrote: unknown, treated as unflagged) and writes as it reads, so
memory stays flat however large the store; `rows_from_batches` turns Parquet record batches into
such rows. Files appear atomically: written under a temporary name and renamed when complete.
A target must be absent or a regular file: a link, device, FIFO or folder is refused.
Each returns the number of pairs it wrote.
"""

from __future__ import annotations

import json
import math
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TextIO

import pyarrow as pa

from tolk import __version__
from tolk.errors import ExportRefused
from tolk.fileio import atomic_file
from tolk.records import SENTENCES_SCHEMA

COLUMNS: tuple[str, ...] = tuple(SENTENCES_SCHEMA.names)
# Characters XML 1.0 forbids, even escaped; they become U+FFFD so the file stays well-formed.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Everything str.splitlines() breaks on: each would split one Moses line into two.
_LINE_BREAKS = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# JSON leaves these unescaped, but line readers such as str.splitlines() break on them.
_JSON_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def rows_from_batches(batches: Iterable[pa.RecordBatch]) -> Iterator[dict]:
    """Yield the rows of Parquet record batches one by one, e.g. from ParquetFile.iter_batches."""
    for batch in batches:
        yield from batch.to_pylist()


def _kept(rows: Iterable[Mapping], exclude_flagged: bool) -> Iterator[Mapping]:
    for row in rows:
        if not (exclude_flagged and row.get("flags")):
            yield row


def check_target(path: Path) -> None:
    """Refuse a target that is not a regular file or absent: a link, device, FIFO or folder.

    The rule for links: tolk never writes through one nor replaces one; give the real path.
    """
    shown = str(path) or "''"
    if str(path) in ("", ".", "..") or path.name in ("", ".", ".."):
        raise ExportRefused(f"{shown}: names a folder, not a file; give a file name with --to")
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    except OSError as error:
        raise ExportRefused(f"{path}: cannot check the target ({error.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise ExportRefused(
            f"{path}: a symbolic link; tolk replaces only regular files, never a link: give "
            "the path of the file itself"
        )
    if not stat.S_ISREG(info.st_mode):
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
        raise ExportRefused(
            f"{path}: {kind}; tolk writes exports only as regular files: give a file name"
        )


_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
}


@contextmanager
def _atomic_text(path: Path) -> Iterator[TextIO]:
    """Open a temporary file beside `path`; rename it over `path` only if all went well."""
    check_target(path)
    with (
        atomic_file(path, check=check_target) as tmp,
        tmp.open("x", encoding="utf-8", newline="") as out,
    ):
        yield out


def xml_text(text: str) -> str:
    """Escape text for XML content, replacing the characters XML 1.0 forbids with U+FFFD."""
    text = _NOT_XML.sub("\ufffd", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # As character references, \r and \t survive parsing (a parser normalizes them otherwise).
    return text.replace('"', "&quot;").replace("\r", "&#13;").replace("\t", "&#9;")


def xml_attr(text: str) -> str:
    """Escape text for a quoted XML attribute, where a parser would turn a newline into a space."""
    return xml_text(text).replace("\n", "&#10;")


def _tmx_header(version: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
        f'  <header creationtool="tolk" creationtoolversion="{xml_attr(version)}" '
        'segtype="sentence" o-tmf="tolk" adminlang="en" srclang="nl" datatype="plaintext"/>\n'
        "  <body>\n"
    )


def _tu(row: Mapping) -> str:
    props = [
        ("x-article-id", row["article_id"]),
        ("x-paragraph-index", row["paragraph_index"]),
        ("x-sentence-index", row["sentence_index"]),
        ("x-paragraph-kind", row["paragraph_kind"]),
    ]
    props += [("x-flag", flag) for flag in row.get("flags") or ()]
    tuid = f"{row['article_id']}:{row['sentence_index']}"
    lines = [f'    <tu tuid="{xml_attr(tuid)}">']
    lines += [f'      <prop type="{t}">{xml_text(str(v))}</prop>' for t, v in props]
    for lang in ("nl", "en"):
        lines.append(f'      <tuv xml:lang="{lang}"><seg>{xml_text(row[lang])}</seg></tuv>')
    return "\n".join(lines) + "\n    </tu>\n"


def write_tmx(
    rows: Iterable[Mapping],
    path: Path,
    *,
    exclude_flagged: bool = False,
    version: str = __version__,
) -> int:
    """Write sentence pairs as a TMX 1.4b translation memory, one <tu> per pair."""
    count = 0
    with _atomic_text(path) as out:
        out.write(_tmx_header(version))
        for row in _kept(rows, exclude_flagged):
            out.write(_tu(row))
            count += 1
        out.write("  </body>\n</tmx>\n")
    return count


def moses_line(text: str) -> str:
    """Return text as exactly one line: each line break becomes a space."""
    return _SURROGATE.sub("\ufffd", _LINE_BREAKS.sub(" ", text))


def write_moses(rows: Iterable[Mapping], prefix: Path, *, exclude_flagged: bool = False) -> int:
    """Write sentence pairs as line-aligned plain text: `PREFIX.nl` and `PREFIX.en`."""
    count = 0
    if prefix.name in ("", ".", ".."):
        raise ExportRefused(f"{prefix}: names a folder, not a file prefix; give one with --to")
    nl_path, en_path = (prefix.with_name(f"{prefix.name}.{lang}") for lang in ("nl", "en"))
    # Both files are complete before either is renamed; the renames follow each other at once.
    with ExitStack() as stack:
        en = stack.enter_context(_atomic_text(en_path))
        nl = stack.enter_context(_atomic_text(nl_path))
        for row in _kept(rows, exclude_flagged):
            nl.write(moses_line(row["nl"]) + "\n")
            en.write(moses_line(row["en"]) + "\n")
            count += 1
    return count


def json_line(row: Mapping) -> str:
    """Return one row as a line of JSON with the sentence columns, in schema order."""
    record = {name: row.get(name) for name in COLUMNS}
    if isinstance(record["confidence"], float) and not math.isfinite(record["confidence"]):
        record["confidence"] = None
    if record["flags"] is not None:
        record["flags"] = list(record["flags"])
    text = json.dumps(record, ensure_ascii=False)
    text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return re.sub("[\x85\u2028\u2029]", lambda m: _JSON_BREAKS[m.group()], text)


def write_jsonl(rows: Iterable[Mapping], path: Path, *, exclude_flagged: bool = False) -> int:
    """Write sentence pairs as JSON Lines, one pair per line."""
    count = 0
    with _atomic_text(path) as out:
        for row in _kept(rows, exclude_flagged):
            out.write(json_line(row) + "\n")
            count += 1
    return count
