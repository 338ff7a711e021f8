"""Vocabulary kept as data: function words for every corpus, synonyms per corpus.

`data/lexicon.json` holds what is true of English questions whatever they are
about: function words such as "the", "my", "does", informal spellings such as
"wat" or "cuz" with the standard words they stand for, and words that name a
subject ("elbow", "deadlift", "coffee"), which say what a question is about when
the corpus never uses them. What a word means in one
field ("cave" is knee valgus in a squat FAQ, not a hole in the ground) belongs to
that corpus, so synonyms come from the corpus file's own `synonyms` field. This
module reads both into lookup tables keyed by stemmed terms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from squatqa.datafiles import decode_data_file, read_data_file
from squatqa.text import stem, words

LEXICON_NAME = "lexicon.json"


class Lexicon(NamedTuple):
    # stemmed phrase (tuple of stems) -> the canonical term that replaces it
    phrases: dict[tuple[str, ...], str]
    stopwords: frozenset[str]
    # terms that say what kind of answer is wanted, not what it is about
    intents: frozenset[str]
    # surface words the synonyms use, so typos can be corrected towards them too
    surface_words: frozenset[str]
    # informal spelling (a normalised word) -> the standard words it stands for
    spellings: dict[str, tuple[str, ...]]
    # stems of words naming what a question is about (elbow, deadlift, coffee)
    subjects: frozenset[str]

    def with_synonyms(self, synonyms: Mapping[str, Sequence[str]]) -> Lexicon:
        """This lexicon plus a corpus's synonym groups (canonical term -> variants)."""
        if not synonyms:
            return self
        phrases = dict(self.phrases)
        surface = set(self.surface_words)
        for canonical, variants in synonyms.items():
            canonical_words = words(canonical)
            if not canonical_words:
                continue
            target = "_".join(stem(word) for word in canonical_words)
            surface.update(canonical_words)
            for variant in (canonical, *variants):
                variant_words = words(variant)
                surface.update(variant_words)
                key = tuple(stem(word) for word in variant_words)
                if key and key != (target,):
                    phrases[key] = target
        return self._replace(phrases=phrases, surface_words=frozenset(surface))


def load_lexicon() -> Lexicon:
    """The lexicon shipped with squatqa; DataFileError if its file is missing or damaged."""
    return parse_lexicon(read_data_file(LEXICON_NAME))


def parse_lexicon(raw: bytes) -> Lexicon:
    """The shipped lexicon from its file's bytes; DataFileError if they are not one."""
    return decode_data_file(LEXICON_NAME, raw, _lexicon_from_json)


def _lexicon_from_json(decoded: object) -> Lexicon:
    if not isinstance(decoded, dict):
        raise ValueError("lexicon: must be a JSON object")
    return build_lexicon(decoded)


def build_lexicon(raw: Mapping[str, object]) -> Lexicon:
    stopwords = _stems(raw, "stopwords")
    intents = _stems(raw, "intents")
    subjects = _stems(raw, "subjects")
    synonyms = raw.get("synonyms", {})
    if not isinstance(synonyms, dict) or not all(
        isinstance(variants, list) and all(isinstance(v, str) for v in variants)
        for variants in synonyms.values()
    ):
        raise ValueError('lexicon: "synonyms" must map words to lists of words')
    spellings_raw = raw.get("spellings", {})
    if not isinstance(spellings_raw, dict):
        raise ValueError('lexicon: "spellings" must be an object')
    spellings: dict[str, tuple[str, ...]] = {}
    for standard, variants in spellings_raw.items():
        for variant in variants if isinstance(variants, list) else [variants]:
            spelling = words(str(variant))
            if len(spelling) != 1:
                raise ValueError(f'lexicon: spelling "{variant}" must be one word')
            spellings[spelling[0]] = tuple(words(str(standard)))
    return Lexicon({}, stopwords, intents, frozenset(), spellings, subjects).with_synonyms(synonyms)


def _stems(raw: Mapping[str, object], key: str) -> frozenset[str]:
    """The stems of a word list of the lexicon (its items may be phrases)."""
    items = raw.get(key, [])
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValueError(f'lexicon: "{key}" must be a list of strings')
    return frozenset(stem(word) for item in items for word in words(item))
