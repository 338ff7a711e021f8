"""Turn free text into comparable terms: normalise, tokenise, stem.

The same function prepares corpus text and user questions, so whatever a user types
(case, accents, curly quotes, punctuation, plural or -ing forms) meets the corpus
on equal terms.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")
# Punctuation that ends a sentence or a part of one.
_CLAUSE_END = re.compile(r"[.,;:!?()\[\]{}\n]")
_APOSTROPHES = str.maketrans({"\u2019": "", "\u2018": "", "'": "", "`": "", "\u00b4": ""})
_VOWELS = frozenset("aeiouy")
_UNDOUBLE_EXCEPTIONS = frozenset("lsz")

_stem_cache: dict[str, str] = {}


def normalise(text: str) -> str:
    """Lower-case, strip accents and apostrophes ("don\u2019t" -> "dont")."""
    text = unicodedata.normalize("NFKD", text)
    if not text.isascii():
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold().translate(_APOSTROPHES)


def words(text: str) -> list[str]:
    """Normalised words, in order; digits count as words."""
    return _WORD.findall(normalise(text))


def clause_words(text: str) -> list[list[str]]:
    """words(), one list per clause: "I hurt my wrist. Knees cave" is two."""
    return [_WORD.findall(clause) for clause in _CLAUSE_END.split(normalise(text))]


def stem(word: str) -> str:
    """A light suffix stripper: enough to conflate knee/knees, shake/shaking, squat/squatting.

    Deliberately conservative (plural, -ing, -ed, -ly, final e): aggressive stemming
    merges unrelated words, which hurts a small corpus more than missing a variant.
    """
    cached = _stem_cache.get(word)
    if cached is not None:
        return cached
    result = stem_unremembered(word)
    if len(_stem_cache) < 100_000:
        _stem_cache[word] = result
    return result


def stem_unremembered(word: str) -> str:
    """stem() without keeping the result: for pieces of a word tried once, which
    would crowd the words that recur out of the memory."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses") or word.endswith(("ches", "shes", "xes", "zzes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]

    if word.endswith("ied") and len(word) > 4:  # remedied, worried: as remedy, worry
        return word[:-3] + "y"
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if _VOWELS.intersection(base):
                word = _undouble(base)
                break
    if word.endswith("ly") and len(word) > 5:
        word = word[:-2]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def _undouble(word: str) -> str:
    last = word[-1]
    if len(word) > 2 and last == word[-2] and last not in _VOWELS | _UNDOUBLE_EXCEPTIONS:
        return word[:-1]
    return word
