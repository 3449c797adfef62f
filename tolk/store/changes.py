"""Why an article was written again: new, changed at its source, or re-translated.

Takes an article's stored row before a commit (or none) and its new row; gives a `Change`.
The store records one per article changed in a generation (its manifest's "changes"), so the
run report, the run digests and any feed can tell the morning reader what is news: a new
article, one whose source changed, or a re-translation (the model or a setting changed) that
changed the English. A re-translation that left the English as it was is not news.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

NEW, SOURCE, RETRANSLATED = "new", "source", "retranslated"
# How readers see each kind, in the order the run digests list them.
CHANGE_HEADINGS = {NEW: "New", SOURCE: "Changed at the source", RETRANSLATED: "Re-translated"}
# The columns a change is told from.
CHANGE_COLUMNS = ["id", "sha256", "settings", "title_en", "text_en", "summary_en"]
_ENGLISH = ("title_en", "text_en", "summary_en")
# How a setting of the signature is named to a reader.
SETTING_NAMES = {
    "model_id": "model",
    "model_revision": "model revision",
    "compute_type": "compute type",
    "max_input_tokens": "model input limit",
    "key_points": "key points",
    "tolk_version": "tolk version",
    "confidence_floor": "confidence calibration",
    "shortlist": "vocabulary shortlist",
}


@dataclass(frozen=True)
class Change:
    """What happened to one article in one commit."""

    id: str
    kind: str  # NEW, SOURCE or RETRANSLATED
    settings: tuple[str, ...] = ()  # for a re-translation: the settings that changed
    english_changed: bool = True

    @property
    def is_news(self) -> bool:
        """Say whether a reader should hear of it: anything but an unchanged re-translation."""
        return self.kind != RETRANSLATED or self.english_changed

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "id"} | {
            "settings": list(self.settings)
        }

    @classmethod
    def from_dict(cls, article_id: str, value: dict) -> Change:
        return cls(
            article_id,
            value.get("kind", NEW),
            tuple(value.get("settings") or ()),
            bool(value.get("english_changed", True)),
        )


def _settings(row: dict) -> dict:
    try:
        value = json.loads(row.get("settings") or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def classify(old: dict | None, new: dict) -> Change:
    """Tell why `new` replaced `old` (rows of CHANGE_COLUMNS; `old` None: it is new)."""
    if old is None:
        return Change(new["id"], NEW)
    english_changed = any((old.get(c) or "") != (new.get(c) or "") for c in _ENGLISH)
    if old.get("sha256") != new.get("sha256"):
        return Change(new["id"], SOURCE, (), english_changed)
    before, after = _settings(old), _settings(new)
    changed = tuple(
        SETTING_NAMES.get(k, k.replace("_", " "))
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    )
    return Change(new["id"], RETRANSLATED, changed, english_changed)


def changes_of(manifest: dict) -> dict[str, Change]:
    """Read a generation manifest's changes; articles an older tolk changed count as new."""
    recorded = manifest.get("changes") or {}
    return {
        i: Change.from_dict(i, recorded[i]) if i in recorded else Change(i, NEW)
        for i in manifest.get("changed") or []
    }


def describe_changes(changes: list[Change]) -> str:
    """Say in one line how many articles are new, changed at the source, re-translated."""
    counts = {NEW: 0, SOURCE: 0, RETRANSLATED: 0}
    for change in changes:
        counts[change.kind] += 1
    parts = [f"{counts[NEW]} new", f"{counts[SOURCE]} changed at the source"]
    redone = [c for c in changes if c.kind == RETRANSLATED]
    if redone:
        why = sorted({s for c in redone for s in c.settings})
        same = sum(not c.english_changed for c in redone)
        text = f"{len(redone)} re-translated"
        text += f" ({', '.join(why)} changed)" if why else ""
        text += f", {same} of them with the same English" if same else ""
        parts.append(text)
    return ", ".join(parts)
