"""Time the squatqa command line against baselines measured in the same run.

A command-line tool is judged by how long a person or a script waits for it, and
that is mostly start-up: the interpreter, the imports, reading the corpus and
building the index. Absolute milliseconds differ from machine to machine, so every
figure here is set beside a baseline taken in the same run:

* floor: `python -c "import typer, json, rapidfuzz.fuzz"`, the least any typer +
  rapidfuzz tool can cost; and the terminal floor, which also imports rich.console;
* cold start piped (`ask`, `--help`, `list`, `show`) against the floor, and `ask`
  on a pseudo-terminal against the terminal floor;
* batch mode (10,000 questions through `ask --json -`) against one cold `ask`;
* synthetic corpora of 1,000 / 10,000 / 100,000 entries through `ask --corpus`,
  first and repeat runs reported apart in case the package caches an index;
* questions of 5 to 5,000 words, to show how cost grows with question length;
* `-X importtime`: the costliest imports and whether rich loads on the piped path.

Every measurement is a median over interleaved rounds: each round runs every
command once (in a rotated order), so a noisy moment on the machine hits all
commands alike instead of skewing one. Timings are reported, never asserted: the
script exits 0 whatever the numbers are, and 1 only if a command fails.

Usage (any Python with squatqa installed; children run from a temporary directory):

    python benchmarks/speed.py [--runs N] [--quick] [--json] [--command PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import fcntl
import json
import multiprocessing
import os
import platform
import pty
import random
import re
import resource
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ASK_QUESTION = "why do my knees cave"
SHOW_ID = "what-is-knee-valgus"
BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "data" / "squat_faq.json"

DEFAULT_RUNS = 15
QUICK_RUNS = 3
BATCH_SIZE = 10_000
QUICK_BATCH_SIZE = 1_000
SCALE_SIZES = (1_000, 10_000, 100_000)
QUICK_SCALE_SIZES = (1_000, 10_000)
# A 100,000-entry run can take minutes: corpora this big run in fewer rounds.
BIG_CORPUS = 10_000
DEFAULT_SCALE_RUNS = 5
QUICK_SCALE_RUNS = 1
QUESTION_WORDS = (5, 50, 500, 5_000)
# The CLI refuses longer questions (README: "question over 10,000 characters").
MAX_QUESTION_CHARS = 10_000
SEED = 20240611
CHILD_TIMEOUT_S = 900.0

# Targets: (ratio limit) for wall-time ratios, and a peak-memory limit.
START_TARGET = 1.15
BATCH_TARGET = 3.0
SCALE_TARGETS = {10_000: 3.0, 100_000: 15.0}
MEMORY_TARGET_MB = 300.0
MEMORY_TARGET_SIZE = 100_000

TOP_IMPORTS = 10
TERMINAL_ROWS, TERMINAL_COLUMNS = 40, 100

FLOOR_IMPORTS = "import typer, json, rapidfuzz.fuzz"
TERMINAL_FLOOR_IMPORTS = "import typer, json, rapidfuzz.fuzz, rich.console"

# Common English words get the top frequency ranks of the synthetic vocabulary.
_FUNCTION_WORDS_TEXT = (
    "the a to of and in is it you that for on with as your do my be at this are can "
    "or if when not but from by so how what why should during more have will into "
    "than up down out about after before then also very just much most any"
)
FUNCTION_WORDS = tuple(_FUNCTION_WORDS_TEXT.split())
OFF_TOPIC_QUESTIONS = (
    "how do I bake sourdough bread",
    "what will the weather be like tomorrow",
    "best running shoes for flat feet",
    "how long should I boil an egg",
    "can dogs eat grapes",
    "why is my laptop fan so loud",
    "how do I fix a leaking kitchen tap",
    "what time does the gym close on sunday",
    "is coffee bad before a workout",
    "how many calories are in a banana",
    "how to renew my passport online",
    "why does my car make a clicking noise",
    "what is the capital of australia",
    "how do I stop my cat scratching the sofa",
    "recommend a good book about history",
)
OFF_TOPIC_WORDS = sorted({word for text in OFF_TOPIC_QUESTIONS for word in text.split()})
PREFIXES = ("", "", "", "", "hey ", "quick question: ", "so ", "coach, ", "honestly ", "pls ")
SUFFIXES = (
    "",
    "",
    "",
    "?",
    "?",
    "??",
    " lol",
    " when squatting",
    " on squats",
    " at the bottom",
    " with heavy weight",
    " after leg day",
)
QUESTION_STARTS = ("what", "why", "how", "can", "is", "should", "do", "when", "where", "which")
SYLLABLES = (
    *(c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"),
    *("str", "pl", "qu", "th", "sh", "ck", "nd", "rt", "ion", "er"),
)
WORD_ENDINGS = ("", "", "", "s", "ing", "ed", "er", "ly", "al")
_WORD = re.compile(r"[^\W_]+(?:'[a-z]+)?")
_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)")


# -- running children --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sample:
    """One child run: wall time plus what the kernel says the child itself used."""

    wall_ms: float
    cpu_ms: float
    max_rss_kb: int
    status: int
    stdout_lines: int


@dataclass(slots=True)
class Case:
    """One command to time; `prepare` runs untimed before each run (e.g. a fresh corpus)."""

    key: str
    label: str
    argv: list[str]
    terminal: bool = False
    stdin_path: Path | None = None
    ok_status: frozenset[int] = frozenset({0})
    expected_lines: int | None = None
    prepare: Callable[[], None] | None = None
    rounds: frozenset[int] | None = None  # the rounds it runs in; None: all, warm-up too
    samples: list[Sample] = field(default_factory=list)
    failure: str | None = None

    def median(self) -> float:
        return statistics.median(s.wall_ms for s in self.samples) if self.samples else 0.0


def run_child(case: Case, env: dict[str, str], cwd: Path) -> tuple[Sample, str]:
    """Run one command to completion; stdout goes to a pipe or a pty that we drain."""
    stdin: int | IO[bytes] = subprocess.DEVNULL
    with contextlib.ExitStack() as stack:
        if case.stdin_path is not None:
            stdin = stack.enter_context(case.stdin_path.open("rb"))
        errors = stack.enter_context(tempfile.TemporaryFile())
        if case.terminal:
            reader, writer = pty.openpty()
            fcntl.ioctl(
                writer,
                termios.TIOCSWINSZ,
                struct.pack("HHHH", TERMINAL_ROWS, TERMINAL_COLUMNS, 0, 0),
            )
            if case.stdin_path is None:
                stdin = writer
        else:
            reader, writer = os.pipe()
        start = time.perf_counter()
        try:
            process = subprocess.Popen(
                case.argv, stdin=stdin, stdout=writer, stderr=errors, env=env, cwd=cwd
            )
        finally:
            os.close(writer)
        try:
            lines = _drain(reader, start + CHILD_TIMEOUT_S, process)
        finally:
            os.close(reader)
        _, wait_status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(wait_status)
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    if process.returncode not in case.ok_status:
        tail = stderr.strip().splitlines()[-3:]
        raise RuntimeError(f"exit status {process.returncode}: {' | '.join(tail)}")
    if case.expected_lines is not None and lines != case.expected_lines:
        raise RuntimeError(f"printed {lines:,} lines, expected {case.expected_lines:,}")
    sample = Sample(
        wall_ms=wall * 1000.0,
        cpu_ms=(usage.ru_utime + usage.ru_stime) * 1000.0,
        max_rss_kb=usage.ru_maxrss,  # kilobytes on Linux
        status=process.returncode,
        stdout_lines=lines,
    )
    return sample, stderr


def _drain(fd: int, deadline: float, process: subprocess.Popen[bytes]) -> int:
    """Read until EOF (a pty reports EIO once the child is gone); count newlines."""
    lines = 0
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            process.kill()
            raise RuntimeError(f"timed out after {CHILD_TIMEOUT_S:.0f} s")
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError as error:
            if error.errno == errno.EIO:
                return lines
            raise
        if not chunk:
            return lines
        lines += chunk.count(b"\n")


def run_rounds(
    units: list[list[Case]], rounds: int, env: dict[str, str], cwd: Path, quiet: bool
) -> None:
    """One untimed warm-up round, then `rounds` timed ones, each over every unit.

    A unit is a list of cases run back to back (a first run and its repeat); the
    order of units rotates every round so no command always runs first or last.
    Slow cases run only in their scheduled rounds, still beside all the others.
    """
    started = time.perf_counter()
    for round_number in range(rounds + 1):
        shift = round_number % len(units)
        for unit in units[shift:] + units[:shift]:
            for case in unit:
                if case.failure is not None:
                    continue
                if case.rounds is not None and round_number not in case.rounds:
                    continue
                if case.prepare is not None:
                    case.prepare()
                try:
                    sample, _ = run_child(case, env, cwd)
                except (RuntimeError, OSError) as error:
                    case.failure = str(error)
                    _progress(f"FAILED {case.label}: {error}", quiet)
                    continue
                if round_number > 0:
                    case.samples.append(sample)
        name = "warm-up" if round_number == 0 else f"round {round_number}/{rounds}"
        _progress(f"{name} done, {time.perf_counter() - started:.0f} s elapsed", quiet)


def _progress(message: str, quiet: bool) -> None:
    if not quiet:
        print(f"speed: {message}", file=sys.stderr, flush=True)


# -- generated inputs ----------------------------------------------------------------


def corpus_texts(path: Path) -> list[str]:
    """Questions and aliases of the bundled corpus: the raw material for paraphrases."""
    data = json.loads(path.read_text(encoding="utf-8"))
    texts: list[str] = []
    for entry in data["entries"]:
        texts.append(entry["question"])
        texts.extend(entry.get("aliases", []))
    return texts


def corpus_words(path: Path) -> list[str]:
    """Every distinct word of the bundled corpus, sorted for determinism."""
    data = json.loads(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for entry in data["entries"]:
        for text in (entry["question"], entry["answer"], *entry.get("aliases", [])):
            found.update(_WORD.findall(text.lower()))
    return sorted(found)


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:at] + word[at + 1 :]
    if kind == 1:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word[:at] + word[at] + word[at:]


def make_batch_questions(texts: Sequence[str], vocabulary: Sequence[str], count: int) -> list[str]:
    """Paraphrase-like questions: corpus wordings reshuffled, cut, mistyped; 15% off topic."""
    rng = random.Random(SEED)
    questions: list[str] = []
    for _ in range(count):
        if rng.random() < 0.15:
            tokens = rng.choice(OFF_TOPIC_QUESTIONS).split()
            if rng.random() < 0.5:
                tokens[rng.randrange(len(tokens))] = rng.choice(OFF_TOPIC_WORDS)
        else:
            tokens = _WORD.findall(rng.choice(texts).lower())
            if len(tokens) > 3 and rng.random() < 0.4:
                del tokens[rng.randrange(len(tokens))]
            if rng.random() < 0.4:
                tokens[rng.randrange(len(tokens))] = rng.choice(vocabulary)
            if rng.random() < 0.25:
                at = rng.randrange(len(tokens))
                tokens[at] = _typo(tokens[at], rng)
            if len(tokens) > 2 and rng.random() < 0.25:
                at = rng.randrange(len(tokens) - 1)
                tokens[at], tokens[at + 1] = tokens[at + 1], tokens[at]
        text = rng.choice(PREFIXES) + " ".join(tokens) + rng.choice(SUFFIXES)
        questions.append(text if rng.random() < 0.7 else text.capitalize())
    return questions


def make_long_question(words: int, vocabulary: Sequence[str]) -> str:
    """A question of `words` words that stays under the CLI's character limit.

    Corpus words with some off-topic ones while they fit; past that (5,000 words in
    10,000 characters) only one-letter words fit, which the question then is made of.
    """
    rng = random.Random(SEED + words)
    pool = [*vocabulary, *OFF_TOPIC_WORDS]
    text = " ".join(rng.choice(pool) for _ in range(words))
    if len(text) >= MAX_QUESTION_CHARS:
        letters = "abcdefghijklmnopqrstuvwxyz0123456789"
        text = " ".join(rng.choice(letters) for _ in range(words))
    if len(text) >= MAX_QUESTION_CHARS:
        raise ValueError(f"{words} words cannot fit in {MAX_QUESTION_CHARS} characters")
    return text


def make_vocabulary(real_words: Sequence[str], size: int, rng: random.Random) -> list[str]:
    """About `size` words, most frequent first: function words, then real and made-up ones."""
    chosen = set(FUNCTION_WORDS)
    others = [word for word in real_words if word not in chosen]
    chosen.update(others)
    while len(chosen) < size:
        stem = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))
        word = stem + rng.choice(WORD_ENDINGS)
        if word not in chosen:
            chosen.add(word)
            others.append(word)
    rng.shuffle(others)
    return [*FUNCTION_WORDS, *others]


_VARIANT_MARK = "v000000"


def write_synthetic_corpus(size: int, real_words: Sequence[str], path: Path) -> None:
    """Write a seeded corpus of `size` entries: 6-12-word questions, 40-80-word answers.

    Words come from ~3,000 (the bundled corpus's own words, common English and
    made-up ones) with Zipf-like frequencies, so some entries share the query's words.
    """
    rng = random.Random(SEED * 7 + size)
    vocabulary = make_vocabulary(real_words, 3_000, rng)
    cumulative: list[float] = []
    total = 0.0
    for rank in range(len(vocabulary)):
        total += 1.0 / (rank + 2)
        cumulative.append(total)
    tags = [f"topic-{n}" for n in range(60)]

    def phrase(low: int, high: int) -> list[str]:
        return rng.choices(vocabulary, cum_weights=cumulative, k=rng.randint(low, high))

    def question() -> str:
        return " ".join([rng.choice(QUESTION_STARTS), *phrase(5, 11)]).capitalize() + "?"

    def answer() -> str:
        words = phrase(40, 80)
        sentences: list[str] = []
        while words:
            cut = rng.randint(8, 16)
            sentences.append(" ".join(words[:cut]).capitalize() + ".")
            words = words[cut:]
        return " ".join(sentences)

    entries = []
    for index in range(size):
        text = question()
        slug = "-".join(_WORD.findall(text.lower())[1:4]).replace("'", "")
        entries.append(
            {
                "id": f"e{index:06d}-{slug}",
                "question": text,
                "answer": answer(),
                "aliases": [question() for _ in range(rng.randint(0, 2))],
                "tags": rng.sample(tags, rng.randint(1, 2)),
            }
        )
    document = {
        "name": f"Synthetic corpus of {size:,} entries, {_VARIANT_MARK}",
        "version": 1,
        "entries": entries,
    }
    with path.open("w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=2)


class SyntheticCorpus:
    """A generated corpus file whose `name` can change without touching the entries.

    Rewriting the name before a timed run changes the file's bytes and mtime, so a
    cache keyed by content (or path and mtime) misses and the run is a true first
    run, while the ranking work stays identical from variant to variant.

    The file is generated in a forked process and patched in place: a child's peak
    RSS as the kernel reports it can never be below this process's size when it
    spawned the child, so this process must stay small for the memory figures to hold.
    """

    def __init__(self, size: int, real_words: Sequence[str], path: Path) -> None:
        writer = multiprocessing.get_context("fork").Process(
            target=write_synthetic_corpus, args=(size, list(real_words), path)
        )
        writer.start()
        writer.join()
        if writer.exitcode != 0:
            raise RuntimeError(f"generating the {size:,}-entry corpus failed")
        with path.open("rb") as handle:
            self._offset = handle.read(4096).index(_VARIANT_MARK.encode())
        self.path = path
        self.size = size
        self.megabytes = path.stat().st_size / 1e6
        self._variant = 0
        self.new_variant()

    def new_variant(self) -> None:
        """Give the file a new name in place, so it is new to any cache."""
        self._variant += 1
        with self.path.open("r+b") as handle:
            handle.seek(self._offset)
            handle.write(f"v{self._variant:06d}".encode())


# -- machine and imports --------------------------------------------------------------


def interpreter_of(command: str) -> str:
    """The Python behind a console script (its shebang), so floors use the same one."""
    try:
        with Path(command).open("rb") as handle:
            head = handle.read(1024).decode("utf-8", "replace").splitlines()
    except OSError:
        return sys.executable
    if not head or not head[0].startswith("#!"):
        return sys.executable
    parts = head[0][2:].split()
    if parts and Path(parts[0]).name in {"sh", "bash"} and len(head) > 1:
        # pip's long-path form: #!/bin/sh, then '''exec' "/path/python" "$0" "$@"
        found = re.search(r"exec' \"?([^\" ]+)", head[1])
        return found.group(1) if found else sys.executable
    if parts and Path(parts[0]).name == "env" and len(parts) > 1:
        return shutil.which(parts[-1]) or sys.executable
    return parts[0] if parts else sys.executable


def machine_info(python: str, env: dict[str, str], cwd: Path) -> dict[str, Any]:
    """Where the numbers come from: they only mean something next to the machine."""
    probe = (
        "import json, platform, sys\n"
        "from importlib import metadata\n"
        "def version(name):\n"
        "    try:\n"
        "        return metadata.version(name)\n"
        "    except metadata.PackageNotFoundError:\n"
        "        return 'not installed'\n"
        "names = ('typer', 'rapidfuzz', 'rich', 'click', 'squatqa')\n"
        "print(json.dumps({'python': platform.python_version(),\n"
        "    'implementation': platform.python_implementation(),\n"
        "    'executable': sys.executable,\n"
        "    'versions': {n: version(n) for n in names}}))\n"
    )
    found = subprocess.run(
        [python, "-c", probe], capture_output=True, text=True, env=env, cwd=cwd, check=True
    )
    info: dict[str, Any] = json.loads(found.stdout)
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    info.update(
        platform=platform.platform(),
        cpu=cpu,
        cores=os.cpu_count(),
        usable_cores=usable,
    )
    return info


@dataclass(frozen=True, slots=True)
class ImportCost:
    module: str
    self_us: float
    cumulative_us: float
    depth: int


def parse_importtime(stderr: str) -> list[ImportCost]:
    costs: list[ImportCost] = []
    for line in stderr.splitlines():
        found = _IMPORTTIME.match(line)
        if found:
            self_us, cumulative_us, indent, name = found.groups()
            costs.append(ImportCost(name, float(self_us), float(cumulative_us), len(indent) // 2))
    return costs


def median_imports(runs: list[list[ImportCost]]) -> list[ImportCost]:
    """Per-module medians over several -X importtime runs (one run is noisy)."""
    by_module: dict[str, list[ImportCost]] = {}
    for run in runs:
        for cost in run:
            by_module.setdefault(cost.module, []).append(cost)
    return [
        ImportCost(
            module,
            statistics.median(c.self_us for c in costs),
            statistics.median(c.cumulative_us for c in costs),
            costs[0].depth,
        )
        for module, costs in by_module.items()
    ]


def profile_imports(
    python: str, base: list[str], repeats: int, env: dict[str, str], cwd: Path
) -> dict[str, Any]:
    """Top imports of squatqa.cli, and which rich modules the piped `ask` loads."""
    runs: list[list[ImportCost]] = []
    for _ in range(repeats):
        done = subprocess.run(
            [python, "-X", "importtime", "-c", "import squatqa.cli"],
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            check=True,
        )
        runs.append(parse_importtime(done.stderr))
    costs = median_imports(runs)
    by_cumulative = sorted(costs, key=lambda c: -c.cumulative_us)[:TOP_IMPORTS]
    by_self = sorted(costs, key=lambda c: -c.self_us)[:TOP_IMPORTS]

    def loads_rich(terminal: bool) -> list[str]:
        # PYTHONPROFILEIMPORTTIME is -X importtime for any entry point, console scripts too.
        profiled = {**env, "PYTHONPROFILEIMPORTTIME": "1"}
        case = Case(
            "importtime",
            "ask under importtime",
            [*base, "ask", ASK_QUESTION],
            terminal=terminal,
            ok_status=frozenset({0, 1}),
        )
        _, stderr = run_child(case, profiled, cwd)
        modules = [c.module for c in parse_importtime(stderr)]
        return [name for name in modules if name == "rich" or name.startswith("rich.")]

    piped_rich = loads_rich(terminal=False)
    terminal_rich = loads_rich(terminal=True)
    total = next((c.cumulative_us for c in costs if c.module == "squatqa.cli"), 0.0)
    return {
        "repeats": repeats,
        "squatqa_cli_cumulative_ms": total / 1000.0,
        "top_cumulative": [_import_row(c) for c in by_cumulative],
        "top_self": [_import_row(c) for c in by_self],
        "rich_on_piped_ask": bool(piped_rich),
        "rich_modules_piped": piped_rich,
        "rich_modules_terminal": len(terminal_rich),
    }


def _import_row(cost: ImportCost) -> dict[str, Any]:
    return {
        "module": cost.module,
        "self_ms": round(cost.self_us / 1000.0, 2),
        "cumulative_ms": round(cost.cumulative_us / 1000.0, 2),
        "depth": cost.depth,
    }


# -- report ---------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    """One line of the table: a case, optionally compared with a baseline case."""

    section: str
    case: Case
    baseline: Case | None = None
    target: float | None = None
    note: str = ""


@dataclass(slots=True)
class Report:
    """Rows of the table, the case whose peak memory has a target, and loose facts."""

    rows: list[Row] = field(default_factory=list)
    memory_case: Case | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    def memory(self) -> dict[str, Any]:
        """Peak memory of the largest corpus's repeat runs (the worst of them) vs the target."""
        label = f"{MEMORY_TARGET_SIZE:,}-entry corpus, repeat run"
        case = self.memory_case
        if case is None or not case.samples:
            return {
                "label": label,
                "peak_mb": None,
                "target_mb": MEMORY_TARGET_MB,
                "verdict": "n/a",
            }
        peak = max(s.max_rss_kb for s in case.samples) / 1024
        verdict = "met" if peak < MEMORY_TARGET_MB else "MISSED"
        return {
            "label": label,
            "peak_mb": round(peak, 1),
            "target_mb": MEMORY_TARGET_MB,
            "verdict": verdict,
        }


