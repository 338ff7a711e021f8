"""The index cache makes runs faster and can never make them wrong or broken."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import squatqa.cache
import squatqa.validation
from squatqa import Engine, exitcodes
from squatqa.cache import INDEX_FORMAT, cache_directory, open_engine
from squatqa.corpus import CorpusError
from tests.conftest import REPO, run_squatqa, small_corpus_data

QUESTION = "why does my bar path drift forward"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("SQUATQA_CACHE_DIR", str(directory))
    return directory


def index_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.index"))


def forbid_rebuilding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to decode the corpus fail, so only a cache hit can answer."""

    def refuse(raw: bytes, source: str) -> None:
        raise AssertionError("the corpus was decoded although its index was cached")

    monkeypatch.setattr(squatqa.validation, "decode_corpus", refuse)


def test_second_open_loads_the_saved_index(
    cache_dir: Path, write_corpus: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_corpus()
    first = open_engine(path)
    assert len(index_files(cache_dir)) == 1
    forbid_rebuilding(monkeypatch)
    second = open_engine(path)
    assert second.corpus.ids == first.corpus.ids
    assert second.corpus.source == str(path)
    assert second.rank(QUESTION) == first.rank(QUESTION)
    assert second.ask(QUESTION) == first.ask(QUESTION)


def test_bundled_corpus_answers_the_same_from_the_cache(cache_dir: Path) -> None:
    built = open_engine()
    loaded = open_engine()
    for question in ("why do my knees cave", "hak squat", "legs trembling", "bread"):
        assert loaded.rank(question) == built.rank(question)


def test_a_changed_corpus_is_rebuilt_not_served_stale(
    cache_dir: Path, write_corpus: Callable[..., Path]
) -> None:
    path = write_corpus()
    assert open_engine(path).ask(QUESTION).matches[0].entry.id == "bar-path"
    data = small_corpus_data()
    entries = data["entries"]
    assert isinstance(entries, list)
    entries[0]["id"] = "renamed"
    path.write_text(json.dumps(data))
    assert open_engine(path).ask(QUESTION).matches[0].entry.id == "renamed"
    assert len(index_files(cache_dir)) == 1  # replaced, not piled up


def damage_truncate(raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


def damage_flip_a_byte(raw: bytes) -> bytes:
    middle = len(raw) // 2
    return raw[:middle] + bytes([raw[middle] ^ 0xFF]) + raw[middle + 1 :]


def damage_empty(raw: bytes) -> bytes:
    return b""


def damage_garbage(raw: bytes) -> bytes:
    return b"\x00\xff not an index at all" * 50


def damage_header_only(raw: bytes) -> bytes:
    return raw[:20]


@pytest.mark.parametrize(
    "damage",
    [damage_truncate, damage_flip_a_byte, damage_empty, damage_garbage, damage_header_only],
)
def test_a_damaged_cache_file_is_ignored_and_rewritten(
    cache_dir: Path, write_corpus: Callable[..., Path], damage: Callable[[bytes], bytes]
) -> None:
    path = write_corpus()
    expected = open_engine(path).rank(QUESTION)
    (index,) = index_files(cache_dir)
    good = index.read_bytes()
    index.write_bytes(damage(good))
    assert open_engine(path).rank(QUESTION) == expected
    assert index.read_bytes() == good


def postings_of_unequal_length(engine: Engine) -> list[list[object]]:
    """The engine's own records with one term's postings longer than their values."""
    records = squatqa.cache._engine_records(engine)
    fields, pairs, answers = records[-3:]
    term = next(iter(fields))
    numbers, shares, agreements = fields[term]
    longer_fields = {**fields, term: (numbers + numbers, shares, agreements)}
    numbers, strengths = answers[next(iter(answers))]
    longer_answers = {**answers, next(iter(answers)): (numbers + numbers, strengths)}
    return [
        [*records[:-3], longer_fields, pairs, answers],
        [*records[:-3], fields, pairs, longer_answers],
    ]


def test_a_checksummed_file_of_the_wrong_shape_is_ignored(
    cache_dir: Path, write_corpus: Callable[..., Path]
) -> None:
    path = write_corpus()
    expected = open_engine(path).rank(QUESTION)
    (index,) = index_files(cache_dir)
    good = index.read_bytes()
    prefix = squatqa.cache._PREFIX
    key = prefix.unpack(good[: prefix.size])[1]
    wrong_shapes: list[list[object]] = [
        [(INDEX_FORMAT, "Tiny", 1, {}, 0), 1, 2, 3],
        [(INDEX_FORMAT + 1, "Tiny", 1, {}, 0), None, None],
        [(INDEX_FORMAT, "Tiny", 1, {}, 1), (("id",),), (), ()],
        ["text", b"", {}, []],
        [],
        *postings_of_unequal_length(open_engine(path)),
    ]
    for records in wrong_shapes:
        squatqa.cache._store(index, key, records)
        assert index.read_bytes() != good  # the odd file really is in place
        assert open_engine(path).rank(QUESTION) == expected
    assert index.read_bytes() == good  # and the last open put a good one back


def test_an_unwritable_cache_location_only_skips_saving(
    tmp_path: Path, write_corpus: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way\n")
    monkeypatch.setenv("SQUATQA_CACHE_DIR", str(blocker / "cache"))
    path = write_corpus()
    assert open_engine(path).ask(QUESTION).matches[0].entry.id == "bar-path"
    assert blocker.read_text() == "in the way\n"
    assert not list(tmp_path.glob("**/*.tmp"))


def test_an_empty_setting_turns_the_cache_off(
    tmp_path: Path, write_corpus: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SQUATQA_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_directory() is None
    open_engine(write_corpus())
    assert not (tmp_path / "xdg").exists()


def test_cache_location_follows_xdg_then_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SQUATQA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/var/tmp/xdg")
    monkeypatch.setenv("HOME", "/home/lifter")
    assert cache_directory() == Path("/var/tmp/xdg/squatqa")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    assert cache_directory() == Path("/home/lifter/.cache/squatqa")
    monkeypatch.delenv("HOME")
    assert cache_directory() is None


def test_a_bad_corpus_fails_the_same_with_a_cache(
    cache_dir: Path, write_corpus: Callable[..., Path]
) -> None:
    path = write_corpus(raw=b'{"name": "x", "version": 1, "entries": []}')
    with pytest.raises(CorpusError, match="at least one entry"):
        open_engine(path)
    assert not index_files(cache_dir)


def test_runs_from_the_command_line_share_the_cache(
    tmp_path: Path, write_corpus: Callable[..., Path]
) -> None:
    directory = tmp_path / "cli-cache"
    path = write_corpus()
    env = {"SQUATQA_CACHE_DIR": str(directory)}
    outputs = []
    for _ in range(2):
        result = run_squatqa("ask", "--json", "--corpus", str(path), QUESTION, env=env)
        assert result.returncode == exitcodes.OK, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert len(index_files(directory)) == 1


def test_a_vanished_working_directory_only_skips_the_cache(
    tmp_path: Path, cache_dir: Path, write_corpus: Callable[..., Path]
) -> None:
    path = write_corpus()
    gone = tmp_path / "gone"
    script = (
        "import os, sys; os.mkdir(sys.argv[1]); os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]); "
        "sys.argv = ['squatqa', 'ask', '--json', '--corpus', sys.argv[2], sys.argv[3]]; "
        "from squatqa.__main__ import main; main()"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "SQUATQA_CACHE_DIR": str(cache_dir)}
    for corpus, status in ((str(path), exitcodes.OK), ("c.json", exitcodes.USAGE)):
        result = subprocess.run(
            [sys.executable, "-c", script, str(gone), corpus, QUESTION],
            capture_output=True,
            env=env,
            timeout=60,
        )
        assert b"Traceback" not in result.stderr, result.stderr
        assert result.returncode == status, result.stderr


def test_abandoned_temporary_files_are_cleared_when_writing(
    cache_dir: Path, write_corpus: Callable[..., Path]
) -> None:
    cache_dir.mkdir()
    old = cache_dir / ".index-abandoned.tmp"
    fresh = cache_dir / ".index-in-progress.tmp"
    for leftover in (old, fresh):
        leftover.write_bytes(b"half an index")
    os.utime(old, (0, 0))
    open_engine(write_corpus())
    assert not old.exists()
    assert fresh.exists()  # another run may still be writing it
