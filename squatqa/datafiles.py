"""squatqa's own files in data/ (lexicon, confidence model, bundled corpus, schema).

They sit inside the installed package, or beside it in a source checkout. They
are part of the installation, not user input: when one cannot be read the
installation is broken, which DataFileError says so the entry point can name the
file and the remedy.
"""

from __future__ import annotations

from pathlib import Path


class DataFileError(Exception):
    """One of squatqa's own data files is missing or damaged: the installation is broken."""


def data_path(name: str) -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "data" / name
    if installed.is_file():
        return installed
    return here.parent / "data" / name


def read_data_file(name: str) -> bytes:
    """The bytes of a file of data/; DataFileError if it cannot be read."""
    path = data_path(name)
    try:
        return path.read_bytes()
    except OSError as error:
        raise DataFileError(f"cannot read {path}: {error.strerror or error}") from None
