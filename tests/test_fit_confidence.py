"""The boosting in benchmarks/fit_confidence.py learns what the data say, within its limits.

The shipped confidence model is only as trustworthy as the code that fits it, so the
fitting is checked on small made-up data whose answer is known.
"""

from __future__ import annotations

import random
from types import ModuleType

import pytest

from squatqa import Engine, load_corpus
from squatqa.confidence import Model, Tree, bundled_model, chance, log_odds
from tests.conftest import load_benchmark, misordered_splits


@pytest.fixture(scope="module")
def fitting() -> ModuleType:
    return load_benchmark("fit_confidence")


def mean_chance(model: Model, low: float, high: float) -> float:
    """The average chance over a grid of points whose first feature is in [low, high]."""
    grid = [[low + (high - low) * i / 20, j / 20] for i in range(21) for j in range(21)]
    return sum(chance(log_odds(model, point)) for point in grid) / len(grid)


def noisy_step(count: int, rising: bool) -> tuple[list[list[float]], list[bool]]:
    """One informative feature (a step at 0.5, 10% of labels flipped) and one of noise."""
    rng = random.Random(7)
    points, labels = [], []
    for _ in range(count):
        x, noise = rng.random(), rng.random()
        label = (x > 0.5) == rising
        points.append([x, noise])
        labels.append(label if rng.random() > 0.1 else not label)
    return points, labels


def depth(tree: Tree) -> int:
    if isinstance(tree, tuple):
        return 1 + max(depth(tree[2]), depth(tree[3]))
    return 0


def test_boosting_learns_a_step(fitting: ModuleType) -> None:
    points, labels = noisy_step(400, rising=True)
    model = fitting.boost(points, labels, [0, 0])
    assert mean_chance(model, 0.6, 1.0) > 0.8
    assert mean_chance(model, 0.0, 0.4) < 0.2


def test_one_round_is_a_shrunken_newton_step(fitting: ModuleType) -> None:
    # Half the labels true: prior 0, every chance 0.5, so each side's gradients sum
    # to +-1 and hessians to 0.5; a Newton step is -/+2, shrunk by the rate.
    model = fitting.boost(
        [[0.0], [0.0], [1.0], [1.0]], [False, False, True, True], [0],
        rounds=1, depth=1, rate=0.3, min_leaf=1, l2=0.0,
    )  # fmt: skip
    assert model.prior == 0.0
    (tree,) = model.trees
    assert isinstance(tree, tuple)
    feature, threshold, low, high = tree
    assert (feature, threshold) == (0, 0.5)
    assert low == pytest.approx(-0.6) and high == pytest.approx(0.6)


def test_trees_grow_no_deeper_than_asked(fitting: ModuleType) -> None:
    # Exclusive or of two features: only two levels of splits can express it.
    rng = random.Random(3)
    points = [[rng.random(), rng.random()] for _ in range(400)]
    labels = [(x > 0.5) != (y > 0.5) for x, y in points]
    for levels in (1, 2, 3):
        model = fitting.boost(points, labels, [0, 0], rounds=5, depth=levels)
        assert max(depth(tree) for tree in model.trees) == levels


def locally_opposed(rising: bool) -> tuple[list[list[float]], list[bool]]:
    """The first feature helps overall (in the given direction) but hurts where the
    second is above 0.7, so splits on it are made and deeper ones could reverse it."""
    rng = random.Random(11)
    points, labels = [], []
    for _ in range(600):
        x, y = rng.random(), rng.random()
        points.append([x, y])
        helped = x > 0.5 if y <= 0.7 else x < 0.3
        labels.append(helped if rising else not helped)
    return points, labels


@pytest.mark.parametrize("direction", [1, -1])
def test_a_direction_holds_where_the_data_oppose_it_locally(
    fitting: ModuleType, direction: int
) -> None:
    points, labels = locally_opposed(rising=direction > 0)
    directed = fitting.boost(points, labels, [direction, 0])
    assert any(isinstance(tree, tuple) and tree[0] == 0 for tree in directed.trees)
    for tree in directed.trees:
        assert misordered_splits(tree, [direction, 0]) == []
    for x in range(50):
        for y in range(11):
            point, further = [x / 50, y / 10], [(x + 1) / 50, y / 10]
            change = log_odds(directed, further) - log_odds(directed, point)
            assert change * direction >= 0
    # Free to follow the data, the same feature does not move one way everywhere.
    free = fitting.boost(points, labels, [0, 0])
    assert any(misordered_splits(tree, [direction, 0]) for tree in free.trees)


def test_a_leaf_needs_enough_questions(fitting: ModuleType) -> None:
    points = [[0.0]] * 15 + [[1.0]]
    labels = [False] * 15 + [True]
    model = fitting.boost(points, labels, [0], min_leaf=5)
    # The one true label cannot have a leaf of its own.
    assert log_odds(model, [1.0]) == log_odds(model, [0.0])


def test_the_shipped_model_is_what_the_fitting_script_makes(fitting: ModuleType) -> None:
    # A change to analysis, ranking or the labelled sets needs a refit (--write).
    engine = Engine(load_corpus())
    data = [s for name in fitting.FIT_SETS for s in fitting.samples(engine, fitting.DATA / name)]
    assert fitting.fit(data) == bundled_model()


def test_the_best_threshold_meets_both_targets_when_one_can(
    fitting: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (answered right, off-topic declined) at each threshold, one set.
    figures = {threshold: (0.90, 0.90) for threshold in range(30, 95, 5)}
    figures[50] = (0.99, 0.93)  # the best sum, but off-topic falls short
    figures[55] = (0.9555, 0.96)  # meets both
    figures[60] = (0.95, 0.999)  # meets both, a better sum, a worse lower figure
    figures[65] = (0.958, 0.958)  # the best lower figure
    monkeypatch.setattr(fitting, "scores", lambda data, model, threshold: figures[threshold])
    assert fitting.best_threshold([([], Model(0.0, ()))]) == 65
    figures[65] = (0.955, 0.955)  # below 55's lower figure, but within NEAR_TIE: higher wins
    assert fitting.best_threshold([([], Model(0.0, ()))]) == 65
    figures[65] = (0.94, 0.99)
    assert fitting.best_threshold([([], Model(0.0, ()))]) == 55
    figures[55] = figures[60] = (0.90, 0.90)
    figures[65] = (0.9502, 0.99)
    figures[70] = (0.9495, 0.99)  # within NEAR_TIE of 65, but short of the target
    assert fitting.best_threshold([([], Model(0.0, ()))]) == 65
    figures[65] = figures[70] = (0.90, 0.90)
    assert fitting.best_threshold([([], Model(0.0, ()))]) == 50  # none meets both


def test_the_best_threshold_judges_by_the_kinds_of_question_there_are(
    fitting: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sets without off-topic questions: the threshold answers as many as it can.
    figures = {threshold: (1.0 - threshold / 100, None) for threshold in range(30, 95, 5)}
    monkeypatch.setattr(fitting, "scores", lambda data, model, threshold: figures[threshold])
    assert fitting.best_threshold([([], Model(0.0, ()))]) == 30
