"""The confidence score: a chance between 0 and 1 that moves the way the evidence does."""

from __future__ import annotations

import pytest

from squatqa import Engine
from squatqa.confidence import Evidence, likelihood

TYPICAL = Evidence(
    in_questions=0.8,
    in_answer=0.1,
    entry_share=0.5,
    ranking=0.7,
    on_topic=True,
    unknown_words=1,
    missed_words=0,
    content_words=3,
)


def test_more_of_the_question_matched_is_more_confident() -> None:
    assert likelihood(TYPICAL._replace(in_questions=1.0)) > likelihood(TYPICAL)
    assert likelihood(TYPICAL._replace(entry_share=0.9)) > likelihood(TYPICAL)


def test_unmatched_words_make_it_less_confident() -> None:
    assert likelihood(TYPICAL._replace(unknown_words=2)) < likelihood(TYPICAL)
    assert likelihood(TYPICAL._replace(missed_words=1)) < likelihood(TYPICAL)
    assert likelihood(TYPICAL._replace(on_topic=False)) < likelihood(TYPICAL)


@pytest.mark.parametrize(
    "evidence",
    [
        TYPICAL._replace(unknown_words=5000, content_words=5000),
        TYPICAL._replace(missed_words=5000, content_words=5000),
        TYPICAL._replace(content_words=5000),
        TYPICAL._replace(ranking=1e-300),
    ],
)
def test_extreme_evidence_stays_a_chance(evidence: Evidence) -> None:
    assert 0.0 <= likelihood(evidence) <= 1.0


def test_the_best_answer_scores_its_chance_of_being_right(engine: Engine) -> None:
    query = "why do my knees cave"
    best = engine.best_evidence(query)
    assert best is not None
    entry, evidence = best
    (match,) = engine.search(query, min_score=0)
    assert match.entry == entry
    assert match.score == round(100 * likelihood(evidence), 1)


def test_nothing_to_judge_when_nothing_ranks(engine: Engine) -> None:
    assert engine.best_evidence("the and of") is None
    assert engine.best_evidence("zzqx") is None
