"""Broken corpus files and hostile environments, through a real process.

Whatever is wrong with the corpus file, every command must end with exit status 2
and one `squatqa: error: PATH: ...` line naming the file, never a traceback. Whatever
is odd about the user's home or cache directory, `ask` must still answer: a cache,
if one is ever added, may not break a run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from squatqa import exitcodes
from tests.conftest import REPO, run_squatqa, small_corpus_data

# Each command run against a corpus file, and what it prints when the file is fine
# (the small corpus from conftest).
COMMANDS: dict[str, tuple[Callable[[Path], list[str]], bytes]] = {
    "ask": (lambda path: ["ask", "--corpus", str(path), "why does my bar path drift"], b"bar-path"),
    "list": (lambda path: ["list", "--corpus", str(path)], b"bar-path"),
    "show": (lambda path: ["show", "--corpus", str(path), "bar-path"], b"[bar-path]"),
    "validate": (lambda path: ["validate", str(path)], b"valid, 2 entries"),
}


def good_corpus_bytes() -> bytes:
    return json.dumps(small_corpus_data(), indent=2).encode()


def truncated(tmp_path: Path) -> Path:
    raw = good_corpus_bytes()
    path = tmp_path / "truncated.json"
    path.write_bytes(raw[: len(raw) // 2])
    return path


def zero_bytes(tmp_path: Path) -> Path:
    path = tmp_path / "empty.json"
    path.write_bytes(b"")
    return path


def directory(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.json"
    path.mkdir()
    return path


def dangling_symlink(tmp_path: Path) -> Path:
    path = tmp_path / "link.json"
    path.symlink_to(tmp_path / "gone.json")
    return path


def number_too_long(tmp_path: Path) -> Path:
    """Valid JSON whose version has more digits than Python's int() accepts by default."""
    raw = good_corpus_bytes().replace(b'"version": 1', b'"version": ' + b"9" * 5000, 1)
    assert b"9" * 5000 in raw
    path = tmp_path / "big-number.json"
    path.write_bytes(raw)
    return path


# (how to make the broken file, what the error line must say about it)
FAULTS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "truncated": (truncated, "not valid JSON"),
    "zero-bytes": (zero_bytes, "not valid JSON"),
    "directory": (directory, "is a directory"),
    "dangling-symlink": (dangling_symlink, "no such file"),
    "number-too-long": (number_too_long, ""),
}


def assert_fails_cleanly(
    result: subprocess.CompletedProcess[bytes], path: Path, reason: str
) -> None:
    stderr = result.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in result.stderr, stderr
    assert b"Traceback" not in result.stdout
    assert result.returncode == exitcodes.USAGE, (result.returncode, stderr)
    error_lines = [line for line in stderr.splitlines() if line.startswith("squatqa: error: ")]
    assert len(error_lines) == 1, stderr
    assert error_lines[0].startswith(f"squatqa: error: {path}: "), error_lines
    assert reason in error_lines[0]
    assert all(line.startswith("squatqa: ") for line in stderr.splitlines()), stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("fault", list(FAULTS))
