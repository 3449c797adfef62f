"""The glossary: reading it, matching its terms, and honouring it at inference (issue 16)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence

import pytest
from click.testing import CliRunner

from tolk.checks.glossary import Glossary, load_glossary, parse_glossary
from tolk.cli import cli
from tolk.compose import cache_key, checked, make_signature
from tolk.errors import BadGlossary
from tolk.measure.evaluate import TestSet as EvalSet
from tolk.measure.evaluate import evaluate
from tolk.records import Article, Paragraph, SentencePair
from tolk.settings import Settings
from tolk.translate import TranslatorSpec, load_translator, select_model
from tolk.translate.base import Translator
from tolk.translate.repair import Decoded

CSV = "# the newsroom's terms\ndutch,english\nTweede Kamer,House of Representatives\nD66,=\n"
NL = "De Tweede Kamer stemde met D66 tegen het kabinet."


def test_a_glossary_reads_from_csv_tsv_and_yaml_alike(tmp_path):
    (tmp_path / "g.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "g.tsv").write_text(CSV.replace(",", "\t"), encoding="utf-8")
    (tmp_path / "g.yaml").write_text(
        "Tweede Kamer: House of Representatives\nD66: '='\n", encoding="utf-8"
    )
    read = [load_glossary(tmp_path / name) for name in ("g.csv", "g.tsv", "g.yaml")]
    assert read[0] == read[1] == read[2]
    assert read[0].entries == (("Tweede Kamer", "House of Representatives"), ("D66", "D66"))
    assert read[0].digest() == read[2].digest()


@pytest.mark.parametrize(
    "text, name, message",
    [
        ("Tweede Kamer\n", "g.csv", "line 1 has 1 fields"),
        ("a,b,c\n", "g.csv", "line 1 has 3 fields"),
        ("- a\n- b\n", "g.yaml", "a mapping"),
        ("a: [b\n", "g.yaml", "not valid YAML"),
    ],
)
def test_a_bad_glossary_says_what_is_wrong_and_where(text, name, message):
    with pytest.raises(BadGlossary, match=message):
        parse_glossary(text, name)


def test_a_missing_glossary_file_names_it(tmp_path):
    with pytest.raises(BadGlossary, match="nope.csv: cannot read"):
        load_glossary(tmp_path / "nope.csv")


GLOSSARY = parse_glossary(
    "Tweede Kamer,House of Representatives\nD66,=\nkabinet,cabinet\nKamer,Chamber\n"
    "coalitieakkoord,coalition agreement\n"
)


@pytest.mark.parametrize(
    "nl, en, unmet",
    [
        (NL, "The House of Representatives voted with D66 against the cabinet.", []),
        (NL, "The Second Chamber voted with D66 against the Cabinet.", ["Tweede Kamer"]),
        (NL, "The House of Representatives voted with D67 against the cabinet.", ["D66"]),
        # The longer term wins: "Kamer" inside "Tweede Kamer" needs no "Chamber".
        (NL, "The House of Representatives voted with D66 against the government.", ["kabinet"]),
        # Lowercase terms match any case; capitalised ones only their own.
        ("Het Kabinet viel.", "The cabinet fell.", []),
        ("Hij zat in de kamer.", "He sat in the room.", []),
        # Inflection: a Dutch ending on the term, an English one on the rendering.
        ("De coalitieakkoorden zijn rond.", "The coalition agreements are done.", []),
        ("De coalitieakkoorden zijn rond.", "The coalition deals are done.", ["coalitieakkoord"]),
        # Whole words only.
        ("Het kabinetsbesluit viel.", "The decision fell.", []),
    ],
)
def test_unmet_terms(nl, en, unmet):
    assert [t.dutch for t in GLOSSARY.unmet(nl, en)] == unmet


def test_a_mangled_kept_term_is_put_right_only_where_unambiguous():
    assert GLOSSARY.substitute(NL, "The Chamber voted with D67 against it.") == (
        "The Chamber voted with D66 against it."
    )
    # Two near forms: which is the term is not clear, so nothing changes.
    assert GLOSSARY.substitute(NL, "D67 and D65 voted.") == "D67 and D65 voted."
    # A translated term has no form to look for.
    assert GLOSSARY.substitute(NL, "The Second Chamber voted.") == "The Second Chamber voted."


class CandidateTranslator(Translator):
    """A backend that "translates" to upper case, with fixed second and third candidates.

    For the unit tests of the choice among candidates only: the end-to-end tests further down
    (`tolk run` and `tolk eval` with a glossary, the backends' n-best) run the tiny real model.
    """

    backend = "candidates"
    compute_type = "none"
    device = "cpu"
    max_input_tokens = 100

    def __init__(self, others: dict[str, list[str]]) -> None:
        super().__init__()
        self.others = others
        self.asked: list[str] = []

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) + 1 for t in texts]

    def decode_batch(self, texts: Sequence[str], beams: int, repair: bool = False) -> list[Decoded]:
        return [Decoded(t.upper(), -0.5, False, 3) for t in texts]

    def decode_candidates(self, texts: Sequence[str], beams: int, n: int) -> list[list[Decoded]]:
        self.asked.extend(texts)
        return [
            [Decoded(t.upper(), -0.5, False, 3)]
            + [Decoded(o, -0.9, False, 3) for o in self.others.get(t, [])]
            for t in texts
        ]


def test_the_first_candidate_that_renders_every_term_is_kept():
    glossary = parse_glossary("Kamer,Chamber\nstemde,voted\n")
    sentences = ["De Kamer stemde.", "Het regent."]
    others = {"De Kamer stemde.": ["The Chamber met.", "The Chamber voted.", "Chamber voted!"]}
    translator = CandidateTranslator(others)
    out = translator.translate(sentences, 4, glossary=glossary)
    assert [t.text for t in out] == ["The Chamber voted.", "HET REGENT."]
    assert out[0].confidence == -0.9  # the candidate's own
    # One pass in the batches a run without the glossary makes: every sentence for its n-best.
    assert sorted(translator.asked) == sorted(sentences)
    # Sentences with no term among them are decoded as without a glossary.
    plain = CandidateTranslator(others)
    assert plain.translate(sentences[1:], 4, glossary=glossary) == out[1:]
    assert plain.asked == []


def test_without_a_fitting_candidate_a_kept_term_is_substituted_else_the_best_kept():
    glossary = parse_glossary("Rutte,=\nKamer,Chamber\n")
    others = {
        "Toen sprak Rutte.": ["Then Rute spoke."],
        "De Kamer zweeg.": ["The room fell silent."],
    }
    out = CandidateTranslator(others).translate(
        ["Toen sprak Rutte.", "De Kamer zweeg."], 4, glossary=glossary
    )
    # No candidate renders "Rutte" as written: the best's near form of it is put right. No
    # candidate renders "Kamer" either, and a translated term has no form to put right.
    assert [t.text for t in out] == ["TOEN SPRAK Rutte.", "DE KAMER ZWEEG."]
    out = CandidateTranslator({}).translate(["Toen sprak Rute."], 4, glossary=glossary)
    assert out[0].text == "TOEN SPRAK RUTE."  # the term is not in this Dutch: nothing to do


def test_an_unmet_term_is_flagged_and_a_met_one_is_not():
    glossary = parse_glossary("Kamer,Chamber\n")
    pair = SentencePair("a", 0, 0, "body", "De Kamer zweeg.", "")
    translations = CandidateTranslator({}).translate([pair.nl], 4, glossary=glossary)
    assert "glossary" in checked(pair, translations[0], glossary).flags
    assert "glossary" not in checked(pair, translations[0]).flags
    met = CandidateTranslator({pair.nl: ["The Chamber was silent."]}).translate(
        [pair.nl], 4, glossary=glossary
    )
    assert "glossary" not in checked(pair, met[0], glossary).flags


def test_the_glossary_is_part_of_the_cache_key(tmp_path, tiny_marian):
    (tmp_path / "g.csv").write_text(CSV, encoding="utf-8")
    spec = TranslatorSpec(model=str(tiny_marian), backend="torch")
    info = select_model(spec)
    plain = make_signature(info, spec, Settings(model=str(tiny_marian), backend="torch"))
    with_terms = make_signature(
        info,
        spec,
        Settings(model=str(tiny_marian), backend="torch", glossary=str(tmp_path / "g.csv")),
    )
    assert plain.glossary == () and len(with_terms.glossary) == 2
    assert "glossary:2 terms" in str(with_terms)
    article = Article("a", "a.txt", "x" * 64, None, (Paragraph(0, "body", NL),))
    assert cache_key(article, plain) != cache_key(article, with_terms)


SENTENCES = [
    "De Tweede Kamer stemde gisteren over het voorstel.",
    "Het kabinet wil meer geld voor de zorg.",
    "Volgens de minister is dat niet genoeg.",
    "In Amsterdam regende het de hele dag.",
]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["torch", "ct2"])
def test_the_real_backends_give_n_best_and_leave_other_sentences_byte_identical(
    tmp_path, tiny_marian, backend
):
    models = tmp_path / "models"
    shutil.copytree(tiny_marian, models / "tiny")
    if backend == "ct2":
        from tolk.models.convert import convert
        from tolk.models.store import describe

        convert(describe(models / "tiny"), "float32", store=models)
    spec = TranslatorSpec(model=str(models / "tiny"), backend=backend, models_dir=str(models))
    translator = load_translator(spec)
    plain = translator.translate(SENTENCES, 2)
    candidates = translator.decode_candidates(SENTENCES[:2], 2, 4)
    assert [len(c) for c in candidates] == [4, 4]
    for text, found in zip(SENTENCES[:2], candidates, strict=True):
        # Each has its confidence, scored once chosen where the backend leaves it (ct2).
        scores = [translator.scored(text, c).confidence for c in found]
        assert all(s is not None and s < 0 for s in scores) and len({c.text for c in found}) == 4
        assert translator.scored(text, found[0]) == found[0]  # scored as decode_batch's
    # At the same beam width, the best of the n-best is the plain decode's (before any repair).
    first = translator.translate(SENTENCES[:2], 2, repair=False)
    same_width = translator.decode_candidates(SENTENCES[:2], 2, 2)
    assert [found[0].text for found in same_width] == [t.text for t in first]
    # The tiny model's random weights render no term, and its random attention aligns nothing
    # reliably: a term is put in, or the best stays as it is (and is flagged). Sentences without
    # a term are the same, byte for byte.
    glossary = Glossary.of([("Tweede Kamer", "House of Representatives"), ("Amsterdam", "=")])
    steered = translator.translate(SENTENCES, 2, glossary=glossary)
    assert [t.text for t in steered[1:3]] == [t.text for t in plain[1:3]]
    for i in (0, 3):
        if glossary.unmet(SENTENCES[i], steered[i].text):
            assert steered[i].text == plain[i].text
        else:
            assert steered[i].text != plain[i].text  # the rendering was put in
    assert translator.translate(SENTENCES, 2) == plain  # and no glossary changes nothing


@pytest.mark.slow
def test_eval_reports_the_term_exact_match_rate(tmp_path, tiny_marian, monkeypatch):
    models = tmp_path / "models"
    shutil.copytree(tiny_marian, models / "tiny")
    monkeypatch.setenv("TOLK_MODELS_DIR", str(models))
    (tmp_path / "src").write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    refs = ["The House voted on the plan.", "The cabinet wants money.", "Not enough.", "Rain."]
    (tmp_path / "ref").write_text("\n".join(refs) + "\n", encoding="utf-8")
    (tmp_path / "g.csv").write_text("Tweede Kamer,House\nkabinet,cabinet\nAmsterdam,=\n")
    args = ["eval", "--model", "tiny", "--backend", "torch", "--beams", "2"]
    args += ["--src", str(tmp_path / "src"), "--ref", str(tmp_path / "ref")]
    args += ["--glossary", str(tmp_path / "g.csv"), "--out", str(tmp_path / "r")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "glossary term exact match = " in result.output
    [evaluation] = json.loads((tmp_path / "r" / "eval.json").read_text())["evaluations"]
    assert evaluation["glossary_terms"] == 3
    assert evaluation["reference_term_match"] == pytest.approx(2 / 3, abs=1e-4)
    # Every term the output still misses is flagged: here one term a sentence, in three of four.
    settings = Settings(model="tiny", backend="torch", beams=2, glossary=str(tmp_path / "g.csv"))
    scored = evaluate(EvalSet("t", SENTENCES, refs), settings)
    unmet = round(3 * (1 - scored.term_exact_match))
    assert round(scored.flag_shares["glossary"] * 4) == unmet


@pytest.mark.slow
def test_a_run_with_a_glossary_flags_every_unmet_term_and_is_a_new_cache_key(tmp_path, tiny_marian):
    from tolk.run import digest
    from tolk.store.reader import read_tables

    source = tmp_path / "in"
    source.mkdir()
    (source / "moskou.txt").write_text(
        "Moskou steunt Maduro.\n\nHet regent in Caracas.\n\nMaduro bezocht Moskou.\n",
        encoding="utf-8",
    )
    (tmp_path / "g.csv").write_text("Moskou,Moscow\nMaduro,=\n", encoding="utf-8")
    out = tmp_path / "out"
    plain = Settings(model=str(tiny_marian))
    steered = plain.with_changes(glossary=str(tmp_path / "g.csv"))
    assert digest([str(source)], out, plain).translated == 1
    report = digest([str(source)], out, steered)
    assert (report.translated, report.reused) == (1, 0)  # the glossary is in the cache key
    again = digest([str(source)], out, steered)
    assert (again.translated, again.reused) == (0, 1)
    assert "glossary:2 terms" in again.signature
    rows = read_tables(out)["sentences.parquet"].to_pylist()
    glossary = load_glossary(tmp_path / "g.csv")
    assert any(glossary.terms_in(r["nl"]) for r in rows)
    for row in rows:
        flagged = "glossary" in (row["flags"] or [])
        assert flagged is bool(glossary.unmet(row["nl"], row["en"])), row["nl"]


@pytest.mark.slow
def test_tolk_run_with_a_glossary_shows_why_on_the_page_and_refuses_a_bad_file(
    tmp_path, tiny_marian
):
    from html import unescape

    from tolk.store.reader import read_tables
    from tolk.views.html import FLAG_REASONS

    source = tmp_path / "in"
    source.mkdir()
    (source / "kamer.txt").write_text(
        "De Tweede Kamer stemde over Moskou.\n\nHet regent vandaag.\n", encoding="utf-8"
    )
    (tmp_path / "terms.csv").write_text(
        "dutch,english\nTweede Kamer,House of Representatives\nMoskou,Moscow\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    args = ["run", str(source), "--out", str(out), "--model", str(tiny_marian)]
    result = CliRunner().invoke(cli, [*args, "--glossary", str(tmp_path / "terms.csv")])
    assert result.exit_code == 0, result.output
    rows = read_tables(out)["sentences.parquet"].to_pylist()
    glossary = load_glossary(tmp_path / "terms.csv")
    flagged = [r for r in rows if "glossary" in (r["flags"] or [])]
    assert [bool(glossary.unmet(r["nl"], r["en"])) for r in rows] == [r in flagged for r in rows]
    # The tiny model's random English renders no term: the reader is told why, in words.
    assert flagged
    page = unescape((out / "site" / "kamer.html").read_text(encoding="utf-8"))
    assert FLAG_REASONS["glossary"] in page

    # A glossary that cannot be read stops the run before any work, naming the file and line.
    (tmp_path / "bad.csv").write_text("Tweede Kamer\n", encoding="utf-8")
    before = (out / "sentences.parquet").read_bytes()
    result = CliRunner().invoke(cli, [*args, "--glossary", str(tmp_path / "bad.csv")])
    assert result.exit_code == 2, result.output
    assert str(tmp_path / "bad.csv") in result.output and "line 1" in result.output
    assert (out / "sentences.parquet").read_bytes() == before
