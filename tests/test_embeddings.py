"""The embedding comparison ranks, declines and picks its threshold as it says.

The model itself is not loaded here (it needs torch); the parts that turn its
similarities into figures are checked on hand-made numbers, since the comparison
in the README is only as fair as they are.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from squatqa.corpus import Corpus
from squatqa.evaluate import LabelledQuery
from tests.conftest import REPO, load_benchmark


@pytest.fixture(scope="module")
def embeddings() -> ModuleType:
    # The script imports its neighbours by name, as it does when run from benchmarks/.
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        return load_benchmark("embeddings")
    finally:
        sys.path.remove(str(REPO / "benchmarks"))


def _query(text: str, *relevant: str) -> LabelledQuery:
    return LabelledQuery(text, frozenset(relevant), None)


def test_an_entry_scores_its_best_phrasing(embeddings: ModuleType) -> None:
    # Phrasings 0-1 belong to entry 0, 2-4 to entry 1, 5 to entry 2.
    ranking = embeddings.rank_by_phrasing(
        [0.2, 0.5, 0.1, 0.9, 0.3, 0.5], [0, 0, 1, 1, 1, 2], ["a", "b", "c"]
    )
    assert ranking == [("b", 0.9), ("a", 0.5), ("c", 0.5)]  # a tie goes to the earlier entry


def test_a_question_under_the_threshold_is_declined(embeddings: ModuleType) -> None:
    rankings = [[("a", 0.8), ("b", 0.4)], [("b", 0.6)], []]
    assert embeddings.above(rankings, 0.7) == [["a", "b"], [], []]
    assert embeddings.above(rankings, 0.6) == [["a", "b"], ["b"], []]


def test_threshold_balances_answering_and_declining(embeddings: ModuleType) -> None:
    queries = [
        _query("right, sure", "a"),
        _query("right, unsure", "a"),
        _query(
            "off topic, close",
        ),
        _query("off topic, far"),
    ]
    rankings = [[("a", 0.9)], [("a", 0.55)], [("a", 0.5)], [("b", 0.2)]]
    scored = embeddings.Scored(queries, rankings)
    # At 0.51-0.55 both questions are answered and both off-topic ones declined;
    # of equally good thresholds the highest wins.
    assert embeddings.choose_threshold([scored]) == 0.55
    assert embeddings.right_and_declined(scored, 0.55) == (1.0, 1.0)
    assert embeddings.right_and_declined(scored, 0.56) == (0.5, 1.0)


def test_threshold_counts_each_kind_over_the_sets_that_have_it(embeddings: ModuleType) -> None:
    # The first set has no off-topic question: its answering counts, and the second
    # set alone says how well off-topic questions are declined.
    answers_only = embeddings.Scored(
        [_query("sure", "a"), _query("unsure", "a")], [[("a", 0.8)], [("a", 0.3)]]
    )
    mixed = embeddings.Scored(
        [_query("right", "a"), _query("off topic")], [[("a", 0.6)], [("b", 0.4)]]
    )
    # Up to 0.30 both answers stand but the off-topic one is answered; 0.41 to 0.60
    # keeps the 0.6 answer and declines it, losing the 0.3 answer (0.75 answered
    # right, all off-topic declined); past 0.60 answering falls to 0.25.
    assert embeddings.choose_threshold([answers_only, mixed]) == 0.6
    # A cosine below zero is still a ranking, not a declined question.
    assert embeddings.ids_of([[("a", -0.2)]]) == [["a"]]


def test_rows_put_each_figure_in_its_column(
    embeddings: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class StandIn:
        """Right and sure of every answerable question, 0.5 alike to every off-topic one;
        with the answer as a phrasing, always wrong."""

        load_seconds = 0.0

        def score(
            self, corpus: Corpus, queries: list[LabelledQuery], with_answers: bool = False
        ) -> object:
            rankings = []
            for query in queries:
                wrong = next(entry for entry in corpus.ids if entry not in query.relevant)
                if with_answers:
                    rankings.append([(wrong, 0.9)])
                elif query.relevant:
                    rankings.append([(sorted(query.relevant)[0], 0.9)])
                else:
                    rankings.append([(wrong, 0.5)])
            return embeddings.Scored(queries, rankings)

        def latency_ms(self, queries: object) -> float:
            return 1.0

    monkeypatch.setattr(embeddings, "Model", StandIn)
    assert embeddings.main(["--only", "squat-holdout-z53", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert 0.5 < report["threshold"] <= 0.9
    row = report["sets"][0]
    assert row["name"] == "squat-holdout-z53"
    assert (row["model_p_at_1"], row["model_right"], row["model_declined"]) == (1.0, 1.0, 1.0)
    assert row["model_with_answer_p_at_1"] == 0.0
    # squatqa's own figures sit where its evaluation puts them.
    assert 0.9 < row["squatqa_p_at_1"] <= 1.0
    assert row["squatqa_declined"] is not None and row["squatqa_declined"] > 0.8


def test_the_threshold_is_chosen_on_the_fitted_sets(embeddings: ModuleType) -> None:
    fit_confidence = load_benchmark("fit_confidence")
    faq_sets = load_benchmark("faq_sets")
    files = {faq_sets.SQUAT_SETS[name].name for name in embeddings.FITTED_SETS}
    assert files == set(fit_confidence.FIT_SETS)
    assert len(embeddings.FITTED_SETS) == len(fit_confidence.FIT_SETS)


def test_without_the_model_one_line_and_exit_2(
    embeddings: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails
    assert embeddings.main(["--only", "squat-dev"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1
    assert "embed" in captured.err


def test_a_missing_shared_folder_is_one_line(
    embeddings: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert embeddings.main(["--shared", str(tmp_path), "--only", "stackfaq"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert "not found" in captured.err


def test_means_are_over_the_squat_sets_of_each_kind(embeddings: ModuleType) -> None:
    def row(name: str, fitted: bool, figure: float) -> object:
        return embeddings.SetRow(name, fitted, *[figure] * 7)

    rows = [
        row("squat-dev", True, 0.9),
        row("squat-holdout-a", True, 0.7),
        row("squat-holdout-z48", False, 0.5),
        embeddings.SetRow("stackfaq", False, 0.1, 0.1, 0.1, 0.1, 0.1, None, None),
    ]
    means = embeddings.with_means(rows)[len(rows) :]
    assert [(mean.name, mean.squatqa_p_at_1, mean.model_declined) for mean in means] == [
        ("mean of fitted squat sets (2)", 0.8, 0.8),
        ("mean of other squat sets (1)", 0.5, 0.5),
    ]
