"""Render the newest digests as feeds for feed readers: Atom 1.0 (RFC 4287) and JSON Feed 1.1.

Pure functions from digests to text; the output store writes `feed.xml` and `feed.json` after
each commit (see `tolk.views.refresh`). Each entry leads with what tolk is best at: the English
title (⚠ when flagged), the summary or why it was withheld, the key points and how many
sentences are flagged, with links to the article's pages; `full` content adds the whole English
text, each flagged sentence marked. Entry ids are tag URIs made from the article id alone, so
they never change; when an entry was last `updated`, and why (new, changed at the source, or
re-translated because a setting changed), is the caller's to say (the store keeps both, so that
they move only when the English does).

lxml writes the Atom and escapes every text; characters that XML 1.0 does not allow are dropped
first, so no article can make the feed unreadable. Links are relative to the output folder
unless a site URL says where it is published.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from lxml import etree

from tolk import __version__
from tolk.intake.walls import is_teaser_note
from tolk.records import Digest
from tolk.settings import DEFAULTS, Settings
from tolk.store.changes import NEW, RETRANSLATED, SOURCE, Change
from tolk.store.layout import (
    BILINGUAL_PAGE,
    ENGLISH_PAGE,
    FEED_FILE,
    JSON_FEED_FILE,
    READER_PAGE,
    SITE_INDEX,
    article_file,
)
from tolk.views.html import FLAG_REASONS
from tolk.views.markdown import MARK
from tolk.views.notes import summary_note

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TAG_PREFIX = "tag:tolk,2026:"  # fixed: an entry's id must never change (RFC 4287, 4.2.6)
TITLE = "tolk digest"
SUBTITLE = (
    f"Dutch news in English, by machine translation. {MARK} marks English that may be wrong: "
    "check it against the Dutch on the bilingual page."
)
TEASER_TERM = "teaser"
# Why an entry was last updated, as an Atom category of this scheme (and a JSON Feed tag).
CHANGE_SCHEME = TAG_PREFIX + "change"
CHANGE_TERMS = {NEW: "new", SOURCE: "changed-at-source", RETRANSLATED: "retranslated"}
# Everything XML 1.0 does not allow in a document (section 2.2), to be dropped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class FeedOptions:
    """What the feeds hold: how many entries, how much of each article, and the links' base."""

    entries: int = DEFAULTS.feed_entries
    content: str = DEFAULTS.feed_content  # "summary" or "full"
    site_url: str | None = DEFAULTS.site_url

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedOptions:
        """Derive what a run's feeds hold from its settings."""
        return cls(settings.feed_entries, settings.feed_content, settings.site_url)

    def link(self, relative: str) -> str:
        """Give a link to a file of the output folder: absolute under the site URL, if set."""
        if not self.site_url:
            return relative
        return self.site_url.rstrip("/") + "/" + relative


DEFAULT_FEED = FeedOptions()


def xml_text(text: str | None) -> str:
    """Drop the characters that XML 1.0 does not allow (controls, lone surrogates)."""
    return _NOT_XML.sub("", text or "")


def entry_id(article_id: str) -> str:
    """Give the stable id of an article's entry: a tag URI (RFC 4151) of its id."""
    return TAG_PREFIX + quote(article_id, safe="")


def english_hash(digest: Digest) -> str:
    """Fingerprint what a reader sees of an article's English, to tell when it changed."""
    seen = [
        digest.title_en,
        digest.summary_en,
        [[p.en, list(p.flags)] for p in digest.pairs],
        [[k.en, list(k.flags)] for k in digest.key_points],
        list(digest.warnings),
    ]
    return hashlib.sha256(json.dumps(seen, ensure_ascii=False).encode()).hexdigest()[:32]


