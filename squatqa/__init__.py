"""Answer squat-form questions from a FAQ corpus, offline.

The package is a plain-Python core (corpus loading, ranking, evaluation) with a thin
command-line layer on top; programs can use the core directly::

    from squatqa import Engine, load_corpus

    engine = Engine(load_corpus())
    best = engine.search("why do my knees cave")[0]
    print(best.entry.question, best.score)

Names are imported on first use, so `import squatqa.cli` (every run of the
command) loads only what the command needs.
"""

from __future__ import annotations

from importlib import import_module

# typing.TYPE_CHECKING without importing typing: `squatqa` is imported before the
# command can catch Ctrl-C (squatqa.__main__), so that time is kept short.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from squatqa.cache import open_engine
    from squatqa.corpus import Corpus, CorpusError, Entry, Problem, load_corpus
    from squatqa.engine import DEFAULT_MIN_SCORE, Answer, Engine, Match
    from squatqa.validation import parse_corpus

__version__ = "1.0.0"

_HOMES = {
    "DEFAULT_MIN_SCORE": "squatqa.engine",
    "Answer": "squatqa.engine",
    "Corpus": "squatqa.corpus",
    "CorpusError": "squatqa.corpus",
    "Engine": "squatqa.engine",
    "Entry": "squatqa.corpus",
    "Match": "squatqa.engine",
    "Problem": "squatqa.corpus",
    "load_corpus": "squatqa.corpus",
    "open_engine": "squatqa.cache",
    "parse_corpus": "squatqa.validation",
}

__all__ = [
    "DEFAULT_MIN_SCORE",
    "Answer",
    "Corpus",
    "CorpusError",
    "Engine",
    "Entry",
    "Match",
    "Problem",
    "__version__",
    "load_corpus",
    "open_engine",
    "parse_corpus",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'squatqa' has no attribute {name!r}")
    return getattr(import_module(home), name)
