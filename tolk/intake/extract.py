"""Extract the article from a web page: HTML in, title, date, URL and typed paragraphs out.

trafilatura finds the article and drops navigation, cookie banners, related-article lists,
footers and scripts. Its XML output gives headings (`<head>`) and paragraphs (`<p>`, list
items, quotes); tolk types them as it types text files (`tolk.intake.text.classify`), so "Lees ook"
lines become crosslinks and photo credits captions. trafilatura drops `<figcaption>` text
(and with images on, keeps only the image's address), so before extraction each photo figure
is replaced by a paragraph of its caption, marked to come out as a caption. The page's title
becomes the article's opening heading, since tolk titles an article by its opening heading.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

import lxml.etree
import lxml.html

from tolk.errors import EmptyPage
from tolk.intake.ids import content_sha256
from tolk.intake.text import classify
from tolk.records import Article, Paragraph, ParagraphKind, SourceKind

# Marks a caption through extraction: printable, as trafilatura drops unprintable characters,
# and rare (an asterism); taken out of the page's own text first, so a page cannot fake one.
_CAPTION_MARK = "\u2042"
_MEDIA = ("img", "picture", "video", "svg", "iframe", "object", "embed")
# Inline tags that never separate words; any other element in a caption does.
_INLINE = {"a", "abbr", "b", "code", "em", "i", "mark", "q", "s", "strong", "sub", "sup", "u"}
_STRAY_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")  # XML forbids them
_ISO_DATE = re.compile(r"\d{4}-\d{2}(?:-\d{2})?")
_BLOCKS = {"p", "head", "list", "item", "quote", "table", "row", "cell"}


@dataclass(frozen=True)
class Page:
    """What a web page holds: its metadata and its article as typed paragraphs."""

    title: str | None
    date: str | None  # YYYY-MM-DD (or YYYY-MM) when known
    url: str | None  # the page's canonical address, when it names one
    paragraphs: tuple[Paragraph, ...]
    warnings: tuple[str, ...] = ()  # what a reader should check, e.g. a wrong charset label


def clean(text: str) -> str:
    """Make extracted text plain: NFC, no control characters, single spaces."""
    text = _STRAY_CONTROLS.sub(" ", text.replace(_CAPTION_MARK, ""))
    return " ".join(unicodedata.normalize("NFC", text).split())


def _words(element) -> str:
    """Give an element's text, with a space wherever a non-inline element separates words."""
    for child in element.iterdescendants():
        if not isinstance(child.tag, str):
            continue
        if child.tag not in _INLINE:
            child.text = " " + (child.text or "")
            child.tail = " " + (child.tail or "")
    return element.text_content()


def mark_captions(tree) -> None:
    """Replace each photo figure by a paragraph of its caption, marked as a caption."""
    for element in tree.iter():
        for attribute in ("text", "tail"):
            value = getattr(element, attribute)
            if value and _CAPTION_MARK in value:
                setattr(element, attribute, value.replace(_CAPTION_MARK, ""))
    for figure in list(tree.iter("figure")):
        caption = figure.find(".//figcaption")
        parent = figure.getparent()
        if caption is None or parent is None or next(figure.iter(*_MEDIA), None) is None:
            continue
        text = " ".join(_words(caption).split())
        if not text:
            continue
        paragraph = lxml.html.Element("p")
        paragraph.text, paragraph.tail = _CAPTION_MARK + text, figure.tail
        parent.replace(figure, paragraph)


def decode_page(html: bytes, charset: str, source: str) -> tuple[str | bytes, list[str]]:
    """Decode a page by its label; bytes that do not fit it are said in a warning.

    A page labelled UTF-8 that holds cp1252 bytes would otherwise become U+FFFD text, and be
    translated and published so with no word said: when its few non-ASCII characters are
    mostly not UTF-8, it is read as cp1252. A UTF-8 page with a stray byte or two keeps UTF-8
    (U+FFFD for those bytes). Either way the article carries a warning. An unknown label: the
    page's <meta> decides.
    """
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        return html, []
    try:
        return html.decode(charset), []
    except UnicodeDecodeError as error:
        why = f"{error.reason} at byte {error.start}"
    text = html.decode(charset, errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for c in text if ord(c) > 127) - bad
    if name == "utf-8" and good < bad:
        text, how = html.decode("cp1252", errors="replace"), "read as cp1252"
    else:
        how = f"{bad} bytes replaced by U+FFFD"
    return text, [
        f"{source}: labelled {charset} but not valid {charset} ({why}); {how}: check the "
        "accents in the original"
    ]


