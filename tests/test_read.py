import re
from pathlib import Path

import pytest

from tolk.errors import UnreadableArticle
from tolk.intake.text import classify, decode, find_articles, parse, read_article

KINDS = [
    ("Speciale eenheden", "heading"),
    ("17 miljard", "heading"),
    ("Kremlin", "heading"),
    ("1. Waarom bedreigt Amerika Venezuela?", "heading"),
    ("Trump gebruikt drugs als schijnredenering", "heading"),
    ("Een van de twee vliegtuigen op de luchthaven van Caracas. Beeld REUTERS", "caption"),
    ("Hugo Carvajal pleitte schuldig en werd veroordeeld. © REUTERS", "caption"),
    ("Premier Schoof in Den Haag. Foto ANP / Remko de Waal", "caption"),
    ("Lees ook de reportage van onze correspondent: Bij straatvergaderingen", "crosslink"),
    ("Lees hier meer over de stroomstoring", "crosslink"),
    ("Er is helemaal niets aan de hand, beweert Moskou deze dagen.", "body"),
    ("Waarom gebeurt dit nu? Vijf vragen en antwoorden.", "body"),
    ("Trumps oude vetes, oliebelangen en geopolitiek spierballenvertoon.", "body"),
    ("‘De VS zullen niet toekijken,’ aldus het ministerie.", "body"),
    ("Het Instituut voor Beeld en Geluid opent een nieuwe zaal.", "body"),
]


@pytest.mark.parametrize(("text", "kind"), KINDS)
def test_classify(text, kind):
    assert classify(text) == kind


def test_date_marker_is_metadata_not_text():
    date, paragraphs = parse(
        " date 2019-03 Een van de twee toestellen. Beeld AFP\n\nTweede alinea."
    )
    assert date == "2019-03"
    assert [p.text for p in paragraphs] == [
        "Een van de twee toestellen. Beeld AFP",
        "Tweede alinea.",
    ]
    assert paragraphs[0].kind == "caption"


def test_no_date_marker():
    date, paragraphs = parse("De datum van vandaag is onbekend.\n\nNog een alinea.")
    assert date is None
    assert len(paragraphs) == 2


@pytest.mark.parametrize(
    "data",
    [
        b"Eerste alinea.\n\nTweede alinea.\n",
        b"Eerste alinea.\r\n\r\nTweede alinea.\r\n",
        "\ufeffEerste alinea.\n\nTweede alinea.".encode(),
        b"Eerste alinea.\n \t\n\n\nTweede alinea.",
    ],
    ids=["lf", "crlf", "bom", "blank-lines-with-spaces"],
)
def test_line_endings_and_bom(data, tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    article = read_article(path)
    assert [p.text for p in article.paragraphs] == ["Eerste alinea.", "Tweede alinea."]
    assert article.warnings == ()


def test_cp1252_is_read_with_a_warning(tmp_path):
    path = tmp_path / "oud.txt"
    path.write_bytes("Oekraïne en Chávez: ‘het’ café.".encode("cp1252"))
    article = read_article(path)
    assert article.paragraphs[0].text == "Oekraïne en Chávez: ‘het’ café."
    assert len(article.warnings) == 1 and "cp1252" in article.warnings[0]
    assert "oud.txt" in article.warnings[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n\n\t \r\n", "the file is whitespace only"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "looks like a binary file"),
        (bytes(range(1, 32)) * 20, "looks like a binary file"),
        (b" date 2019-03\n\n", "only a date marker"),
    ],
    ids=["empty", "whitespace", "png", "control-chars", "date-only"],
)
def test_bad_files_are_rejected_naming_the_file(data, message, tmp_path):
    path = tmp_path / "kapot.txt"
    path.write_bytes(data)
    with pytest.raises(UnreadableArticle, match=re.escape(message)) as error:
        read_article(path)
    assert str(path) in str(error.value)


def test_seed_articles_keep_every_character(seed_dir: Path):
    for path in find_articles(seed_dir):
        article = read_article(path)
        text, _ = decode(path.read_bytes(), path)
        text = re.sub(r"^\s*date \d{4}-\d{2}", "", text)
        squeeze = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
        assert squeeze(article.text) == squeeze(text), path.name
        assert article.id == path.stem
        assert len(article.sha256) == 64


def test_seed_articles_are_typed(seed_dir: Path):
    kinds = {
        p.text: p.kind for path in find_articles(seed_dir) for p in read_article(path).paragraphs
    }
    assert kinds["Speciale eenheden"] == "heading"
    assert kinds["17 miljard"] == "heading"
    assert kinds["1. Waarom bedreigt Amerika Venezuela?"] == "heading"
    assert sum(k == "caption" for k in kinds.values()) >= 3
    assert sum(k == "crosslink" for k in kinds.values()) == 1


def test_find_articles_takes_only_txt_files(tmp_path):
    for name in ("b.txt", "a.txt", "notes.md", "c.txt.bak"):
        (tmp_path / name).write_text("Tekst.")
    (tmp_path / "sub.txt").mkdir()
    assert [p.name for p in find_articles(tmp_path)] == ["a.txt", "b.txt"]
