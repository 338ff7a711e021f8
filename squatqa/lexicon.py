"""The shared vocabulary: synonyms, intent words and stop-words, kept as data.

The lexicon lives in `data/lexicon.json` so that wording can be improved without
touching code; this module only reads it into lookup tables keyed by stemmed terms.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from squatqa.text import stem, words

LEXICON_NAME = "lexicon.json"


@dataclass(frozen=True, slots=True)
class Lexicon:
    # stemmed phrase (tuple of stems) -> the canonical term that replaces it
    phrases: dict[tuple[str, ...], tuple[str, ...]]
    longest_phrase: int
    stopwords: frozenset[str]
    intents: frozenset[str]
    # surface words the lexicon knows, so typos can be corrected towards them too
    surface_words: frozenset[str]

    @classmethod
    def empty(cls) -> Lexicon:
        return cls({}, 1, frozenset(), frozenset(), frozenset())


def lexicon_path() -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "data" / LEXICON_NAME
    if installed.is_file():
        return installed
    return here.parent / "data" / LEXICON_NAME


def load_lexicon(path: Path | None = None) -> Lexicon:
    with (path or lexicon_path()).open("rb") as handle:
        raw = json.load(handle)
    return build_lexicon(raw)


def build_lexicon(raw: dict[str, object]) -> Lexicon:
    phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
    surface: set[str] = set()
    synonyms = raw.get("synonyms", {})
    assert isinstance(synonyms, dict)
    for canonical, variants in synonyms.items():
        target = (stem(canonical),)
        for variant in [canonical, *variants]:
            variant_words = words(variant)
            surface.update(variant_words)
            key = tuple(stem(word) for word in variant_words)
            if key and key != target:
                phrases[key] = target
    stop_raw = raw.get("stopwords", [])
    intents_raw = raw.get("intents", [])
    assert isinstance(stop_raw, list) and isinstance(intents_raw, list)
    stopwords = frozenset(stem(word) for item in stop_raw for word in words(item))
    intents = frozenset(stem(name) for name in intents_raw if isinstance(name, str))
    longest = max((len(key) for key in phrases), default=1)
    return Lexicon(phrases, longest, stopwords, intents, frozenset(surface))
