"""Normalisation and validation of titles, tags and bodies (forum.text)."""

import pytest
from django.core.exceptions import ValidationError

from forum.text import (
    clean_body,
    clean_line,
    normalize_tag,
    parse_tags,
    validate_body,
    validate_title,
)


def messages(excinfo, field: str) -> str:
    return " ".join(excinfo.value.message_dict[field])


# clean_line --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Bonjour\x00 à toutes", "Bonjour à toutes"),
        ("a\x07b\x1bc\x7fd", "abcd"),
        ("zéro\u200blargeur", "zérolargeur"),  # Cf: zero-width space
        ("marque\u202edroite", "marquedroite"),  # Cf: right-to-left override
        ("privé\ue000", "privé"),  # Co: private use
        ("  plusieurs \t\n\r  espaces  ", "plusieurs espaces"),
        ("insécable\u00a0et\u2003cadratin", "insécable et cadratin"),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_line_drops_control_characters_and_collapses_spaces(raw, expected):
    assert clean_line(raw) == expected


def test_clean_line_normalises_to_nfc():
    decomposed = "Se\u0301gou"  # e + combining acute
    assert clean_line(decomposed) == "S\u00e9gou"
    assert len(clean_line(decomposed)) == 5


def test_clean_line_keeps_bambara_letters():
    assert clean_line("Jɛkafɔ ɲɔgɔn ŋaa") == "Jɛkafɔ ɲɔgɔn ŋaa"


def test_clean_body_keeps_line_breaks_and_drops_nul():
    assert clean_body("  Ligne 1\r\nLigne 2\rLigne\x00 3\n\n  ") == "Ligne 1\nLigne 2\nLigne 3"


def test_clean_body_keeps_markdown_indentation():
    assert (
        clean_body("Texte\n\n    code indenté\n\tet tab") == "Texte\n\n    code indenté\n\tet tab"
    )


# validate_title ----------------------------------------------------------------------------------


def test_validate_title_returns_the_cleaned_title():
    assert validate_title("  Loi\t052 :\n le\x00 bilan ") == "Loi 052 : le bilan"


@pytest.mark.parametrize("raw", ["", "   ", "\t\n", "\x00\x01", "\u200b\u200b", "\u00a0"])
def test_validate_title_rejects_empty_titles(raw):
    with pytest.raises(ValidationError) as excinfo:
        validate_title(raw)
    assert "ne peut pas être vide" in messages(excinfo, "title")


def test_validate_title_accepts_exactly_200_characters():
    assert len(validate_title("é" * 200)) == 200


def test_validate_title_rejects_201_characters():
    with pytest.raises(ValidationError) as excinfo:
        validate_title("a" * 201)
    assert "201 caractères ; 200 au plus" in messages(excinfo, "title")


def test_validate_title_counts_length_after_cleaning():
    assert len(validate_title("   " + "a" * 200 + "   ")) == 200
    # A decomposed accent is one character once NFC-normalised.
    assert len(validate_title("e\u0301" * 200)) == 200


# validate_body -----------------------------------------------------------------------------------


def test_validate_body_returns_the_cleaned_body():
    assert validate_body("\n\n**Bonjour**\r\n\r\nà toutes\x00\n") == "**Bonjour**\n\nà toutes"


@pytest.mark.parametrize("raw", ["", "  \n\t  ", "\x00", "\r\n\r\n"])
def test_validate_body_rejects_empty_bodies(raw):
    with pytest.raises(ValidationError) as excinfo:
        validate_body(raw)
    assert "ne peut pas être vide" in messages(excinfo, "body")


def test_validate_body_reports_on_the_given_field():
    with pytest.raises(ValidationError) as excinfo:
        validate_body("", field="description")
    assert list(excinfo.value.error_dict) == ["description"]


def test_validate_body_accepts_exactly_50000_characters():
    assert len(validate_body("a" * 50_000)) == 50_000


def test_validate_body_rejects_50001_characters():
    with pytest.raises(ValidationError) as excinfo:
        validate_body("a" * 50_001)
    assert "50001 caractères ; 50000 au plus" in messages(excinfo, "body")


def test_validate_body_limit_follows_settings(settings):
    settings.JEKAFO = {**settings.JEKAFO, "BODY_MAX_LENGTH": 10}
    assert validate_body("a" * 10) == "a" * 10
    with pytest.raises(ValidationError):
        validate_body("a" * 11)


# normalize_tag -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Loi 052", "loi 052"),
        ("LOI   052", "loi 052"),
        ("#Violences", "violences"),
        ("##santé", "santé"),
        ("Ségou", "ségou"),
        ("SÉGOU", "ségou"),
        ("Se\u0301gou", "ségou"),  # decomposed input
        ("  Kati,  ", "kati"),
        ("'excision'", "excision"),
        ("- genre -", "genre"),
        ("droits\x00 des femmes", "droits des femmes"),
        ("Jɛkafɔ", "jɛkafɔ"),
    ],
)
def test_normalize_tag(raw, expected):
    assert normalize_tag(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "###", "!!!", "#", "...", "-_-", "« »", "\x00", "💜"])
def test_normalize_tag_rejects_tags_empty_after_cleaning(raw):
    with pytest.raises(ValidationError) as excinfo:
        normalize_tag(raw)
    assert "vide une fois nettoyée" in messages(excinfo, "tags")


def test_normalize_tag_accepts_50_characters_and_rejects_51():
    assert normalize_tag("a" * 50) == "a" * 50
    with pytest.raises(ValidationError) as excinfo:
        normalize_tag("a" * 51)
    assert "50 caractères" in messages(excinfo, "tags")


def test_normalize_tag_bounds_the_slug_as_well():
    # U+FDFA is one character whose NFKC form (used by slugify) is 18: ten of
    # them would overflow the 100-character slug column on PostgreSQL.
    assert normalize_tag("\ufdfa" * 2) == "\ufdfa" * 2
    with pytest.raises(ValidationError) as excinfo:
        normalize_tag("\ufdfa" * 10)
    assert "50 caractères" in messages(excinfo, "tags")


# parse_tags --------------------------------------------------------------------------------------


def test_parse_tags_splits_a_comma_separated_string():
    assert parse_tags("Loi 052, Ségou ,#foncier") == ["loi 052", "ségou", "foncier"]


def test_parse_tags_takes_a_list():
    assert parse_tags(["Kati", "Mopti"]) == ["kati", "mopti"]


def test_parse_tags_removes_duplicates_case_insensitively_keeping_order():
    assert parse_tags("Loi 052, foncier, loi 052, LOI  052, #Foncier") == ["loi 052", "foncier"]


def test_parse_tags_skips_blank_items():
    assert parse_tags("a, , b,") == ["a", "b"]
    assert parse_tags("") == []
    assert parse_tags([]) == []
    assert parse_tags(()) == []


def test_parse_tags_rejects_an_unreadable_tag():
    with pytest.raises(ValidationError) as excinfo:
        parse_tags("foncier, ###")
    assert "###" in messages(excinfo, "tags")


def test_parse_tags_accepts_eight_tags():
    assert len(parse_tags([f"t{i}" for i in range(8)])) == 8


def test_parse_tags_rejects_more_than_eight_tags():
    with pytest.raises(ValidationError) as excinfo:
        parse_tags(",".join(f"t{i}" for i in range(9)))
    assert "8 étiquettes au plus" in messages(excinfo, "tags")


def test_parse_tags_counts_tags_after_removing_duplicates():
    raw = [f"t{i}" for i in range(8)] + ["T0", "#t1"]
    assert len(parse_tags(raw)) == 8
