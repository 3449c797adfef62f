"""Read article files: bytes in, an `Article` of typed paragraphs out.

Files are opened through `tolk.intake.files` (links, special files, size limit). Nothing of the
real text is dropped: every paragraph is kept and typed as body, heading,
caption (a photo caption or credit) or crosslink ("Lees ook ..."). The leading ` date YYYY-MM`
marker is metadata and is taken off the text.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from tolk.errors import TolkError, UnreadableArticle
from tolk.intake.files import (
    DEFAULT_MAX_FILE_BYTES,
    READ_DELAYS,
    io_reason,
    list_folder,
    read_bytes,
    shown,
    with_retries,
)
from tolk.intake.ids import make_id
from tolk.records import Article, Failure, Paragraph, ParagraphKind

ARTICLE_SUFFIX = ".txt"

_DATE_MARKER = re.compile(r"\A[ \t]*date[ \t]+(\d{4}-\d{2}(?:-\d{2})?)(?:[ \t]+|[ \t]*\n|\Z)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n\s*")
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*")
# A photo credit: "Beeld REUTERS", "Foto: Remko de Waal", "© ANP". One closes a caption
# ("... Caracas. Beeld REUTERS"); the translator renders it by rule (tolk.compose).
CREDIT = re.compile(
    r"(?:Beeld|Foto|Foto's|Illustratie)\s*:?\s+(?P<name>[A-Z0-9][^.!?]{0,60})|©\s*\S[^.!?]{0,60}"
)
_CREDIT = re.compile(rf"(?:^|\s)(?:{CREDIT.pattern})$")
_CROSSLINK = re.compile(
    r"^(?:Lees|Bekijk|Kijk|Luister)\s+(?:ook|hier|meer|verder)\b", re.IGNORECASE
)
_NUMBERED_QUESTION = re.compile(r"^\d{1,2}[.)]\s+\S.*\?$")
_END_PUNCTUATION = ".!?…:;"
_CLOSING_QUOTES = "\"'’”»"
HEADING_MAX_WORDS = 14
HEADING_MAX_CHARS = 100
# UTF-32 LE's mark starts with UTF-16 LE's, so it is tried first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than tab and line ends: a few are stray, many mean a binary file.
# U+FFFE and U+FFFF count as such too: XML (TMX, Atom) forbids them.
_STRAY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_STRAY_CONTROLS = re.compile(r"[ \t]*[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]+[ \t]*")


def find_articles(folder: Path) -> list[Path]:
    """List the readable article files of a folder, sorted by name (see `list_folder`)."""
    return list_folder(folder, (ARTICLE_SUFFIX,)).paths


def _binary(source: object, what: str) -> UnreadableArticle:
    return UnreadableArticle(
        f"{source}: this looks like a binary file ({what}), not a text article; "
        "remove it from the input or save the article as UTF-8 text"
    )


def clean_text(text: str, source: str, name: str) -> tuple[str, list[str]]:
    """Check decoded article text and normalize it: no NULs, a few stray controls, LF, NFC.

    `source` names the article in errors (its path or table row), `name` in warnings.
    """
    if "\x00" in text:
        raise _binary(source, "it holds NUL characters")
    if not text.strip():
        raise UnreadableArticle(
            f"{source}: the text is whitespace only; put the article's text in it or remove it"
        )
    warnings = []
    found = _STRAY_CONTROL.findall(text)
    if len(found) > max(2, len(text) // 50):
        raise _binary(source, f"{len(found)} control characters in {len(text)}")
    if found:
        codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in found}))
        text = _STRAY_CONTROLS.sub(" ", text)
        warnings.append(
            f"{name}: {len(found)} stray control characters ({codes}) replaced by spaces; "
            "check the text around them"
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text), warnings


def decode(data: bytes, path: Path) -> tuple[str, list[str]]:
    """Decode an article's bytes: UTF-8 (BOM or not), UTF-16/32 with a BOM, else cp1252."""
    if not data:
        raise UnreadableArticle(
            f"{path}: the file is empty; put the article's text in it or remove it"
        )
    if not data.strip():
        raise UnreadableArticle(
            f"{path}: the file is whitespace only; put the article's text in it or remove it"
        )
    warnings: list[str] = []
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if encoding:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            raise UnreadableArticle(
                f"{path}: starts with a {encoding.upper()} byte-order mark but is not valid "
                f"{encoding.upper()} ({error.reason} at byte {error.start}); save it as UTF-8 text"
            ) from None
    elif b"\x00" in data:
        raise _binary(path, "it holds NUL bytes; a UTF-16 file needs a byte-order mark")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as utf8_error:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise UnreadableArticle(
                    f"{path}: not valid UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) "
                    "nor cp1252; save the article as UTF-8 text"
                ) from None
            warnings.append(
                f"{path.name}: not valid UTF-8 (byte {utf8_error.start}); read as cp1252 - "
                "check the accents, and save the file as UTF-8 to silence this"
            )
    text, cleaned = clean_text(text, str(path), path.name)
    return text, warnings + cleaned


def classify(text: str) -> ParagraphKind:
    """Type one paragraph: heading, caption, crosslink or body."""
    if _CROSSLINK.match(text):
        return "crosslink"
    if _CREDIT.search(text):
        return "caption"
    if "\n" in text:
        return "body"
    if _NUMBERED_QUESTION.match(text) and len(text.split()) <= 2 * HEADING_MAX_WORDS:
        return "heading"
    stripped = text.rstrip(_CLOSING_QUOTES)
    if (
        len(text.split()) <= HEADING_MAX_WORDS
        and len(text) <= HEADING_MAX_CHARS
        and not stripped.endswith(tuple(_END_PUNCTUATION))
    ):
        return "heading"
    return "body"


def parse(text: str) -> tuple[str | None, list[Paragraph]]:
    """Split decoded text into its date marker and typed paragraphs."""
    date = None
    marker = _DATE_MARKER.match(text)
    if marker:
        date = marker.group(1)
        text = text[marker.end() :]
    paragraphs = []
    for chunk in _PARAGRAPH_BREAK.split(text.strip()):
        chunk = _LINE_BREAK.sub(" ", chunk.strip())
        if chunk:
            paragraphs.append(Paragraph(index=len(paragraphs), kind=classify(chunk), text=chunk))
    return date, paragraphs


def read_article(
    path: Path, *, folder: Path | None = None, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> Article:
    """Read one article file; raise `UnreadableArticle` naming the file when it cannot be used.

    `folder` is the input folder a symbolic link must stay in (the file's own by default).
    """
    data = read_bytes(path, folder, max_bytes)
    text, warnings = decode(data, path)
    date, paragraphs = parse(text)
    if not paragraphs:
        raise UnreadableArticle(f"{path}: only a date marker, no article text; add the text")
    return Article(
        id=make_id(path.stem),
        source_path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        date=date,
        paragraphs=tuple(paragraphs),
        warnings=tuple(warnings),
    )


def read_with_retries(
    path: Path,
    read: Callable[[Path], Article] = read_article,
    delays: Sequence[float] = READ_DELAYS,
    sleep: Callable[[float], None] = time.sleep,
) -> Article | Failure:
    """Read one article file, retrying only transient I/O errors; a failure says why."""
    try:
        return with_retries(lambda: read(path), delays, sleep)
    except TolkError as error:  # bad input: retrying cannot help
        return Failure(make_id(path.stem), shown(path), str(error))
    except OSError as error:
        return Failure(make_id(path.stem), shown(path), io_reason(path, error))
