import json
import os
import tracemalloc
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from lxml import etree

from tolk import __version__
from tolk.compose import build_digests, make_signature
from tolk.errors import OutputError
from tolk.intake.text import parse
from tolk.records import SENTENCES_SCHEMA, Article
from tolk.settings import Settings
from tolk.store.rows import sentence_rows
from tolk.translate import TranslatorSpec, load_translator, select_model
from tolk.views.export import rows_from_batches, write_jsonl, write_moses, write_tmx

DTD = Path(__file__).parent / "data" / "tmx14.dtd"
XML_NS = "{http://www.w3.org/XML/1998/namespace}"
TEXT = (
    "Kop van het stuk\n\n"
    "De minister zei: <script>alert(1)</script> & meer. Het kost 3,5 miljoen euro.\n\n"
    "Een foto van het plein. Beeld ANP\n\n"
    "Lees ook: Wat er verder gebeurde"
)
# Text a stored row may hold that would break a naive writer.
NASTY = [
    "Regel een\nregel twee",
    "Windows\r\nregel",
    "los \r teken",
    "scheiding\u2028van regels\u2029en alinea's",
    "NEL\x85teken, \x0bverticale tab, \x0cform feed, \x1cbestand",
    "verboden in XML: \x00\x01\x08 \ufffe \uffff",
    "losse surrogaat \ud800 hier",
    "aanhalingstekens \" en ' en ]]> en &amp; en <b>vet</b>",
    "\ttab vooraan",
    "",
]


@pytest.fixture(scope="module")
def rows(tiny_marian) -> list[dict]:
    """Give sentence rows of real digests (tiny model), some flagged, plus rows of nasty text."""
    spec = TranslatorSpec(model=str(tiny_marian))
    translator, signature = (
        load_translator(spec),
        make_signature(select_model(spec), spec, Settings()),
    )
    articles = [
        Article(name, f"in/{name}.txt", "0" * 64, "2025-11", tuple(parse(text)[1]))
        for name, text in (("a", TEXT), ("b & <c>", "Zin een. Zin twee. Zin drie."))
    ]
    digests, failures = build_digests(articles, translator, signature)
    assert failures == []
    rows = [row for digest in digests for row in sentence_rows(digest)]
    for i in (1, 3):
        rows[i]["flags"] = ["numbers", "length"][: i // 2 + 1]
    base = rows[-1]
    for i, text in enumerate(NASTY):
        flags = None if i % 3 == 0 else (["copy"] if i % 3 == 1 else [])  # None: an old row
        rows.append({**base, "sentence_index": 100 + i, "nl": text, "en": text, "flags": flags})
    return rows


def xml_safe(text: str) -> str:
    return "".join(
        c
        if c in "\t\n\r" or " " <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd" or c >= "\U00010000"
        else "\ufffd"
        for c in text
    )


def test_tmx_is_valid_tmx_1_4b_with_one_tu_per_pair(tmp_path, rows):
    path = tmp_path / "pairs.tmx"
    assert write_tmx(rows, path) == len(rows)
    tree = etree.parse(str(path))
    dtd = etree.DTD(str(DTD))
    assert dtd.validate(tree), dtd.error_log.filter_from_errors()
    header = tree.find("header").attrib
    assert header["srclang"] == "nl" and header["segtype"] == "sentence"
    assert header["creationtool"] == "tolk" and header["creationtoolversion"] == __version__
    assert header["datatype"] == "plaintext" and header["adminlang"] and header["o-tmf"]
    units = tree.findall("body/tu")
    assert len(units) == len(rows)
    for unit, row in zip(units, rows, strict=True):
        segs = {tuv.get(XML_NS + "lang"): tuv.findtext("seg") for tuv in unit.findall("tuv")}
        assert segs == {"nl": xml_safe(row["nl"]), "en": xml_safe(row["en"])}
        props = [(p.get("type"), p.text) for p in unit.findall("prop")]
        assert ("x-article-id", row["article_id"]) in props
        assert ("x-sentence-index", str(row["sentence_index"])) in props
        assert [v for t, v in props if t == "x-flag"] == list(row["flags"] or [])
        assert unit.get("tuid") == f"{row['article_id']}:{row['sentence_index']}"


def test_moses_files_have_exactly_one_line_per_pair(tmp_path, rows):
    assert write_moses(rows, tmp_path / "corpus") == len(rows)
    for lang in ("nl", "en"):
        text = (tmp_path / f"corpus.{lang}").read_bytes().decode("utf-8")
        lines = text.splitlines()  # breaks on \r, \x85, \u2028 and the rest, not only \n
        assert len(lines) == len(rows) and text.count("\n") == len(rows)
        assert lines[0] == rows[0][lang]
        assert lines[len(rows) - len(NASTY)] == "Regel een regel twee"


def test_jsonl_round_trips(tmp_path, rows):
    path = tmp_path / "pairs.jsonl"
    assert write_jsonl(rows, path) == len(rows)
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) == len(rows)
    assert [json.loads(line) for line in text.splitlines()] == [
        {name: row[name] for name in SENTENCES_SCHEMA.names} for row in rows
    ]


