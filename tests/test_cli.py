"""Command behaviour through typer's CliRunner: output, JSON schema, exit codes."""

from __future__ import annotations

import io
import json
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from squatqa import __version__, exitcodes, questions
from squatqa.cli import app
from squatqa.corpus import Corpus
from squatqa.questions import MAX_LINE_BYTES, batch_questions
from tests.conftest import REPO, small_corpus_data

runner = CliRunner()


def invoke(*args: str, input: str | bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_ask_prints_question_answer_score_and_related() -> None:
    code, out, _ = invoke("ask", "why", "do", "my", "knees", "cave")
    assert code == exitcodes.OK
    lines = out.splitlines()
    assert lines[0] == "What causes knee valgus while squatting?"
    assert lines[1].startswith("[knee-valgus-causes-squatting] score ")
    assert "hip adductor muscles" in out
    assert "Related questions:" in out
    assert out.count("  - ") == 3


def test_ask_json_follows_the_documented_schema() -> None:
    code, out, _ = invoke("ask", "--json", "-n", "2", "why do my knees cave")
    assert code == exitcodes.OK
    data = json.loads(out)
    assert set(data) == {"query", "matches", "related"}
    assert data["query"] == "why do my knees cave"
    assert data["matches"][0]["id"] == "knee-valgus-causes-squatting"
    assert len(data["matches"]) == 2
    for match in data["matches"]:
        assert set(match) == {"id", "question", "answer", "score"}
        assert isinstance(match["score"], (int, float)) and 0 <= match["score"] <= 100
    scores = [m["score"] for m in data["matches"]]
    assert scores == sorted(scores, reverse=True)
    shown = {m["id"] for m in data["matches"]}
    assert all(set(r) == {"id", "question"} for r in data["related"])
    assert not shown.intersection(r["id"] for r in data["related"])


def test_no_related_hides_suggestions() -> None:
    code, out, _ = invoke("ask", "--no-related", "--json", "hack squat")
    assert code == 0
    assert json.loads(out)["related"] == []


@pytest.mark.parametrize("question", ["how do I bake bread", "what is the capital of France"])
def test_off_topic_question_exits_1_with_one_line_on_stderr(question: str) -> None:
    code, out, err = invoke("ask", question)
    assert code == exitcodes.NO_MATCH
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "no confident match" in err and "squatqa list" in err


def test_off_topic_question_in_json_prints_empty_matches() -> None:
    code, out, _ = invoke("ask", "--json", "how do I bake bread")
    assert code == exitcodes.NO_MATCH
    assert json.loads(out) == {"query": "how do I bake bread", "matches": [], "related": []}


def test_min_score_zero_always_answers_with_candidates() -> None:
    code, out, _ = invoke("ask", "--json", "--min-score", "0", "squat shoes")
    assert code == 0
    assert json.loads(out)["matches"]


def test_min_score_zero_with_nothing_near_says_so_rather_than_blame_the_threshold() -> None:
    code, _, err = invoke("ask", "--min-score", "0", "bench press grip width")
    assert code == exitcodes.NO_MATCH
    assert err.startswith("squatqa: no match: nothing in the corpus comes near it; ")
    assert "min score" not in err


def test_high_threshold_suggests_closest_questions() -> None:
    code, _, err = invoke("ask", "--min-score", "100", "knees cave")
    assert code == exitcodes.NO_MATCH
    assert "closest:" in err


@pytest.mark.parametrize("question", ["", "   ", "\t"])
def test_blank_question_is_a_usage_error(question: str) -> None:
    code, out, err = invoke("ask", question)
    assert code == exitcodes.USAGE
    assert "empty question" in err
    assert out == ""


def test_too_long_question_is_a_usage_error() -> None:
    code, _, err = invoke("ask", "knee " * 5000)
    assert code == exitcodes.USAGE
    assert "too long" in err


@pytest.mark.parametrize(("question", "error"), [("  ", "empty question"), ("knee " * 5000, "")])
def test_a_question_that_cannot_be_asked_still_gets_its_json_object(
    question: str, error: str
) -> None:
    code, out, err = invoke("ask", "--json", question)
    assert code == exitcodes.USAGE and err.startswith("squatqa: ")
    refused = json.loads(out)
    assert {key: refused[key] for key in ("matches", "related")} == {"matches": [], "related": []}
    assert refused["error"].startswith(error or "question too long (")


def test_whitespace_does_not_count_towards_the_length_limit() -> None:
    code, out, _ = invoke("ask", "--json", " " * 50_000 + "hack squat" + "\t" * 50_000)
    assert code == exitcodes.OK
    assert json.loads(out)["query"] == "hack squat"


@pytest.mark.parametrize("question", ["???", "...!", "🏋️ 💪", "-- --"])
def test_a_question_without_words_says_so(question: str) -> None:
    code, out, err = invoke("ask", "--", question)
    assert code == exitcodes.NO_MATCH
    assert out == ""
    assert (
        err == f"squatqa: no match: {question!r} has no words to match; "
        'ask in words, e.g. squatqa ask "knees caving"\n'
    )
    code, out, _ = invoke("ask", "--json", "--min-score", "0", "--", question)
    assert code == exitcodes.NO_MATCH
    assert json.loads(out)["matches"] == []


@pytest.mark.parametrize(
    "options",
    [
        ["--limit", "0"],
        ["--limit", "-1"],
        ["--limit", "abc"],
        ["--min-score", "200"],
        ["--min-score", "-1"],
        ["--min-score", "nan"],
        ["--min-score", "inf"],
        ["--bogus"],
    ],
)
def test_bad_option_values_are_usage_errors(options: list[str]) -> None:
    code, _, err = invoke("ask", *options, "knee valgus")
    assert code == exitcodes.USAGE
    assert "Usage:" in err


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000 + b"\n", ":1: not valid JSON: nested too deeply"),
        (b'{"query": "   ", "relevant": []}\n', ':1: "query": empty question'),
        (b'{"query": "' + b"knee " * 3000 + b'", "relevant": []}\n', '"query": question too long'),
        (b'{"query": "knees", "relevant": []}\n\xff\n', ":2: not valid UTF-8"),
    ],
)
def test_eval_names_the_unusable_line_of_a_query_file(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    queries = tmp_path / "queries.jsonl"
    queries.write_bytes(content)
    code, out, err = invoke("eval", str(queries))
    assert code == exitcodes.USAGE and out == ""
    assert err.startswith(f"squatqa: {queries}:") and reason in err
    assert len(err.splitlines()) == 1


def test_eval_names_the_encoding_of_a_utf16_query_file(tmp_path: Path) -> None:
    queries = tmp_path / "queries.jsonl"
    queries.write_bytes('{"query": "knees cave", "relevant": []}\n'.encode("utf-16"))
    code, _, err = invoke("eval", str(queries))
    assert code == exitcodes.USAGE
    assert err == f"squatqa: {queries}: file is UTF-16; save it as UTF-8\n"


def test_eval_refuses_a_query_file_over_the_size_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = tmp_path / "queries.jsonl"
    queries.write_bytes(b'{"query": "knees cave", "relevant": []}\n' * 10)
    monkeypatch.setattr("squatqa.evaluate.MAX_QUERY_FILE_BYTES", 100)
    code, _, err = invoke("eval", str(queries))
    assert code == exitcodes.USAGE
    assert err == f"squatqa: {queries}: file too large (the limit is 0 MiB)\n"


def test_eval_reads_a_query_file_that_starts_with_a_byte_order_mark(tmp_path: Path) -> None:
    queries = tmp_path / "queries.jsonl"
    queries.write_bytes(b'\xef\xbb\xbf{"query": "hak squat", "relevant": ["what-is-hack-squat"]}\n')
    code, out, _ = invoke("eval", "--json", str(queries))
    assert code == exitcodes.OK
    assert json.loads(out)["overall"]["precision_at_1"] == 1.0


def test_eval_refuses_a_threshold_that_is_not_a_number(tmp_path: Path) -> None:
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"query": "knees cave", "relevant": []}\n', encoding="utf-8")
    code, out, err = invoke("eval", "--json", "--min-score", "nan", str(queries))
    assert code == exitcodes.USAGE
    assert "nan" in err and out == ""


