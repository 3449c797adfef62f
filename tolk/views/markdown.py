"""Render digests as Markdown for readers: an article's bilingual page and its English page.

Pure functions from records to text; the output store writes the files. Article text is
escaped, so that whatever a source holds it renders as plain text: it cannot inject links,
images, HTML, tables, headings or lists into the page. The pages that list articles (the
index, each run's digest) are in `tolk.views.indexes`.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from tolk.records import Digest
from tolk.views.notes import summary_note
from tolk.views.origin import outlet, safe_url

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


MARK = "⚠"
LEGEND = (
    f"{MARK} marks English that may be wrong, with the reason after it: read the Dutch beneath "
    "it, or ask a Dutch speaker."
)
LEGEND_EN = (
    f"{MARK} marks English that may be wrong, with the reason after it: check it against the "
    "Dutch on the bilingual page, or ask a Dutch speaker."
)


def mark(flags: tuple[str, ...]) -> str:
    """Return what follows a flagged English sentence: the mark and the flags' names."""
    return f" {MARK} *{', '.join(flags).replace('_', ' ')}*" if flags else ""


def _flag_line(digest: Digest, legend: str) -> list[str]:
    if not digest.flags_checked:
        return [
            "*The English was not checked for doubtful sentences (an older tolk wrote it).*",
            "",
        ]
    flagged, total = digest.n_flagged, len(digest.pairs)
    if not flagged:
        return [f"No sentence of {total} is flagged as doubtful.", ""]
    return [f"**{flagged} of {total} sentences flagged.** {legend}", ""]


def summary_line(digest: Digest) -> str:
    """Give the summary, or say why there is none."""
    if digest.summary_en:
        return escape(digest.summary_en)
    return f"*{summary_note(digest.summary_withheld)}*"


def _english(digest: Digest, paragraph_index: int) -> str:
    """Return a paragraph's English, each flagged sentence marked."""
    return " ".join(
        escape(p.en) + mark(p.flags)
        for p in digest.pairs
        if p.paragraph_index == paragraph_index and p.en
    )


def _footer(digest: Digest) -> list[str]:
    sig = digest.signature
    return [
        "---",
        "",
        f"Translated by tolk {sig.tolk_version} with {escape(sig.model_id)} "
        f"(revision `{sig.model_revision[:19]}`, backend {sig.backend}, {sig.compute_type} on "
        f"{sig.device}, {sig.beams} beams) on {digest.translated_at:%Y-%m-%d %H:%M} UTC. "
        f"Source SHA-256 `{digest.article.sha256}`.",
        "",
    ]


def link_url(url: str) -> str:
    """Render a safe URL as a Markdown link destination (`<...>`, `&` and `\\` escaped)."""
    return "<" + url.replace("\\", "\\\\").replace("&", "\\&") + ">"


def origin_line(url: str | None, source_path: str | None) -> str:
    """Say where an article comes from: the outlet, and a link to the original when safe."""
    # The dots escaped too: a bare host name would be autolinked (linkify), maybe elsewhere.
    line = f"From **{escape(outlet(url, source_path)).replace('.', chr(92) + '.')}**"
    if target := safe_url(url):
        return f"{line} · [Original article]({link_url(target)})"
    return line + (f" · {escape(url)}" if url else "")


def _meta(digest: Digest, other: str) -> list[str]:
    article = digest.article
    meta = [f"Date: {escape(article.date)}" if article.date else "Date: unknown"]
    meta.append(f"Source: {escape(source_name(article.source_path))}")
    return [" · ".join(meta) + f" · {other}", ""]


def _opening(digest: Digest) -> list[str]:
    article = digest.article
    return [
        f"# {escape(digest.title_en)}{mark(digest.title_flags)}",
        "",
        origin_line(article.url, article.source_path),
        "",
    ]


def render_article(digest: Digest) -> str:
    """Render one article page: title, summary, key points, then the bilingual text."""
    article = digest.article
    lines = _opening(digest)
    lines += [f"*{escape(digest.title_nl)}*", ""]
    lines += _meta(digest, f"[English only]({quote(article.id)}.en.md)")
    lines += _flag_line(digest, LEGEND)
    lines += ["## Summary", "", summary_line(digest), "", "## Key points", ""]
    for point in digest.key_points:
        lines += [f"- {escape(point.en)}{mark(point.flags)}", f"  > *{escape(point.nl)}*", ""]
    lines += ["## Full text", "", "English first, the Dutch original beneath.", ""]
    for paragraph in article.paragraphs:
        en = _english(digest, paragraph.index)
        if paragraph.kind == "heading":
            lines += [f"### {en}", "", f"*{escape(paragraph.text)}*", ""]
            continue
        label = KIND_LABEL.get(paragraph.kind)
        lines += [(f"*{label}:* " if label else "") + en, "", _quote(paragraph.text), ""]
    if digest.warnings:
        lines += ["## Warnings", ""] + [f"- {escape(w)}" for w in digest.warnings] + [""]
    return "\n".join(lines + _footer(digest))


def render_article_en(digest: Digest) -> str:
    """Render an article in English only; flags stay visible, the Dutch is a link away."""
    article = digest.article
    lines = _opening(digest)
    lines += _meta(digest, f"[Bilingual page, to check the Dutch]({quote(article.id)}.md)")
    lines += _flag_line(digest, LEGEND_EN)
    lines += ["## Summary", "", summary_line(digest), "", "## Key points", ""]
    lines += [f"- {escape(k.en)}{mark(k.flags)}" for k in digest.key_points] + [""]
    lines += ["## Text", ""]
    for paragraph in article.paragraphs:
        en = _english(digest, paragraph.index)
        if paragraph.kind == "heading":
            lines += [f"### {en}", ""]
            continue
        label = KIND_LABEL.get(paragraph.kind)
        lines += [(f"*{label}:* " if label else "") + en, ""]
    return "\n".join(lines + _footer(digest))


def source_name(source: str) -> str:
    """Name a source on one line: a file's name (not the folder it was in), or a URL."""
    name = source if "://" in source else Path(source).name
    return " ".join(name.split()) or "(unnamed)"
