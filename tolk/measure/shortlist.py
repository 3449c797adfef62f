"""A vocabulary shortlist for the ct2 backend, built from the model's own translations.

The output layer (512 x 67k for opus-mt-nl-en) is most of a decoding step. Marian-based
systems (Bergamot, Firefox Translations) cut it with a lexical shortlist, and CTranslate2 takes
one as `vmap.txt` beside the model (`use_vmap`): for each batch it scores only the target words
the batch's source words map to, plus the words that are always candidates.

`build` translates a Dutch corpus with the full vocabulary and maps every source piece to every
target piece the model produced in the same sentence, repairs included; the most frequent
target pieces become candidates for every batch. On the corpus it was built from, the
shortlist holds every piece the model chose; on other text a needed piece can be missing, so
`benchmarks/shortlist.py` measures how often held-out translations change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from tolk.checks.flags import flag_pair
from tolk.translate.ct2 import Ct2Translator

FREQUENT = 1000  # target pieces that are candidates in every batch
SPECIAL = frozenset({"</s>", "<unk>", "<pad>", "<s>"})  # in every source: they map to nothing


def build(
    translator: Ct2Translator, sentences: Sequence[str], beams: int, frequent: int = FREQUENT
) -> tuple[str, dict]:
    """Translate `sentences` with the full vocabulary; return the vmap text and its record."""
    if translator.shortlist:
        raise ValueError("build a shortlist with the full vocabulary: load the model without one")
    translator.recorder = []
    try:
        translator.translate(list(sentences), beams, judge=flag_pair)  # repairs as in a run
        pairs = translator.recorder
    finally:
        translator.recorder = None
    mapping: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    for source, target in pairs:
        counts.update(target)
        for piece in source:
            if piece not in SPECIAL:
                mapping.setdefault(piece, set()).update(target)
    common = [piece for piece, _ in counts.most_common(frequent)]
    lines = ["\t" + " ".join(common)]  # an empty source: candidates for every batch
    lines += [f"{piece}\t{' '.join(sorted(targets))}" for piece, targets in sorted(mapping.items())]
    record = {
        "sentences": len(sentences),
        "beams": beams,
        "source_pieces": len(mapping),
        "target_pieces": len({p for targets in mapping.values() for p in targets} | set(common)),
        "frequent": len(common),
    }
    return "\n".join(lines) + "\n", record
