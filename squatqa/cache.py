"""Keep each corpus's prepared index on disk, so a run does not rebuild it.

Reading a corpus and building its index costs more than everything else a short
run does, and most runs ask the same corpus again. So the prepared engine is saved
once per corpus file, keyed by a digest of what it was built from (the corpus's
bytes, the shared lexicon, the index format and the Python version), and the next
run loads it instead. Each record of the payload carries a CRC-32, checked before
it is read.

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
import marshal
import os
import struct
import sys
import zlib

try:  # hashlib's own import loads OpenSSL, about 3 ms of every run's start
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - Pythons built without it
    from hashlib import blake2b
from pathlib import Path
from typing import Any

from squatqa import __version__
from squatqa.analyzer import Analyzer
from squatqa.corpus import Corpus, Entry, read_corpus_bytes, resolve_corpus_path
from squatqa.datafiles import read_data_file
from squatqa.engine import Engine
from squatqa.index import Index
from squatqa.lexicon import LEXICON_NAME, parse_lexicon

CACHE_ENV_VAR = "SQUATQA_CACHE_DIR"
# Bump whenever analysis, the index or the saved layout changes meaning, or when
# checking a corpus file starts to refuse files it accepted (13: a field given twice
# in one object), so that no index saved from such a file is trusted.
INDEX_FORMAT = 13
_MAGIC = b"squatqa index\n\0\0"
_DIGEST_SIZE = 32
# The file: magic, content key and record count, then each record's length and
# CRC-32, then the records: marshal data of the corpus (its entries in chunks),
# the analyzer and the index. Records are read one at a time, so loading a large
# corpus never holds its whole saved index as bytes and as objects at once.
_PREFIX = struct.Struct(f"<{len(_MAGIC)}s{_DIGEST_SIZE}sI")
_RECORD = struct.Struct("<QI")
_ENTRIES_PER_RECORD = 10_000


def open_engine(path: str | os.PathLike[str] | None = None) -> Engine:
    """The engine for a corpus file (default: $SQUATQA_CORPUS or the bundled one).

    Raises squatqa.corpus.CorpusError when the file cannot be used, exactly as
    load_corpus does; the cache never changes what a run answers.
    """
    resolved = resolve_corpus_path(path)
    raw = read_corpus_bytes(resolved)
    source = str(resolved)
    lexicon_raw = read_data_file(LEXICON_NAME)
    key = _content_key(raw, lexicon_raw)
    location = _cache_file(resolved)
    if location is not None:
        engine = _load(location, key, source)
        if engine is not None:
            return engine
    from squatqa import validation  # only a miss needs to check the file

    corpus = validation.decode_corpus(raw, source)
    engine = Engine(corpus, parse_lexicon(lexicon_raw))
    if location is not None:
        _store(location, key, _engine_records(engine))
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
    try:
        absolute = corpus_path if corpus_path.is_absolute() else Path.cwd() / corpus_path
    except OSError:  # the working directory is gone: run without the cache
        return None
    where = str(absolute).encode("utf-8", "surrogateescape")
    return directory / f"{blake2b(where, digest_size=12).hexdigest()}.index"


def _content_key(corpus_raw: bytes, lexicon_raw: bytes) -> bytes:
    digest = blake2b(digest_size=_DIGEST_SIZE)
    version = f"{INDEX_FORMAT}:{__version__}:{sys.version_info[0]}.{sys.version_info[1]}:"
    digest.update(version.encode())
    digest.update(len(lexicon_raw).to_bytes(8, "little"))
    digest.update(lexicon_raw)
    digest.update(corpus_raw)
    return digest.digest()


def _load(location: Path, key: bytes, source: str) -> Engine | None:
    try:
        with location.open("rb") as stream:
            prefix = stream.read(_PREFIX.size)
            if len(prefix) != _PREFIX.size:
                return None
            magic, stored_key, count = _PREFIX.unpack(prefix)
            if magic != _MAGIC or stored_key != key:
                return None
            table = stream.read(_RECORD.size * count)
            if len(table) != _RECORD.size * count:
                return None
            records = []
            for length, checksum in _RECORD.iter_unpack(table):
                record = stream.read(length)
                if len(record) != length or zlib.crc32(record) != checksum:
                    return None
                records.append(marshal.loads(record))
                del record
            if stream.read(1):
                return None
            return _engine_from_records(records, source)
    except OSError:
        return None
    except (ValueError, TypeError, KeyError, IndexError, EOFError, OverflowError, MemoryError):
        return None  # a file that passed its checksums yet is not ours: rebuild it


def _store(location: Path, key: bytes, records: list[Any]) -> None:
    import tempfile  # only a miss writes

    temporary: Path | None = None
    try:
        location.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _remove_abandoned(location.parent)
        handle, name = tempfile.mkstemp(dir=location.parent, prefix=".index-", suffix=".tmp")
        temporary = Path(name)
        with os.fdopen(handle, "wb") as stream:
            stream.write(bytes(_PREFIX.size + _RECORD.size * len(records)))
            table = b""
            for part in records:
                record = marshal.dumps(part)
                table += _RECORD.pack(len(record), zlib.crc32(record))
                stream.write(record)
                del record
            stream.seek(0)
            stream.write(_PREFIX.pack(_MAGIC, key, len(records)) + table)
        temporary.replace(location)
        temporary = None
    except OSError:
        pass  # an unwritable cache only costs the next run the rebuild
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.unlink()


def _remove_abandoned(directory: Path) -> None:
    """Delete temporary files an interrupted writer left behind more than an hour ago."""
    import time

    for leftover in directory.glob(".index-*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - leftover.stat().st_mtime > 3600:
                leftover.unlink()


def _engine_records(engine: Engine) -> list[Any]:
    corpus = engine.corpus
    entries = [tuple(entry) for entry in corpus.entries]
    chunks = [
        tuple(entries[start : start + _ENTRIES_PER_RECORD])
        for start in range(0, len(entries), _ENTRIES_PER_RECORD)
    ]
    head = (INDEX_FORMAT, corpus.name, corpus.version, corpus.synonyms, len(chunks))
    return [head, *chunks, engine.analyzer.to_state(), *engine.index.to_state()]


def _engine_from_records(records: list[Any], source: str) -> Engine:
    layout, name, version, synonyms, chunk_count = records[0]
    if layout != INDEX_FORMAT:
        raise ValueError("index layout from another version")
    chunks = records[1 : 1 + chunk_count]
    corpus = Corpus(
        name, version, (Entry._make(entry) for chunk in chunks for entry in chunk), source, synonyms
    )
    analyzer = Analyzer.from_state(records[1 + chunk_count])
    index = Index.from_state(tuple(records[2 + chunk_count :]))
    return Engine(corpus, prepared=(analyzer, index))
