"""Text escaping: control characters are shown, never sent, and clean text passes as is."""

from __future__ import annotations

import pytest

from squatqa.render import _JSON_ESCAPES, _VISIBLE, safe_text, to_json


@pytest.mark.parametrize("table", [_VISIBLE, _JSON_ESCAPES])
def test_every_escaped_character_fails_the_printable_fast_path(table: dict[int, str]) -> None:
    # safe_text and to_json return text untouched when str.isprintable() holds,
    # which is only safe if each character they escape makes it fail.
    assert not [code for code in table if chr(code).isprintable()]


def test_safe_text_shows_controls_and_keeps_the_rest() -> None:
    assert safe_text("knees \u201cOUT\u201d") == "knees \u201cOUT\u201d"
    assert safe_text("a\x1b[31mb\u202ec\x85d") == "a\\x1b[31mb\\u202ec\\x85d"
    assert safe_text("line\nnext\ttab") == "line\nnext\ttab"


def test_json_escapes_what_a_terminal_would_act_on() -> None:
    assert to_json({"text": "a\x1bb\u202ec\x9b"}) == '{"text": "a\\u001bb\\u202ec\\u009b"}'
    assert (
        to_json({"text": "caf\u00e9 \u201cquoted\u201d"})
        == '{"text": "caf\u00e9 \u201cquoted\u201d"}'
    )
