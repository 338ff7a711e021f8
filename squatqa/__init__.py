"""Answer squat-form questions from a FAQ corpus, offline.

The package is a plain-Python core (corpus loading, ranking, evaluation) with a thin
command-line layer on top; programs can use the core directly::

    from squatqa import Engine, load_corpus

    engine = Engine(load_corpus())
    best = engine.search("why do my knees cave")[0]
    print(best.entry.question, best.score)
"""

from squatqa.corpus import Corpus, CorpusError, Entry, Problem, load_corpus, parse_corpus
from squatqa.engine import DEFAULT_MIN_SCORE, Engine, Match

__version__ = "1.0.0"

__all__ = [
    "DEFAULT_MIN_SCORE",
    "Corpus",
    "CorpusError",
    "Engine",
    "Entry",
    "Match",
    "Problem",
    "__version__",
    "load_corpus",
    "parse_corpus",
]
