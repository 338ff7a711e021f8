from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import pytest

from squatqa import Engine, load_corpus
from squatqa.corpus import Corpus

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent


@pytest.fixture(scope="session", autouse=True)
def private_index_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keep the tests' index cache (in-process and in child processes) out of the home."""
    directory = tmp_path_factory.mktemp("index-cache")
    os.environ["SQUATQA_CACHE_DIR"] = str(directory)
    return directory


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="session")
def engine(corpus: Corpus) -> Engine:
    return Engine(corpus)


def small_corpus_data() -> dict[str, object]:
    return {
        "name": "Tiny",
        "version": 1,
        "entries": [
            {
                "id": "bar-path",
                "question": "Why does my bar path drift forward?",
                "answer": "Usually the chest drops out of the hole.",
                "aliases": [],
                "tags": ["bar"],
            },
            {
                "id": "foot-width",
                "question": "How wide should my stance be?",
                "answer": "About shoulder width, toes turned out a little.",
                "tags": ["stance"],
            },
        ],
    }


@pytest.fixture
def write_corpus(tmp_path: Path) -> Callable[..., Path]:
    def write(data: object | None = None, raw: bytes | None = None, name: str = "c.json") -> Path:
        path = tmp_path / name
        if raw is None:
            raw = json.dumps(small_corpus_data() if data is None else data).encode()
        path.write_bytes(raw)
        return path

    return write


def run_squatqa(
    *args: str,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run the real command in a child process, as a script would."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("SQUATQA_CORPUS", "NO_COLOR")}
    full_env["PYTHONPATH"] = str(REPO)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "squatqa", *args],
        input=input if input is not None else b"",
        capture_output=True,
        env=full_env,
        cwd=cwd or REPO,
        timeout=60,
    )


def misordered_splits(tree: object, monotone: Sequence[int]) -> list[tuple[int, float]]:
    """Splits on a feature with a direction whose two sides' leaves are not in that order.

    A monotone tree has none: every leaf on the low side of such a split is at most
    (for a rising feature) every leaf on its high side, whatever lies between.
    """
    if not isinstance(tree, tuple):
        return []
    feature, threshold, low, high = tree
    found = misordered_splits(low, monotone) + misordered_splits(high, monotone)
    direction = monotone[feature]
    if direction:
        lows, highs = _leaves(low), _leaves(high)
        if (direction > 0 and max(lows) > min(highs)) or (direction < 0 and min(lows) < max(highs)):
            found.append((feature, threshold))
    return found


def _leaves(tree: object) -> list[float]:
    if isinstance(tree, tuple):
        return _leaves(tree[2]) + _leaves(tree[3])
    assert isinstance(tree, float)
    return [tree]


def load_benchmark(name: str) -> ModuleType:
    """A script of benchmarks/ (not a package) imported as a module, for testing its parts."""
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up in sys.modules while the class is built.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