@pytest.mark.parametrize("write", [write_tmx, write_moses, write_jsonl])
def test_exclude_flagged_drops_exactly_the_flagged_pairs(tmp_path, rows, write):
    kept = [r for r in rows if not r["flags"]]
    assert 0 < len(kept) < len(rows)
    assert write(rows, tmp_path / "all") == len(rows)
    assert write(rows, tmp_path / "out", exclude_flagged=True) == len(kept)
    if write is write_tmx:
        ids = [tu.get("tuid") for tu in etree.parse(str(tmp_path / "out")).iterfind("body/tu")]
        assert ids == [f"{r['article_id']}:{r['sentence_index']}" for r in kept]
    elif write is write_moses:
        lines = (tmp_path / "out.en").read_bytes().decode().splitlines()
        assert len(lines) == len(kept) and lines[0] == kept[0]["en"]
    else:
        back = [json.loads(line) for line in (tmp_path / "out").read_text().splitlines()]
        assert [(r["article_id"], r["sentence_index"]) for r in back] == [
            (r["article_id"], r["sentence_index"]) for r in kept
        ]


def no_surrogate(text: str) -> str:
    return text.replace("\ud800", "?")  # Arrow holds valid UTF-8 only


def test_batches_from_parquet_export_like_rows(tmp_path, rows):
    table = pa.Table.from_pylist(
        [{**r, "nl": no_surrogate(r["nl"]), "en": no_surrogate(r["en"])} for r in rows],
        schema=SENTENCES_SCHEMA,
    )
    pq.write_table(table, tmp_path / "sentences.parquet")
    batches = pq.ParquetFile(tmp_path / "sentences.parquet").iter_batches(batch_size=4)
    assert write_jsonl(rows_from_batches(batches), tmp_path / "out.jsonl") == len(rows)
    back = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert back == table.to_pylist()


@pytest.mark.parametrize("write", [write_tmx, write_moses, write_jsonl])
def test_a_crash_leaves_the_last_good_file(tmp_path, rows, write):
    write(rows[:2], tmp_path / "out")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def crashing():
        yield from rows
        raise OSError("disk full")

    # The error names the file and what to do (fileio's one atomic write, as everywhere).
    with pytest.raises(OutputError, match=r"out(\.nl)?: cannot write the file \(disk full\)"):
        write(crashing(), tmp_path / "out")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    with pytest.raises(OutputError, match="disk full"):
        write(crashing(), tmp_path / "new")
    assert sorted(os.listdir(tmp_path)) == sorted(before)  # no half file, no temp left


@pytest.mark.parametrize("write", [write_tmx, write_moses, write_jsonl])
def test_memory_stays_flat_on_a_large_store(tmp_path, rows, write):
    text = "Een zin van gemiddelde lengte over de Russische vliegtuigen. " * 3
    row = {**rows[0], "nl": text, "en": text.upper()}
    n = 20_000

    def many():
        for i in range(n):
            yield {**row, "sentence_index": i}

    tracemalloc.start()
    try:
        assert write(many(), tmp_path / "big") == n
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    written = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert written > 5_000_000
    assert peak < 1_000_000, f"peak {peak} bytes for {written} bytes written"
