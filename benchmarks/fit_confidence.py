"""Fit squatqa's confidence model (data/confidence.json) to labelled query sets.

For every query, the engine's best-ranked entry and the evidence about it; the
label says whether that entry is a right answer (an off-topic query's never is).
Gradient boosting turns the evidence into the chance the answer is right: small
regression trees, each fitted to what the trees before it got wrong (Newton steps
on the log-loss, as XGBoost and scikit-learn's histogram boosting do), with exact
split search, a minimum leaf size and shrinkage so rare patterns cannot decide
alone. Each tree respects squatqa.confidence.MONOTONE: a split on a feature with a
direction must order its two sides that way, and the bounds it sets are passed down
so deeper splits cannot undo it. Plain Python, so fitting needs nothing installed.

    python benchmarks/fit_confidence.py                       # fit, report, change nothing
    python benchmarks/fit_confidence.py --write               # ... and save data/confidence.json
    python benchmarks/fit_confidence.py --cross-validate      # leave-one-set-out figures
    python benchmarks/fit_confidence.py --check tests/data/queries_holdout_x.jsonl

Sets named with --check are scored, never fitted on: that is how a blind set is used.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple, TypeVar

from squatqa import Engine, load_corpus
from squatqa.confidence import (
    FEATURES,
    MODEL_NAME,
    MONOTONE,
    Evidence,
    Model,
    Tree,
    bundled_model,
    chance,
    likelihood,
    model_to_raw,
    tree_value,
)
from squatqa.datafiles import data_path
from squatqa.engine import DEFAULT_MIN_SCORE
from squatqa.evaluate import QueryFileError, load_queries

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
FIT_SETS = [
    "queries.jsonl",
    *(f"queries_holdout_{letter}.jsonl" for letter in "abcdefghijklmnopqrstuvwxy"),
    *(f"queries_holdout_z{number}.jsonl" for number in range(1, 53)),
]
ROUNDS = 60
DEPTH = 3
RATE = 0.3
MIN_LEAF = 10
L2 = 1.0
# What both figures are aimed at: at least 95% answered right, 95% declined.
TARGET = 0.95
# Thresholds whose merit (the mean of answered-right and off-topic-declined, each a
# mean over the sets) is this close to the best count as tied.
NEAR_TIE = 0.001
# A threshold: a whole score for squatqa, a cosine for the embedding model.
T = TypeVar("T", int, float)
ABOUT = (
    "squatqa's confidence model: boosted regression trees over the evidence in "
    "squatqa/confidence.py, written by benchmarks/fit_confidence.py --write; "
    "refit rather than edit."
)


class Sample(NamedTuple):
    evidence: Evidence | None  # None: nothing ranked at all
    right: bool  # the best-ranked entry is a right answer
    answerable: bool


def samples(engine: Engine, path: Path) -> list[Sample]:
    """Each labelled question's evidence about the engine's best entry, and its label."""
    found: list[Sample] = []
    for query in load_queries(path):
        best = engine.best_evidence(query.query)
        if best is None:
            found.append(Sample(None, False, bool(query.relevant)))
            continue
        entry, evidence = best
        found.append(Sample(evidence, entry.id in query.relevant, bool(query.relevant)))
    return found


def fit(data: Sequence[Sample]) -> Model:
    """The model for these samples; the ones where nothing ranked carry no evidence."""
    rows = [(s.evidence.features(), s.right) for s in data if s.evidence is not None]
    if not rows:
        raise SystemExit("fit_confidence: no labelled question ranks any entry")
    return boost([x for x, _ in rows], [y for _, y in rows], MONOTONE)


def boost(
    points: Sequence[Sequence[float]],
    labels: Sequence[bool],
    monotone: Sequence[int],
    rounds: int = ROUNDS,
    depth: int = DEPTH,
    rate: float = RATE,
    min_leaf: int = MIN_LEAF,
    l2: float = L2,
) -> Model:
    """Boosted trees for the log-odds of a true label."""
    count = len(points)
    targets = [1.0 if label else 0.0 for label in labels]
    mean = min(max(sum(targets) / count, 1e-6), 1 - 1e-6)
    prior = math.log(mean / (1 - mean))
    settings = _Settings(monotone, depth, min_leaf, l2)
    # Each feature's point order, worked out once: every node's split search needs it.
    orders = [_order_by(points, feature) for feature in range(len(monotone))]
    scores = [prior] * count
    trees: list[Tree] = []
    for _round in range(rounds):
        chances = [chance(score) for score in scores]
        gradients = [p - y for p, y in zip(chances, targets, strict=True)]
        hessians = [p * (1 - p) for p in chances]
        grown = _Grower(points, orders, settings, gradients, hessians).grow()
        tree = _shrink(grown, rate)
        trees.append(tree)
        scores = [score + tree_value(tree, x) for score, x in zip(scores, points, strict=True)]
    return Model(prior, tuple(trees))


class _Settings(NamedTuple):
    monotone: Sequence[int]
    depth: int
    min_leaf: int
    l2: float


class _Split(NamedTuple):
    gain: float
    feature: int
    threshold: float
    low_value: float  # the leaf values the two sides would take
    high_value: float


class _Grower:
    """Grows one regression tree on the log-loss's gradients and hessians (Newton steps).

    A node's value is -G / (H + l2) over its points, kept within the bounds its
    ancestors set. A split on a feature with a direction must order its two sides
    that way; the midpoint of their values then bounds everything below each side,
    so no deeper split, whatever feature it uses, can reverse the order.
    """

    def __init__(
        self,
        points: Sequence[Sequence[float]],
        orders: Sequence[Sequence[int]],
        settings: _Settings,
        gradients: Sequence[float],
        hessians: Sequence[float],
    ) -> None:
        self.points = points
        self.orders = orders
        self.settings = settings
        self.gradients = gradients
        self.hessians = hessians

    def grow(self) -> Tree:
        return self._node(list(range(len(self.points))), 0, -math.inf, math.inf)

    def _value(self, gradient: float, hessian: float, low: float, high: float) -> float:
        """The Newton step for these points, clipped to the bounds that keep trees monotone."""
        return min(max(-gradient / (hessian + self.settings.l2), low), high)

    def _gain(self, gradient: float, hessian: float, value: float) -> float:
        """How much a leaf of this value lowers the (second-order) loss of its points."""
        return -(gradient * value + 0.5 * (hessian + self.settings.l2) * value * value)

    def _node(self, members: list[int], level: int, low: float, high: float) -> Tree:
        total_g = sum(self.gradients[i] for i in members)
        total_h = sum(self.hessians[i] for i in members)
        value = self._value(total_g, total_h, low, high)
        if level >= self.settings.depth or len(members) < 2 * self.settings.min_leaf:
            return value
        split = self._best_split(members, total_g, total_h, low, high)
        if split is None:
            return value
        below = [i for i in members if self.points[i][split.feature] <= split.threshold]
        above = [i for i in members if self.points[i][split.feature] > split.threshold]
        below_bounds = above_bounds = (low, high)
        direction = self.settings.monotone[split.feature]
        if direction:
            middle = (split.low_value + split.high_value) / 2
            if direction > 0:
                below_bounds, above_bounds = (low, middle), (middle, high)
            else:
                below_bounds, above_bounds = (middle, high), (low, middle)
        return (
            split.feature,
            split.threshold,
            self._node(below, level + 1, *below_bounds),
            self._node(above, level + 1, *above_bounds),
        )

    def _best_split(
        self, members: list[int], total_g: float, total_h: float, low: float, high: float
    ) -> _Split | None:
        """The split that lowers the loss most, every value of every feature tried."""
        g, h, min_leaf = self.gradients, self.hessians, self.settings.min_leaf
        base = self._gain(total_g, total_h, self._value(total_g, total_h, low, high))
        inside = bytearray(len(self.points))
        for i in members:
            inside[i] = 1
        best: _Split | None = None
        for feature, direction in enumerate(self.settings.monotone):
            ordered = [i for i in self.orders[feature] if inside[i]]
            left_g = left_h = 0.0
            for k in range(len(ordered) - 1):
                i = ordered[k]
                left_g += g[i]
                left_h += h[i]
                if k + 1 < min_leaf or len(ordered) - k - 1 < min_leaf:
                    continue
                here, after = self.points[i][feature], self.points[ordered[k + 1]][feature]
                if here == after:
                    continue
                right_g, right_h = total_g - left_g, total_h - left_h
                left_value = self._value(left_g, left_h, low, high)
                right_value = self._value(right_g, right_h, low, high)
                if direction * (right_value - left_value) < 0:
                    continue  # the wrong way round: clipping would leave it flat, no use
                gain = (
                    self._gain(left_g, left_h, left_value)
                    + self._gain(right_g, right_h, right_value)
                    - base
                )
                if gain > 1e-12 and (best is None or gain > best.gain):
                    best = _Split(gain, feature, (here + after) / 2, left_value, right_value)
        return best


def _order_by(points: Sequence[Sequence[float]], feature: int) -> list[int]:
    """Point numbers in the order of one feature's values."""
    return sorted(range(len(points)), key=lambda i: points[i][feature])


