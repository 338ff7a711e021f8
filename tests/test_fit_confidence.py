"""The boosting in benchmarks/fit_confidence.py learns what the data say, within its limits.

The shipped confidence model is only as trustworthy as the code that fits it, so the
fitting is checked on small made-up data whose answer is known.
"""

from __future__ import annotations

import importlib.util
import math
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

from squatqa.confidence import Evidence, Model, likelihood

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "fit_confidence.py"


@pytest.fixture(scope="module")
def fitting() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fit_confidence", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def chance(model: Model, point: list[float]) -> float:
    """The model's chance for raw feature values, as likelihood() computes it."""
    z = model.prior
    for tree in model.trees:
        node = tree
        while isinstance(node, tuple):
            feature, threshold, low, high = node
            node = low if point[feature] <= threshold else high
        z += node
    return 1 / (1 + math.exp(-z))


def mean_chance(model: Model, low: float, high: float) -> float:
    """The average chance over a grid of points whose first feature is in [low, high]."""
    grid = [[low + (high - low) * i / 20, j / 20] for i in range(21) for j in range(21)]
    return sum(chance(model, point) for point in grid) / len(grid)


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


def test_boosting_learns_a_step(fitting: ModuleType) -> None:
    points, labels = noisy_step(400, rising=True)
    model = fitting.boost(points, labels, [0, 0])
    assert mean_chance(model, 0.6, 1.0) > 0.8
    assert mean_chance(model, 0.0, 0.4) < 0.2


def test_boosting_is_deterministic(fitting: ModuleType) -> None:
    points, labels = noisy_step(200, rising=True)
    assert fitting.boost(points, labels, [0, 0]) == fitting.boost(points, labels, [0, 0])


def test_a_direction_holds_even_against_the_data(fitting: ModuleType) -> None:
    points, labels = noisy_step(400, rising=False)
    model = fitting.boost(points, labels, [1, 0])
    grid = [[x / 50, noise / 4] for x in range(51) for noise in range(5)]
    for point in grid:
        higher = [min(1.0, point[0] + 0.1), point[1]]
        assert chance(model, higher) >= chance(model, point) - 1e-12
    # Free to follow the data, the same feature does.
    free = fitting.boost(points, labels, [0, 0])
    assert mean_chance(free, 0.6, 1.0) < 0.2 < 0.8 < mean_chance(free, 0.0, 0.4)


def test_a_leaf_needs_enough_questions(fitting: ModuleType) -> None:
    points = [[0.0]] * 15 + [[1.0]]
    labels = [False] * 15 + [True]
    model = fitting.boost(points, labels, [0], min_leaf=5)
    # The one true label cannot have a leaf of its own.
    assert abs(chance(model, [1.0]) - chance(model, [0.0])) < 1e-12


def test_the_fitted_model_is_what_the_engine_scores_with(fitting: ModuleType) -> None:
    points, labels = noisy_step(200, rising=True)
    model = fitting.boost([p + [0.0] * 6 for p in points], labels, [0] * 8)
    evidence = Evidence(0.9, 0.5, 0.0, 1.0, 0, 0, 0)
    assert likelihood(evidence, model) == pytest.approx(chance(model, list(evidence.features())))
