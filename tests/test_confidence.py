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
    unknown_words=1,
    missed_words=0,
    matched_words=2,
)


def test_more_of_the_question_matched_is_more_confident() -> None:
    assert likelihood(TYPICAL._replace(in_questions=1.0)) > likelihood(TYPICAL)
    assert likelihood(TYPICAL._replace(entry_share=0.9)) > likelihood(TYPICAL)
    assert likelihood(TYPICAL._replace(matched_words=3)) > likelihood(TYPICAL)


@pytest.mark.parametrize(
    "question",
    [
        # an intent word plus words that only the answers use
        "how do you treat instability with a minor procedure",
        "why do proximal and distal joints hurt",
        "what is the concentric phase of a deadlift",
        "how do you treat a cold",
    ],
)
def test_words_found_only_in_an_answer_do_not_make_a_confident_match(
    engine: Engine, question: str
) -> None:
    assert engine.search(question) == []


def test_an_intent_word_the_entry_lacks_is_not_a_missed_topic(engine: Engine) -> None:
    best = engine.best_evidence("who gets knee valgus")
    assert best is not None
    assert best[1].missed_words == 0 and best[1].unknown_words == 0


def test_unmatched_words_make_it_less_confident() -> None:
    assert likelihood(TYPICAL._replace(unknown_words=2)) < likelihood(TYPICAL)
    assert likelihood(TYPICAL._replace(missed_words=1)) < likelihood(TYPICAL)
    assert likelihood(TYPICAL._replace(matched_words=0)) < likelihood(TYPICAL)


@pytest.mark.parametrize(
    "evidence",
    [
        TYPICAL._replace(unknown_words=5000),
        TYPICAL._replace(missed_words=5000),
        TYPICAL._replace(matched_words=5000),
        TYPICAL._replace(ranking=1e-300),
        TYPICAL._replace(ranking=0.0),
        TYPICAL._replace(ranking=float("nan")),
        TYPICAL._replace(in_questions=float("nan")),
    ],
)
def test_extreme_evidence_stays_a_chance(evidence: Evidence) -> None:
    chance = likelihood(evidence)
    assert 0.0 <= chance <= 1.0  # NaN fails this too


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