def rfc3339(moment: datetime) -> str:
    """Write a moment as RFC 3339 in UTC, to the second."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _published(digest: Digest) -> str | None:
    date = digest.article.date or ""
    return f"{date}T00:00:00Z" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else None


def _source_url(digest: Digest) -> str | None:
    url = (digest.article.url or "").strip()
    return url if urlsplit(url).scheme.lower() in ("http", "https") else None


def _pages(digest: Digest, options: FeedOptions) -> dict[str, str]:
    name = quote(digest.article.id, safe="")
    return {
        "reader": options.link(article_file(READER_PAGE, name)),
        "english": options.link(article_file(ENGLISH_PAGE, name)),
        "bilingual": options.link(article_file(BILINGUAL_PAGE, name)),
    }


def title(digest: Digest) -> str:
    """Give an entry's title: the English title, marked when it is flagged."""
    return xml_text(digest.title_en) + (f" {MARK}" if digest.title_flags else "")


def _flag_reasons(flags: Sequence[str]) -> str:
    return "; ".join(FLAG_REASONS.get(f, f.replace("_", " ")) for f in flags)


def summary_text(digest: Digest) -> str:
    """Give the summary, or say why there is none."""
    if digest.summary_en:
        return xml_text(digest.summary_en)
    return xml_text(summary_note(digest.summary_withheld))


def flag_count(digest: Digest) -> str:
    """Say how many of the article's sentences are flagged."""
    if not digest.flags_checked:
        return "The English was not checked for doubtful sentences (an older tolk wrote it)."
    total = len(digest.pairs)
    return f"{digest.n_flagged} of {total} sentences flagged."


def change_note(change: Change) -> str:
    """Say why an entry is in the feed as it is: new, changed at the source, re-translated."""
    if change.kind == SOURCE:
        return "Changed at the source: translated again."
    if change.kind == RETRANSLATED:
        why = f"{', '.join(change.settings)} changed" if change.settings else "redone"
        return f"Re-translated, the source as it was: {why}."
    return "New article."


def _change(digest: Digest, changes: Mapping[str, Change] | None) -> Change:
    return (changes or {}).get(digest.article.id) or Change(digest.article.id, NEW)


def _marked(en: str, flags: Sequence[str]) -> str:
    text = html.escape(xml_text(en))
    if flags:
        text += f' <strong title="{html.escape(_flag_reasons(flags))}">{MARK}</strong>'
    return text


def content_html(digest: Digest, options: FeedOptions, change: Change | None = None) -> str:
    """Render an entry's content as an HTML fragment; every article text is escaped.

    It opens with why the entry is there (`change`; none: a new article).
    """
    pages = _pages(digest, options)
    note = change_note(change or Change(digest.article.id, NEW))
    parts = [f"<p><em>{html.escape(note)}</em></p>", f"<p>{html.escape(summary_text(digest))}</p>"]
    if digest.key_points:
        points = "".join(f"<li>{_marked(k.en, k.flags)}</li>" for k in digest.key_points)
        parts.append(f"<p>Key points:</p><ul>{points}</ul>")
    parts.append(f"<p>{html.escape(flag_count(digest))}")
    if digest.n_flagged:
        parts[-1] += f" {MARK} marks English that may be wrong: check it against the Dutch."
    parts[-1] += "</p>"
    if digest.warnings:
        notes = "".join(f"<li>{html.escape(xml_text(w))}</li>" for w in digest.warnings)
        parts.append(f"<p>Notes:</p><ul>{notes}</ul>")
    if options.content == "full":
        by_paragraph: dict[int, list[str]] = {}
        for pair in digest.pairs:
            if pair.en:
                by_paragraph.setdefault(pair.paragraph_index, []).append(
                    _marked(pair.en, pair.flags)
                )
        for paragraph in digest.article.paragraphs:
            text = " ".join(by_paragraph.get(paragraph.index, ()))
            if text:
                tag = "h3" if paragraph.kind == "heading" else "p"
                parts.append(f"<{tag}>{text}</{tag}>")
    links = [
        f'<a href="{html.escape(pages["reader"])}">Bilingual reader</a>',
        f'<a href="{html.escape(pages["english"])}">English only</a>',
        f'<a href="{html.escape(pages["bilingual"])}">Bilingual text</a>',
    ]
    if source := _source_url(digest):
        links.append(f'<a href="{html.escape(xml_text(source))}">Dutch original</a>')
    parts.append("<p>" + " · ".join(links) + "</p>")
    return "".join(parts)


