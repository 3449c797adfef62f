"""Write digests as Markdown for readers: `articles/<id>.md` per article and an `index.md`.

Article text is escaped, so that whatever a source file holds it renders as plain text: it
cannot inject links, images, HTML, tables, headings or lists into the page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa
import pyarrow.parquet as pq

from tolk.records import Digest
from tolk.write_parquet import ARTICLES_FILE, write_atomic

ARTICLES_DIR = "articles"
INDEX_FILE = "index.md"

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
    meta.append(f"Source: `{Path(article.source_path).name.replace('`', '')}`")
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


def render_index(articles: pa.Table) -> str:
    """Render the index of every stored article, newest first."""
    rows = articles.select(["id", "date", "title_en", "summary_en"]).to_pylist()
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


def _write_text(path: Path, text: str) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def page_path(out_dir: Path, article_id: str) -> Path:
    """Return where an article's page lives."""
    return out_dir / ARTICLES_DIR / f"{article_id}.md"


def write_article_pages(out_dir: Path, digests: Sequence[Digest]) -> None:
    """Write each digest's page."""
    for digest in digests:
        _write_text(page_path(out_dir, digest.article.id), render_article(digest))


def write_index(out_dir: Path) -> None:
    """Write the index of every article stored in the output's articles.parquet."""
    columns = ["id", "date", "title_en", "summary_en"]
    _write_text(
        out_dir / INDEX_FILE, render_index(pq.read_table(out_dir / ARTICLES_FILE, columns=columns))
    )
