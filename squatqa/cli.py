"""The `squatqa` command: parse options, call the core, render, choose the exit code.

No `from __future__ import annotations` here: typer reads these annotations on
every run, and resolving them from strings costs about 2 ms of each run's start.
"""

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from squatqa import exitcodes
from squatqa.corpus import CORPUS_ENV_VAR, CorpusError, Problem
from squatqa.engine import DEFAULT_MIN_SCORE, RELATED_LIMIT, Engine
from squatqa.questions import Question, batch_questions, clean_question, has_words
from squatqa.render import Output, safe_text

PROBLEMS_SHOWN = 5
# An unknown id longer than this is cut short when it is quoted back.
_ID_SHOWN = 80

app = typer.Typer(
    name="squatqa",
    help=(
        "Answer squat-form questions from a bundled FAQ, offline.\n\n"
        "Examples:\n\n"
        '  squatqa ask "why do my knees cave"\n\n'
        "  squatqa ask --json \"legs shaking on squats\" | jq -r '.matches[0].answer'\n\n"
        "  squatqa list\n\n"
        "  squatqa show what-is-hack-squat\n\n"
        "Exit codes: 0 answered, 1 no confident match or unknown id, "
        "2 usage or input error, 130 interrupted."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from squatqa import __version__

        typer.echo(f"squatqa {__version__}")
        raise typer.Exit(exitcodes.OK)


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Answer squat-form questions from a bundled FAQ, offline."""


CorpusOption = Annotated[
    Path | None,
    typer.Option(
        "--corpus",
        envvar=CORPUS_ENV_VAR,
        help="Use this corpus file instead of the bundled FAQ (same JSON format).",
        show_default=False,
        dir_okay=True,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _a_number(value: float) -> float:
    """NaN passes any range check (every comparison with it is false); refuse it here."""
    if value != value:
        raise typer.BadParameter("nan is not a number from 0 to 100.")
    return value


def say(message: str) -> None:
    """A `squatqa: ...` line on stderr; corpus text in it is shown, never obeyed."""
    typer.echo(f"squatqa: {safe_text(message)}", err=True)


def fail(message: str, code: int = exitcodes.USAGE) -> NoReturn:
    """One line on stderr and a documented exit status: expected failures are not crashes."""
    say(message)
    raise typer.Exit(code)


def report_problems(source: str, problems: list[Problem]) -> None:
    """`squatqa: error: PATH: where: what`, the one format every command uses for them."""
    for problem in problems:
        say(f"{problem.severity}: {source}: {problem}")


def open_engine(path: Path | None) -> Engine:
    """The corpus made searchable, from the index cache when it has it; or exit 2."""
    from squatqa.cache import open_engine as prepared_engine

    try:
        return prepared_engine(path)
    except CorpusError as error:
        report_problems(error.source, error.problems[:PROBLEMS_SHOWN])
        hidden = len(error.problems) - PROBLEMS_SHOWN
        if hidden > 0:
            say(f"... and {hidden} more problem(s)")
        from squatqa.corpus import bundled_corpus_path

        if error.source == str(bundled_corpus_path()):
            say("squatqa's own corpus is damaged; reinstalling squatqa restores it")
        else:
            import shlex

            # Quoted for the shell, and never read as an option, so it can be pasted.
            source = error.source if not error.source.startswith("-") else f"./{error.source}"
            say(f"for details, run: squatqa validate {shlex.quote(source)}")
        raise typer.Exit(exitcodes.USAGE) from None


@app.command()
def ask(
    question: Annotated[
        list[str] | None,
        typer.Argument(
            help="The question; several words are joined. Use - to read one question "
            "per line from stdin.",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="How many answers to show.")
    ] = 1,
    min_score: Annotated[
        float,
        typer.Option(
            "--min-score",
            min=0,
            max=100,
            callback=_a_number,
            help="Confidence threshold, 0-100; 0 always shows the best candidates.",
        ),
    ] = DEFAULT_MIN_SCORE,
    no_related: Annotated[
        bool, typer.Option("--no-related", help="Do not suggest related questions.")
    ] = False,
    as_json: JsonOption = False,
    corpus: CorpusOption = None,
) -> None:
    """Answer a question about squat form.

    Prints the best matching answer with its confidence score and up to three
    related questions. With no question and a pipe on stdin, or with -, every
    line of stdin is one question (batch mode; with --json, one JSON object per line).

    Examples:

      squatqa ask why do my knees cave

      squatqa ask -n 3 --min-score 30 "legs shaking"

      squatqa ask --json "hack squat" | jq -r '.matches[0].answer'

      printf 'knees caving\\nhak squat\\n' | squatqa ask --json -

    A question that starts with - goes after --, which ends the options:

      squatqa ask -- "-why do my knees cave?"
    """
    words = question or []
    batch = words == ["-"] or (not words and not sys.stdin.isatty())
    if not words and not batch:
        fail('no question given; try: squatqa ask "why do my knees cave"')
    engine = open_engine(corpus)
    output = Output(as_json)
    related = 0 if no_related else RELATED_LIMIT
    if batch:
        raise typer.Exit(_ask_batch(engine, output, limit, min_score, related))
    cleaned = clean_question(" ".join(words))
    if cleaned.problem:
        if as_json:  # as batch mode does for such a line: a pipe still gets its object
            output.json(_refused(cleaned))
        advice = "a shorter question" if cleaned.text else "a question in words"
        fail(f'{cleaned.problem}; ask {advice}, e.g. squatqa ask "knees caving"')
    if cleaned.warning:
        say(f"warning: {cleaned.warning}")
    answer = engine.ask(cleaned.text, limit, min_score, related)
    if answer.matches:
        output.answer(answer, show_related=not no_related)
        return
    if as_json:
        output.answer(answer, show_related=False)
    if not has_words(cleaned.text):
        fail(
            f"no match: {cleaned.text!r} has no words to match; "
            'ask in words, e.g. squatqa ask "knees caving"',
            exitcodes.NO_MATCH,
        )
    suggestions = "; ".join(f"{m.entry.question} [{m.entry.id}]" for m in answer.closest)
    hint = f"closest: {suggestions}; " if suggestions else ""
    hint += "see 'squatqa list' for every question"
    if min_score == 0:  # then every entry that shares a word with it would be a match
        fail(f"no match: nothing in the corpus comes near it; {hint}", exitcodes.NO_MATCH)
    fail(f"no confident match (min score {min_score:g}); {hint}", exitcodes.NO_MATCH)


def _refused(cleaned: Question) -> dict[str, object]:
    """The JSON object for a question that cannot be asked: no matches, and why."""
    return {"query": cleaned.text, "matches": [], "related": [], "error": cleaned.problem}


def _ask_batch(engine: Engine, output: Output, limit: int, min_score: float, related: int) -> int:
    """Answer every stdin line in order; the worst outcome decides the exit status."""
    try:
        return _answer_lines(engine, output, limit, min_score, related)
    except KeyboardInterrupt:
        # What was answered so far stays written; __main__ says "interrupted".
        return exitcodes.INTERRUPTED


def _answer_lines(
    engine: Engine, output: Output, limit: int, min_score: float, related: int
) -> int:
    status = exitcodes.OK
    for number, cleaned in enumerate(batch_questions(sys.stdin.buffer), start=1):
        if cleaned.warning:
            say(f"warning: line {number}: {cleaned.warning}")
        if cleaned.problem:
            say(f"line {number}: {cleaned.problem}")
            status = exitcodes.USAGE
            if output.as_json:
                output.json(_refused(cleaned))
            else:
                output.write(f"> (line {number}: {cleaned.problem})\n")
            continue
        answer = engine.ask(cleaned.text, limit, min_score, related)
        if not answer.matches and status == exitcodes.OK:
            status = exitcodes.NO_MATCH
        output.answer(
            answer, show_related=related > 0, heading=None if output.as_json else cleaned.text
        )
        if not output.as_json:
            output.write("")
        output.flush()
    return status


@app.command("list")
def list_questions(as_json: JsonOption = False, corpus: CorpusOption = None) -> None:
    """List every question with its id, in corpus order.

    Examples:

      squatqa list

      squatqa list --json | jq -r '.[].id'
    """
    Output(as_json).entries(open_engine(corpus).corpus.entries)


def _complete_id(ctx: typer.Context, incomplete: str) -> list[str]:
    from squatqa.cache import open_engine as prepared_engine

    try:
        ids = prepared_engine(ctx.params.get("corpus")).corpus.ids
    except (CorpusError, OSError):
        return []
    return [entry_id for entry_id in ids if entry_id.startswith(incomplete)]


@app.command()
def show(
    entry_id: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="An entry id, as printed by 'squatqa list'.",
            autocompletion=_complete_id,
        ),
    ],
    as_json: JsonOption = False,
    corpus: CorpusOption = None,
) -> None:
    """Show one entry in full: question, answer, aliases and tags.

    Examples:

      squatqa show what-is-knee-valgus

      squatqa show --json what-is-hack-squat
    """
    engine = open_engine(corpus)
    entry = engine.corpus.get(entry_id.strip())
    if entry is None:
        close = engine.closest_ids(entry_id) if entry_id.strip() else []
        hint = f"did you mean: {', '.join(close)}?" if close else "see 'squatqa list'"
        shown = entry_id if len(entry_id) <= _ID_SHOWN else entry_id[:_ID_SHOWN] + "…"
        fail(f"no entry with id {shown!r}; {hint}", exitcodes.NO_MATCH)
    Output(as_json).entry(entry)


@app.command("eval")
def evaluate_command(
    queries: Annotated[
        Path,
        typer.Argument(
            help='Labelled queries, JSON Lines: {"query": ..., "relevant": [ids], '
            '"category": ...}; an empty "relevant" marks an off-topic question.',
            show_default=False,
        ),
    ],
    min_score: Annotated[
        float,
        typer.Option(
            "--min-score", min=0, max=100, callback=_a_number, help="Confidence threshold, 0-100."
        ),
    ] = DEFAULT_MIN_SCORE,
    as_json: JsonOption = False,
    corpus: CorpusOption = None,
) -> None:
    """Measure answer quality on a labelled query file.

    Reports P@1, MRR@10 and Recall@5 on answerable queries, the share of off-topic
    queries rejected and of answerable ones wrongly rejected, overall and per category.

    Examples:

      squatqa eval tests/data/queries.jsonl

      squatqa eval --corpus my_faq.json --json my_queries.jsonl
    """
    from squatqa.evaluate import QueryFileError, evaluate, load_queries, unknown_ids

    engine = open_engine(corpus)
    try:
        labelled = load_queries(queries)
    except QueryFileError as error:
        fail(str(error))
    missing = unknown_ids(labelled, engine.corpus.ids)
    if missing:
        shown = ", ".join(missing[:5])
        fail(f"{queries}: relevant ids not in the corpus {engine.corpus.source}: {shown}")
    Output(as_json).report(evaluate(engine, labelled, min_score))


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="The corpus file to check.", show_default=False)],
) -> None:
    """Check a corpus file and report every problem with its location.

    Problems go to stderr, one line each, in the same form as every other command
    prints them: squatqa: error: PATH: WHERE: WHAT (or warning: for unknown fields).
    Exit status 0 when the file is valid (warnings allowed), 2 otherwise.

    Example:

      squatqa validate my_faq.json
    """
    from squatqa.corpus import read_corpus_bytes
    from squatqa.validation import check_corpus_bytes

    source = str(path)
    try:
        corpus, problems = check_corpus_bytes(read_corpus_bytes(path), source)
    except CorpusError as error:
        corpus, problems = None, error.problems
    report_problems(source, problems)
    errors = sum(problem.severity == "error" for problem in problems)
    warnings = len(problems) - errors
    counts = f"{errors} error(s), {warnings} warning(s)"
    if corpus is None:
        fail(f"{source}: not a usable corpus ({counts})")
    noted = f" ({warnings} warning(s))" if warnings else ""
    count = len(corpus.entries)
    entries = f"{count} {'entry' if count == 1 else 'entries'}"
    Output(as_json=False).write(safe_text(f"{source}: valid, {entries}{noted}"))


@app.command()
def schema() -> None:
    """Print the JSON Schema of the corpus format, for editors and other checkers.

    Example:

      squatqa schema > corpus.schema.json
    """
    from squatqa.corpus import SCHEMA_NAME
    from squatqa.datafiles import decode_data_file, read_data_file

    raw = read_data_file(SCHEMA_NAME)
    # Checked before it is copied out: a damaged file is reported, never passed on.
    text = decode_data_file(SCHEMA_NAME, raw, lambda decoded: _schema_text(decoded, raw))
    Output(as_json=True).write(text.rstrip("\n"))


def _schema_text(decoded: object, raw: bytes) -> str:
    """The schema file as shipped, once it has decoded to a JSON object."""
    if not isinstance(decoded, dict):
        raise ValueError("not a JSON object")
    return raw.decode("utf-8")  # UnicodeDecodeError is a ValueError: reported as damage
