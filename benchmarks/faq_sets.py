"""Score squatqa on the bundled corpus's labelled sets and two public FAQ sets.

The bundled squat corpus is small and its labelled queries were written alongside
the engine (the holdout sets without sight of its vocabulary), so figures there
say how well the tool answers lifters, not how well the engine generalises.
StackFAQ (StackExchange threads with user paraphrases) and CovidFAQ (short real
user queries) are outside data with fixed labels and no synonyms or aliases.
Running simple baselines in the same process, scored by the same `score_rankings`
code, shows whether the engine ranks better than a tool one could take off the
shelf: rapidfuzz's WRatio over the questions (what `process.extractOne` picks) and
BM25 over the question alone and over question + answer.

Usage (from the repository root, with squatqa importable, e.g. PYTHONPATH=.):

    python benchmarks/faq_sets.py [--shared DIR] [--write DIR] [--json] [--only NAME]

`--write DIR` also saves each set as `<set>.corpus.json` and `<set>.queries.jsonl`,
the formats `squatqa` reads, so the sets can be fed to the command line as well.
The data files and how the labels are built are described in the README.md of each
set under the shared benchmarks folder.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from squatqa.corpus import Corpus, bundled_corpus_path, load_corpus
from squatqa.engine import DEFAULT_MIN_SCORE, Engine
from squatqa.evaluate import (
    EVAL_DEPTH,
    LabelledQuery,
    Report,
    load_queries,
    score_rankings,
    unknown_ids,
)
from squatqa.validation import parse_corpus

CorpusDict = dict[str, object]
# A ranker turns one query into entry ids, best first; an empty list declines it.
Ranker = Callable[[str], list[str]]

STACKFAQ_FILE = Path("stackfaq") / "stackExchange-FAQ.xml"
COVIDFAQ_FILE = Path("covidfaq") / "query_answer_pairs.json"
REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPOSITORY.parent / "shared" / "benchmarks"


def _holdout_order(path: Path) -> tuple[int, int, str]:
    """Holdouts in the order they were written: a to y, then z1, z2, ... z10, z11."""
    name = path.stem.removeprefix("queries_holdout_")
    number = name[1:]
    if name.startswith("z") and number.isascii() and number.isdigit():
        return (1, int(number), name)
    return (0, 0, name)


_LABELLED = REPOSITORY / "tests" / "data"
# The bundled corpus's labelled sets: the development set and every holdout beside it.
SQUAT_SETS = {
    "squat-dev": _LABELLED / "queries.jsonl",
    **{
        f"squat-holdout-{path.stem.removeprefix('queries_holdout_')}": path
        for path in sorted(_LABELLED.glob("queries_holdout_*.jsonl"), key=_holdout_order)
    },
}

# A stricter threshold shown beside the default: for a corpus where a wrong answer
# costs more than a declined question.
STRICT_MIN_SCORE = 65.0
# The stated parameters of the BM25 baseline (Lucene's defaults).
BM25_K1 = 1.5
BM25_B = 0.75
# The 6th paraphrase of every StackFAQ thread is this separator, not a query.
_SEPARATOR = "*"
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Counts:
    """Sizes a converted set must have; a mismatch means the data or the conversion changed."""

    entries: int
    queries: int
    labels: int


# From the sets' README files; checked on every run so figures stay comparable.
EXPECTED = {
    "stackfaq": Counts(entries=125, queries=1249, labels=1249),
    "covidfaq": Counts(entries=68, queries=1073, labels=1418),
}


@dataclass(frozen=True, slots=True)
class Row:
    """One method's figures on one set; None where a figure does not apply."""

    method: str
    precision_at_1: float | None
    mrr_at_10: float | None
    recall_at_5: float | None
    false_rejection: float | None
    offtopic_rejected: float | None
    us_per_query: float


def normalise(text: str) -> str:
    """Collapse whitespace runs, so padding and line breaks never decide a match or a label."""
    return " ".join(text.split())


def tokenise(text: str) -> list[str]:
    """Lowercased \\w+ runs, no stemming or stopwords: the plainest baseline analysis."""
    return _TOKEN.findall(text.lower())


