"""Measure retrieval quality on a labelled query file.

Query files are JSON Lines: `{"query": str, "relevant": [ids], "category": str?}`.
An empty `relevant` list marks a question the corpus cannot answer; the engine
should decline it. Metrics use the same threshold the command line uses, so a
wrongly declined question counts as a miss.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from squatqa.corpus import FileTooLarge, read_at_most
from squatqa.engine import DEFAULT_MIN_SCORE, Engine
from squatqa.questions import clean_question, wide_encoding

EVAL_DEPTH = 10
# A query file larger than this is refused before it is read whole (as a corpus is).
MAX_QUERY_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class LabelledQuery:
    query: str
    relevant: frozenset[str]
    category: str | None = None


class QueryFileError(Exception):
    """A labelled query file that cannot be used; the message names the line."""


@dataclass(frozen=True, slots=True)
class Metrics:
    queries: int
    answerable: int
    offtopic: int
    precision_at_1: float | None
    mrr_at_10: float | None
    recall_at_5: float | None
    offtopic_rejected: float | None
    answerable_rejected: float | None


@dataclass(frozen=True, slots=True)
class Report:
    min_score: float
    overall: Metrics
    by_category: dict[str, Metrics] = field(default_factory=dict)
    misses: list[dict[str, object]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "min_score": self.min_score,
            "overall": asdict(self.overall),
            "by_category": {name: asdict(metrics) for name, metrics in self.by_category.items()},
            "misses": self.misses,
        }


def load_queries(path: Path) -> list[LabelledQuery]:
    """The file's labelled queries; QueryFileError names the first line that is unusable."""
    try:
        raw = read_at_most(path, MAX_QUERY_FILE_BYTES)
    except FileTooLarge as error:
        raise QueryFileError(f"{path}: {error}") from None
    except OSError as error:
        raise QueryFileError(f"{path}: cannot read: {error.strerror or error}") from None
    encoding = wide_encoding(raw)
    if encoding is not None:
        raise QueryFileError(f"{path}: file is {encoding}; save it as UTF-8")
    lines = raw.removeprefix(codecs.BOM_UTF8).splitlines()  # a byte order mark is allowed
    queries = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        queries.append(_parse_line(raw, f"{path}:{number}"))
    if not queries:
        raise QueryFileError(f"{path}: no queries in file")
    return queries


def _parse_line(raw: bytes, where: str) -> LabelledQuery:
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise QueryFileError(f"{where}: not valid UTF-8") from None
    except json.JSONDecodeError as error:
        raise QueryFileError(f"{where}: not valid JSON: {error.msg}") from None
    except RecursionError:
        raise QueryFileError(f"{where}: not valid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise QueryFileError(f"{where}: expected a JSON object")
    query, relevant, category = data.get("query"), data.get("relevant"), data.get("category")
    if not isinstance(query, str):
        raise QueryFileError(f'{where}: "query" must be a string')
    problem = clean_question(query).problem
    if problem:  # what `squatqa ask` would refuse cannot be scored as answered or not
        raise QueryFileError(f'{where}: "query": {problem}')
    if not isinstance(relevant, list) or not all(isinstance(item, str) for item in relevant):
        raise QueryFileError(f'{where}: "relevant" must be a list of ids')
    if category is not None and not isinstance(category, str):
        raise QueryFileError(f'{where}: "category" must be a string')
    return LabelledQuery(query, frozenset(relevant), category)


def unknown_ids(queries: Iterable[LabelledQuery], known: Iterable[str]) -> list[str]:
    known_set = set(known)
    return sorted({item for query in queries for item in query.relevant} - known_set)


def evaluate(
    engine: Engine, queries: Sequence[LabelledQuery], min_score: float = DEFAULT_MIN_SCORE
) -> Report:
    rankings = [
        [match.entry.id for match in engine.search(query.query, EVAL_DEPTH, min_score)]
        for query in queries
    ]
    return score_rankings(queries, rankings, min_score)


def score_rankings(
    queries: Sequence[LabelledQuery], rankings: Sequence[Sequence[str]], min_score: float
) -> Report:
    """Metrics for any ranker's output, so baselines are scored by the same code."""
    categories: dict[str, list[int]] = {}
    for position, query in enumerate(queries):
        if query.category is not None:
            categories.setdefault(query.category, []).append(position)
    misses: list[dict[str, object]] = []
    for query, ranking in zip(queries, rankings, strict=True):
        wrong_top = bool(ranking) and ranking[0] not in query.relevant
        if (query.relevant and (not ranking or wrong_top)) or (not query.relevant and ranking):
            misses.append(
                {
                    "query": query.query,
                    "relevant": sorted(query.relevant),
                    "got": ranking[0] if ranking else None,
                    "category": query.category,
                }
            )
    everything = list(range(len(queries)))
    return Report(
        min_score=min_score,
        overall=_metrics(queries, rankings, everything),
        by_category={
            name: _metrics(queries, rankings, positions)
            for name, positions in sorted(categories.items())
        },
        misses=misses,
    )


def _metrics(
    queries: Sequence[LabelledQuery], rankings: Sequence[Sequence[str]], positions: list[int]
) -> Metrics:
    answerable = [p for p in positions if queries[p].relevant]
    offtopic = [p for p in positions if not queries[p].relevant]
    hits_at_1 = reciprocal = recall = 0.0
    rejected = 0
    for p in answerable:
        relevant, ranking = queries[p].relevant, rankings[p][:EVAL_DEPTH]
        if not ranking:
            rejected += 1
            continue
        hits_at_1 += ranking[0] in relevant
        rank = next((i for i, item in enumerate(ranking, 1) if item in relevant), None)
        reciprocal += 1.0 / rank if rank else 0.0
        recall += len(relevant.intersection(ranking[:5])) / len(relevant)
    declined = sum(1 for p in offtopic if not rankings[p])
    return Metrics(
        queries=len(positions),
        answerable=len(answerable),
        offtopic=len(offtopic),
        precision_at_1=_share(hits_at_1, len(answerable)),
        mrr_at_10=_share(reciprocal, len(answerable)),
        recall_at_5=_share(recall, len(answerable)),
        offtopic_rejected=_share(declined, len(offtopic)),
        answerable_rejected=_share(rejected, len(answerable)),
    )


def _share(amount: float, total: int) -> float | None:
    return round(amount / total, 4) if total else None