def _load(html: bytes | str):
    from trafilatura import load_html

    if isinstance(html, str):  # lxml refuses text that still declares an encoding
        html = re.sub(r"^\s*<\?xml[^>]*>", "", html)
    return load_html(html)


def _extract_xml(html: bytes | str, url: str | None) -> str | None:
    import trafilatura

    tree = _load(html)
    if tree is None:
        return None
    mark_captions(tree)
    return trafilatura.extract(
        tree,
        url=url,
        output_format="xml",
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        include_formatting=False,
        deduplicate=False,
        # Short articles otherwise pull in the navigation (its links read as text).
        favor_precision=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )


def _blocks(element):
    """Yield the paragraphs of trafilatura's XML, flattening lists and quotes."""
    for child in element:
        if any(grandchild.tag in _BLOCKS for grandchild in child):
            yield from _blocks(child)
        elif child.tag in _BLOCKS or (child.text or "").strip():
            yield child


def _typed(element) -> tuple[ParagraphKind, str] | None:
    for line_break in element.iter("lb"):
        line_break.tail = " " + (line_break.tail or "")
    raw = "".join(element.itertext())
    text = clean(raw)
    if not text:
        return None
    if element.tag == "head":
        return "heading", text
    if raw.lstrip().startswith(_CAPTION_MARK):
        return "caption", text
    return classify(text), text


def extract_page(
    html: bytes | str,
    source: str,
    *,
    url: str | None = None,
    title: str | None = None,
    date: str | None = None,
    charset: str | None = None,
) -> Page:
    """Extract a page's article; `title` and `date` (from a feed) win over the page's own.

    `source` names the page in errors (its URL or file); `url` is where it was fetched from.
    Raise `EmptyPage` when no article text is found.
    """
    warnings: list[str] = []
    if isinstance(html, bytes) and charset:
        html, warnings = decode_page(html, charset, source)
    try:
        xml = _extract_xml(html, url)
    except Exception as error:  # noqa: BLE001 - a parser failing on one page must not stop others
        raise EmptyPage(
            f"{source}: the page could not be parsed ({type(error).__name__}: {error}); "
            "leave it out"
        ) from error
    doc = lxml.etree.fromstring(xml.encode()) if xml else None
    main = doc.find("main") if doc is not None else None
    meta = doc.attrib if doc is not None else {}
    title = clean(title or meta.get("title") or "") or None
    blocks = [(b, *t) for b in (_blocks(main) if main is not None else ()) if (t := _typed(b))]
    # The page's own title (its h1, first) gives way to the article's title, set first.
    if blocks and blocks[0][1] == "heading":
        first, _, text = blocks[0]
        if first.get("rend") == "h1" or title is None or _same(text, title):
            title = title or text
            blocks = blocks[1:]
    typed = [(kind, text) for _, kind, text in blocks]
    if not any(kind != "heading" for kind, _ in typed):
        raise EmptyPage(
            f"{source}: no article text found on the page (it may be an index page, need "
            "JavaScript or sit behind a login); check it in a browser, or leave it out"
        )
    if title:
        typed.insert(0, ("heading", title))
    page_date = meta.get("date")
    page_url = meta.get("url")
    return Page(
        title=title,
        date=date or (page_date if page_date and _ISO_DATE.fullmatch(page_date) else None),
        url=page_url if page_url and page_url.startswith(("http://", "https://")) else None,
        paragraphs=tuple(Paragraph(i, kind, text) for i, (kind, text) in enumerate(typed)),
        warnings=tuple(warnings),
    )


def page_article(
    page: Page, article_id: str, source_path: str, source_kind: SourceKind, url: str | None
) -> Article:
    """Make the article of an extracted page; its SHA-256 is of what shapes the output."""
    return Article(
        id=article_id,
        source_path=source_path,
        sha256=content_sha256(page.paragraphs, page.date, url),
        date=page.date,
        paragraphs=page.paragraphs,
        warnings=page.warnings,
        url=url,
        source_kind=source_kind,
    )


def _same(a: str, b: str) -> bool:
    return a.casefold().rstrip(".") == b.casefold().rstrip(".")