def test_broken_corpus_file_is_one_error_line(tmp_path: Path, fault: str, command: str) -> None:
    make, reason = FAULTS[fault]
    path = make(tmp_path)
    args, _ = COMMANDS[command]
    assert_fails_cleanly(run_squatqa(*args(path)), path, reason)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_unreadable_corpus_file(tmp_path: Path, command: str) -> None:
    path = tmp_path / "locked.json"
    path.write_bytes(good_corpus_bytes())
    path.chmod(0)
    try:
        # Root (as in CI, os.geteuid() == 0) reads a file whatever its permission
        # bits say; os.access tells whether this process's user can.
        readable = os.access(path, os.R_OK)
        args, expected = COMMANDS[command]
        result = run_squatqa(*args(path))
    finally:
        path.chmod(0o600)
    if readable:
        assert result.returncode == exitcodes.OK, result.stderr
        assert expected in result.stdout
        assert result.stderr == b""
    else:
        assert_fails_cleanly(result, path, "permission denied")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_read_only_corpus_in_a_read_only_directory_is_used_as_is(
    tmp_path: Path, command: str
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "corpus.json"
    path.write_bytes(good_corpus_bytes())
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        args, expected = COMMANDS[command]
        result = run_squatqa(*args(path))
        assert sorted(folder.iterdir()) == [path]
        assert path.read_bytes() == good_corpus_bytes()
    finally:
        folder.chmod(0o755)
    assert result.returncode == exitcodes.OK, result.stderr
    assert expected in result.stdout
    assert result.stderr == b""


def assert_ask_answers() -> None:
    # Twice: a first run could write a cache that a second run reads.
    for _ in range(2):
        result = run_squatqa("ask", "--json", "why do my knees cave")
        assert b"Traceback" not in result.stderr, result.stderr
        assert result.returncode == exitcodes.OK, result.stderr
        top = json.loads(result.stdout)["matches"][0]["id"]
        assert top == "knee-valgus-causes-squatting"


@pytest.fixture
def no_cache_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Let HOME alone decide where the per-user index cache goes."""
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("SQUATQA_CACHE_DIR", raising=False)
    return monkeypatch


def test_ask_answers_without_home(no_cache_env: pytest.MonkeyPatch) -> None:
    no_cache_env.delenv("HOME", raising=False)
    assert_ask_answers()


def test_ask_answers_with_read_only_home(tmp_path: Path, no_cache_env: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o555)
    no_cache_env.setenv("HOME", str(home))
    try:
        assert_ask_answers()
    finally:
        home.chmod(0o755)


def test_ask_answers_with_missing_home(tmp_path: Path, no_cache_env: pytest.MonkeyPatch) -> None:
    no_cache_env.setenv("HOME", str(tmp_path / "nowhere"))
    assert_ask_answers()
    # The cache lives under HOME, created on first use.
    assert list((tmp_path / "nowhere" / ".cache" / "squatqa").glob("*.index"))


def test_ask_answers_when_cache_home_is_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    cache.write_text("not a directory\n")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("SQUATQA_CACHE_DIR", raising=False)
    assert_ask_answers()
    assert cache.read_text() == "not a directory\n"


def broken_install(tmp_path: Path, name: str, content: bytes | None) -> Path:
    """A copy of the package and its data/ with one data file replaced (None: deleted)."""
    root = tmp_path / "install"
    shutil.copytree(
        REPO / "squatqa", root / "squatqa", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(REPO / "data", root / "data")
    target = root / "data" / name
    if content is None:
        target.unlink()
    else:
        target.write_bytes(content)
    return root


BROKEN_FILES = [
    (None, b"cannot read"),
    (b'{"trees": [', b"is damaged"),
    (b"[]", b"is damaged"),
    (b"\xff\xfe", b"is damaged"),
    (b"[" * 100_000, b"nested too deeply"),
]


def assert_one_broken_install_line(done: subprocess.CompletedProcess[bytes], name: str) -> None:
    assert done.returncode == exitcodes.USAGE
    assert done.stdout == b""
    (line,) = done.stderr.splitlines()
    assert line.startswith(b"squatqa: ") and name.encode() in line
    assert line.endswith(b"reinstalling squatqa restores it")


@pytest.mark.parametrize("name", ["confidence.json", "lexicon.json"])
@pytest.mark.parametrize(("content", "complaint"), BROKEN_FILES)
def test_a_broken_installation_is_one_error_line(
    tmp_path: Path, name: str, content: bytes | None, complaint: bytes
) -> None:
    root = broken_install(tmp_path, name, content)
    done = run_squatqa(
        "ask",
        "why do my knees cave",
        env={"PYTHONPATH": str(root), "SQUATQA_CACHE_DIR": ""},
        cwd=tmp_path,
    )
    assert_one_broken_install_line(done, name)
    assert complaint in done.stderr


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("lexicon.json", b'{"synonyms": {"valgus": 5}}'),
        ("lexicon.json", b'{"synonyms": {"valgus": "cave"}}'),
        ("lexicon.json", b'{"stopwords": {"the": 1}}'),
        ("lexicon.json", b'{"subjects": "elbow"}'),
        ("lexicon.json", b'{"intents": ["why", 1]}'),
        ("confidence.json", b'{"features": [], "prior": 0, "trees": [0.5]}'),
    ],
)
def test_a_data_file_of_the_wrong_shape_is_damage_too(
    tmp_path: Path, name: str, content: bytes
) -> None:
    root = broken_install(tmp_path, name, content)
    done = run_squatqa(
        "ask", "knees", env={"PYTHONPATH": str(root), "SQUATQA_CACHE_DIR": ""}, cwd=tmp_path
    )
    assert_one_broken_install_line(done, name)


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["list"], b""),
        (["show", "what-is-knee-valgus"], b""),
        (["ask", "???"], b""),
        (["ask", "--json", "-"], b"\n\nknees caving\n"),
        (["eval", str(REPO / "tests" / "data" / "queries_holdout_a.jsonl")], b""),
    ],
)
def test_every_command_reports_a_broken_model_before_any_output(
    tmp_path: Path, args: list[str], stdin: bytes
) -> None:
    root = broken_install(tmp_path, "confidence.json", b"{}")
    done = run_squatqa(
        *args, input=stdin, env={"PYTHONPATH": str(root), "SQUATQA_CACHE_DIR": ""}, cwd=tmp_path
    )
    assert_one_broken_install_line(done, "confidence.json")


@pytest.mark.parametrize(
    ("content", "complaint"), [(None, b"cannot read"), (b"apple\nbanan\xc3\xa4\n", b"is damaged")]
)
def test_a_broken_word_list_is_one_error_line(
    tmp_path: Path, content: bytes | None, complaint: bytes
) -> None:
    root = broken_install(tmp_path, "words.txt", content)
    done = run_squatqa(
        "ask",
        "why do my knees cave",
        env={"PYTHONPATH": str(root), "SQUATQA_CACHE_DIR": ""},
        cwd=tmp_path,
    )
    assert_one_broken_install_line(done, "words.txt")
    assert complaint in done.stderr


def test_a_damaged_schema_file_is_not_passed_on(tmp_path: Path) -> None:
    root = broken_install(tmp_path, "corpus.schema.json", b"\xff not json")
    done = run_squatqa("schema", env={"PYTHONPATH": str(root)}, cwd=tmp_path)
    assert_one_broken_install_line(done, "corpus.schema.json")


def test_the_copied_installation_works_when_nothing_is_broken(tmp_path: Path) -> None:
    root = broken_install(tmp_path, "unused.json", b"{}")
    done = run_squatqa("ask", "why do my knees cave", env={"PYTHONPATH": str(root)}, cwd=tmp_path)
    assert done.returncode == exitcodes.OK
    assert done.stdout.startswith(b"What causes knee valgus")
