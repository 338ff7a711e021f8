from __future__ import annotations

import pytest

from squatqa.text import clause_words, normalise, stem, words


def test_normalise_folds_case_accents_and_apostrophes() -> None:
    assert normalise("Don\u2019t SQUAT Caf\u00e9") == "dont squat cafe"


def test_words_split_on_punctuation_and_keep_digits() -> None:
    assert words("  knees...caving?!  3D  ") == ["knees", "caving", "3d"]


def test_clause_words_split_where_punctuation_ends_a_clause() -> None:
    assert clause_words("I hurt my wrist. Knees cave, why?") == [
        ["i", "hurt", "my", "wrist"],
        ["knees", "cave"],
        ["why"],
        [],
    ]
    assert clause_words("knock-kneed / weak glutes") == [["knock", "kneed", "weak", "glutes"]]


@pytest.mark.parametrize(
    ("variants", "expected_same"),
    [
        (["knee", "knees"], True),
        (["shake", "shaking", "shakes"], True),
        (["squat", "squats", "squatting", "squatted"], True),
        (["cave", "caving", "caved", "caves"], True),
        (["muscle", "muscles"], True),
        (["injury", "injuries"], True),
        (["remedy", "remedies", "remedied"], True),
        (["worry", "worries", "worried"], True),
        (["hack", "hook"], False),
    ],
)
def test_stem_conflates_inflections(variants: list[str], expected_same: bool) -> None:
    stems = {stem(word) for word in variants}
    assert (len(stems) == 1) is expected_same


def test_stem_leaves_short_words_and_numbers_alone() -> None:
    assert stem("is") == "is"
    assert stem("100") == "100"