def _stats(case: Case) -> dict[str, Any]:
    walls = [s.wall_ms for s in case.samples]
    if not walls:
        return {"runs": 0}
    quartiles = statistics.quantiles(walls, n=4) if len(walls) > 1 else [walls[0]] * 3
    return {
        "runs": len(walls),
        "median_ms": round(statistics.median(walls), 2),
        "min_ms": round(min(walls), 2),
        "max_ms": round(max(walls), 2),
        "iqr_ms": round(quartiles[2] - quartiles[0], 2),
        "cpu_median_ms": round(statistics.median(s.cpu_ms for s in case.samples), 2),
        "rss_median_mb": round(statistics.median(s.max_rss_kb for s in case.samples) / 1024, 1),
        "rss_max_mb": round(max(s.max_rss_kb for s in case.samples) / 1024, 1),
        "samples_ms": [round(w, 2) for w in walls],
    }


def _ratio(row: Row, cpu: bool = False) -> float | None:
    """Median over baseline median; CPU time is the figure other load disturbs least."""
    if row.baseline is None or not row.case.samples or not row.baseline.samples:
        return None
    if cpu:
        mine = statistics.median(s.cpu_ms for s in row.case.samples)
        base = statistics.median(s.cpu_ms for s in row.baseline.samples)
    else:
        mine, base = row.case.median(), row.baseline.median()
    return mine / base if base > 0 else None


