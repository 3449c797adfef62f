"""Render digests as a bilingual HTML reader: a page per article and an index of them all.

Each page sets the English and the Dutch side by side, paragraph by paragraph, with every sentence
an element that highlights its counterpart when pointed at or focused. Pages are self-contained:
inline CSS and one inline script, no external request of any kind. All article text goes through
Jinja's autoescaping, and a Content-Security-Policy admits only tolk's own style and script (by
hash), so even text that slipped past escaping could neither run nor load anything.

The store writes these strings to `site/<id>.html` and `site/index.html`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib.resources import files
from pathlib import PurePath
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from tolk import __version__
from tolk.records import WITHHELD_FLAGGED, WITHHELD_SHORT, Digest, Paragraph, SentencePair
from tolk.store.changes import CHANGE_HEADINGS, NEW, RETRANSLATED, Change
from tolk.views.notes import SUMMARY_NOTES, index_note, summary_note
from tolk.views.origin import outlet, safe_url

KIND_LABELS = {"heading": "Heading", "caption": "Photo caption", "crosslink": "See also"}
# What each flag of tolk.checks.flags means to a reader; an unknown flag is shown by its name.
FLAG_REASONS = {
    "empty": "the translation is empty",
    "copy": "the English copies the Dutch",
    "repetition": "the English repeats itself",
    "numbers": "its numbers differ from the Dutch",
    "length": "it is much shorter or longer than the Dutch",
    "names": "a name in the Dutch is missing, changed or translated in the English",
    "negation": "it may say the opposite: a 'not' or 'no' was lost or added",
    "cap": "it hit the length limit and may be cut off",
    "low_confidence": "the model was unsure of it",
    "glossary": "a term of your glossary is not rendered as the glossary requires",
}
ADVICE = "Read the Dutch beside it, or ask a Dutch speaker."
WITHHELD = SUMMARY_NOTES[WITHHELD_FLAGGED]
NO_SUMMARY = SUMMARY_NOTES[WITHHELD_SHORT]
BLURB_WORDS = 30


def flag_title(flags: Sequence[str]) -> str:
    """Explain a sentence's flags in one line, for its tooltip."""
    reasons = "; ".join(f"{f}: {FLAG_REASONS[f]}" if f in FLAG_REASONS else f for f in flags)
    return f"Flagged ({reasons}). {ADVICE}"


