"""Corpus records and files: what an entry and a corpus are, and where they live.

Checking a file's contents is squatqa.validation's job; it is imported only when a
file has to be decoded, which a run that finds its index in the cache never does.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from squatqa.datafiles import data_path

CORPUS_ENV_VAR = "SQUATQA_CORPUS"
BUNDLED_CORPUS_NAME = "squat_faq.json"
SCHEMA_NAME = "corpus.schema.json"
# Far above any real FAQ; stops `--corpus /dev/zero` from eating all memory.
MAX_CORPUS_BYTES = 64 * 1024 * 1024


class Entry(NamedTuple):
    """One question/answer pair; `aliases` are other ways people ask the same thing."""

    id: str
    question: str
    answer: str
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "aliases": list(self.aliases),
            "tags": list(self.tags),
        }


class Corpus:
    """A validated corpus: its entries in order, and the vocabulary it brings."""

    __slots__ = ("_by_id", "entries", "name", "source", "synonyms", "version")

    def __init__(
        self,
        name: str,
        version: int,
        entries: Iterable[Entry],
        source: str = "<memory>",
        synonyms: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.name = name
        self.version = version
        self.entries = tuple(entries)
        self.source = source
        # canonical term -> other words and phrases that mean the same in this corpus
        self.synonyms: dict[str, tuple[str, ...]] = dict(synonyms or {})
        self._by_id = {entry.id: entry for entry in self.entries}

    def __repr__(self) -> str:
        return f"Corpus({self.name!r}, {len(self.entries)} entries, source={self.source!r})"

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    @property
    def ids(self) -> list[str]:
        return [entry.id for entry in self.entries]


class Problem(NamedTuple):
    """One thing wrong with a corpus file; `where` is a human-readable location."""

    where: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class CorpusError(Exception):
    """A corpus file could not be used; carries every problem found."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        first = problems[0] if problems else Problem("", "invalid corpus")
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(f"{source}: {first}{more}")


def bundled_corpus_path() -> Path:
    """The corpus shipped with the package (wheel) or beside it (source checkout)."""
    return data_path(BUNDLED_CORPUS_NAME)


def schema_path() -> Path:
    """The JSON Schema of the corpus format, shipped beside the bundled corpus."""
    return data_path(SCHEMA_NAME)


def resolve_corpus_path(path: str | os.PathLike[str] | None = None) -> Path:
    """An explicit path wins, then $SQUATQA_CORPUS, then the bundled corpus."""
    if path is not None and str(path) != "":
        return Path(path)
    from_env = os.environ.get(CORPUS_ENV_VAR, "")
    if from_env:
        return Path(from_env)
    return bundled_corpus_path()


class FileTooLarge(Exception):
    """A file over the size squatqa reads; the message gives the limit."""


def read_at_most(path: Path, limit: int) -> bytes:
    """The file's bytes, of which no more than one past `limit` are ever read, so that
    `/dev/zero` is refused rather than read until memory runs out.

    FileTooLarge past the limit; OSError as opening or reading raises it.
    """
    with path.open("rb") as file:
        raw = file.read(limit + 1)
    if len(raw) > limit:
        raise FileTooLarge(f"file too large (the limit is {limit // (1024 * 1024)} MiB)")
    return raw


def read_corpus_bytes(path: Path) -> bytes:
    """The file's bytes, or a CorpusError that says in words why it cannot be read."""
    try:
        return read_at_most(path, MAX_CORPUS_BYTES)
    except FileTooLarge as error:
        raise CorpusError(str(path), [Problem("", str(error))]) from None
    except FileNotFoundError:
        raise CorpusError(str(path), [Problem("", "no such file")]) from None
    except IsADirectoryError:
        raise CorpusError(str(path), [Problem("", "is a directory, not a corpus file")]) from None
    except PermissionError:
        raise CorpusError(str(path), [Problem("", "permission denied")]) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise CorpusError(str(path), [Problem("", f"cannot read file: {reason}")]) from None


def load_corpus(path: str | os.PathLike[str] | None = None) -> Corpus:
    """Read and validate a corpus file; raises CorpusError listing what is wrong."""
    from squatqa.validation import decode_corpus

    resolved = resolve_corpus_path(path)
    return decode_corpus(read_corpus_bytes(resolved), str(resolved))
