"""What only a real process shows: pipes, closed pipes, signals, terminals."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from squatqa import Engine, exitcodes
from squatqa.questions import MAX_QUESTION_CHARS
from squatqa.render import MAX_FRAMED_WIDTH
from tests.conftest import REPO, run_squatqa

ANSI_ESCAPE = b"\x1b["
SGR = re.compile(rb"\x1b\[([0-9;]*)m")


def colour_codes(screen: bytes) -> list[bytes]:
    """SGR parameters that set a colour (30-49, 90-107); bold or dim are not colour."""
    found = []
    for params in SGR.findall(screen):
        for param in params.split(b";"):
            if param and (30 <= int(param) <= 49 or 90 <= int(param) <= 107):
                found.append(param)
    return found


def test_piped_output_is_plain_text_without_escape_codes() -> None:
    result = run_squatqa("ask", "why do my knees cave")
    assert result.returncode == exitcodes.OK
    assert ANSI_ESCAPE not in result.stdout
    assert result.stdout.startswith(b"What causes knee valgus while squatting?\n")


def test_json_pipes_into_a_parser() -> None:
    result = run_squatqa("ask", "--json", "legs trembling on high-rep squats")
    answer = json.loads(result.stdout)["matches"][0]["answer"]
    assert answer.startswith("Legs shaking in the squat")


def test_exit_codes_from_a_real_process(tmp_path: Path) -> None:
    assert run_squatqa("ask", "how do I bake bread").returncode == exitcodes.NO_MATCH
    assert run_squatqa("ask", "").returncode == exitcodes.USAGE
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    result = run_squatqa("list", "--corpus", str(bad))
    assert result.returncode == exitcodes.USAGE
    assert b"Traceback" not in result.stderr


def test_undecodable_argument_bytes_are_replaced_not_fatal() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "squatqa", "ask", "--json", b"hack squat \xff"],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )
    assert result.returncode == exitcodes.OK
    assert b"UTF-8" in result.stderr
    assert json.loads(result.stdout)["matches"][0]["id"] == "what-is-hack-squat"


def start_batch() -> subprocess.Popen[bytes]:
    """`squatqa ask --json -` with every standard stream a pipe this test holds."""
    return subprocess.Popen(
        [sys.executable, "-m", "squatqa", "ask", "--json", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_closed_pipe_ends_quietly() -> None:
    lines = b"".join(b"knee valgus %d\n" % i for i in range(3000))
    process = start_batch()
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(lines)
    process.stdin.close()
    first = process.stdout.readline()
    process.stdout.close()
    assert json.loads(first)["query"] == "knee valgus 0"
    assert process.wait(timeout=60) == exitcodes.OK
    assert process.stderr is not None
    assert process.stderr.read() == b""


def test_little_is_imported_before_ctrl_c_is_caught() -> None:
    # What the entry point imports runs before main() can turn Ctrl-C into status 130.
    script = "import sys, squatqa.__main__; print(' '.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=True,
    )
    loaded = set(result.stdout.decode().split())
    assert {"squatqa", "squatqa.__main__"} <= loaded
    assert not loaded & {"typing", "pathlib", "re", "json", "typer"}


@pytest.mark.parametrize("module", ["squatqa.render", "squatqa.engine", "typer"])
def test_ctrl_c_while_squatqa_loads_is_status_130_without_traceback(
    tmp_path: Path, module: str
) -> None:
    # Python runs sitecustomize at start-up: here it makes importing `module` the
    # moment the user pressed Ctrl-C.
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name == {module!r}:\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "squatqa", "ask", "knees cave"],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}"},
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (exitcodes.INTERRUPTED, b"squatqa: interrupted\n")


def test_ctrl_c_in_batch_mode_exits_130_without_traceback() -> None:
    process = start_batch()
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"hack squat\n")
    process.stdin.flush()
    # Once the first answer is out, the process is waiting for the next line.
    assert json.loads(process.stdout.readline())["matches"]
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == exitcodes.INTERRUPTED
    assert process.stderr is not None
    assert process.stderr.read() == b"squatqa: interrupted\n"
    process.stdin.close()


def run_in_terminal(*args: str, env: dict[str, str] | None = None, status: int = 0) -> bytes:
    """Run squatqa with a pseudo-terminal as stdout and stderr; return what the terminal got.

    The terminal turns each newline into CR LF; they are turned back here.
    """
    leader, follower = pty.openpty()
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "TERM": "xterm-256color", "COLUMNS": "100"}
    full_env.pop("NO_COLOR", None)
    full_env.update(env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "squatqa", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=full_env,
    )
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=30) == status
    return b"".join(chunks).replace(b"\r\n", b"\n")


def test_terminal_output_is_rich_and_coloured() -> None:
    screen = run_in_terminal("ask", "why do my knees cave")
    assert ANSI_ESCAPE in screen
    assert "╭".encode() in screen
    assert b"What causes knee valgus while squatting?" in screen


def test_no_color_is_honoured_on_a_terminal() -> None:
    screen = run_in_terminal("ask", "why do my knees cave", env={"NO_COLOR": "1"})
    assert colour_codes(screen) == []
    assert colour_codes(run_in_terminal("ask", "why do my knees cave"))
    assert b"What causes knee valgus while squatting?" in screen


def screen_lines(screen: bytes) -> list[str]:
    return SGR.sub(b"", screen).decode().splitlines()


def knees_cave_score(engine: Engine) -> float:
    """The score the screen must show whole, whatever the shipped model makes it."""
    return engine.search("why do my knees cave")[0].score


def test_a_terminal_too_narrow_for_frames_gets_the_plain_layout(engine: Engine) -> None:
    lines = screen_lines(run_in_terminal("ask", "why do my knees cave", env={"COLUMNS": "30"}))
    assert "What causes knee valgus while squatting?" in lines
    assert f"[knee-valgus-causes-squatting] score {knees_cave_score(engine)}" in lines
    assert not any("╭" in line for line in lines)


@pytest.mark.parametrize("columns", [40, 45, 60])
def test_framed_answers_keep_their_title_id_and_score_whole(columns: int, engine: Engine) -> None:
    screen = run_in_terminal("ask", "why do my knees cave", env={"COLUMNS": str(columns)})
    text = " ".join(line.strip("│╭╮╰╯─ ") for line in screen_lines(screen))
    score = knees_cave_score(engine)
    assert "What causes knee valgus while squatting?" in " ".join(text.split())
    assert f"knee-valgus-causes-squatting · score {score}" in " ".join(text.split())
    assert "…" not in text


def test_a_very_wide_terminal_gets_lines_of_a_readable_length() -> None:
    lines = screen_lines(run_in_terminal("ask", "why do my knees cave", env={"COLUMNS": "5000"}))
    assert any("╭" in line for line in lines)
    assert max(len(line) for line in lines) <= MAX_FRAMED_WIDTH


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_an_output_encoding_without_some_characters_gets_escapes(encoding: str) -> None:
    env = {"PYTHONIOENCODING": encoding}
    answer = run_squatqa("ask", "--json", "what is knee valgus")
    narrow = run_squatqa("ask", "--json", "what is knee valgus \U0001f600", env=env)
    assert narrow.returncode == exitcodes.OK, narrow.stderr
    decoded = json.loads(narrow.stdout.decode(encoding))
    assert decoded["query"] == "what is knee valgus \U0001f600"
    assert decoded["matches"] == json.loads(answer.stdout)["matches"]
    text = run_squatqa("ask", "what is knee valgus", env=env)
    assert text.returncode == exitcodes.OK and b"\\u2019" in text.stdout
    for args in (["list"], ["show", "what-is-knee-valgus"]):
        assert run_squatqa(*args, env=env).returncode == exitcodes.OK


def test_python_dash_m_matches_the_console_script_entry() -> None:
    result = run_squatqa("--version")
    assert result.returncode == 0
    assert result.stdout.startswith(b"squatqa ")


def run_with_shell_redirect(
    redirect: str, *args: str, input: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    """Run squatqa with one of its standard streams redirected by the shell, e.g. `>&-`."""
    script = f'exec "$0" -m squatqa "$@" {redirect}'
    return subprocess.run(
        ["sh", "-c", script, sys.executable, *args],
        input=input,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )


def test_closed_stdin_reads_as_no_questions() -> None:
    result = run_with_shell_redirect("<&-", "ask", "--json")
    assert (result.returncode, result.stdout, result.stderr) == (exitcodes.OK, b"", b"")


def test_closed_stdout_is_one_error_line() -> None:
    result = run_with_shell_redirect(">&-", "list")
    assert result.returncode == exitcodes.USAGE
    assert result.stderr == b"squatqa: standard output is closed; nowhere to write results\n"


def test_closed_stderr_still_gives_the_exit_status(tmp_path: Path) -> None:
    result = run_with_shell_redirect("2>&-", "list", "--corpus", str(tmp_path / "nope.json"))
    assert result.returncode == exitcodes.USAGE
    assert result.stdout == b""
    # typer's own usage message must not land in the results either.
    result = run_with_shell_redirect("2>&-", "ask", "--limit", "0", "knees")
    assert (result.returncode, result.stdout) == (exitcodes.USAGE, b"")


def run_with_a_reader_gone(stream: str, *args: str, input: bytes = b"") -> tuple[int, bytes]:
    """Run squatqa with `stream` ("stdout" or "stderr") a pipe nobody reads any more.

    Returns the exit status and what the other of the two streams received.
    """
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "squatqa", *args],
            input=input,
            stdout=writer if stream == "stdout" else subprocess.PIPE,
            stderr=writer if stream == "stderr" else subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            timeout=60,
            check=False,
        )
    finally:
        os.close(writer)
    received = result.stderr if stream == "stdout" else result.stdout
    return result.returncode, received


@pytest.mark.parametrize("args", [["--help"], ["ask", "--help"], ["--version"]])
def test_help_and_version_into_a_closed_pipe_end_quietly(args: list[str]) -> None:
    assert run_with_a_reader_gone("stdout", *args) == (exitcodes.OK, b"")


def test_warnings_into_a_closed_pipe_do_not_stop_the_answers() -> None:
    status, out = run_with_a_reader_gone("stderr", "ask", "--json", "knees\udcff cave")
    assert status == exitcodes.OK
    assert json.loads(out)["matches"]
    status, out = run_with_a_reader_gone(
        "stderr", "ask", "--json", "-", input=b"knees\n\xffknees cave\nhack squat\n"
    )
    assert status == exitcodes.OK
    assert [bool(json.loads(line)["matches"]) for line in out.splitlines()] == [True] * 3


def test_errors_into_a_closed_pipe_keep_their_exit_status() -> None:
    assert run_with_a_reader_gone("stderr", "ask", "--limit", "0", "knees")[0] == exitcodes.USAGE
    assert run_with_a_reader_gone("stderr", "ask", "")[0] == exitcodes.USAGE
    assert run_with_a_reader_gone("stderr", "show", "no-such-id")[0] == exitcodes.NO_MATCH


def test_a_stderr_that_cannot_be_written_leaves_the_exit_status_alone() -> None:
    assert run_with_shell_redirect("2>/dev/full", "ask", "bench press grip").returncode == (
        exitcodes.NO_MATCH
    )
    assert run_with_shell_redirect("2>/dev/full", "ask", "--limit", "0", "x").returncode == (
        exitcodes.USAGE
    )
    answered = run_with_shell_redirect("2</dev/null", "ask", "--json", "hack squat")
    assert answered.returncode == exitcodes.OK and json.loads(answered.stdout)["matches"]


def test_a_full_disk_is_one_error_line() -> None:
    assert Path("/dev/full").is_char_device()
    for args in (["list"], ["ask", "--json", "-"]):
        result = run_with_shell_redirect(">/dev/full", *args, input=b"hack squat\n")
        assert result.returncode == exitcodes.USAGE, args
        assert result.stderr == b"squatqa: cannot write results: No space left on device\n"


def test_a_100_kb_question_is_declined_with_a_reason() -> None:
    question = "knee valgus " * 8_500  # 102,000 characters
    result = run_squatqa("ask", question)
    assert result.returncode == exitcodes.USAGE
    assert result.stdout == b""
    reason = f"question too long ({len(question.strip()):,} characters; "
    assert result.stderr.decode().startswith(f"squatqa: {reason}the limit is ")
    # Just under the limit the same words are answered.
    fits = " ".join(question[:MAX_QUESTION_CHARS].split()[:-1])
    assert run_squatqa("ask", "--json", fits).returncode in (exitcodes.OK, exitcodes.NO_MATCH)


def test_piped_ask_does_not_import_rich() -> None:
    result = run_squatqa("ask", "why do my knees cave", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert result.returncode == exitcodes.OK
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.decode().splitlines()]
    assert "squatqa.cli" in imported
    assert not [name for name in imported if name.split(".")[0] == "rich"]


def test_a_cached_ask_loads_nothing_it_does_not_need(tmp_path: Path) -> None:
    """With its index saved, a piped ask neither checks the corpus file nor writes
    a cache, and leaves out modules that cost start-up time for nothing."""
    env = {"SQUATQA_CACHE_DIR": str(tmp_path), "PYTHONPROFILEIMPORTTIME": "1"}
    assert run_squatqa("ask", "why do my knees cave", env=env).returncode == exitcodes.OK
    result = run_squatqa("ask", "why do my knees cave", env=env)
    assert result.returncode == exitcodes.OK
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.decode().splitlines()}
    assert "squatqa.cache" in imported
    unneeded = {"squatqa.validation", "squatqa.evaluate", "hashlib", "tempfile", "dataclasses"}
    assert not imported & unneeded


# -- corpus text is data ------------------------------------------------------------

HOSTILE_QUESTION = "Why do knees cave [bold red]inward[/] \x1b]8;;https://evil.example\x1b\\?"
HOSTILE_ANSWER = (
    "See [link=https://evil.example]this[/link] \x1b[2J\x1b[H and \x9b31m and :thumbs_up: "
    "and \u202eright-to-left\u202c and \u2066isolate\u2069 and a bell\x07."
)
HOSTILE_ID = "knees\x1b[31m-red"
HOSTILE_ENTRIES: list[dict[str, object]] = [
    {
        "id": HOSTILE_ID,
        "question": HOSTILE_QUESTION,
        "answer": HOSTILE_ANSWER,
        "aliases": ["knees [blink]buckle[/blink] \x85"],
        "tags": ["[red]knees[/red]\x1b[0m"],
    },
    {
        "id": "other\u202e-id",
        "question": "Why do hips [reverse]shift[/reverse]?",
        "answer": "Because \x1b[8mhidden\x1b[0m.",
        "tags": ["[red]knees[/red]\x1b[0m"],
    },
]
HOSTILE = {"name": "Hostile \x1b[2J", "version": 1, "entries": HOSTILE_ENTRIES}
# What must never reach a terminal from corpus text: C0 controls other than tab and
# newline, C1 controls (UTF-8 encoded), and bidirectional overrides and isolates.
UNSAFE = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
)
# Literal text that would vanish if it were read as rich markup or emoji codes.
LITERALS = [b"[bold red]inward[/]", b"[link=https://evil.example]this[/link]", b":thumbs_up:"]


@pytest.fixture
def hostile_corpus(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(HOSTILE), encoding="utf-8")
    return path


def hostile_commands(path: Path) -> list[list[str]]:
    corpus = ["--corpus", str(path)]
    return [
        ["ask", *corpus, "-n", "2", "--min-score", "0", "why do knees cave"],
        ["list", *corpus],
        ["show", *corpus, HOSTILE_ID],
    ]


def test_piped_text_output_shows_corpus_text_without_obeying_it(hostile_corpus: Path) -> None:
    for args in hostile_commands(hostile_corpus):
        result = run_squatqa(*args)
        assert result.returncode == exitcodes.OK, (args, result.stderr)
        assert UNSAFE.search(result.stdout) is None, (args, result.stdout)
        assert b"knees\\x1b[31m-red" in result.stdout, args
        assert LITERALS[0] in result.stdout, args
    shown = run_squatqa(*hostile_commands(hostile_corpus)[2]).stdout
    assert all(literal in shown for literal in LITERALS), shown
    assert b"\\x1b[2J" in shown and b"\\x9b31m" in shown and b"\\u202eright" in shown


def test_terminal_output_shows_corpus_text_without_obeying_it(hostile_corpus: Path) -> None:
    for args in hostile_commands(hostile_corpus):
        screen = run_in_terminal(*args)
        # rich's own styling is SGR sequences; anything else came from the corpus.
        plain = SGR.sub(b"", screen)
        assert UNSAFE.search(plain) is None, (args, screen)
        assert b"\\x1b[31m-red" in plain, args
        # The question is a panel title, a table cell or a heading: never markup.
        assert LITERALS[0] in plain, (args, plain)
    screen = SGR.sub(b"", run_in_terminal(*hostile_commands(hostile_corpus)[2]))
    assert all(literal in screen for literal in LITERALS), screen


def test_error_lines_quote_corpus_text_safely(hostile_corpus: Path) -> None:
    corpus = ["--corpus", str(hostile_corpus)]
    unknown = run_squatqa("show", *corpus, "knees-red")
    assert unknown.returncode == exitcodes.NO_MATCH
    assert b"did you mean: knees\\x1b[31m-red" in unknown.stderr
    declined = run_squatqa("ask", *corpus, "--min-score", "100", "why do knees cave")
    assert declined.returncode == exitcodes.NO_MATCH
    on_screen = run_in_terminal("show", *corpus, "knees-red", status=exitcodes.NO_MATCH)
    broken = dict(HOSTILE, entries=[*HOSTILE_ENTRIES, {"id": HOSTILE_ID, "\x1b[2J": 1}])
    hostile_corpus.write_text(json.dumps(broken), encoding="utf-8")
    invalid = run_squatqa("validate", str(hostile_corpus))
    assert invalid.returncode == exitcodes.USAGE
    assert b'unknown field "\\x1b[2J"' in invalid.stderr
    for stream in (unknown.stderr, declined.stderr, SGR.sub(b"", on_screen), invalid.stderr):
        assert UNSAFE.search(stream) is None, stream


def test_json_output_keeps_corpus_text_exact_and_escaped(hostile_corpus: Path) -> None:
    corpus = ["--corpus", str(hostile_corpus)]
    listed = run_squatqa("list", "--json", *corpus)
    assert UNSAFE.search(listed.stdout) is None
    assert json.loads(listed.stdout) == [
        {"aliases": [], **entry} if "aliases" not in entry else entry for entry in HOSTILE_ENTRIES
    ]
    answered = run_squatqa("ask", "--json", "--min-score", "0", *corpus, "why do knees cave")
    assert UNSAFE.search(answered.stdout) is None
    match = json.loads(answered.stdout)["matches"][0]
    assert (match["id"], match["answer"]) == (HOSTILE_ID, HOSTILE_ANSWER)
