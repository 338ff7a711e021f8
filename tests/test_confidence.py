"""The confidence score: a chance between 0 and 1 that moves the way the evidence does."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from squatqa import Engine
from squatqa.confidence import (
    FEATURES,
    MODEL_NAME,
    MONOTONE,
    Evidence,
    bundled_model,
    likelihood,
    model_from_raw,
    model_to_raw,
)
from squatqa.datafiles import DataFileError, decode_data_file
from tests.conftest import misordered_splits

TYPICAL = Evidence(
    in_questions=0.8,
    in_answer=0.1,
    entry_share=0.5,
    ranking=0.7,
    unknown_words=1,
    missed_words=0,
    matched_words=2,
    subject_words=0,
    qualified_words=0,
)


EVIDENCE = st.builds(
    Evidence,
    in_questions=st.floats(0, 1),
    in_answer=st.floats(0, 1),
    entry_share=st.floats(0, 1),
    ranking=st.floats(0, 1.5),
    unknown_words=st.integers(0, 12),
    missed_words=st.integers(0, 12),
    matched_words=st.integers(0, 12),
    subject_words=st.integers(0, 12),
    qualified_words=st.integers(0, 12),
)
# Each field with a direction, and how to push it that way.
PUSHED_UP = {
    "in_questions": lambda e, step: e._replace(in_questions=min(1.0, e.in_questions + step)),
    "in_answer": lambda e, step: e._replace(in_answer=min(1.0, e.in_answer + step)),
    "ranking": lambda e, step: e._replace(ranking=e.ranking + step),
    "matched_words": lambda e, step: e._replace(matched_words=e.matched_words + 1),
}
PUSHED_DOWN = {
    "unknown_words": lambda e: e._replace(unknown_words=e.unknown_words + 1),
    "missed_words": lambda e: e._replace(missed_words=e.missed_words + 1),
    # a subject word is an unknown word too
    "subject_words": lambda e: e._replace(
        unknown_words=e.unknown_words + 1, subject_words=e.subject_words + 1
    ),
    "qualified_words": lambda e: e._replace(qualified_words=e.qualified_words + 1),
}


@settings(max_examples=300, deadline=None)
@given(EVIDENCE, st.floats(0.01, 1), st.sampled_from(sorted(PUSHED_UP)))
def test_more_of_the_question_matched_is_never_less_confident(
    evidence: Evidence, step: float, field: str
) -> None:
    assert likelihood(PUSHED_UP[field](evidence, step)) >= likelihood(evidence)


@settings(max_examples=300, deadline=None)
@given(EVIDENCE, st.sampled_from(sorted(PUSHED_DOWN)))
def test_unmatched_words_never_make_it_more_confident(evidence: Evidence, field: str) -> None:
    assert likelihood(PUSHED_DOWN[field](evidence)) <= likelihood(evidence)


def test_every_shipped_tree_keeps_its_directions() -> None:
    for tree in bundled_model().trees:
        assert misordered_splits(tree, MONOTONE) == []


def test_the_directions_cover_the_features_the_model_reads() -> None:
    assert len(MONOTONE) == len(FEATURES) == len(TYPICAL.features())
    directed = {FEATURES[i] for i, direction in enumerate(MONOTONE) if direction}
    assert directed == {
        "in_questions",
        "in_answer",
        "log_ranking",
        "on_topic",
        "unknown_words",
        "missed_words",
        "log1p_matched_words",
        "subject_words",
        "qualified_words",
    }


def test_the_evidence_decides_the_score() -> None:
    nothing_matched = TYPICAL._replace(in_questions=0.0, entry_share=0.0, matched_words=0)
    everything_matched = TYPICAL._replace(in_questions=1.0, entry_share=1.0, unknown_words=0)
    assert likelihood(nothing_matched) < 0.5 < likelihood(everything_matched)


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


def test_the_shipped_model_survives_its_own_file_format() -> None:
    written = json.dumps(model_to_raw(bundled_model(), "test")).encode()
    assert decode_data_file(MODEL_NAME, written, model_from_raw) == bundled_model()


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        ([], "JSON object"),
        ({"features": ["in_questions"], "prior": 0, "trees": []}, "'features'"),
        ({"features": list(FEATURES), "prior": "high", "trees": []}, "'prior'"),
        ({"features": list(FEATURES), "prior": float("nan"), "trees": []}, "'prior'"),
        ({"features": list(FEATURES), "prior": 0, "trees": {}}, "'trees'"),
        ({"features": list(FEATURES), "prior": 0, "trees": []}, "'trees'"),
        ({"features": list(FEATURES), "prior": 10**400, "trees": [0.5]}, "'prior'"),
        ({"features": list(FEATURES), "prior": 0, "trees": [10**400]}, "tree node"),
        ({"features": list(FEATURES), "prior": 0, "trees": [[0, 0.5, 1.0]]}, "tree node"),
        ({"features": list(FEATURES), "prior": 0, "trees": [[99, 0.5, 1, 2]]}, "unknown feature"),
        ({"features": list(FEATURES), "prior": 0, "trees": [[0.5, 0.5, 1, 2]]}, "whole number"),
        ({"features": list(FEATURES), "prior": 0, "trees": [[True, 0.5, 1, 2]]}, "whole number"),
        ({"features": list(FEATURES), "prior": 0, "trees": ["leaf"]}, "tree node"),
    ],
)
def test_a_damaged_model_is_refused_with_the_reason(raw: object, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        model_from_raw(raw)


def test_a_file_nested_past_the_decoder_is_refused() -> None:
    with pytest.raises(DataFileError, match="nested too deeply"):
        decode_data_file(MODEL_NAME, b"[" * 100_000, model_from_raw)


def test_a_model_nested_without_end_is_refused() -> None:
    node: object = 0.0
    for _ in range(100):
        node = [0, 0.5, node, 0.0]
    with pytest.raises(ValueError, match="tree node"):
        model_from_raw({"features": list(FEATURES), "prior": 0, "trees": [node]})
