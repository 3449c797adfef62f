"""Render digests as Markdown for readers: an article's page and the index of all articles.

Pure functions from records to text; the output store writes the files. Article text is
escaped, so that whatever a source holds it renders as plain text: it cannot inject links,
images, HTML, tables, headings or lists into the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

from tolk.records import WITHHELD_FLAGGED, WITHHELD_SHORT, Digest
from tolk.store.changes import CHANGE_HEADINGS, NEW, RETRANSLATED, Change
from tolk.store.layout import ARTICLES_DIR, FEED_FILE, INDEX_FILE, JSON_FEED_FILE, month_index
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


def _summary(digest: Digest) -> str:
    if digest.summary_en:
        return escape(digest.summary_en)
    if digest.summary_withheld == WITHHELD_FLAGGED:
        return (
            "*Summary withheld: the English of every key point is flagged as doubtful. Read the "
            "key points' Dutch, or ask a Dutch speaker.*"
        )
    return "(none)"


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
    lines += ["## Summary", "", _summary(digest), "", "## Key points", ""]
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
    lines += ["## Summary", "", _summary(digest), "", "## Key points", ""]
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


def _first_sentence(text: str, limit: int = 30) -> str:
    words = text.split()
    return " ".join(words[:limit]) + (" …" if len(words) > limit else "")


def source_name(source: str) -> str:
    """Name a source on one line: a file's name (not the folder it was in), or a URL."""
    name = source if "://" in source else Path(source).name
    return " ".join(name.split()) or "(unnamed)"


def flagged_count(row: dict) -> str:
    """Say how many of an article's sentences are flagged, from its row."""
    if row.get("n_flagged") is None:
        return "flags not checked"
    return f"{row['n_flagged']} of {row['n_sentences']} flagged"


NO_SUMMARY_LINE = {
    WITHHELD_FLAGGED: "*(summary withheld: its key points are flagged)*",
    WITHHELD_SHORT: "*(no summary)*",
}


def index_line(row: dict, prefix: str = "") -> str:
    """Render one article's line of an index: date, title, summary, flagged count, links."""
    page = f"{prefix}{ARTICLES_DIR}/{quote(row['id'])}"
    date = escape(row["date"]) if row["date"] else "undated"
    title = escape(row["title_en"]) + (f" {MARK}" if row.get("title_flags") else "")
    summary = escape(_first_sentence(row["summary_en"])) or NO_SUMMARY_LINE.get(
        row.get("summary_withheld"),
        "*(summary withheld or none)*",  # an older tolk's row
    )
    source = escape(outlet(row.get("url"), row.get("source_path"))).replace(".", "\\.")
    return (
        f"- {date} · {source} · [{title}]({page}.md) ([English only]({page}.en.md)) — {summary} "
        f"({flagged_count(row)})"
    )


INDEX_MAX_LINES = 300  # past this, older months move to archive/YYYY-MM.md


def month_of(row: dict) -> str:
    """Return the month an article belongs to in the archive: YYYY-MM, or "undated"."""
    date = row.get("date") or ""
    return date[:7] if len(date) >= 7 and date[4] == "-" else "undated"