def _verdict(ratio: float | None, target: float | None) -> str:
    if target is None:
        return ""
    if ratio is None:
        return "n/a"
    return "met" if ratio <= target else "MISSED"


def report_json(report: Report, machine: dict[str, Any], settings: dict[str, Any]) -> str:
    rows = []
    for row in report.rows:
        ratio = _ratio(row)
        cpu_ratio = _ratio(row, cpu=True)
        rows.append(
            {
                "section": row.section,
                "key": row.case.key,
                "label": row.case.label,
                "command": row.case.argv[:3] + (["..."] if len(row.case.argv) > 3 else []),
                **_stats(row.case),
                "baseline": row.baseline.key if row.baseline else None,
                "ratio": round(ratio, 3) if ratio is not None else None,
                "cpu_ratio": round(cpu_ratio, 3) if cpu_ratio is not None else None,
                "target": row.target,
                "verdict": _verdict(ratio, row.target) or None,
                "failure": row.case.failure,
                "note": row.note or None,
            }
        )
    document = {
        "machine": machine,
        "settings": settings,
        "rows": rows,
        "memory": report.memory(),
        **report.facts,
    }
    return json.dumps(document, indent=2)


def report_text(report: Report, machine: dict[str, Any], settings: dict[str, Any]) -> str:
    out: list[str] = []
    versions = machine["versions"]
    out.append("squatqa speed benchmark")
    out.append(f"  machine : {machine['platform']}")
    out.append(
        f"  cpu     : {machine['cpu']}, {machine['cores']} cores ({machine['usable_cores']} usable)"
    )
    out.append(
        f"  python  : {machine['implementation']} {machine['python']} ({machine['executable']})"
    )
    packages = ", ".join(f"{name} {number}" for name, number in versions.items())
    out.append(f"  packages: {packages}")
    out.append(f"  command : {' '.join(settings['command'])}")
    scheduled = ", ".join(str(n) for n in settings["scale_rounds"])
    out.extend(
        [
            f"  method  : median of {settings['runs']} interleaved rounds after 1 warm-up"
            f"{settings['mode']}; children run from a temp dir",
            f"            corpora of {settings['big_corpus']:,}+ entries: rounds {scheduled} only"
            " (no warm-up); n = timed runs",
            "            ratio = wall median / baseline wall median (targets judge this);"
            " cpu ratio = the same",
            "            for user+sys CPU time, which other load on the machine disturbs less",
            "            RSS = the child's peak resident memory (worst run); it cannot read below"
            f" this process's own {settings['parent_rss_mb']:.0f} MB",
        ]
    )
    header = (
        f"{'case':<40} {'n':>3} {'median':>8} {'min':>8} {'IQR':>7} {'cpu':>8} {'RSS':>6}"
        f" {'ratio':>7} {'cpu':>7}  {'baseline':<11} {'target':>7}  status"
    )
    units = f"{'':<44} {'ms':>8} {'ms':>8} {'ms':>7} {'ms':>8} {'MB':>6} {'wall':>7} {'ratio':>7}"
    section = None
    for row in report.rows:
        if row.section != section:
            section = row.section
            out.append("")
            out.append(f"== {section}")
            out.append(header)
            out.append(units)
        stats = _stats(row.case)
        if row.case.failure is not None and not row.case.samples:
            out.append(f"{row.case.label:<40} FAILED: {row.case.failure}")
            continue
        ratio = _ratio(row)
        cpu_ratio = _ratio(row, cpu=True)
        ratio_text = f"{ratio:.2f}x" if ratio is not None else ""
        cpu_text = f"{cpu_ratio:.2f}x" if cpu_ratio is not None else ""
        target = f"<={row.target:g}x" if row.target is not None else ""
        out.append(
            f"{row.case.label:<40} {stats['runs']:>3} {stats['median_ms']:>8.1f}"
            f" {stats['min_ms']:>8.1f} {stats['iqr_ms']:>7.1f} {stats['cpu_median_ms']:>8.1f}"
            f" {stats['rss_max_mb']:>6.1f} {ratio_text:>7} {cpu_text:>7}"
            f"  {row.baseline.key if row.baseline else '':<11} {target:>7}"
            f"  {_verdict(ratio, row.target)}"
        )
        if row.note:
            out.append(f"{'':<4}{row.note}")
        if row.case.failure is not None:
            out.append(f"{'':<4}FAILED after {stats['runs']} runs: {row.case.failure}")
    out.append("")
    out.append("== peak memory (max RSS of the child, worst of its runs, from os.wait4)")
    memory = report.memory()
    peak = "not run" if memory["peak_mb"] is None else f"{memory['peak_mb']:.1f} MB"
    out.append(
        f"{memory['label']:<44} {peak}, target < {memory['target_mb']:g} MB: {memory['verdict']}"
    )
    imports = report.facts.get("imports")
    if imports:
        out.append("")
        out.append(
            f"== import time: python -X importtime -c 'import squatqa.cli' "
            f"(median of {imports['repeats']}; squatqa.cli total "
            f"{imports['squatqa_cli_cumulative_ms']:.1f} ms)"
        )
        out.append(f"{'top cumulative':<40} {'cum ms':>8} {'self ms':>8}")
        for item in imports["top_cumulative"]:
            name = "  " * item["depth"] + item["module"]
            out.append(f"{name:<40} {item['cumulative_ms']:>8.1f} {item['self_ms']:>8.1f}")
        out.append(f"{'top self':<40} {'self ms':>8}")
        for item in imports["top_self"]:
            out.append(f"{item['module']:<40} {item['self_ms']:>8.1f}")
        piped = imports["rich_modules_piped"]
        out.append(
            "rich imported on the piped ask path: "
            + (f"YES ({len(piped)} modules, e.g. {', '.join(piped[:3])})" if piped else "no")
            + f"; on the terminal path: {imports['rich_modules_terminal']} rich modules"
        )
    failures = report.facts.get("failures")
    if failures:
        out.append("")
        out.append("== FAILED commands (exit status 1)")
        out.extend(f"{key}: {message}" for key, message in failures.items())
    return "\n".join(out)


