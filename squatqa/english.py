"""Whether a word is ordinary English, so typo repair leaves real words alone.

A word the corpus does not use is either a slip ("cavr", "bsd") or a word of its
own ("plain", "belt"); only the first should be turned into a corpus word. The
word list (data/words.txt, from SCOWL, see the README) tells them apart. It is
kept as one sorted text, one lowercase word a line, and searched by bisection in
place: reading it costs about a millisecond, several times less than building a
set of its 70,000 words.
"""

from __future__ import annotations

from functools import cache

from squatqa.datafiles import damaged, read_data_file

WORDS_NAME = "words.txt"


@cache
def english_words() -> str:
    """The word list, read on first use; DataFileError if it is missing or damaged.

    Only what the search needs is checked here, cheaply: plain ASCII, every line
    ended by a newline alone. The order it relies on, and that every line is one
    lowercase word, are checked by the tests: scanning 70,000 words on every start
    would cost more than the search ever does.
    """
    raw = read_data_file(WORDS_NAME)
    if b"\r" in raw:  # a copy with Windows line ends would match no word at all
        raise damaged(WORDS_NAME, "its lines end in CR LF")
    if not raw.endswith(b"\n"):
        raise damaged(WORDS_NAME, "its last line is cut short")
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        raise damaged(WORDS_NAME, "not plain ASCII") from None


def is_english_word(word: str) -> bool:
    """Whether `word` (lowercase) is in the word list."""
    text = english_words()
    low, high = 0, len(text)
    # [low, high) always spans whole lines of the sorted list.
    while low < high:
        middle = (low + high) // 2
        start = text.rfind("\n", 0, middle) + 1
        end = text.find("\n", start)
        line = text[start:end]
        if line == word:
            return True
        if line < word:
            low = end + 1
        else:
            high = start
    return False


__all__ = ["WORDS_NAME", "english_words", "is_english_word"]