def test_batch_mode_answers_each_line_in_order_as_json_lines() -> None:
    lines = "why do my knees cave\nhow do I bake bread\nhak squat\n"
    code, out, _ = invoke("ask", "--json", "-", input=lines)
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["query"] for r in results] == lines.splitlines()
    assert results[0]["matches"][0]["id"] == "knee-valgus-causes-squatting"
    assert results[1]["matches"] == []
    assert results[2]["matches"][0]["id"] == "what-is-hack-squat"
    assert code == exitcodes.NO_MATCH


def test_batch_mode_reads_stdin_when_no_question_is_given() -> None:
    code, out, _ = invoke("ask", "--json", input="hack squat\n")
    assert code == exitcodes.OK
    assert json.loads(out)["matches"][0]["id"] == "what-is-hack-squat"


def test_batch_blank_and_undecodable_lines_still_get_result_lines() -> None:
    raw = b"knee valgus\n\n  \nhack squat \xff\xfe\n"
    code, out, err = invoke("ask", "--json", "-", input=raw)
    results = [json.loads(line) for line in out.splitlines()]
    assert len(results) == 4
    assert results[1]["error"] == "empty question" and results[2]["error"] == "empty question"
    assert results[3]["matches"][0]["id"] == "what-is-hack-squat"
    assert "line 4" in err and "UTF-8" in err
    assert code == exitcodes.USAGE