def _sub(parent, tag: str, text: str | None = None, **attributes: str):
    element = etree.SubElement(
        parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attributes.items()}
    )
    if text is not None:
        element.text = xml_text(text)
    return element


def _teaser(digest: Digest) -> bool:
    return any(is_teaser_note(w) for w in digest.warnings)


def render_atom(
    digests: Sequence[Digest],
    updated: Mapping[str, str],
    options: FeedOptions,
    now: str,
    changes: Mapping[str, Change] | None = None,
) -> str:
    """Render an Atom feed of `digests` (newest first).

    `updated` holds each entry's time, `changes` why it was last updated (left out: new).
    """
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    feed.set(XML_LANG, "en")
    _sub(feed, "id", TAG_PREFIX + "feed")
    _sub(feed, "title", TITLE)
    _sub(feed, "subtitle", SUBTITLE)
    _sub(feed, "updated", max(updated.values(), default=now))
    _sub(_sub(feed, "author"), "name", "tolk")
    _sub(feed, "generator", "tolk", version=__version__)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=options.link(FEED_FILE))
    _sub(feed, "link", rel="alternate", type="text/html", href=options.link(SITE_INDEX))
    for digest in digests:
        article, pages = digest.article, _pages(digest, options)
        entry = _sub(feed, "entry")
        _sub(entry, "id", entry_id(article.id))
        _sub(entry, "title", title(digest))
        _sub(entry, "updated", updated[article.id])
        if published := _published(digest):
            _sub(entry, "published", published)
        _sub(entry, "link", rel="alternate", type="text/html", href=pages["reader"])
        _sub(entry, "link", rel="related", type="text/markdown", href=pages["english"],
             title="English only (Markdown)")  # fmt: skip
        _sub(entry, "link", rel="related", type="text/markdown", href=pages["bilingual"],
             title="Bilingual text (Markdown)")  # fmt: skip
        if source := _source_url(digest):
            _sub(entry, "link", rel="via", type="text/html", hreflang="nl", href=source)
        sig = digest.signature
        _sub(entry, "category", term=sig.model_id, label=str(sig))
        change = _change(digest, changes)
        _sub(entry, "category", term=CHANGE_TERMS[change.kind], scheme=CHANGE_SCHEME,
             label=change_note(change))  # fmt: skip
        if _teaser(digest):
            _sub(entry, "category", term=TEASER_TERM, label="Teaser only: the lead of the article")
        _sub(entry, "summary", summary_text(digest))
        _sub(entry, "content", content_html(digest, options, change), type="html")
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True).decode()


def render_json_feed(
    digests: Sequence[Digest],
    updated: Mapping[str, str],
    options: FeedOptions,
    changes: Mapping[str, Change] | None = None,
) -> str:
    """Render the same entries as a JSON Feed 1.1 (the change in the `_tolk` extension)."""
    feed: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": TITLE,
        "description": SUBTITLE,
        "language": "en",
        "authors": [{"name": "tolk"}],
    }
    if options.site_url:
        feed["home_page_url"] = options.link(SITE_INDEX)
        feed["feed_url"] = options.link(JSON_FEED_FILE)
    items = []
    for digest in digests:
        change = _change(digest, changes)
        tags = [digest.signature.model_id, CHANGE_TERMS[change.kind]]
        item: dict[str, object] = {
            "id": entry_id(digest.article.id),
            "url": _pages(digest, options)["reader"],
            "title": title(digest),
            "summary": summary_text(digest),
            "content_html": content_html(digest, options, change),
            "date_modified": updated[digest.article.id],
            "tags": tags + ([TEASER_TERM] if _teaser(digest) else []),
            "language": "en",
            "_tolk": {"change": CHANGE_TERMS[change.kind], "settings": list(change.settings)},
        }
        if source := _source_url(digest):
            item["external_url"] = source
        if published := _published(digest):
            item["date_published"] = published
        items.append(item)
    feed["items"] = items
    return json.dumps(feed, ensure_ascii=False, indent=1) + "\n"
