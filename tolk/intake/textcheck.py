"""Check text at intake: a string in, nothing out, or an error naming the bad character.

Every writer downstream needs text that is valid Unicode encodable as UTF-8 (Parquet, Markdown,
HTML), and TMX and Atom are XML 1.0, which forbids C0 controls other than tab and line ends
and U+FFFE/U+FFFF even when escaped. tolk REJECTS such text at intake rather than replacing
it with U+FFFD: a lone surrogate or a NUL means the export that wrote the source is broken,
and a silently repaired article would be translated and published with holes in it. The row,
file, item or page that holds one fails alone, naming where the character is; the rest of the
batch is written. (Stray controls in an article's body are the exception: `tolk.intake.text` and
`tolk.intake.extract` replace them with spaces and warn, as before.)
"""

from __future__ import annotations

import re

from tolk.errors import UnreadableArticle
from tolk.records import Article

# A character reference to a surrogate ("&#xD800;") cannot pass through feedparser, which
# encodes every reference as UTF-8; tolk rewrites it to this noncharacter first (see
# tolk.intake.feeds), so the item that holds it fails alone below instead of the whole feed.
SURROGATE_REF_MARK = "\U0010fffe"
_SURROGATE = re.compile("[\ud800-\udfff]")
# Forbidden in body text: surrogates and NUL (other controls are cleaned by the readers).
_BAD_IN_TEXT = re.compile(f"[\x00\ud800-\udfff{SURROGATE_REF_MARK}]")
# Forbidden in a title, id, date or URL: also every C0 control (tab and line ends too: none
# belongs in one line), DEL and the XML-forbidden U+FFFE/U+FFFF.
_BAD_IN_LINE = re.compile(f"[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff{SURROGATE_REF_MARK}]")
# What no paragraph may hold once read (the readers have cleaned stray controls by then).
_BAD_IN_ARTICLE = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff{SURROGATE_REF_MARK}]"
)


def reason(char: str, at: str) -> str:
    """Say what a bad character is, where it stands ("at character 14") and what it means."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return (
            f"an unpaired surrogate (U+{code:04X}) {at}: the export that wrote this text is "
            "broken; fix it at the source"
        )
    if char == SURROGATE_REF_MARK:
        return (
            f"a character reference to no character (a surrogate such as &#xD800;) {at}: the "
            "feed is broken; ask its publisher to fix it"
        )
    if code == 0:
        return f"a NUL character {at}: the file is damaged or binary; fix it at the source"
    if code in (0xFFFE, 0xFFFF):
        return f"the noncharacter U+{code:04X} {at}, which XML forbids; remove it at the source"
    return f"the control character U+{code:04X} {at}, which XML forbids; remove it at the source"


def safe(text: str) -> str:
    """Render text for a message or a record: surrogates and controls escaped, never raising."""
    return _BAD_IN_LINE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def check_text(text: str, where: str, what: str, *, line: bool = False) -> None:
    """Refuse text with a character no writer can store; `line` also refuses controls."""
    found = (_BAD_IN_LINE if line else _BAD_IN_TEXT).search(text)
    if found:
        at = f"at character {found.start() + 1}"
        raise UnreadableArticle(f"{safe(where)}: the {what} holds {reason(found.group(), at)}")


def check_article(article: Article) -> None:
    """Refuse an article that still holds a character a writer cannot store, naming where."""
    for name, value in (("id", article.id), ("url", article.url), ("date", article.date)):
        if value is not None:
            check_text(value, article.source_path, name, line=True)
    for paragraph in article.paragraphs:
        found = _BAD_IN_ARTICLE.search(paragraph.text)
        if found:
            at = f"at character {found.start() + 1} of paragraph {paragraph.index + 1}"
            raise UnreadableArticle(
                f"{safe(article.source_path)}: the text holds {reason(found.group(), at)}"
            )
