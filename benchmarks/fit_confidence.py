"""Fit squatqa.confidence's coefficients to labelled query sets.

For every query, the engine's best-ranked entry and the evidence about it; the
label says whether that entry is a right answer (an off-topic query's never is).
A logistic regression (Newton's method, a little L2 regularisation so that rare
patterns cannot take extreme weights) turns the evidence into the chance the
answer is right. The printed coefficients go into squatqa/confidence.py.

Sets not used for fitting can be named with --check: they are scored with the
fitted coefficients and reported, which is how a blind set is used.

    python benchmarks/fit_confidence.py                      # fit on the default sets
    python benchmarks/fit_confidence.py --check tests/data/queries_holdout_e.jsonl
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from squatqa import Engine, load_corpus
from squatqa.confidence import COEFFICIENTS, INTERCEPT, Evidence, likelihood
from squatqa.engine import DEFAULT_MIN_SCORE
from squatqa.evaluate import QueryFileError, load_queries

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
FIT_SETS = [
    "queries.jsonl",
    "queries_holdout_a.jsonl",
    "queries_holdout_b.jsonl",
    "queries_holdout_c.jsonl",
    "queries_holdout_d.jsonl",
]
L2 = 1.0


class Sample(NamedTuple):
    evidence: Evidence | None  # None: nothing ranked at all
    right: bool  # the best-ranked entry is a right answer
    answerable: bool


def samples(engine: Engine, path: Path) -> list[Sample]:
    found: list[Sample] = []
    for query in load_queries(path):
        best = engine.best_evidence(query.query)
        if best is None:
            found.append(Sample(None, False, bool(query.relevant)))
            continue
        entry, evidence = best
        found.append(Sample(evidence, entry.id in query.relevant, bool(query.relevant)))
    return found


def fit(data: Sequence[Sample], l2: float = L2, rounds: int = 30) -> list[float]:
    """Coefficients then intercept, maximising the regularised log-likelihood."""
    rows = [
        ([*s.evidence.features(), 1.0], 1.0 if s.right else 0.0)
        for s in data
        if s.evidence is not None
    ]
    if not rows:
        raise SystemExit("fit_confidence: no labelled question ranks any entry")
    size = len(rows[0][0])
    weights = [0.0] * size
    for _round in range(rounds):
        gradient = [0.0] * size
        hessian = [[0.0] * size for _ in range(size)]
        for x, y in rows:
            z = sum(w * v for w, v in zip(weights, x, strict=True))
            p = 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0
            for i in range(size):
                gradient[i] += (p - y) * x[i]
                for j in range(size):
                    hessian[i][j] += p * (1 - p) * x[i] * x[j]
        for i in range(size - 1):  # the intercept is not regularised
            gradient[i] += l2 * weights[i]
            hessian[i][i] += l2
        step = _solve(hessian, gradient)
        weights = [w - s for w, s in zip(weights, step, strict=True)]
        if max(abs(s) for s in step) < 1e-9:
            break
    return weights


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting; the systems here are 9 x 9."""
    size = len(vector)
    rows = [[*row, value] for row, value in zip(matrix, vector, strict=True)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(rows[r][column]))
        rows[column], rows[pivot] = rows[pivot], rows[column]
        for r in range(column + 1, size):
            factor = rows[r][column] / rows[column][column]
            for c in range(column, size + 1):
                rows[r][c] -= factor * rows[column][c]
    solution = [0.0] * size
    for r in reversed(range(size)):
        known = sum(rows[r][c] * solution[c] for c in range(r + 1, size))
        solution[r] = (rows[r][size] - known) / rows[r][r]
    return solution


def scores(
    data: Sequence[Sample], weights: Sequence[float], threshold: float
) -> tuple[float | None, float | None]:
    """P@1 counting a declined answerable query as a miss, and off-topic declined.

    A question is accepted exactly as the engine does it: on the score it shows.
    """
    answerable = [s for s in data if s.answerable]
    off_topic = [s for s in data if not s.answerable]

    def accepted(sample: Sample) -> bool:
        if sample.evidence is None:
            return False
        chance = likelihood(sample.evidence, weights[:-1], weights[-1])
        return round(100.0 * chance, 1) >= threshold

    right = sum(1 for s in answerable if s.right and accepted(s))
    declined = sum(1 for s in off_topic if not accepted(s))
    return (
        right / len(answerable) if answerable else None,
        declined / len(off_topic) if off_topic else None,
    )


def best_threshold(sets: Sequence[Sequence[Sample]], weights: Sequence[float]) -> float:
    """The threshold, in steps of 5, at which answered-right plus off-topic-declined
    averaged over the sets is highest: the two errors are weighed alike."""

    def merit(threshold: float) -> float:
        total = 0.0
        for data in sets:
            right, declined = scores(data, weights, threshold)
            total += (right or 0.0) + (declined or 0.0)
        return total / len(sets)

    return max(range(30, 95, 5), key=merit)


def _figure(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", nargs="*", type=Path, default=[DATA / n for n in FIT_SETS])
    parser.add_argument("--check", nargs="*", type=Path, default=[])
    parser.add_argument(
        "--threshold", type=float, default=None, help="score the sets at this threshold"
    )
    args = parser.parse_args(argv)

    engine = Engine(load_corpus())
    try:
        fitted_on = {path: samples(engine, path) for path in args.fit}
        checked = {path: samples(engine, path) for path in args.check}
    except QueryFileError as error:
        raise SystemExit(f"fit_confidence: {error}") from None
    # Rounded as they are written into squatqa/confidence.py, so the figures
    # below are the ones the shipped model gives.
    weights = [round(w, 2) for w in fit([s for data in fitted_on.values() for s in data])]
    shipped = [*COEFFICIENTS, INTERCEPT]
    print(f"COEFFICIENTS = ({', '.join(f'{w:.2f}' for w in weights[:-1])})")
    print(f"INTERCEPT = {weights[-1]:.2f}")
    best = best_threshold(list(fitted_on.values()), weights)
    print(f"best threshold on the fitted sets: {best:g} (now {DEFAULT_MIN_SCORE:g})")
    threshold = args.threshold if args.threshold is not None else DEFAULT_MIN_SCORE
    print(f"\nP@1 / off-topic declined at {threshold:g} (fitted | shipped):")
    for label, sets in (("fit", fitted_on), ("check", checked)):
        for path, data in sets.items():
            new, old = scores(data, weights, threshold), scores(data, shipped, threshold)
            print(
                f"  {label:5s} {path.name:28s} {_figure(new[0])} / {_figure(new[1])}   "
                f"{_figure(old[0])} / {_figure(old[1])}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
