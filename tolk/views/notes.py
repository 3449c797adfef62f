"""What every view tells a reader when an article has no summary: one wording per reason.

The reason is decided once (`tolk.records.withheld_reason`) and stored with the article; the
Markdown pages, the HTML reader, the indexes and the feeds all say it in these words.
"""

from __future__ import annotations

from tolk.records import WITHHELD_FLAGGED, WITHHELD_SHORT

# On an article's page and in its feed entry.
SUMMARY_NOTES = {
    WITHHELD_FLAGGED: (
        "Summary withheld: the English of every key point is flagged as doubtful. Read the key "
        "points' Dutch, or ask a Dutch speaker."
    ),
    WITHHELD_SHORT: "No summary: the article has no sentence long enough to summarize.",
}
# On an index line, in place of the summary's first sentence.
INDEX_NOTES = {
    WITHHELD_FLAGGED: "summary withheld: its key points are flagged",
    WITHHELD_SHORT: "no summary",
}
OLDER_ROW_NOTE = "summary withheld or none"  # a row an older tolk wrote kept no reason


def summary_note(reason: str | None) -> str:
    """Say why an article has no summary (`reason` as `withheld_reason` gives it)."""
    return SUMMARY_NOTES.get(reason or WITHHELD_SHORT, SUMMARY_NOTES[WITHHELD_SHORT])


def index_note(reason: str | None) -> str:
    """Say on an index line why an article has no summary."""
    return INDEX_NOTES.get(reason, OLDER_ROW_NOTE) if reason else OLDER_ROW_NOTE