def _asset(name: str) -> str:
    return files("tolk").joinpath("templates", name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tolk", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(flag_title=flag_title, kind_labels=KIND_LABELS)
    return env


@cache
def _page(with_script: bool) -> dict[str, object]:
    """Return the inline style and script of a page and the policy that admits only them."""
    css = _asset("reader.css")
    script = _asset("reader.js") if with_script else ""
    script_src = _csp_hash(script) if script else "'none'"
    csp = (
        f"default-src 'none'; style-src {_csp_hash(css)}; script-src {script_src}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    # Our own files, inserted verbatim so the hashes match; never article text.
    return {"css": Markup(css), "script": Markup(script), "csp": csp, "version": __version__}


def _rows(digest: Digest) -> list[tuple[Paragraph, list[SentencePair]]]:
    """Group the pairs by paragraph; a pair of an unknown paragraph gets a row of its own."""
    paragraphs = {p.index: p for p in digest.article.paragraphs}
    by_paragraph: dict[int, list[SentencePair]] = {i: [] for i in paragraphs}
    for pair in digest.pairs:
        index = pair.paragraph_index
        paragraphs.setdefault(index, Paragraph(index, pair.paragraph_kind, ""))
        by_paragraph.setdefault(index, []).append(pair)
    return [(paragraphs[i], by_paragraph[i]) for i in sorted(paragraphs)]


def _web_url(url: str | None) -> str | None:
    """Return the URL if it is safe to link (http or https), else None: no javascript: links."""
    return safe_url(url)


def render_article_html(digest: Digest) -> str:
    """Render one article's bilingual reader page."""
    return (
        _environment()
        .get_template("article.html")
        .render(
            page=_page(with_script=True),
            d=digest,
            sig=digest.signature,
            rows=_rows(digest),
            source_name=PurePath(digest.article.source_path).name,
            source_url=_web_url(digest.article.url),
            outlet=outlet(digest.article.url, digest.article.source_path),
            summary_note=summary_note(digest.summary_withheld),
        )
    )


def _blurb(summary: str | None) -> str:
    words = (summary or "").split()
    return " ".join(words[:BLURB_WORDS]) + (" …" if len(words) > BLURB_WORDS else "")


def _no_summary(row: Mapping) -> str:
    return f"({index_note(row.get('summary_withheld'))})"


def _flag_text(row: Mapping) -> str:
    n, total = row.get("n_flagged"), row.get("n_sentences")
    if n is None:
        return "flags not checked (written by an older tolk)"
    return f"{n} of {total} sentences flagged" if total is not None else f"{n} flagged"


def _index_row(row: Mapping) -> dict[str, object]:
    return {
        "id": row["id"],
        "date": row.get("date"),
        "title_en": row.get("title_en"),
        "title_nl": row.get("title_nl") or "",
        "title_flags": list(row.get("title_flags") or ()),
        "blurb": _blurb(row.get("summary_en")) or _no_summary(row),
        "flag_text": _flag_text(row),
        "href": f"{quote(row['id'], safe='')}.html",
        "outlet": outlet(row.get("url"), row.get("source_path")),
    }


def render_site_index(rows: Iterable[Mapping], latest: str | None = None) -> str:
    """Render the index of every stored article, newest first (rows as in articles.parquet)."""
    entries = sorted(
        (_index_row(r) for r in rows), key=lambda r: (r["date"] or "", r["id"]), reverse=True
    )
    return (
        _environment()
        .get_template("index.html")
        .render(
            page=_page(with_script=False),
            rows=entries,
            articles=f"{len(entries)} article{'' if len(entries) == 1 else 's'}",
            latest=latest,
        )
    )


def _digest_row(digest: Digest, prefix: str) -> dict[str, object]:
    article = digest.article
    return {
        "id": article.id,
        "date": article.date,
        "title_en": digest.title_en,
        "title_nl": digest.title_nl,
        "title_flags": list(digest.title_flags),
        "blurb": _blurb(digest.summary_en)
        or _no_summary({"summary_withheld": digest.summary_withheld}),
        "flag_text": f"{digest.n_flagged} of {len(digest.pairs)} sentences flagged",
        "href": f"{prefix}{quote(article.id, safe='')}.html",
        "outlet": outlet(article.url, article.source_path),
        "original": safe_url(article.url),
    }


def render_run_html(
    committed_at: str,
    digests: Iterable[Digest],
    changes: Mapping[str, Change] | None = None,
    quiet: Sequence[Change] = (),
    prefix: str = "../",
) -> str:
    """Render what one run brought as HTML: new, changed at the source, re-translated."""
    changes = changes or {}
    digests = sorted(digests, key=lambda d: (d.article.date or "", d.article.id), reverse=True)
    groups = []
    for kind, heading in CHANGE_HEADINGS.items():
        members = [
            d
            for d in digests
            if (changes.get(d.article.id) or Change(d.article.id, NEW)).kind == kind
        ]
        if not members:
            continue
        why = ""
        if kind == RETRANSLATED:
            names = sorted({s for d in members for s in changes[d.article.id].settings})
            why = "The source is as it was; the English changed because " + (
                f"these changed: {', '.join(names)}." if names else "it was redone."
            )
        entries = [_digest_row(d, prefix) for d in members]
        groups.append({"kind": kind, "heading": heading, "why": why, "entries": entries})
    quiet_text = ""
    if quiet:
        names = sorted({s for c in quiet for s in c.settings})
        quiet_text = (
            f"{len(quiet)} more articles were re-translated"
            + (f" ({', '.join(names)} changed)" if names else "")
            + " with the same English: not listed."
        )
    return (
        _environment()
        .get_template("run.html")
        .render(
            page=_page(with_script=False),
            committed_at=committed_at,
            count=len(digests),
            groups=groups,
            quiet=quiet_text,
            prefix=prefix,
        )
    )
