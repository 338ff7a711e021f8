"""How likely the best-ranked entry is the right answer, from what it and the question share.

Ranking only has to order entries; confidence has to say whether the best one
answers the question at all, which no single overlap measure does well: a
paraphrase leaves words unmatched, and so does an off-topic question that shares
the corpus's words ("why do my knees crack"). So confidence weighs several pieces
of evidence (Evidence) in a small model fitted to the labelled query sets in
tests/data by benchmarks/fit_confidence.py: boosted decision trees, because the
pieces of evidence matter in combination (a high share of matched words means
little when only one word was asked), which a weighted sum cannot express. Every
tree is monotone in the evidence that has an obvious direction (more matched can
never mean less confident), so the score moves the way a reader expects.

The model is data, `data/confidence.json`, read once on first use. The result is
an estimate of the chance, 0-1, that the answer is right.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from typing import NamedTuple, TypeAlias, TypeGuard

from squatqa.datafiles import decode_data_file, read_data_file

MODEL_NAME = "confidence.json"
# A ranking score is never 0 for a ranked entry; this keeps log() defined if it is.
_SMALLEST_RANKING = 1e-9
# Deeper than this is not a tree the fitting script makes: a damaged file.
_MAX_DEPTH = 16
_PLACES = 9


class Evidence(NamedTuple):
    """What the best entry and the question share; squatqa.engine gathers it.

    In the shares, content words count 1 and intent words ("why", "treat") 0.6;
    the counts are of content words only. Function words do not count.
    """

    in_questions: float  # share of the question's words the entry's questions/aliases use
    in_answer: float  # share used only by its answer
    entry_share: float  # share of the entry's own distinguishing wording that was asked
    ranking: float  # the entry's ranking score: 0 to a little over 1 (word pairs add)
    unknown_words: int  # question words the corpus never uses
    missed_words: int  # question words the corpus uses, but this entry does not
    matched_words: int  # content words of the question its questions or aliases use
    subject_words: int  # of the unknown words, those naming a subject (squatqa.lexicon)
    qualified_words: int  # times an unused subject word qualifies a matched word ("hallux valgus")

    @property
    def on_topic(self) -> bool:
        """A content word, not only intent words, is in the entry's questions."""
        return self.matched_words > 0

    def features(self) -> tuple[float, ...]:
        """The evidence as the model reads it, in FEATURES order.

        Rounded to 9 places: the same share reached by two sums (3/13 as 1/13 + 2/13)
        differs in its last bits, and a tree must not tell those apart.
        """
        return (
            round(self.in_questions, _PLACES),
            round(self.in_answer, _PLACES),
            round(self.entry_share, _PLACES),
            round(math.log(max(self.ranking, _SMALLEST_RANKING)), _PLACES),
            1.0 if self.on_topic else 0.0,
            float(self.unknown_words),
            float(self.missed_words),
            round(math.log1p(self.matched_words), _PLACES),
            float(self.subject_words),
            float(self.qualified_words),
        )


# Names of Evidence.features(), which the model file must list in the same order.
FEATURES = (
    "in_questions",
    "in_answer",
    "entry_share",
    "log_ranking",
    "on_topic",
    "unknown_words",
    "missed_words",
    "log1p_matched_words",
    "subject_words",
    "qualified_words",
)
# The direction each feature may move the chance in (1 up, -1 down, 0 either):
# the fitting script holds every tree to it. How much of an entry's own wording
# was asked is left free: a short alias fully asked in a long question says
# something different from a long question fully matched.
MONOTONE = (1, 1, 0, 1, 1, -1, -1, 1, -1, -1)

# A tree: a leaf's log-odds contribution, or (feature, threshold, tree for values
# at or below it, tree for values above it).
Tree: TypeAlias = "float | tuple[int, float, Tree, Tree]"


class Model(NamedTuple):
    prior: float  # log-odds before any tree
    trees: tuple[Tree, ...]


def likelihood(evidence: Evidence, model: Model | None = None) -> float:
    """The estimated chance, 0-1, that the entry answers the question."""
    values = evidence.features()
    if any(math.isnan(value) for value in values):  # nothing to judge by
        return 0.0
    return chance(log_odds(model if model is not None else bundled_model(), values))


def log_odds(model: Model, values: Sequence[float]) -> float:
    """The model's log-odds for feature values: its prior plus every tree's leaf."""
    leaves = 0.0
    for node in model.trees:
        # The walk is written out here rather than called per tree: it runs for
        # every question, and 60 calls cost more than the walks.
        while isinstance(node, tuple):
            feature, threshold, low, high = node
            node = low if values[feature] <= threshold else high
        leaves += node
    return model.prior + leaves


def tree_value(tree: Tree, values: Sequence[float]) -> float:
    """The leaf of one tree that these feature values reach."""
    return log_odds(Model(0.0, (tree,)), values)


def chance(z: float) -> float:
    """Log-odds as a chance, 0-1; very low or undefined odds are no chance at all."""
    if not z > -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


@cache
def bundled_model() -> Model:
    """The model shipped with squatqa, read on first use; DataFileError if it is damaged."""
    return decode_data_file(MODEL_NAME, read_data_file(MODEL_NAME), model_from_raw)


def model_from_raw(raw: object) -> Model:
    """A Model from the file's decoded JSON; ValueError says what is wrong with it."""
    if not isinstance(raw, dict):
        raise ValueError("confidence model: must be a JSON object")
    if raw.get("features") != list(FEATURES):
        raise ValueError(f"confidence model: 'features' must be {list(FEATURES)}")
    prior = raw.get("prior")
    trees = raw.get("trees")
    if not _is_number(prior):
        raise ValueError("confidence model: 'prior' must be a number")
    if not isinstance(trees, list) or not trees:
        raise ValueError("confidence model: 'trees' must be a list of trees")
    return Model(float(prior), tuple(_tree(tree, 0) for tree in trees))


def model_to_raw(model: Model, about: str) -> dict[str, object]:
    """The JSON form model_from_raw reads; benchmarks/fit_confidence.py writes it."""

    def plain(node: Tree) -> object:
        if isinstance(node, tuple):
            feature, threshold, low, high = node
            return [feature, threshold, plain(low), plain(high)]
        return node

    return {
        "about": about,
        "features": list(FEATURES),
        "prior": model.prior,
        "trees": [plain(tree) for tree in model.trees],
    }


def _tree(raw: object, depth: int) -> Tree:
    """One tree from its JSON form, checked node by node down to _MAX_DEPTH."""
    if _is_number(raw):
        return float(raw)
    if depth >= _MAX_DEPTH or not isinstance(raw, list) or len(raw) != 4:
        raise ValueError(
            "confidence model: a tree node must be a number or [feature, threshold, low, high]"
        )
    feature, threshold, low, high = raw
    if not isinstance(feature, int) or isinstance(feature, bool):
        raise ValueError("confidence model: a node's feature must be a whole number")
    if not 0 <= feature < len(FEATURES) or not _is_number(threshold):
        raise ValueError("confidence model: a node names an unknown feature or no threshold")
    return (feature, float(threshold), _tree(low, depth + 1), _tree(high, depth + 1))


def _is_number(value: object) -> TypeGuard[int | float]:
    """A finite JSON number (not a boolean); an integer too large for a float is not."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


__all__ = [
    "FEATURES",
    "MONOTONE",
    "Evidence",
    "Model",
    "bundled_model",
    "chance",
    "likelihood",
    "log_odds",
    "model_from_raw",
    "model_to_raw",
    "tree_value",
]
