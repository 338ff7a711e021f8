"""squatqa's own files in data/ (lexicon, confidence model, bundled corpus, schema).

They sit inside the installed package, or beside it in a source checkout. They
are part of the installation, not user input: when one cannot be read or makes
no sense the installation is broken, which DataFileError says, so the entry
point can name the file and the remedy instead of showing a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

Parsed = TypeVar("Parsed")


class DataFileError(Exception):
    """One of squatqa's own data files is missing or damaged: the installation is broken."""


def damaged(name: str, reason: str) -> DataFileError:
    """The error for a file of data/ whose content cannot be used."""
    return DataFileError(f"{data_path(name)} is damaged: {reason}")


def data_path(name: str) -> Path:
    """Where a file of data/ is, or would be: the installed package's copy comes first."""
    here = Path(__file__).resolve().parent
    installed = here / "data"
    if installed.is_dir() or not (here.parent / "data").is_dir():
        return installed / name
    return here.parent / "data" / name


def read_data_file(name: str) -> bytes:
    """The bytes of a file of data/; DataFileError if it cannot be read."""
    path = data_path(name)
    try:
        return path.read_bytes()
    except OSError as error:
        raise DataFileError(f"cannot read {path}: {error.strerror or error}") from None


def decode_data_file(name: str, raw: bytes, parse: Callable[[object], Parsed]) -> Parsed:
    """A JSON data file's bytes, decoded and handed to `parse`; DataFileError if either fails.

    `parse` reports what it cannot use with ValueError or TypeError.
    """
    try:
        return parse(json.loads(raw))
    except (ValueError, TypeError, RecursionError) as error:
        # ValueError covers undecodable bytes and malformed JSON as well.
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise damaged(name, reason) from None