def load_stackfaq(path: Path) -> tuple[CorpusDict, list[LabelledQuery]]:
    """One entry per thread (question + all answers); each paraphrase is a query for it.

    Threads become single entries because squatqa answers with one entry per
    question; the paraphrase is relevant to its own thread only.
    """
    root = ET.parse(path).getroot()
    entries: list[dict[str, object]] = []
    queries: list[LabelledQuery] = []
    for number, pair in enumerate(root.iter("qapair"), start=1):
        entry_id = f"thread-{number:03d}"
        question = normalise(pair.findtext("question", default=""))
        answers = [normalise(item.text or "") for item in pair.findall("answer")]
        answers = [answer for answer in answers if answer]
        if not question or not answers:
            raise ValueError(f"{path}: qapair {number} has no question or no answer")
        entries.append({"id": entry_id, "question": question, "answer": "\n\n".join(answers)})
        for rephr in pair.findall("rephr"):
            text = normalise(rephr.text or "")
            if text and text != _SEPARATOR:
                queries.append(LabelledQuery(text, frozenset({entry_id}), None))
    return {"name": "stackfaq", "version": 1, "entries": entries}, queries


def load_covidfaq(path: Path) -> tuple[CorpusDict, list[LabelledQuery]]:
    """FAQ rows become entries; a user query is relevant to every FAQ with its answer text.

    The file pairs each user query with an answer, not an FAQ id, and two FAQs share
    one answer, so matching on the answer text is the only faithful label. Rows that
    repeat a query are merged so each query is scored once.
    """
    rows = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(rows, list):
        raise ValueError(f"{path}: expected a JSON list of rows")
    entries: list[dict[str, object]] = []
    by_answer: dict[str, list[str]] = {}
    user_rows: list[tuple[str, str]] = []
    for index, row in enumerate(rows):
        where = f"{path}: row {index}"
        if not isinstance(row, dict):
            raise ValueError(f"{where}: expected an object")
        kind = row.get("query_type")
        question = normalise(_text_field(row, "question", where))
        answer = normalise(_text_field(row, "answer", where))
        if kind == "faq":
            entry_id = normalise(_text_field(row, "id", where))
            entries.append({"id": entry_id, "question": question, "answer": answer})
            by_answer.setdefault(answer, []).append(entry_id)
        elif kind == "user_query":
            user_rows.append((question, answer))
        else:
            raise ValueError(f"{where}: unknown query_type {kind!r}")

    relevant: dict[str, set[str]] = {}
    for question, answer in user_rows:
        ids = by_answer.get(answer)
        if ids is None:
            raise ValueError(f"{path}: no FAQ has the answer given for query {question!r}")
        relevant.setdefault(question, set()).update(ids)
    queries = [LabelledQuery(text, frozenset(ids), None) for text, ids in relevant.items()]
    return {"name": "covidfaq", "version": 1, "entries": entries}, queries


def _text_field(row: dict[str, object], key: str, where: str) -> str:
    value = row.get(key)
    if not isinstance(value, str):
        raise ValueError(f'{where}: "{key}" must be a string')
    return value


def count(corpus: CorpusDict, queries: Sequence[LabelledQuery]) -> Counts:
    entries = corpus["entries"]
    assert isinstance(entries, list)
    labels = sum(len(query.relevant) for query in queries)
    return Counts(entries=len(entries), queries=len(queries), labels=labels)


# The public sets: name, data file under the shared folder, converter.
PUBLIC_SETS: tuple[
    tuple[str, Path, Callable[[Path], tuple[CorpusDict, list[LabelledQuery]]]], ...
] = (
    ("stackfaq", STACKFAQ_FILE, load_stackfaq),
    ("covidfaq", COVIDFAQ_FILE, load_covidfaq),
)