def test_batch_nul_bytes_are_read_as_spaces_with_a_warning() -> None:
    code, out, err = invoke("ask", "--json", "-", input=b"hack\x00squat\n\x00\n")
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["query"] == "hack squat"
    assert first["matches"][0]["id"] == "what-is-hack-squat"
    assert second["error"] == "empty question"
    assert "line 1: question contains NUL bytes" in err
    assert code == exitcodes.USAGE


def test_batch_overlong_lines_get_a_result_line_and_the_rest_is_answered() -> None:
    long_line = b"knee valgus " * 9_000  # 108,000 bytes
    huge_line = b"k" * (MAX_LINE_BYTES + 10)
    raw = b"\n".join([b"hack squat", long_line, huge_line, b"knee valgus"])  # no final newline
    code, out, err = invoke("ask", "--json", "-", input=raw)
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["matches"][0]["id"] if r["matches"] else None for r in results] == [
        "what-is-hack-squat",
        None,
        None,
        "what-is-knee-valgus",
    ]
    assert results[1]["error"] == "question too long (107,999 characters; the limit is 10,000)"
    assert results[2]["error"] == (
        f"question too long ({MAX_LINE_BYTES + 10:,} bytes; the limit is 10,000 characters)"
    )
    assert results[2]["query"] == "k" * 80
    assert "line 2: question too long" in err and "line 3: question too long" in err
    assert code == exitcodes.USAGE


def test_batch_reads_an_overlong_line_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(questions, "MAX_LINE_BYTES", 16)
    stream = io.BytesIO(b"hack squat\n" + b"k" * 40 + b"\r\n" + b"x" * 16 + b"\n" + b"y" * 17)
    got = [(q.text, q.problem) for q in batch_questions(stream)]
    assert got == [
        ("hack squat", None),
        ("k" * 17, "question too long (40 bytes; the limit is 10,000 characters)"),
        ("x" * 16, None),
        ("y" * 17, "question too long (17 bytes; the limit is 10,000 characters)"),
    ]


def test_batch_drops_a_byte_order_mark_before_the_first_line_only() -> None:
    stream = io.BytesIO(b"\xef\xbb\xbfhack squat\n\xef\xbb\xbfhack squat\n")
    assert [q.text for q in batch_questions(stream)] == ["hack squat", "\ufeffhack squat"]


