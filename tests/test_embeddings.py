"""The embedding comparison ranks, declines and picks its threshold as it says.

The model itself is not loaded here (it needs torch); the parts that turn its
similarities into figures are checked on hand-made numbers, since the comparison
in the README is only as fair as they are.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

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
        return embeddings.SetRow(name, fitted, figure, figure, figure, figure, figure, figure)

    rows = [
        row("squat-dev", True, 0.9),
        row("squat-holdout-a", True, 0.7),
        row("squat-holdout-z48", False, 0.5),
        embeddings.SetRow("stackfaq", False, 0.1, 0.1, 0.1, 0.1, None, None),
    ]
    means = embeddings.with_means(rows)[len(rows) :]
    assert [(mean.name, mean.squatqa_p_at_1, mean.model_declined) for mean in means] == [
        ("mean of fitted squat sets (2)", 0.8, 0.8),
        ("mean of other squat sets (1)", 0.5, 0.5),
    ]
