from __future__ import annotations

import pytest

from squatqa import DEFAULT_MIN_SCORE, Engine, parse_corpus
from squatqa.corpus import Corpus
from tests.conftest import small_corpus_data


def top_id(engine: Engine, query: str, min_score: float = DEFAULT_MIN_SCORE) -> str | None:
    matches = engine.search(query, 1, min_score)
    return matches[0].entry.id if matches else None


def test_knees_cave_answers_with_the_squatting_valgus_entry(engine: Engine) -> None:
    assert top_id(engine, "why do my knees cave") == "knee-valgus-causes-squatting"


def test_each_question_ranks_its_own_entry_first(engine: Engine, corpus: Corpus) -> None:
    for entry in corpus.entries:
        assert top_id(engine, entry.question) == entry.id, entry.question


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hak squat", "what-is-hack-squat"),
        ("why do my legs shake during squats", "legs-shake-during-squats"),
        ("what is knee valgus", "what-is-knee-valgus"),
        ("WHAT   IS KNEE VALGUS???", "what-is-knee-valgus"),
    ],
)
def test_typos_and_formatting_still_find_the_entry(
    engine: Engine, query: str, expected: str
) -> None:
    assert top_id(engine, query) == expected


@pytest.mark.parametrize(
    "query",
    ["how do I bake bread", "what is the capital of France", "", "???", "the and of"],
)
def test_off_topic_and_empty_questions_are_declined(engine: Engine, query: str) -> None:
    assert engine.search(query) == []


def test_zero_threshold_always_returns_candidates_for_shared_words(engine: Engine) -> None:
    assert engine.search("squat shoes", 3, min_score=0)


def test_scores_lie_in_range_and_are_sorted(engine: Engine) -> None:
    matches = engine.search("knee valgus squat", limit=9, min_score=0)
    scores = [match.score for match in matches]
    assert len(matches) == 9
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= score <= 100 for score in scores)


def test_limit_caps_the_number_of_matches(engine: Engine) -> None:
    assert len(engine.search("knee valgus", limit=2, min_score=0)) == 2


def test_related_never_repeats_a_shown_answer(engine: Engine) -> None:
    answer = engine.ask("knee valgus", limit=2, min_score=0, related_limit=3)
    shown = {match.entry.id for match in answer.matches}
    related = [entry.id for entry in answer.related]
    assert len(related) == 3
    assert not shown.intersection(related)
    assert len(set(related)) == len(related)


def test_declined_question_offers_the_closest_candidates(engine: Engine) -> None:
    answer = engine.ask("squat shoes", min_score=99)
    assert answer.matches == [] and answer.related == []
    assert answer.closest


def test_engine_works_on_any_corpus() -> None:
    engine = Engine(parse_corpus(small_corpus_data()))
    assert top_id(engine, "bar path drifts forward") == "bar-path"
    assert top_id(engine, "how wide is a good stance") == "foot-width"


def test_closest_ids_suggest_near_misses(engine: Engine) -> None:
    assert engine.closest_ids("what-is-hak-squat")[0] == "what-is-hack-squat"


def test_very_long_question_is_ranked(engine: Engine) -> None:
    query = "why do my knees cave " + " ".join(f"word{i}" for i in range(2000))
    assert engine.rank(query) is not None
