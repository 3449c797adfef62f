"""Render the Markdown pages that list articles: the index of all of them (and its older
months), and each run's digest of what it added or changed.

Pure functions from rows and records to text, escaped as the article pages are
(`tolk.views.markdown`); the output store writes the files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import quote

from tolk.records import Digest
from tolk.store.changes import CHANGE_HEADINGS, NEW, RETRANSLATED, Change
from tolk.store.layout import ARTICLES_DIR, FEED_FILE, INDEX_FILE, JSON_FEED_FILE, month_index
from tolk.views.markdown import MARK, escape, mark, origin_line, source_name, summary_line
from tolk.views.notes import index_note
from tolk.views.origin import outlet


def _first_sentence(text: str, limit: int = 30) -> str:
    words = text.split()
    return " ".join(words[:limit]) + (" …" if len(words) > limit else "")


def flagged_count(row: dict) -> str:
    """Say how many of an article's sentences are flagged, from its row."""
    if row.get("n_flagged") is None:
        return "flags not checked"
    return f"{row['n_flagged']} of {row['n_sentences']} flagged"


def index_line(row: dict, prefix: str = "") -> str:
    """Render one article's line of an index: date, title, summary, flagged count, links."""
    page = f"{prefix}{ARTICLES_DIR}/{quote(row['id'])}"
    date = escape(row["date"]) if row["date"] else "undated"
    title = escape(row["title_en"]) + (f" {MARK}" if row.get("title_flags") else "")
    summary = escape(_first_sentence(row["summary_en"])) or (
        f"*({index_note(row.get('summary_withheld'))})*"
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
        summary_line(digest),
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