@pytest.mark.parametrize(
    ("encoding", "name"),
    [("utf-16", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32"), ("utf-32-be", "UTF-32")],
)
def test_batch_input_in_utf16_or_utf32_is_refused_as_a_whole(encoding: str, name: str) -> None:
    text = (
        "\ufeffknees cave\nhack squat\n" if encoding.endswith("be") else "knees cave\nhack squat\n"
    )
    code, out, err = invoke("ask", "--json", "-", input=text.encode(encoding))
    assert code == exitcodes.USAGE
    assert [json.loads(line)["error"] for line in out.splitlines()] == [
        f"input is {name}, not UTF-8; convert it first"
    ]
    assert err == f"squatqa: line 1: input is {name}, not UTF-8; convert it first\n"


def test_a_byte_order_mark_does_not_let_an_overlong_first_line_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(questions, "MAX_LINE_BYTES", 16)
    stream = io.BytesIO(b"\xef\xbb\xbf" + b"k" * 17 + b"\nhack squat\n")
    got = [(q.text, q.problem) for q in batch_questions(stream)]
    assert got == [
        ("k" * 17, "question too long (17 bytes; the limit is 10,000 characters)"),
        ("hack squat", None),
    ]
    # A line at the limit is a question, with its mark or without; one over is not.
    for mark in (b"", b"\xef\xbb\xbf"):
        stream = io.BytesIO(mark + b"k" * 16 + b"\n" + b"k" * 18 + b"\nhack squat\n")
        assert [(q.text, q.problem) for q in batch_questions(stream)] == [
            ("k" * 16, None),
            ("k" * 17, "question too long (18 bytes; the limit is 10,000 characters)"),
            ("hack squat", None),
        ]
    stream = io.BytesIO(b"k" * 18 + b"\nhack squat\n")
    assert [q.problem is None for q in batch_questions(stream)] == [False, True]


def test_batch_text_mode_heads_each_answer_with_its_question() -> None:
    code, out, _ = invoke("ask", "-", input="hack squat\nhow do I bake bread\n")
    assert "> hack squat" in out and "> how do I bake bread" in out
    assert "No confident match." in out
    assert code == exitcodes.NO_MATCH


def test_list_prints_every_id_and_question_in_corpus_order(corpus: Corpus) -> None:
    code, out, _ = invoke("list")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(corpus.entries)
    for line, entry in zip(lines, corpus.entries, strict=True):
        assert line.split()[0] == entry.id
        assert line.endswith(entry.question)


def test_list_json_is_an_array_of_entries(corpus: Corpus) -> None:
    code, out, _ = invoke("list", "--json")
    assert code == 0
    data = json.loads(out)
    assert [item["id"] for item in data] == corpus.ids
    assert set(data[0]) == {"id", "question", "answer", "aliases", "tags"}


def test_show_prints_one_entry_in_full(corpus: Corpus) -> None:
    entry = corpus.entries[-1]
    code, out, _ = invoke("show", entry.id)
    assert code == 0
    assert out.startswith(entry.question)
    assert entry.answer in out


def test_show_unknown_id_suggests_the_closest() -> None:
    code, out, err = invoke("show", "what-is-hak-squat")
    assert code == exitcodes.NO_MATCH
    assert out == ""
    assert "did you mean: what-is-hack-squat" in err


def test_show_suggests_an_id_typed_in_capitals() -> None:
    code, _, err = invoke("show", "WHAT-IS-HACK-SQUAT")
    assert code == exitcodes.NO_MATCH
    assert "did you mean: what-is-hack-squat" in err


def test_show_quotes_a_long_unknown_id_cut_short() -> None:
    code, _, err = invoke("show", "x" * 5000)
    assert code == exitcodes.NO_MATCH
    assert f"no entry with id '{'x' * 80}…'" in err
    assert len(err) < 300


def test_ask_help_shows_how_to_ask_a_question_that_starts_with_a_dash() -> None:
    _, help_text, _ = invoke("ask", "--help")
    example = 'squatqa ask -- "-why do my knees cave?"'
    assert example in help_text
    code, out, _ = invoke("ask", "--json", "--", "-why do my knees cave?")
    assert code == exitcodes.OK and json.loads(out)["matches"]


def test_version() -> None:
    code, out, _ = invoke("--version")
    assert code == 0
    assert out.strip() == f"squatqa {__version__}"


def test_help_teaches_with_examples() -> None:
    for args in (["--help"], ["ask", "--help"], ["list", "--help"], ["show", "--help"]):
        code, out, _ = invoke(*args)
        assert code == 0
        assert ("squatqa" in out and "Examples" in out) or "Example" in out


def test_user_corpus_replaces_the_bundled_one(write_corpus: Callable[..., Path]) -> None:
    path = write_corpus()
    code, out, _ = invoke("list", "--corpus", str(path))
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == ["bar-path", "foot-width"]
    code, out, _ = invoke("ask", "--corpus", str(path), "--json", "bar path drifting forward")
    assert json.loads(out)["matches"][0]["id"] == "bar-path"


def test_corpus_from_environment(
    write_corpus: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SQUATQA_CORPUS", str(write_corpus()))
    code, out, _ = invoke("show", "foot-width")
    assert code == 0 and "shoulder width" in out


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"name": "x", "version": 1, "entries": []}', "at least one entry"),
        (b"\xc3(", "not valid UTF-8"),
    ],
)
@pytest.mark.parametrize("command", [["list"], ["show", "x"], ["ask", "knees"]])
def test_bad_corpus_fails_with_exit_2_naming_the_file(
    write_corpus: Callable[..., Path], raw: bytes, message: str, command: list[str]
) -> None:
    path = write_corpus(raw=raw)
    code, out, err = invoke(*command, "--corpus", str(path))
    assert code == exitcodes.USAGE
    assert out == ""
    assert str(path) in err and message in err
    assert "Traceback" not in err


def test_missing_corpus_file_fails_cleanly(tmp_path: Path) -> None:
    code, _, err = invoke("list", "--corpus", str(tmp_path / "nope.json"))
    assert code == exitcodes.USAGE
    assert "no such file" in err


