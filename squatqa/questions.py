"""Check and clean what users type before it reaches the engine.

Questions over MAX_QUESTION_CHARS (after whitespace is collapsed) are refused at
once, so a pasted page or a runaway script gets a quick, clear answer; in batch mode
a line over MAX_LINE_BYTES is refused without ever being held in memory whole.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

MAX_QUESTION_CHARS = 10_000
MAX_LINE_BYTES = 1024 * 1024
_UTF8_BOM = codecs.BOM_UTF8


class Question(NamedTuple):
    text: str
    problem: str | None = None  # why it cannot be asked; None when it can
    warning: str | None = None  # something was repaired, and the user should know


def clean_question(raw: str) -> Question:
    """Repair what can be repaired (bad bytes, NULs) and refuse what cannot be asked."""
    warning = None
    text = raw
    if _has_surrogates(text):
        # Undecodable command-line bytes arrive as lone surrogates.
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        warning = "question is not valid UTF-8; undecodable bytes were replaced"
    if "\x00" in text:
        text = text.replace("\x00", " ")
        warning = warning or "question contains NUL bytes; they were read as spaces"
    text = " ".join(text.split())
    if not text:
        return Question(text, problem="empty question")
    if len(text) > MAX_QUESTION_CHARS:
        return Question(
            text[:80],
            problem=f"question too long ({len(text):,} characters; "
            f"the limit is {MAX_QUESTION_CHARS:,})",
        )
    return Question(text, warning=warning)


def has_words(text: str) -> bool:
    """False for text with no letter or digit (e.g. "???"), which nothing can match."""
    return any(character.isalnum() for character in text)


def batch_questions(stream: BinaryIO) -> Iterator[Question]:
    """One Question per input line, in order: no line is dropped, however long or odd.

    A UTF-8 byte order mark before the first line (as some editors save) is not
    part of the question. Input that starts with a UTF-16 or UTF-32 one has no
    lines to speak of in UTF-8: it is one unusable question, and nothing more is read.
    """
    first = True
    while True:
        # The first line may carry a byte order mark on top of the longest question.
        line = stream.readline(MAX_LINE_BYTES + 1 + (len(_UTF8_BOM) if first else 0))
        if not line:
            return
        if first:
            first = False
            line = line.removeprefix(_UTF8_BOM)
            encoding = wide_encoding(line)
            if encoding is not None:
                yield Question("", problem=f"input is {encoding}, not UTF-8; convert it first")
                return
        question = clean_question(decode_line(line))
        ended = line.endswith(b"\n")
        length = len(line) - ended  # the question's bytes, so far
        if length > MAX_LINE_BYTES:
            size = length if ended else length + _skip_line(stream)
            question = Question(
                question.text[:80],
                problem=f"question too long ({size:,} bytes; "
                f"the limit is {MAX_QUESTION_CHARS:,} characters)",
            )
        yield question


# UTF-32 first: its little-endian mark begins with UTF-16's.
_WIDE_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def wide_encoding(raw: bytes) -> str | None:
    """UTF-16 or UTF-32, if `raw` starts with that encoding's byte order mark: text
    that, read as UTF-8, would come out as mojibake rather than fail cleanly."""
    return next((name for mark, name in _WIDE_ENCODINGS if raw.startswith(mark)), None)


def _skip_line(stream: BinaryIO) -> int:
    """Read past the rest of an overlong line in pieces; returns how many bytes it had
    before its line break."""
    skipped = 0
    while True:
        piece = stream.readline(MAX_LINE_BYTES)
        skipped += len(piece)
        if not piece:
            return skipped
        if piece.endswith(b"\n"):
            return skipped - len(b"\r\n" if piece.endswith(b"\r\n") else b"\n")


def decode_line(raw: bytes) -> str:
    """One batch line as text; bad bytes become lone surrogates for clean_question."""
    return raw.decode("utf-8", "surrogateescape").rstrip("\r\n")


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
