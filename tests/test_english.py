"""The English word list that keeps typo repair off real words."""

from __future__ import annotations

from pathlib import Path

import pytest

from squatqa import english
from squatqa.datafiles import DataFileError, data_path
from squatqa.english import WORDS_NAME, english_words, is_english_word


def test_the_shipped_list_is_sorted_unique_lowercase_words() -> None:
    # The search bisects the text: an unsorted list would answer wrongly, silently.
    words = data_path(WORDS_NAME).read_text(encoding="ascii").splitlines()
    assert len(words) > 50_000
    assert words == sorted(set(words))
    assert all(word.isalpha() and word.islower() for word in words)


def test_every_listed_word_is_found_and_near_misses_are_not() -> None:
    words = english_words().splitlines()
    for word in words[:50] + words[len(words) // 2 : len(words) // 2 + 50] + words[-50:]:
        assert is_english_word(word), word
    for word in ("bsd", "cavr", "wjat", "hsck", "", "zzzzzz", "aaaa", words[-1] + "z"):
        assert not is_english_word(word), word


@pytest.mark.parametrize("word", ["plain", "knew", "belt", "twitching", "elvis", "london"])
def test_common_words_and_names_are_english(word: str) -> None:
    assert is_english_word(word)


@pytest.mark.parametrize("acronym", ["bsd", "atg", "smh"])
def test_acronyms_are_not_words(acronym: str) -> None:
    # Lowercased, "BSD" would block the repair of "bsd" to "bad".
    assert not is_english_word(acronym)


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (b"apple\nbanana", "cut short"),
        (b"", "cut short"),
        (b"apple\nbanan\xc3\xa4\n", "ASCII"),
        (b"apple\r\nbanana\r\n", "CR LF"),
    ],
)
def test_a_damaged_list_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, complaint: str
) -> None:
    path = tmp_path / WORDS_NAME
    path.write_bytes(content)
    monkeypatch.setattr(english, "read_data_file", lambda name: path.read_bytes())
    english_words.cache_clear()
    try:
        with pytest.raises(DataFileError, match=complaint):
            english_words()
    finally:
        english_words.cache_clear()