def test_validate_reports_every_problem_on_stderr(write_corpus: Callable[..., Path]) -> None:
    data = {
        "name": "x",
        "version": 1,
        "entries": [
            {"id": "a", "question": "", "answer": "A"},
            {"id": "a", "question": "Q", "answer": "A", "colour": "red"},
        ],
    }
    path = write_corpus(data)
    code, out, err = invoke("validate", str(path))
    assert code == exitcodes.USAGE
    assert out == ""
    assert err.splitlines() == [
        f'squatqa: error: {path}: entry 0 ("a"): field "question" must not be empty',
        f'squatqa: warning: {path}: entry 1 ("a"): unknown field "colour" (ignored)',
        # Entry 0 is unusable but still claims its id.
        f'squatqa: error: {path}: entry 1 ("a"): duplicate id (first used by entry 0)',
        f"squatqa: {path}: not a usable corpus (2 error(s), 1 warning(s))",
    ]


def test_validate_lists_problems_in_the_form_other_commands_print_them(
    write_corpus: Callable[..., Path],
) -> None:
    data = small_corpus_data()
    data["entries"] = [data["entries"][0]] * 7  # type: ignore[index]
    path = write_corpus(data)
    _, _, validated = invoke("validate", str(path))
    code, out, listed = invoke("list", "--corpus", str(path))
    assert code == exitcodes.USAGE and out == ""
    errors = [line for line in validated.splitlines() if line.startswith("squatqa: error: ")]
    assert len(errors) == 6
    # list shows the first five of the same lines, then says what it left out.
    assert listed.splitlines() == [
        *errors[:5],
        "squatqa: ... and 1 more problem(s)",
        f"squatqa: for details, run: squatqa validate {path}",
    ]


def test_the_validate_hint_can_be_pasted_back_as_a_command(
    write_corpus: Callable[..., Path],
) -> None:
    path = write_corpus(raw=b"{", name="my faq's.json")
    code, _, err = invoke("list", "--corpus", str(path))
    assert code == exitcodes.USAGE
    assert (
        err.splitlines()[-1]
        == f"squatqa: for details, run: squatqa validate {shlex.quote(str(path))}"
    )


def test_the_validate_hint_never_reads_a_path_as_an_option(
    write_corpus: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_corpus(raw=b"{", name="-bad.json")
    monkeypatch.chdir(path.parent)
    _, _, err = invoke("list", "--corpus", "-bad.json")
    assert err.splitlines()[-1] == "squatqa: for details, run: squatqa validate ./-bad.json"


def test_a_damaged_bundled_corpus_is_named_with_the_remedy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    damaged = tmp_path / "squat_faq.json"
    damaged.write_bytes(b'{"name": "Squat form FAQ", ')
    monkeypatch.delenv("SQUATQA_CORPUS", raising=False)
    monkeypatch.setattr("squatqa.corpus.bundled_corpus_path", lambda: damaged)
    code, _, err = invoke("list")
    assert code == exitcodes.USAGE
    assert err.splitlines()[-1] == (
        "squatqa: squatqa's own corpus is damaged; reinstalling squatqa restores it"
    )
    assert "validate" not in err


def test_validate_counts_one_entry_as_one(write_corpus: Callable[..., Path]) -> None:
    data = small_corpus_data()
    data["entries"] = data["entries"][:1]  # type: ignore[index]
    path = write_corpus(data)
    assert invoke("validate", str(path))[1] == f"{path}: valid, 1 entry\n"


def test_validate_accepts_the_bundled_format(write_corpus: Callable[..., Path]) -> None:
    code, out, err = invoke("validate", str(write_corpus()))
    assert code == 0
    assert out.strip().endswith("valid, 2 entries")
    assert err == ""


def test_validate_counts_warnings_but_still_accepts(write_corpus: Callable[..., Path]) -> None:
    data = small_corpus_data()
    data["homepage"] = "https://example.org"
    path = write_corpus(data)
    code, out, err = invoke("validate", str(path))
    assert code == 0
    assert out == f"{path}: valid, 2 entries (1 warning(s))\n"
    assert err == f'squatqa: warning: {path}: top level: unknown field "homepage" (ignored)\n'


def test_schema_prints_the_shipped_schema() -> None:
    code, out, _ = invoke("schema")
    assert code == 0
    assert out == (REPO / "data" / "corpus.schema.json").read_text(encoding="utf-8")
    assert json.loads(out)["title"] == "squatqa corpus"