class PublicSetError(Exception):
    """A public set's file is missing (status 2) or converts to other sizes than stated (1)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def load_public_sets(
    shared: Path, chosen: set[str]
) -> list[tuple[str, Path, CorpusDict, list[LabelledQuery]]]:
    """The chosen public sets, converted and checked against EXPECTED."""
    found: list[tuple[str, Path, CorpusDict, list[LabelledQuery]]] = []
    for name, relative, loader in PUBLIC_SETS:
        if name not in chosen:
            continue
        path = shared / relative
        if not path.is_file():
            raise PublicSetError(
                f"{path}: not found; point --shared at the folder holding stackfaq/ and "
                f"covidfaq/, or run only the squat sets (--only {next(iter(SQUAT_SETS))})",
                2,
            )
        corpus_data, queries = loader(path)
        counts = count(corpus_data, queries)
        if counts != EXPECTED[name]:
            raise PublicSetError(f"{path}: converted to {counts}, expected {EXPECTED[name]}", 1)
        found.append((name, path, corpus_data, queries))
    return found


def write_set(
    directory: Path, name: str, corpus: CorpusDict, queries: Sequence[LabelledQuery]
) -> None:
    """Save in squatqa's own formats, so `squatqa eval` can reproduce the engine rows."""
    directory.mkdir(parents=True, exist_ok=True)
    corpus_text = json.dumps(corpus, ensure_ascii=False, indent=2) + "\n"
    (directory / f"{name}.corpus.json").write_text(corpus_text, encoding="utf-8")
    lines = [
        json.dumps(
            {"query": query.query, "relevant": sorted(query.relevant), "category": query.category},
            ensure_ascii=False,
        )
        for query in queries
    ]
    (directory / f"{name}.queries.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed_rankings(
    ranker: Ranker, queries: Sequence[LabelledQuery]
) -> tuple[list[list[str]], float]:
    """Rankings for every query, and the mean wall time per query in microseconds.

    Queries are asked one at a time because that is how the command line uses the
    engine; batching would flatter the baselines that vectorise.
    """
    rankings: list[list[str]] = []
    start = time.perf_counter_ns()
    for query in queries:
        rankings.append(ranker(query.query))
    elapsed = time.perf_counter_ns() - start
    return rankings, elapsed / 1000 / max(len(queries), 1)


def engine_ranker(engine: Engine, min_score: float) -> Ranker:
    def rank(query: str) -> list[str]:
        return [match.entry.id for match in engine.search(query, EVAL_DEPTH, min_score)]

    return rank


def bm25_ranker(ids: Sequence[str], documents: Sequence[str]) -> Ranker | None:
    """BM25 over `documents`, or None when bm25s (a benchmark-only dependency) is missing."""
    try:
        import bm25s
        import numpy as np
    except ImportError:
        return None
    retriever = bm25s.BM25(method="lucene", k1=BM25_K1, b=BM25_B)
    retriever.index([tokenise(text) for text in documents], show_progress=False)
    vocabulary = retriever.vocab_dict

    def rank(query: str) -> list[str]:
        # Unknown words carry no score; a query with none left retrieves nothing.
        tokens = [token for token in tokenise(query) if token in vocabulary]
        if not tokens:
            return []
        scores = retriever.get_scores(tokens)
        # Stable sort: ties go to the earlier entry, the same rule as the engine's.
        order = np.argsort(-scores, kind="stable")[:EVAL_DEPTH]
        return [ids[int(index)] for index in order if scores[index] > 0]

    return rank


def wratio_ranker(ids: Sequence[str], questions: Sequence[str]) -> Ranker:
    """rapidfuzz's default scorer over the questions: what a quick fuzzy lookup would do."""
    choices = list(questions)

    def rank(query: str) -> list[str]:
        found = process.extract(
            query, choices, scorer=fuzz.WRatio, processor=default_process, limit=EVAL_DEPTH
        )
        return [ids[index] for _choice, score, index in found if score > 0]

    return rank


def _row(method: str, report: Report, us_per_query: float, with_rejection: bool) -> Row:
    metrics = report.overall
    return Row(
        method=method,
        precision_at_1=metrics.precision_at_1,
        mrr_at_10=metrics.mrr_at_10,
        recall_at_5=metrics.recall_at_5,
        false_rejection=metrics.answerable_rejected if with_rejection else None,
        offtopic_rejected=metrics.offtopic_rejected if with_rejection else None,
        us_per_query=round(us_per_query, 1),
    )


