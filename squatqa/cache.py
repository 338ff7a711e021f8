"""Keep each corpus's prepared index on disk, so a run does not rebuild it.

Reading a corpus and building its index costs more than everything else a short
run does, and most runs ask the same corpus again. So the prepared engine is saved
once per corpus file, keyed by a digest of what it was built from (the corpus's
bytes, the shared lexicon, the index format and the Python version), and the next
run loads it instead.

A cache can only make a run faster, never wrong or broken: a file whose key does
not match (the corpus changed), whose checksum fails (truncated or corrupted) or
that cannot be read is ignored and rebuilt; one that cannot be written (read-only
home, no HOME, a file where the directory should be) is simply not written.
Files are written to a temporary name and renamed into place, so a reader never
sees half of one.

Where: $SQUATQA_CACHE_DIR if set (set it empty to turn the cache off), else
$XDG_CACHE_HOME/squatqa, else ~/.cache/squatqa.
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
import sys

try:  # hashlib's own import loads OpenSSL, about 3 ms of every run's start
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - Pythons built without it
    from hashlib import blake2b
from pathlib import Path
from typing import Any

from squatqa.analyzer import Analyzer
from squatqa.corpus import Corpus, Entry, read_corpus_bytes, resolve_corpus_path
from squatqa.engine import Engine
from squatqa.index import Index
from squatqa.lexicon import build_lexicon, lexicon_path

CACHE_ENV_VAR = "SQUATQA_CACHE_DIR"
# Bump whenever analysis, the index or the saved layout changes meaning.
INDEX_FORMAT = 1
_MAGIC = b"squatqa index\n"
_DIGEST_SIZE = 32


def open_engine(path: str | os.PathLike[str] | None = None) -> Engine:
    """The engine for a corpus file (default: $SQUATQA_CORPUS or the bundled one).

    Raises squatqa.corpus.CorpusError when the file cannot be used, exactly as
    load_corpus does; the cache never changes what a run answers.
    """
    resolved = resolve_corpus_path(path)
    raw = read_corpus_bytes(resolved)
    source = str(resolved)
    lexicon_raw = lexicon_path().read_bytes()
    key = _content_key(raw, lexicon_raw)
    location = _cache_file(resolved)
    if location is not None:
        engine = _load(location, key, source)
        if engine is not None:
            return engine
    from squatqa import validation  # only a miss needs to check the file

    corpus = validation.decode_corpus(raw, source)
    engine = Engine(corpus, build_lexicon(json.loads(lexicon_raw)))
    if location is not None:
        _store(location, key, _engine_state(engine))
    return engine


def cache_directory() -> Path | None:
    """Where indexes are kept, or None when caching is off or there is no home."""
    chosen = os.environ.get(CACHE_ENV_VAR)
    if chosen is not None:
        return Path(chosen) if chosen else None
    # Relative values are ignored, as the XDG base directory rules ask.
    base = Path(os.environ.get("XDG_CACHE_HOME", ""))
    if base.is_absolute():
        return base / "squatqa"
    home = Path(os.environ.get("HOME", ""))
    if not home.is_absolute():
        return None
    return home / ".cache" / "squatqa"


def _cache_file(corpus_path: Path) -> Path | None:
    """One file per corpus file, so editing a corpus replaces its index, never piles up."""
    directory = cache_directory()
    if directory is None:
        return None
    where = str(Path.cwd() / corpus_path).encode("utf-8", "surrogateescape")
    return directory / f"{blake2b(where, digest_size=12).hexdigest()}.index"


def _content_key(corpus_raw: bytes, lexicon_raw: bytes) -> bytes:
    digest = blake2b(digest_size=_DIGEST_SIZE)
    digest.update(f"{INDEX_FORMAT}:{sys.version_info[0]}.{sys.version_info[1]}:".encode())
    digest.update(len(lexicon_raw).to_bytes(8, "little"))
    digest.update(lexicon_raw)
    digest.update(corpus_raw)
    return digest.digest()


def _load(location: Path, key: bytes, source: str) -> Engine | None:
    try:
        blob = location.read_bytes()
    except OSError:
        return None
    header = len(_MAGIC) + 2 * _DIGEST_SIZE
    if len(blob) < header or not blob.startswith(_MAGIC):
        return None
    stored_key = blob[len(_MAGIC) : len(_MAGIC) + _DIGEST_SIZE]
    checksum = blob[len(_MAGIC) + _DIGEST_SIZE : header]
    payload = memoryview(blob)[header:]
    if stored_key != key or blake2b(payload, digest_size=_DIGEST_SIZE).digest() != checksum:
        return None
    try:
        return _engine_from_state(marshal.loads(payload), source)
    except (ValueError, TypeError, EOFError, KeyError, IndexError):
        return None


def _store(location: Path, key: bytes, state: tuple[Any, ...]) -> None:
    payload = marshal.dumps(state)
    checksum = blake2b(payload, digest_size=_DIGEST_SIZE).digest()
    import tempfile  # only a miss writes

    temporary: Path | None = None
    try:
        location.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, name = tempfile.mkstemp(dir=location.parent, prefix=".index-", suffix=".tmp")
        temporary = Path(name)
        with os.fdopen(handle, "wb") as stream:
            stream.write(_MAGIC + key + checksum)
            stream.write(payload)
        temporary.replace(location)
        temporary = None
    except OSError:
        pass  # an unwritable cache only costs the next run the rebuild
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.unlink()


def _engine_state(engine: Engine) -> tuple[Any, ...]:
    corpus = engine.corpus
    entries = tuple(tuple(entry) for entry in corpus.entries)
    return (
        INDEX_FORMAT,
        (corpus.name, corpus.version, corpus.synonyms, entries),
        engine.analyzer.to_state(),
        engine.index.to_state(),
    )


def _engine_from_state(state: Any, source: str) -> Engine:
    layout, (name, version, synonyms, entries), analyzer, index = state
    if layout != INDEX_FORMAT:
        raise ValueError("index layout from another version")
    corpus = Corpus(name, version, map(Entry._make, entries), source, synonyms)
    return Engine(corpus, prepared=(Analyzer.from_state(analyzer), Index.from_state(index)))
