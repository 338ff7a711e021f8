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
from typing import NamedTuple


class Evidence(NamedTuple):
    """What the best entry and the question share; squatqa.engine gathers it.

    Content words count 1 and intent words ("why", "treat") less; function words
    do not count.
    """

    in_questions: float  # share of the question's words the entry's questions/aliases use
    in_answer: float  # share used only by its answer
    entry_share: float  # share of the entry's own distinguishing wording that was asked
    ranking: float  # the entry's ranking score, 0-1
    on_topic: bool  # a content word (not only intent words) is in its questions
    unknown_words: int  # question words the corpus never uses
    missed_words: int  # question words the corpus uses, but this entry does not
    content_words: int  # question words that are neither function nor intent words

    def features(self) -> tuple[float, ...]:
        return (
            self.in_questions,
            self.in_answer,
            self.entry_share,
            math.log(self.ranking),
            1.0 if self.on_topic else 0.0,
            float(self.unknown_words),
            float(self.missed_words),
            float(self.content_words),
        )


# Fitted by benchmarks/fit_confidence.py (Evidence.features order, then the intercept).
COEFFICIENTS = (2.76, 0.12, 1.33, 0.98, 1.06, -1.82, -2.05, 1.31)
INTERCEPT = -4.29


def likelihood(evidence: Evidence) -> float:
    """The estimated chance, 0-1, that the entry answers the question."""
    z = INTERCEPT + sum(
        weight * value for weight, value in zip(COEFFICIENTS, evidence.features(), strict=True)
    )
    if z < -30:  # math.exp overflows long before this matters
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))
