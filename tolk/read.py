"""Read article files: bytes in, an `Article` of typed paragraphs out.

Nothing of the real text is dropped: every paragraph is kept and typed as body, heading,
caption (a photo caption or credit) or crosslink ("Lees ook ..."). The leading ` date YYYY-MM`
marker is metadata and is taken off the text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from tolk.errors import UnreadableArticle
from tolk.records import Article, Paragraph, ParagraphKind

ARTICLE_SUFFIX = ".txt"

_DATE_MARKER = re.compile(r"\A[ \t]*date[ \t]+(\d{4}-\d{2}(?:-\d{2})?)(?:[ \t]+|[ \t]*\n|\Z)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n\s*")
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*")
# A photo credit: "Beeld REUTERS", "Foto: Remko de Waal", "© ANP". One closes a caption
# ("... Caracas. Beeld REUTERS"); the translator renders it by rule (tolk.pipeline).
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


def find_articles(folder: Path) -> list[Path]:
    """List the article files of a folder, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.suffix == ARTICLE_SUFFIX and p.is_file())


def decode(data: bytes, path: Path) -> tuple[str, list[str]]:
    """Decode an article's bytes as UTF-8 (BOM or not), else cp1252 with a warning."""
    if not data.strip():
        what = "empty" if not data else "whitespace only"
        raise UnreadableArticle(
            f"{path}: the file is {what}; put the article's text in it or remove it"
        )
    if b"\x00" in data[:8192]:
        raise UnreadableArticle(
            f"{path}: this looks like a binary file (it holds NUL bytes), not a text article; "
            "remove it from the input folder or save the article as UTF-8 text"
        )
    warnings: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise UnreadableArticle(
                f"{path}: not valid UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) nor "
                "cp1252; save the article as UTF-8 text"
            ) from None
        warnings.append(
            f"{path.name}: not valid UTF-8 (byte {utf8_error.start}); read as cp1252 - "
            "check the accents, and save the file as UTF-8 to silence this"
        )
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f")
    if controls > max(2, len(text) // 50):
        raise UnreadableArticle(
            f"{path}: {controls} control characters in {len(text)}: this looks like a binary "
            "file, not a text article; remove it or save the article as UTF-8 text"
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text), warnings


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


def read_article(path: Path) -> Article:
    """Read one article file; raise `UnreadableArticle` naming the file when it cannot be used."""
    data = path.read_bytes()
    text, warnings = decode(data, path)
    date, paragraphs = parse(text)
    if not paragraphs:
        raise UnreadableArticle(f"{path}: only a date marker, no article text; add the text")
    return Article(
        id=path.stem,
        source_path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        date=date,
        paragraphs=tuple(paragraphs),
        warnings=tuple(warnings),
    )