def _shrink(tree: Tree, rate: float) -> Tree:
    """The tree with every leaf scaled by the learning rate."""
    if isinstance(tree, tuple):
        feature, threshold, low, high = tree
        return (feature, threshold, _shrink(low, rate), _shrink(high, rate))
    return tree * rate


def scores(
    data: Sequence[Sample], model: Model, threshold: float
) -> tuple[float | None, float | None]:
    """P@1 counting a declined answerable query as a miss, and off-topic declined.

    A question is accepted exactly as the engine does it: on the score it shows.
    """
    answerable = [s for s in data if s.answerable]
    off_topic = [s for s in data if not s.answerable]

    def accepted(sample: Sample) -> bool:
        if sample.evidence is None:
            return False
        return round(100.0 * likelihood(sample.evidence, model), 1) >= threshold

    right = sum(1 for s in answerable if s.right and accepted(s))
    declined = sum(1 for s in off_topic if not accepted(s))
    return (
        right / len(answerable) if answerable else None,
        declined / len(off_topic) if off_topic else None,
    )


def best_threshold(scored: Sequence[tuple[Sequence[Sample], Model]]) -> float:
    """The threshold, in steps of 5, at which the lower of answered-right and
    off-topic-declined is highest, among the thresholds at which both reach TARGET,
    or among all if none do. Each figure is a mean over the sets that have questions
    of its kind; with no question of one kind, the other alone decides. Both targets
    are the same, so the one with less room decides: a sum would trade answers the
    tool owes for off-topic questions it already declines well beyond its target.

    Of thresholds within NEAR_TIE of the best, the highest wins: a wrong answer costs
    a reader more than a declined question, which still lists the closest ones.
    """

    return pick_threshold(
        range(30, 95, 5),
        lambda threshold: [scores(data, model, threshold) for data, model in scored],
    )


