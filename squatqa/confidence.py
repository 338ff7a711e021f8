"""How likely the best-ranked entry is the right answer, from what it and the question share.

Ranking only has to order entries; confidence has to say whether the best one
answers the question at all, which no single overlap measure does well: a
paraphrase leaves words unmatched, and so does an off-topic question that shares
the corpus's words ("why do my knees crack"). So confidence weighs several pieces
of evidence (Evidence) in a logistic model whose coefficients were fitted to the
labelled query sets in tests/data by benchmarks/fit_confidence.py. The result is
an estimate of the chance, 0-1, that the answer is right.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

# A ranking score is never 0 for a ranked entry; this keeps log() defined if it is.
_SMALLEST_RANKING = 1e-9


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

    @property
    def on_topic(self) -> bool:
        """A content word, not only intent words, is in the entry's questions."""
        return self.matched_words > 0

    def features(self) -> tuple[float, ...]:
        return (
            self.in_questions,
            self.in_answer,
            self.entry_share,
            math.log(max(self.ranking, _SMALLEST_RANKING)),
            1.0 if self.on_topic else 0.0,
            float(self.unknown_words),
            float(self.missed_words),
            math.log1p(self.matched_words),
        )


# Fitted by benchmarks/fit_confidence.py (Evidence.features order, then the intercept).
COEFFICIENTS = (3.36, 0.02, 2.23, 1.57, 0.88, -0.31, -0.44, 2.37)
INTERCEPT = -5.54


def likelihood(
    evidence: Evidence,
    coefficients: Sequence[float] = COEFFICIENTS,
    intercept: float = INTERCEPT,
) -> float:
    """The estimated chance, 0-1, that the entry answers the question."""
    z = intercept + sum(
        weight * value for weight, value in zip(coefficients, evidence.features(), strict=True)
    )
    if not z > -30:  # also NaN: no evidence of a match is no confidence
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))
