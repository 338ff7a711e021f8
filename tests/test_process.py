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

from squatqa import exitcodes
from squatqa.questions import MAX_QUESTION_CHARS
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


def test_closed_pipe_ends_quietly() -> None:
    lines = b"".join(b"knee valgus %d\n" % i for i in range(3000))
    process = subprocess.Popen(
        [sys.executable, "-m", "squatqa", "ask", "--json", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(lines)
    process.stdin.close()
    first = process.stdout.readline()
    process.stdout.close()
    assert json.loads(first)["query"] == "knee valgus 0"
    assert process.wait(timeout=60) == exitcodes.OK
    assert process.stderr is not None
    assert process.stderr.read() == b""


def test_ctrl_c_in_batch_mode_exits_130_without_traceback() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "squatqa", "ask", "--json", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
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