def pick_threshold(
    thresholds: Iterable[T],
    figures: Callable[[T], Iterable[tuple[float | None, float | None]]],
) -> T:
    """The threshold best_threshold's rule picks, given each set's answered-right and
    off-topic-declined (None where it has no question of that kind) at a threshold;
    benchmarks/embeddings.py picks the embedding model's threshold by it too."""

    def means(threshold: T) -> list[float]:
        rights: list[float] = []
        declines: list[float] = []
        for right, declined in figures(threshold):
            if right is not None:
                rights.append(right)
            if declined is not None:
                declines.append(declined)
        return [sum(kind) / len(kind) for kind in (rights, declines) if kind] or [0.0]

    found = {threshold: means(threshold) for threshold in thresholds}
    meeting = {t: kinds for t, kinds in found.items() if min(kinds) >= TARGET} or found
    merits = {threshold: min(kinds) for threshold, kinds in meeting.items()}
    best = max(merits.values())
    return max(threshold for threshold, value in merits.items() if value >= best - NEAR_TIE)


def _figure(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def _print_rows(
    label: str, rows: Sequence[tuple[Path, Sequence[Sample], Model]], threshold: float
) -> None:
    totals = [0.0, 0.0]
    for path, data, model in rows:
        right, declined = scores(data, model, threshold)
        totals[0] += right or 0.0
        totals[1] += declined or 0.0
        print(f"  {label:5s} {path.name:28s} {_figure(right)} / {_figure(declined)}")
    if len(rows) > 1:
        mean = [total / len(rows) for total in totals]
        print(f"  {label:5s} {'mean':28s} {_figure(mean[0])} / {_figure(mean[1])}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", nargs="*", type=Path, default=[DATA / n for n in FIT_SETS])
    parser.add_argument("--check", nargs="*", type=Path, default=[])
    parser.add_argument(
        "--threshold", type=float, default=None, help="score the sets at this threshold"
    )
    parser.add_argument(
        "--cross-validate",
        action="store_true",
        help="also fit once without each set and score that set: figures for unseen questions",
    )
    parser.add_argument(
        "--write", action="store_true", help=f"save the fitted model as data/{MODEL_NAME}"
    )
    args = parser.parse_args(argv)

    engine = Engine(load_corpus())
    try:
        fitted_on = {path: samples(engine, path) for path in args.fit}
        checked = {path: samples(engine, path) for path in args.check}
    except QueryFileError as error:
        raise SystemExit(f"fit_confidence: {error}") from None
    model = fit([s for data in fitted_on.values() for s in data])
    threshold = args.threshold if args.threshold is not None else DEFAULT_MIN_SCORE
    print(f"{len(model.trees)} trees over {', '.join(FEATURES)}")
    print(f"\nP@1 / off-topic declined at {threshold:g}, fitted model:")
    _print_rows("fit", [(p, d, model) for p, d in fitted_on.items()], threshold)
    _print_rows("check", [(p, d, model) for p, d in checked.items()], threshold)
    if checked and data_path(MODEL_NAME).is_file():
        print("shipped model:")
        shipped = bundled_model()
        _print_rows("check", [(p, d, shipped) for p, d in checked.items()], threshold)

    if args.cross_validate and len(fitted_on) > 1:
        held_out = [
            (path, data, fit([s for other, d in fitted_on.items() if other != path for s in d]))
            for path, data in fitted_on.items()
        ]
        best = best_threshold([(data, held) for _path, data, held in held_out])
        print(f"\nleft out of the fit in turn (best threshold {best:g}):")
        _print_rows("held", held_out, threshold)

    if args.write:
        target = data_path(MODEL_NAME)
        text = json.dumps(model_to_raw(model, ABOUT), indent=None, separators=(",", ":"))
        target.write_text(text + "\n", encoding="utf-8")
        print(f"\nwrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
