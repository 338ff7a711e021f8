"""Properties that must hold for every input, checked with Hypothesis.

The engine, the command line and the corpus validator each take text or data from
outside; none of them may crash on it, and the matcher's answer must not depend on
how a question is capitalised, padded or punctuated.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from squatqa import Engine, load_corpus
from squatqa.cli import app
from squatqa.corpus import Corpus, Entry, Problem, bundled_corpus_path
from squatqa.questions import MAX_QUESTION_CHARS
from squatqa.validation import check_corpus_bytes, check_corpus_data

ENGINE = Engine(load_corpus(bundled_corpus_path()))
ENTRIES = ENGINE.corpus.entries
DEFAULT_SETTINGS = settings(max_examples=150, deadline=None)

# Any Unicode text a user could type, control characters included; lone surrogates
# cannot reach the engine (the CLI repairs them first).
ANY_CHARACTER = st.characters(exclude_categories=["Cs"])
ANY_TEXT = st.text(alphabet=ANY_CHARACTER)

VOCABULARY = sorted(
    {
        word
        for entry in ENTRIES
        for text in (entry.question, entry.answer, *entry.aliases)
        for word in re.findall(r"[^\W_]+", text)
    }
)
CORPUS_WORDS = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=6)

CASES = ("same", "upper", "lower", "title")
PUNCTUATION = ("", "?", "!!", "...", " ?")
WHITESPACE = st.text(alphabet=" \t\n\r\u00a0\u2003\u3000", max_size=4)


@dataclass(frozen=True)
class Rewording:
    """A change to how a question is typed that must not change what it asks."""

    case: str
    before: str
    after: str
    punctuation: str

    def __call__(self, text: str) -> str:
        if self.case == "upper":
            text = text.upper()
        elif self.case == "lower":
            text = text.lower()
        elif self.case == "title":
            text = text.title()
        return self.before + text + self.punctuation + self.after


REWORDINGS = st.builds(
    Rewording,
    case=st.sampled_from(CASES),
    before=WHITESPACE,
    after=WHITESPACE,
    punctuation=st.sampled_from(PUNCTUATION),
)


def top_id(query: str) -> str | None:
    ranked = ENGINE.rank(query)
    return ranked[0].entry.id if ranked else None


def answered_ids(query: str) -> list[str]:
    return [match.entry.id for match in ENGINE.search(query, limit=1)]


# -- the engine ---------------------------------------------------------------

QUERIES = st.one_of(
    ANY_TEXT,
    st.lists(st.one_of(st.sampled_from(VOCABULARY), ANY_TEXT), max_size=8).map(" ".join),
)


@DEFAULT_SETTINGS
@given(query=QUERIES, limit=st.integers(min_value=1, max_value=12))
def test_engine_ranks_any_text_without_raising(query: str, limit: int) -> None:
    ranked = ENGINE.rank(query)
    scores = [match.score for match in ranked]
    assert all(0.0 <= score <= 100.0 for score in scores), scores
    assert scores == sorted(scores, reverse=True)
    ids = [match.entry.id for match in ranked]
    assert len(ids) == len(set(ids))
    assert set(ids) <= set(ENGINE.corpus.ids)
    assert len(ENGINE.search(query, limit=limit)) <= limit
    everything = ENGINE.search(query, limit=limit, min_score=0)
    assert len(everything) <= limit
    assert [m.entry.id for m in everything] == ids[:limit]


@DEFAULT_SETTINGS
@given(
    query=QUERIES,
    limit=st.integers(min_value=1, max_value=12),
    min_score=st.floats(min_value=0, max_value=100),
)
def test_ask_keeps_its_promises_for_any_text(query: str, limit: int, min_score: float) -> None:
    answer = ENGINE.ask(query, limit=limit, min_score=min_score)
    assert len(answer.matches) <= limit
    assert all(match.score >= min_score for match in answer.matches)
    shown = {match.entry.id for match in answer.matches}
    assert not shown.intersection(entry.id for entry in answer.related)
    if answer.matches:
        assert answer.closest == []
    else:
        assert answer.related == []


SEPARATORS = (" ", ". ", ", ", "? ", "! ", "; ", ": ", " (", ") ", "\n", "...")
PUNCTUATED_WORDS = st.lists(
    st.tuples(st.sampled_from(VOCABULARY), st.sampled_from(SEPARATORS)), min_size=1, max_size=8
)


@DEFAULT_SETTINGS
@given(words=PUNCTUATED_WORDS)
def test_punctuation_marks_clauses_but_never_changes_the_terms(
    words: list[tuple[str, str]],
) -> None:
    analyse = ENGINE.analyzer.analyse
    punctuated = analyse("".join(word + separator for word, separator in words), correct_typos=True)
    plain = analyse(" ".join(word for word, _separator in words), correct_typos=True)
    assert punctuated.terms == plain.terms
    assert punctuated.corrected == plain.corrected
    assert plain.breaks == ()


@DEFAULT_SETTINGS
@given(query=QUERIES)
def test_clause_breaks_fall_between_terms_in_order(query: str) -> None:
    analysis = ENGINE.analyzer.analyse(query, correct_typos=True)
    assert list(analysis.breaks) == sorted(set(analysis.breaks))
    assert all(0 < position < len(analysis.terms) for position in analysis.breaks)


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.id for entry in ENTRIES])
@DEFAULT_SETTINGS
@given(rewording=REWORDINGS)
@example(rewording=Rewording("same", "", "", ""))
def test_own_question_ranks_its_entry_first(entry: Entry, rewording: Rewording) -> None:
    query = rewording(entry.question)
    assert top_id(query) == entry.id, query


@DEFAULT_SETTINGS
@given(words=CORPUS_WORDS, rewording=REWORDINGS)
def test_typing_style_does_not_change_the_top_answer(
    words: list[str], rewording: Rewording
) -> None:
    plain = " ".join(words)
    reworded = rewording(plain)
    assert top_id(reworded) == top_id(plain), (plain, reworded)
    assert answered_ids(reworded) == answered_ids(plain), (plain, reworded)


# -- the command line -----------------------------------------------------------

runner = CliRunner()
JSON_KEYS = {"query", "matches", "related"}
MATCH_KEYS = {"id", "question", "answer", "score"}
RELATED_KEYS = {"id", "question"}


def cleaned(text: str) -> str:
    """What the CLI documents doing to a question before asking it."""
    return " ".join(text.replace("\x00", " ").split())


def check_ask(args: list[str], question: str | None) -> None:
    """Run `squatqa ask`; when `question` is given, the JSON answer must be about it."""
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in {0, 1, 2}, (result.exit_code, result.output)
    assert "Traceback" not in result.stderr
    if "Traceback" not in " ".join(args):
        assert "Traceback" not in result.stdout
    if question is None:
        return
    text = cleaned(question)
    unaskable = not text or len(text) > MAX_QUESTION_CHARS
    assert (result.exit_code == 2) == unaskable, (result.exit_code, result.output)
    data = json.loads(result.stdout)
    if result.exit_code == 2:  # the README's object for a question that cannot be asked
        assert data == {"query": text[:80], "matches": [], "related": [], "error": data["error"]}
        assert data["error"] in (
            "empty question",
            f"question too long ({len(text):,} characters; the limit is {MAX_QUESTION_CHARS:,})",
        )
        return
    assert set(data) == JSON_KEYS
    assert data["query"] == text
    assert all(set(match) == MATCH_KEYS for match in data["matches"])
    assert all(set(related) == RELATED_KEYS for related in data["related"])
    assert bool(data["matches"]) == (result.exit_code == 0)


@DEFAULT_SETTINGS
@given(
    text=st.one_of(
        ANY_TEXT,
        st.lists(st.sampled_from(VOCABULARY)).map(" ".join),
        # Short runs of dashes, blanks and NULs: option-like, batch-like and empty input.
        st.text(alphabet="-? \x00\t\nab", max_size=6),
    )
)
def test_cli_never_prints_a_traceback(text: str) -> None:
    # An argument starting with "-" is read as an option ("--help") or, alone, as
    # batch mode; after "--" it is a question like any other.
    option_like = text.startswith("-")
    check_ask(["ask", "--json", text], None if option_like else text)
    if option_like and text != "-":
        check_ask(["ask", "--json", "--", text], text)


# Raw bytes that must never reach a terminal from user or corpus text: C0 controls
# other than tab and newline, C1 controls and bidirectional overrides (UTF-8 encoded).
UNSAFE_BYTES = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
)
BATCH_LINES = st.lists(
    st.one_of(
        st.binary(max_size=30),
        st.sampled_from(VOCABULARY).map(str.encode),
        st.text(alphabet=ANY_CHARACTER, max_size=12).map(str.encode),
        # A byte order mark: dropped before the first line only.
        st.sampled_from(VOCABULARY).map(lambda word: b"\xef\xbb\xbf" + word.encode()),
    ).map(lambda line: line.replace(b"\n", b"")),
    max_size=6,
)


def read_as(line: bytes, first: bool = False) -> str:
    """What the README promises for a batch line: bad bytes replaced, NULs as spaces,
    and a byte order mark before the first line dropped."""
    if first:
        line = line.removeprefix(b"\xef\xbb\xbf")
    return " ".join(line.decode("utf-8", "replace").replace("\x00", " ").split())


@DEFAULT_SETTINGS
@given(lines=BATCH_LINES, final_newline=st.booleans())
def test_batch_gives_every_line_exactly_one_result(lines: list[bytes], final_newline: bool) -> None:
    # Input that starts as UTF-16 or UTF-32 is refused as a whole (tests/test_cli.py).
    wide = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
    assume(not lines or not lines[0].removeprefix(b"\xef\xbb\xbf").startswith(wide))
    raw = b"".join(line + b"\n" for line in lines)
    if not final_newline and raw:
        raw = raw[:-1]  # a last empty line then is no line at all
        lines = lines[:-1] if lines[-1] == b"" else lines
    result = runner.invoke(app, ["ask", "--json", "-"], input=raw)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr
    assert UNSAFE_BYTES.search(result.stdout_bytes) is None, result.stdout_bytes
    results = [json.loads(line) for line in result.stdout.splitlines()]
    assert [item["query"] for item in results] == [
        read_as(line, first=number == 0) for number, line in enumerate(lines)
    ]
    blank = [item for item in results if not item["query"]]
    assert all(item["error"] == "empty question" for item in blank)
    expected = {2} if blank else ({0, 1} if results else {0})
    assert result.exit_code in expected, (result.exit_code, result.output)
    text = runner.invoke(app, ["ask", "-"], input=raw)
    assert UNSAFE_BYTES.search(text.stdout_bytes) is None, text.stdout_bytes
    assert text.stdout.count("\n> ") + text.stdout.startswith("> ") == len(lines)


# -- the corpus validator -------------------------------------------------------

CORPUS_KEYS = ("name", "version", "entries", "id", "question", "answer", "aliases", "tags")
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text())
JSON_LIKE = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(CORPUS_KEYS), st.text()), children, max_size=6),
    ),
    max_leaves=30,
)
TEXTS = st.one_of(st.text(), st.sampled_from(["", " ", "a", " a ", "x"]))
ENTRY_LIKE = st.one_of(
    JSON_LIKE,
    st.fixed_dictionaries(
        {"id": st.one_of(TEXTS, JSON_LIKE), "question": TEXTS, "answer": TEXTS},
        optional={
            "aliases": st.one_of(st.lists(TEXTS, max_size=3), JSON_LIKE),
            "tags": st.one_of(st.lists(TEXTS, max_size=3), JSON_LIKE),
            "extra": JSON_LIKE,
        },
    ),
)
CORPUS_LIKE = st.one_of(
    JSON_LIKE,
    st.fixed_dictionaries(
        {},
        optional={
            "name": st.one_of(TEXTS, JSON_LIKE),
            "version": st.one_of(st.integers(), JSON_LIKE),
            "entries": st.one_of(st.lists(ENTRY_LIKE, max_size=4), JSON_LIKE),
            "extra": JSON_LIKE,
        },
    ),
)


def check_outcome(corpus: Corpus | None, problems: list[Problem]) -> None:
    errors = [problem for problem in problems if problem.severity == "error"]
    assert all(problem.severity in {"error", "warning"} for problem in problems)
    if corpus is None:
        assert errors, "rejected without an error"
    else:
        assert not errors, [str(problem) for problem in errors]
        assert corpus.entries
        assert len(set(corpus.ids)) == len(corpus.ids)


@DEFAULT_SETTINGS
@given(data=CORPUS_LIKE)
def test_validator_never_raises_on_json_like_data(data: object) -> None:
    result = check_corpus_data(data, "x")
    assert isinstance(result, tuple) and len(result) == 2
    corpus, problems = result
    check_outcome(corpus, problems)


def _json_bytes(value: object) -> bytes:
    return json.dumps(value).encode()


# Pieces of JSON, some of them odd (a number too long for int(), deep nesting,
# a byte-order mark, bytes that are not UTF-8), glued together at random.
JSON_TOKENS = st.sampled_from(
    [
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b'"name"',
        b'"version"',
        b'"entries"',
        b'"id"',
        b'"question"',
        b'"answer"',
        b'"x"',
        b"1",
        b"-0.5e3",
        b"9" * 5000,
        b"null",
        b"true",
        b"NaN",
        b"[" * 3000,
        b"\xef\xbb\xbf",
        b"\xff",
        b"\xc3",
        b" ",
    ]
)
RAW_BYTES = st.one_of(
    st.binary(),
    CORPUS_LIKE.map(_json_bytes),
    st.lists(JSON_TOKENS, max_size=12).map(b"".join),
)


@DEFAULT_SETTINGS
@given(raw=RAW_BYTES)
def test_validator_never_raises_on_any_bytes(raw: bytes) -> None:
    corpus, problems = check_corpus_bytes(raw, "x")
    check_outcome(corpus, problems)