def run_set(corpus: Corpus, queries: Sequence[LabelledQuery]) -> list[Row]:
    """Every method on one set, each scored by the same `score_rankings`.

    P@1, MRR@10 and R@5 count answerable queries only; a baseline that never
    declines is not charged for the off-topic ones.
    """
    source = corpus.source
    missing = unknown_ids(queries, corpus.ids)
    if missing:
        raise ValueError(f"{source}: labels name unknown ids: {missing[:5]}")
    rows: list[Row] = []
    # A fresh engine per run, so the typo-correction cache starts cold each time.
    for min_score in (0.0, DEFAULT_MIN_SCORE, STRICT_MIN_SCORE):
        ranker = engine_ranker(Engine(corpus), min_score)
        rankings, cost = timed_rankings(ranker, queries)
        report = score_rankings(queries, rankings, min_score)
        method = f"squatqa (min_score {min_score:g})"
        rows.append(_row(method, report, cost, with_rejection=min_score > 0))

    ids = corpus.ids
    questions = [entry.question for entry in corpus.entries]
    both = [f"{entry.question}\n{entry.answer}" for entry in corpus.entries]
    baselines: list[tuple[str, Ranker | None]] = [
        ("BM25 question", bm25_ranker(ids, questions)),
        ("BM25 question+answer", bm25_ranker(ids, both)),
        ("rapidfuzz WRatio question", wratio_ranker(ids, questions)),
    ]
    for method, maybe_ranker in baselines:
        if maybe_ranker is None:
            continue
        rankings, cost = timed_rankings(maybe_ranker, queries)
        rows.append(_row(method, score_rankings(queries, rankings, 0.0), cost, False))
    return rows


def format_table(name: str, counts: Counts, rows: Sequence[Row]) -> str:
    """A plain-text table that reads the same in a terminal, a log or a commit message."""
    header = (
        "method",
        "P@1",
        "MRR@10",
        "R@5",
        "answerable declined",
        "off-topic declined",
        "us/query",
    )
    body = [
        (
            row.method,
            _figure(row.precision_at_1),
            _figure(row.mrr_at_10),
            _figure(row.recall_at_5),
            _figure(row.false_rejection),
            _figure(row.offtopic_rejected),
            f"{row.us_per_query:.1f}",
        )
        for row in rows
    ]
    widths = [max(len(line[column]) for line in (header, *body)) for column in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [cells[0].ljust(widths[0])]
        padded.extend(cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return " | ".join(padded)

    title = (
        f"{name}: {counts.entries} entries, {counts.queries} queries, {counts.labels} labels"
        f" (default min_score {DEFAULT_MIN_SCORE:g}; P@1 counts a declined question as a miss)"
    )
    rule = "-+-".join("-" * width for width in widths)
    return "\n".join([title, line(header), rule, *(line(cells) for cells in body)])


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _bm25_available() -> bool:
    try:
        import bm25s  # noqa: F401
    except ImportError:
        return False
    return True


def add_set_arguments(parser: argparse.ArgumentParser, only_help: str) -> None:
    """--shared, --only and --json, as every script scoring these sets takes them."""
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help=f"folder holding stackfaq/ and covidfaq/ (default: {DEFAULT_SHARED})",
    )
    parser.add_argument("--only", choices=[*SQUAT_SETS, *EXPECTED], action="append", help=only_help)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_set_arguments(parser, only_help="run only this set (repeatable)")
    parser.add_argument(
        "--write", type=Path, metavar="DIR", help="also save the public sets' corpus and queries"
    )
    args = parser.parse_args(argv)
    shared: Path = args.shared
    chosen = set(args.only or [*SQUAT_SETS, *EXPECTED])
    if not _bm25_available():
        print("bm25s is not installed, skipping the BM25 rows (pip install bm25s)", file=sys.stderr)

    sets: list[tuple[str, Corpus, list[LabelledQuery]]] = []
    bundled = load_corpus(bundled_corpus_path())
    for name, path in SQUAT_SETS.items():
        if name in chosen:
            sets.append((name, bundled, load_queries(path)))
    try:
        public = load_public_sets(shared, chosen)
    except PublicSetError as error:
        print(error, file=sys.stderr)
        return error.status
    for name, path, corpus_data, queries in public:
        if args.write is not None:
            write_set(args.write, name, corpus_data, queries)
        sets.append((name, parse_corpus(corpus_data, str(path)), queries))

    results: dict[str, object] = {}
    tables: list[str] = []
    for name, corpus, queries in sets:
        counts = Counts(
            entries=len(corpus.entries),
            queries=len(queries),
            labels=sum(len(query.relevant) for query in queries),
        )
        rows = run_set(corpus, queries)
        results[name] = {**asdict(counts), "methods": [asdict(row) for row in rows]}
        tables.append(format_table(name, counts, rows))

    if args.json:
        payload = {"default_min_score": DEFAULT_MIN_SCORE, "sets": results}
        print(json.dumps(payload, indent=2))
    else:
        print("\n\n".join(tables))
    return 0


if __name__ == "__main__":
    sys.exit(main())