def render_indexes(rows: Iterable[dict]) -> dict[str, str]:
    """Render the index of every stored article, newest first, and its archive pages.

    While all articles fit in `INDEX_MAX_LINES` lines, index.md lists them all. Past that it
    keeps the newest months that fit (the newest one always) and links a page per older
    month, `archive/YYYY-MM.md`. Returns the files' texts by path.
    """
    rows = sorted(rows, key=lambda r: (r["date"] or "", r["id"]), reverse=True)
    months: dict[str, list[dict]] = {}
    for row in rows:
        months.setdefault(month_of(row), []).append(row)
    shown: list[str] = []
    for month, members in months.items():
        if shown and sum(len(months[m]) for m in shown) + len(members) > INDEX_MAX_LINES:
            break
        shown.append(month)
    archived = [m for m in months if m not in shown]
    lines = ["# tolk digest", "", f"{len(rows)} articles, newest first.", "", FEED_LINE, ""]
    if archived:
        lines[2] = f"{len(rows)} articles: the newest here, older months in the archive."
    for month in shown:
        lines += [f"## {month}", ""] + [index_line(row) for row in months[month]] + [""]
    pages = {}
    if archived:
        lines += ["## Archive", ""]
        for month in archived:
            path = month_index(month)
            lines.append(f"- [{month}]({path}) ({len(months[month])} articles)")
            page = [f"# tolk digest: {month}", "", f"{len(months[month])} articles.", ""]
            page += [index_line(row, "../") for row in months[month]]
            pages[path] = "\n".join(page) + "\n"
    return {INDEX_FILE: "\n".join(lines).rstrip() + "\n", **pages}


def render_index(rows: Iterable[dict]) -> str:
    """Render the index page of every stored article, newest first (see `render_indexes`)."""
    return render_indexes(rows)[INDEX_FILE]


FEED_LINE = (
    f"Follow it in a feed reader: [{FEED_FILE}]({FEED_FILE}) (Atom), "
    f"[{JSON_FEED_FILE}]({JSON_FEED_FILE})."
)


def _digest_entry(digest: Digest, prefix: str) -> list[str]:
    article = digest.article
    page = f"{prefix}{ARTICLES_DIR}/{quote(article.id)}"
    lines = [f"### {escape(digest.title_en)}{mark(digest.title_flags)}", ""]
    lines += [origin_line(article.url, article.source_path), ""]
    lines += [f"*{escape(digest.title_nl)}*", ""]
    date = escape(article.date) if article.date else "undated"
    lines += [
        f"{date} · {escape(source_name(article.source_path))} · "
        f"{digest.n_flagged} of {len(digest.pairs)} sentences flagged · "
        f"[bilingual]({page}.md) · [English only]({page}.en.md)",
        "",
        _summary(digest),
        "",
    ]
    return lines + [f"- {escape(k.en)}{mark(k.flags)}" for k in digest.key_points] + [""]


def render_run_digest(
    committed_at: str,
    digests: Iterable[Digest],
    changes: Mapping[str, Change] | None = None,
    quiet: Sequence[Change] = (),
    prefix: str = "../",
) -> str:
    """Render what one run brought, for the morning reader: new, changed, re-translated.

    `changes` says why each article was written (without it, all are new); `quiet` are the
    re-translations that left the English as it was: counted in one line, not listed.
    """
    digests = sorted(digests, key=lambda d: (d.article.date or "", d.article.id), reverse=True)
    changes = changes or {}
    lines = [f"# tolk digest of {committed_at}", ""]
    lines += [
        f"{len(digests)} articles added or changed. [All articles]({prefix}index.md) · "
        f"[Feed]({prefix}feed.xml)",
        "",
    ]
    for kind, heading in CHANGE_HEADINGS.items():
        members = [d for d in digests if _kind(changes, d.article.id) == kind]
        if not members:
            continue
        lines += [f"## {heading} ({len(members)})", ""]
        if kind == RETRANSLATED:
            why = sorted({s for d in members for s in changes[d.article.id].settings})
            lines += [
                "The source is as it was; the English changed because "
                + (f"these changed: {escape(', '.join(why))}." if why else "it was redone."),
                "",
            ]
        for digest in members:
            lines += _digest_entry(digest, prefix)
    if quiet:
        why = sorted({s for c in quiet for s in c.settings})
        lines += [
            f"*{len(quiet)} more articles were re-translated"
            + (f" ({escape(', '.join(why))} changed)" if why else "")
            + " with the same English: not listed.*",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def _kind(changes: Mapping[str, Change], article_id: str) -> str:
    change = changes.get(article_id)
    return change.kind if change else NEW
