"""Check and clean what users type before it reaches the engine."""

from __future__ import annotations

from dataclasses import dataclass

MAX_QUESTION_CHARS = 10_000


@dataclass(frozen=True, slots=True)
class Question:
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


def decode_line(raw: bytes) -> str:
    """One batch line as text; bad bytes become lone surrogates for clean_question."""
    return raw.decode("utf-8", "surrogateescape").rstrip("\r\n")


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
