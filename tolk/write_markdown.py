"""Render digests as Markdown for readers: an article's page and the index of all articles.

Pure functions from records to text; the output store writes the files. Article text is
escaped, so that whatever a source holds it renders as plain text: it cannot inject links,
images, HTML, tables, headings or lists into the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from tolk.records import Digest

ARTICLES_DIR = "articles"

_INLINE = re.compile(r"([\\`*_\[\]|~!#])")
_URL_PUNCT = re.compile(r"(?<=\w)([:./@])(?=[\w/])")
_URLISH = re.compile(r"(?:https?|ftp)://\S+|www\.\S+|\S+@\S+\.\w+")
_LIST_NUMBER = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
_BLOCK_START = re.compile(r"^(\s*)([-+=])", re.MULTILINE)
KIND_LABEL = {"caption": "Photo caption", "crosslink": "See also"}


def escape(text: str) -> str:
    """Escape text so Markdown renders it literally, with no link, HTML or table in it."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _INLINE.sub(r"\\\1", text)
    # Break bare URLs and e-mail addresses, so GitHub-style autolinking cannot fire.
    text = _URLISH.sub(lambda m: _URL_PUNCT.sub(r"\\\1", m.group(0)), text)
    # "1. Waarom ...", "- ...", "> ..." would start a list, quote or setext heading.
    text = _LIST_NUMBER.sub(r"\1\\\2", text)
    return _BLOCK_START.sub(r"\1\\\2", text)


def _quote(text: str) -> str:
    return "\n".join("> " + line for line in escape(text).splitlines())


def render_article(digest: Digest) -> str:
    """Render one article page: title, summary, key points, then the bilingual text."""
    article, sig = digest.article, digest.signature
    lines = [f"# {escape(digest.title_en)}", "", f"*{escape(digest.title_nl)}*", ""]
    meta = [f"Date: {escape(article.date)}" if article.date else "Date: unknown"]
    meta.append(f"Source: {escape(source_name(article.source_path))}")
    lines += [" · ".join(meta), "", "## Summary", "", escape(digest.summary_en) or "(none)", ""]
    lines += ["## Key points", ""]
    for point in digest.key_points:
        lines += [f"- {escape(point.en)}", f"  > *{escape(point.nl)}*", ""]
    lines += ["## Full text", "", "English first, the Dutch original beneath.", ""]
    english = digest.paragraph_texts_en()
    for paragraph, en in zip(article.paragraphs, english, strict=True):
        if paragraph.kind == "heading":
            lines += [f"### {escape(en)}", "", f"*{escape(paragraph.text)}*", ""]
            continue
        label = KIND_LABEL.get(paragraph.kind)
        lines += [(f"*{label}:* " if label else "") + escape(en), "", _quote(paragraph.text), ""]
    if digest.warnings:
        lines += ["## Warnings", ""] + [f"- {escape(w)}" for w in digest.warnings] + [""]
    lines += [
        "---",
        "",
        f"Translated by tolk {sig.tolk_version} with {escape(sig.model_id)} "
        f"(revision `{sig.model_revision[:19]}`, backend {sig.backend}, {sig.compute_type}, "
        f"{sig.beams} beams) on {digest.translated_at:%Y-%m-%d %H:%M} UTC. "
        f"Source SHA-256 `{article.sha256}`.",
        "",
    ]
    return "\n".join(lines)


def _first_sentence(text: str, limit: int = 30) -> str:
    words = text.split()
    return " ".join(words[:limit]) + (" …" if len(words) > limit else "")


def source_name(source: str) -> str:
    """Name a source on one line: a file's name (not the folder it was in), or a URL."""
    name = source if "://" in source else Path(source).name
    return " ".join(name.split()) or "(unnamed)"


def render_index(rows: Iterable[dict]) -> str:
    """Render the index of every stored article, newest first."""
    rows = list(rows)
    rows.sort(key=lambda r: (r["date"] or "", r["id"]), reverse=True)
    lines = ["# tolk digest", "", f"{len(rows)} articles, newest first.", ""]
    for row in rows:
        link = f"{ARTICLES_DIR}/{quote(row['id'])}.md"
        date = escape(row["date"]) if row["date"] else "undated"
        lines.append(
            f"- {date} · [{escape(row['title_en'])}]({link}) — "
            f"{escape(_first_sentence(row['summary_en']))}"
        )
    return "\n".join(lines) + "\n"