# -- main -----------------------------------------------------------------------------


def child_env(cache_dir: Path) -> dict[str, str]:
    """The user's environment minus what would change the answer or the rendering.

    XDG_CACHE_HOME points into the temp dir so the index cache is created there and
    removed with it, not left in the user's home.
    """
    env = dict(os.environ)
    # PYTHONDONTWRITEBYTECODE would make every child compile squatqa from source,
    # which an installed package never does (pip writes the bytecode).
    for name in (
        "SQUATQA_CORPUS",
        "SQUATQA_CACHE_DIR",
        "NO_COLOR",
        "FORCE_COLOR",
        "PYTHONPROFILEIMPORTTIME",
        "PYTHONDONTWRITEBYTECODE",
    ):
        env.pop(name, None)
    env["XDG_CACHE_HOME"] = str(cache_dir)
    if env.get("TERM", "dumb") == "dumb":
        env["TERM"] = "xterm-256color"
    return env


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time squatqa's command line against same-run baselines.",
    )
    parser.add_argument(
        "--runs", type=int, default=None, help=f"timed rounds (default {DEFAULT_RUNS})"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_RUNS} rounds, {QUICK_BATCH_SIZE:,}-question batch, "
        "no 100,000-entry corpus",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument(
        "--command",
        metavar="PATH",
        help="time this squatqa console script instead of `python -m squatqa`",
    )
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="interpreter for the floors and the import profile "
        "(default: this one, or the --command script's shebang)",
    )
    parser.add_argument(
        "--scale-runs",
        type=int,
        default=None,
        metavar="N",
        help=f"rounds for corpora of {BIG_CORPUS:,}+ entries, spread over the run "
        f"(default {DEFAULT_SCALE_RUNS}, {QUICK_SCALE_RUNS} with --quick; at most --runs)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.scale_runs is not None and args.scale_runs < 1:
        parser.error("--scale-runs must be at least 1")
    if args.command is not None:
        found = shutil.which(args.command)
        if found is None:
            parser.error(f"--command {args.command}: not found or not executable")
        args.command = str(Path(found).resolve())
    return args


def spread(count: int, rounds: int) -> frozenset[int]:
    """`count` of the timed rounds 1..rounds, evenly spaced, so slow cases see the whole run."""
    count = min(count, rounds)
    if count == 1:
        return frozenset({(rounds + 1) // 2})
    return frozenset(1 + round(i * (rounds - 1) / (count - 1)) for i in range(count))


def build_cases(
    base: list[str],
    python: str,
    work: Path,
    quick: bool,
    quiet: bool,
    schedule: frozenset[int],
) -> tuple[list[list[Case]], Report]:
    """Every case, grouped into interleaving units, and the rows that compare them."""
    asks = frozenset({0, 1})  # 1 is "no confident match": an answer, not a failure
    floor = Case("floor", "python -c 'import typer,json,rapidfuzz'", [python, "-c", FLOOR_IMPORTS])
    floor_tty = Case(
        "floor-tty",
        "  same + rich.console, on a pty",
        [python, "-c", TERMINAL_FLOOR_IMPORTS],
        terminal=True,
    )
    ask = Case("ask", f'ask "{ASK_QUESTION}"', [*base, "ask", ASK_QUESTION], ok_status=asks)
    help_case = Case("help", "--help", [*base, "--help"])
    list_case = Case("list", "list", [*base, "list"])
    show = Case("show", f"show {SHOW_ID}", [*base, "show", SHOW_ID])
    ask_tty = Case(
        "ask-tty",
        "ask, stdout on a pty",
        [*base, "ask", ASK_QUESTION],
        terminal=True,
        ok_status=asks,
    )

    bundled = BUNDLED_CORPUS if BUNDLED_CORPUS.is_file() else None
    texts = corpus_texts(bundled) if bundled else [ASK_QUESTION]
    real_words = corpus_words(bundled) if bundled else ASK_QUESTION.split()

    batch_size = QUICK_BATCH_SIZE if quick else BATCH_SIZE
    questions = make_batch_questions(texts, real_words, batch_size)
    batch_file = work / "batch.txt"
    batch_file.write_text("\n".join(questions) + "\n", encoding="utf-8")
    batch = Case(
        "batch",
        f"ask --json - ({batch_size:,} questions)",
        [*base, "ask", "--json", "-"],
        stdin_path=batch_file,
        ok_status=asks,
        expected_lines=batch_size,
    )

    units: list[list[Case]] = [[floor], [floor_tty], [ask], [help_case], [list_case], [show]]
    units += [[ask_tty], [batch]]
    report = Report()
    report.facts["batch"] = {
        "questions": batch_size,
        "unique_questions": len(set(questions)),
        "examples": questions[:5],
    }
    report.rows += [
        Row("baselines", floor),
        Row("baselines", floor_tty),
        Row("cold start, stdout piped", ask, floor, START_TARGET),
        Row("cold start, stdout piped", help_case, floor, START_TARGET),
        Row("cold start, stdout piped", list_case, floor, START_TARGET),
        Row("cold start, stdout piped", show, floor, START_TARGET),
        Row("cold start, stdout on a terminal", ask_tty, floor_tty, START_TARGET),
        Row(
            "batch",
            batch,
            ask,
            BATCH_TARGET,
            f"{len(set(questions)):,} distinct questions; output line count checked every run",
        ),
    ]

    sizes = QUICK_SCALE_SIZES if quick else SCALE_SIZES
    scale_facts: list[dict[str, Any]] = []
    for size in sizes:
        _progress(f"generating a {size:,}-entry corpus", quiet)
        corpus = SyntheticCorpus(size, real_words, work / f"corpus-{size}.json")
        scale_facts.append({"entries": size, "megabytes": round(corpus.megabytes, 1)})
        argv = [*base, "ask", "--corpus", str(corpus.path), ASK_QUESTION]
        first = Case(
            f"scale-{size}-1st",
            f"{size:>7,} entries ({corpus.megabytes:.0f} MB), first run",
            argv,
            ok_status=asks,
            prepare=corpus.new_variant,
            rounds=schedule if size >= BIG_CORPUS else None,
        )
        repeat = Case(
            f"scale-{size}-2nd",
            f"{size:>7,} entries, repeat run",
            argv,
            ok_status=asks,
            rounds=first.rounds,
        )
        units.append([first, repeat])
        # A cold ask is a new process; the first run on a new corpus file also
        # builds and saves its index, once. Targets judge the runs after it.
        report.rows.append(Row("corpus scale: ask --corpus", first, ask))
        report.rows.append(Row("corpus scale: ask --corpus", repeat, ask, SCALE_TARGETS.get(size)))
        if size == MEMORY_TARGET_SIZE:
            report.memory_case = repeat
    report.facts["scale"] = scale_facts
    report.facts["first_run_note"] = (
        "first runs use a freshly rewritten corpus file (new name, same entries) so "
        "no saved index can serve them: they build and save it; repeat runs follow "
        "immediately on the same file and load it, and the targets judge those"
    )

    shortest: Case | None = None
    for words in QUESTION_WORDS:
        text = make_long_question(words, real_words)
        case = Case(
            f"words-{words}",
            f"ask, {words:,} words ({len(text):,} chars)",
            [*base, "ask", text],
            ok_status=asks,
        )
        units.append([case])
        report.rows.append(Row("question length", case, shortest or ask))
        shortest = shortest or case
    return units, report


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    runs = args.runs if args.runs is not None else (QUICK_RUNS if args.quick else DEFAULT_RUNS)
    if args.command:
        base = [args.command]
        python = args.python or interpreter_of(args.command)
    else:
        python = args.python or sys.executable
        base = [python, "-m", "squatqa"]

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="squatqa-speed-") as temp:
        work = Path(temp)
        cwd = work / "cwd"  # not the checkout, so the installed package is what runs
        cwd.mkdir()
        env = child_env(work / "cache")
        machine = machine_info(python, env, cwd)
        scale_runs = args.scale_runs or (QUICK_SCALE_RUNS if args.quick else DEFAULT_SCALE_RUNS)
        schedule = spread(scale_runs, runs)
        units, report = build_cases(base, python, work, args.quick, args.quiet, schedule)
        _progress(f"timing {sum(len(u) for u in units)} commands over {runs} rounds", args.quiet)
        run_rounds(units, runs, env, cwd, args.quiet)
        _progress("profiling imports", args.quiet)
        try:
            report.facts["imports"] = profile_imports(
                python, base, 1 if args.quick else 5, env, cwd
            )
        except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
            report.facts["failures_imports"] = str(error)

    failures = {
        case.key: case.failure for unit in units for case in unit if case.failure is not None
    }
    if "failures_imports" in report.facts:
        failures["importtime"] = report.facts.pop("failures_imports")
    if failures:
        report.facts["failures"] = failures
    elapsed = time.perf_counter() - started
    report.facts["elapsed_s"] = round(elapsed, 1)
    settings = {
        "runs": runs,
        "quick": args.quick,
        "command": base,
        "python": python,
        "mode": ", QUICK smoke run" if args.quick else "",
        "scale_rounds": sorted(schedule),
        "big_corpus": BIG_CORPUS,
        "parent_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if args.json:
        print(report_json(report, machine, settings))
    else:
        print(report_text(report, machine, settings))
        print(f"\nwhole run: {elapsed:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
