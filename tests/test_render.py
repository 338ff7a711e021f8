"""Text escaping: control and format characters are shown, never sent; text stays whole."""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest

from squatqa.corpus import Entry
from squatqa.engine import Answer, Match
from squatqa.render import AnswerJson, safe_text, to_json

# Characters a terminal could act on or that hide or reorder text on screen.
DANGEROUS = [
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\x9b",
    "\u00ad",
    "\u061c",
    "\u200b",
    "\u200e",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\u2069",
    "\u2060",
    "\ufeff",
    "\ufff9",
    "\U000e0041",
]
# Characters that are text, however unusual, and must come through unchanged.
KEPT = ["\t", "\n", " ", "\u00a0", "\u3000", "\u201c", "\u00e9", "\u2019", "\U0001f3cb"]


@pytest.mark.parametrize("char", DANGEROUS)
def test_dangerous_characters_are_shown_as_escapes(char: str) -> None:
    shown = safe_text(f"a{char}b")
    assert char not in shown
    assert shown.startswith("a\\") and shown.endswith("b")


@pytest.mark.parametrize("char", DANGEROUS)
def test_json_escapes_them_and_reads_back_exactly(char: str) -> None:
    text = to_json({"text": f"a{char}b"})
    assert char not in text
    assert text.isascii() or all(c.isprintable() for c in text)
    assert json.loads(text)["text"] == f"a{char}b"


@pytest.mark.parametrize("char", KEPT)
def test_ordinary_text_passes_unchanged(char: str) -> None:
    assert safe_text(f"knees{char}out") == f"knees{char}out"
    assert json.loads(to_json({"text": f"knees{char}out"}))["text"] == f"knees{char}out"


def test_every_control_and_format_character_is_escaped_to_plain_ascii() -> None:
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Cs" or char in "\t\n":
            continue  # lone surrogates never reach output; tab and newline are layout
        shown = safe_text(char)
        if category in ("Cc", "Cf", "Zl", "Zp"):
            assert shown != char, hex(code)
        if shown != char:
            assert shown.isascii() and shown.isprintable(), hex(code)


def answer_to_dict(answer: Answer) -> dict[str, object]:
    """The documented JSON contract of one answer, built the plain way."""
    return {
        "query": answer.query,
        "matches": [
            {
                "id": m.entry.id,
                "question": m.entry.question,
                "answer": m.entry.answer,
                "score": m.score,
            }
            for m in answer.matches
        ],
        "related": [{"id": entry.id, "question": entry.question} for entry in answer.related],
    }


def test_answer_lines_are_the_json_of_the_answer_whatever_the_text() -> None:
    odd = "".join(DANGEROUS + KEPT) + '"quoted" \\ back\\slash'
    entries = [
        Entry(f"id-{n}{odd}", f"Question {n}{odd}?", f"Answer {n}.{odd}", (), ()) for n in range(3)
    ]
    encoder = AnswerJson()
    for query, scores in [(f"why{odd}", [70.0, 99.9, 100.0]), ("plain", [0.0]), ("none", [])]:
        matches = [Match(entry, score) for entry, score in zip(entries, scores, strict=False)]
        for _repeat in range(2):  # the second time from the encoder's memory
            answer = Answer(query, matches, entries[len(matches) :], [])
            line = encoder.line(answer)
            assert line == to_json(answer_to_dict(answer))
            assert json.loads(line)["matches"] == answer_to_dict(answer)["matches"]
