from __future__ import annotations

import errno
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest

from squatqa import corpus as corpus_module
from squatqa.corpus import Corpus, CorpusError, load_corpus, read_corpus_bytes
from squatqa.validation import (
    MAX_ENCODING_PROBLEMS,
    MAX_REPEATED_KEY_OBJECTS,
    check_corpus_bytes,
    parse_corpus,
)
from tests.conftest import DATA, small_corpus_data


def seed_pairs() -> list[tuple[str, str]]:
    """The source FAQ page's question/answer pairs, whitespace-normalised."""
    text = (DATA / "squat_faq_seed.txt").read_text(encoding="utf-8")
    blocks = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]
    blocks = [block for block in blocks if not block.startswith("INTERESTING:")]
    return list(zip(blocks[::2], blocks[1::2], strict=True))


def test_bundled_corpus_holds_the_nine_seed_pairs_verbatim(corpus: Corpus) -> None:
    pairs = seed_pairs()
    assert len(pairs) == 9
    assert [(e.question, e.answer) for e in corpus.entries] == pairs


def test_page_clutter_is_not_an_entry(corpus: Corpus) -> None:
    assert not any("wash my hair" in e.question.lower() for e in corpus.entries)


def test_bundled_ids_are_unique_readable_slugs(corpus: Corpus) -> None:
    ids = corpus.ids
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry_id) for entry_id in ids)


def test_explicit_path_wins_over_environment(
    write_corpus: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SQUATQA_CORPUS", "/nonexistent/corpus.json")
    assert load_corpus(write_corpus()).name == "Tiny"
    with pytest.raises(CorpusError, match="no such file"):
        load_corpus()


def test_missing_file_and_directory_are_corpus_errors(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such file"):
        load_corpus(tmp_path / "absent.json")
    with pytest.raises(CorpusError, match="directory"):
        load_corpus(tmp_path)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (PermissionError(errno.EACCES, "Permission denied"), "x.json: permission denied"),
        (OSError(errno.EIO, "Input/output error"), "x.json: cannot read file: Input/output error"),
    ],
)
def test_read_errors_are_corpus_errors(
    monkeypatch: pytest.MonkeyPatch, error: OSError, message: str
) -> None:
    # Root reads files whatever their mode, so the failures are made here instead.
    def refuse(*args: object, **kwargs: object) -> NoReturn:
        raise error

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(CorpusError) as caught:
        read_corpus_bytes(Path("x.json"))
    assert str(caught.value) == message


def test_a_file_over_the_size_limit_is_refused_without_reading_it_all(
    write_corpus: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_corpus()
    size = path.stat().st_size
    monkeypatch.setattr(corpus_module, "MAX_CORPUS_BYTES", size)
    assert read_corpus_bytes(path) == path.read_bytes()
    monkeypatch.setattr(corpus_module, "MAX_CORPUS_BYTES", size - 1)
    with pytest.raises(CorpusError, match="file too large"):
        read_corpus_bytes(path)


def problems_of(raw: bytes) -> list[str]:
    _corpus, problems = check_corpus_bytes(raw, "x.json")
    return [f"{p.severity}: {p}" for p in problems]


def test_json_syntax_error_has_line_and_column() -> None:
    (problem,) = problems_of(b'{\n  "name": "x",\n  "version": 1,,\n}')
    assert "line 3, column 16" in problem
    assert "not valid JSON" in problem


def test_invalid_utf8_has_line_and_column_and_checking_goes_on() -> None:
    problems = problems_of(b'{"name": "x",\n "version": 1, "entries": ["\xff"]}')
    assert problems == [
        "error: line 2, column 29: not valid UTF-8 (byte 0xff)",
        # The rest of the file is still checked, with the bad byte read as U+FFFD.
        "error: entry 0: expected a JSON object, found a string",
    ]


def test_utf8_column_counts_characters_like_json_errors() -> None:
    before = '{"name": "Übung é", "version": 1, "entries": "'
    assert len(before.encode()) == len(before) + 2
    problems = problems_of(before.encode() + b'\xe9"}')
    assert problems[0] == f"error: line 1, column {len(before) + 1}: not valid UTF-8 (byte 0xe9)"


def test_a_latin1_file_lists_the_first_bad_bytes_then_stops_counting() -> None:
    entries = [{"id": f"e{i}", "question": "Qué?", "answer": "Sí."} for i in range(20)]
    data = {"name": "Fútbol", "version": 1, "entries": entries}
    problems = problems_of(json.dumps(data, ensure_ascii=False).encode("latin-1"))
    located = [p for p in problems if re.match(r"error: line 1, column \d+: not valid UTF-8", p)]
    assert len(located) == MAX_ENCODING_PROBLEMS
    assert problems == [
        *located,
        "error: more bytes that are not UTF-8 follow; is the file saved as UTF-8?",
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_and_utf32_files_are_named_as_such(encoding: str) -> None:
    problems = problems_of(json.dumps(small_corpus_data()).encode(encoding))
    name = encoding.upper()
    assert problems == [
        f"error: line 1, column 1: file is {name} (it starts with a byte-order mark); "
        "save it as UTF-8"
    ]


def test_an_integer_too_long_for_python_is_reported_where_it_is() -> None:
    data = small_corpus_data()
    raw = json.dumps(data).replace('"version": 1', '"version": -' + "7" * 5000).encode()
    assert problems_of(raw) == ['error: field "version": integer too long (5,000 digits)']


def test_an_integer_too_long_in_an_ignored_field_does_no_harm() -> None:
    raw = json.dumps(small_corpus_data())[:-1] + ', "serial": ' + "7" * 5000 + "}"
    corpus, problems = check_corpus_bytes(raw.encode(), "x.json")
    assert corpus is not None
    assert [str(p) for p in problems] == ['top level: unknown field "serial" (ignored)']


@pytest.mark.parametrize(
    ("old", "new", "reported"),
    [
        ('"version": 1', '"version": 1, "version": 2', 'top level: field "version"'),
        (
            '"id": "foot-width"',
            '"id": "foot-width", "answer": "x"',
            'entry 1 ("foot-width"): field "answer"',
        ),
        (
            '"tags": ["bar"]',
            '"tags": ["bar"], "extra": {"a": 1, "a": 2}',
            '"a" given more than once in one',
        ),
    ],
)
def test_a_field_given_twice_in_one_object_is_an_error(old: str, new: str, reported: str) -> None:
    raw = json.dumps(small_corpus_data()).replace(old, new, 1).encode()
    corpus, problems = check_corpus_bytes(raw, "x.json")
    assert corpus is None
    assert [p.severity for p in problems if reported in str(p)] == ["error"]


def test_a_repeated_field_in_a_value_that_was_overwritten_is_still_reported() -> None:
    data = small_corpus_data()
    first = json.dumps(data["entries"]).replace('"tags"', '"aliases": [], "tags"', 1)
    raw = json.dumps(data).replace('"entries": [', f'"entries": {first}, "entries": [', 1).encode()
    _corpus, problems = check_corpus_bytes(raw, "x.json")
    assert sorted(str(p) for p in problems) == [
        'field "aliases" given more than once in one object',
        'top level: field "entries" given more than once',
    ]


def test_objects_repeating_a_field_are_reported_one_by_one_only_up_to_a_limit() -> None:
    data = small_corpus_data()
    many = ", ".join(['{"a": 1, "a": 2}'] * (MAX_REPEATED_KEY_OBJECTS + 25))
    raw = json.dumps(data)[:-1] + f', "extra": [{many}]}}'
    _corpus, problems = check_corpus_bytes(raw.encode(), "x.json")
    repeated = [str(p) for p in problems if "more than once" in str(p)]
    assert len(repeated) == MAX_REPEATED_KEY_OBJECTS + 1
    assert repeated[-1] == "25 more objects give a field more than once"


@pytest.mark.parametrize("nested", [MAX_REPEATED_KEY_OBJECTS + 5, 1_500])
def test_a_repeated_top_level_field_is_named_before_objects_nested_deeper(nested: int) -> None:
    # The decoder finishes nested objects first; the top level must still be named.
    many = ", ".join(['{"a": 1, "a": 2}'] * nested)
    data = json.dumps(small_corpus_data())
    raw = data.replace('"entries": [', f'"entries": [{many}], "entries": [', 1).encode()
    _corpus, problems = check_corpus_bytes(raw, "x.json")
    repeated = [str(p) for p in problems if "more than once" in str(p)]
    assert repeated[0] == 'top level: field "entries" given more than once'
    assert len(repeated) == MAX_REPEATED_KEY_OBJECTS + 1
    assert (
        repeated[-1]
        == f"{nested + 1 - MAX_REPEATED_KEY_OBJECTS:,} more objects give a field more than once"
    )


@pytest.mark.parametrize(
    ("field", "escaped", "message"),
    [
        ("answer", r"chest \ud800 up", 'field "answer": \\ud800 is half'),
        ("id", r"\udfff", 'field "id": \\udfff is half'),
        ("aliases", r'["fine", "\udc00"]', 'field "aliases", item 1: \\udc00 is half'),
    ],
)
def test_unpaired_surrogate_escapes_are_errors(field: str, escaped: str, message: str) -> None:
    value = escaped if escaped.startswith("[") else f'"{escaped}"'
    fields = {"id": '"a"', "question": '"q"', "answer": '"a"', field: value}
    entry = ", ".join(f'"{name}": {text}' for name, text in fields.items())
    raw = f'{{"name": "x", "version": 1, "entries": [{{{entry}}}]}}'
    problems = problems_of(raw.encode())
    assert len(problems) == 1, problems
    assert message in problems[0]
    assert problems[0].startswith("error: entry 0")


def test_paired_surrogate_escapes_are_one_character() -> None:
    raw = json.dumps(small_corpus_data()).replace("the hole.", "the hole \\ud83d\\ude00")
    corpus, problems = check_corpus_bytes(raw.encode(), "x.json")
    assert corpus is not None and problems == []
    assert corpus.entries[0].answer.endswith("the hole \U0001f600")


def test_a_schema_link_is_known_and_must_be_a_string() -> None:
    data = small_corpus_data()
    data["$schema"] = "./corpus.schema.json"
    assert problems_of(json.dumps(data).encode()) == []
    data["$schema"] = 1
    assert problems_of(json.dumps(data).encode()) == [
        'error: field "$schema": expected a string, found a number'
    ]


def test_every_schema_problem_is_reported_with_its_entry() -> None:
    data = {
        "name": "x",
        "version": "1",
        "extra": True,
        "entries": [
            {"id": "a", "question": "Q?", "answer": "A."},
            {"id": "a", "question": "Q2?", "answer": "A2."},
            {"id": "b", "question": "  ", "answer": 3},
            {"question": "Q?", "answer": "A.", "aliases": "nope", "colour": "red"},
            "not an object",
        ],
    }
    problems = problems_of(json.dumps(data).encode())
    expected = [
        'error: field "version": expected an integer, found a string',
        'warning: top level: unknown field "extra" (ignored)',
        'error: entry 1 ("a"): duplicate id (first used by entry 0)',
        'error: entry 2 ("b"): field "question" must not be empty',
        'error: entry 2 ("b"): field "answer": expected a string, found a number',
        'error: entry 3: missing field "id"',
        'error: entry 3: field "aliases": expected a list of strings',
        'warning: entry 3: unknown field "colour" (ignored)',
        "error: entry 4: expected a JSON object, found a string",
    ]
    assert problems == expected


def test_an_unusable_entry_still_claims_its_id() -> None:
    data = {
        "name": "x",
        "version": 1,
        "entries": [
            {"id": " a ", "question": "Q?"},
            {"id": "a", "question": "Q?", "answer": "A."},
        ],
    }
    assert problems_of(json.dumps(data).encode()) == [
        'error: entry 0 (" a "): missing field "answer"',
        'error: entry 1 ("a"): duplicate id (first used by entry 0)',
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected a JSON object, found a list"),
        ({"name": "x", "version": 1, "entries": []}, "at least one entry"),
        (
            {"version": 1, "entries": [{"id": "a", "question": "q", "answer": "a"}]},
            'missing field "name"',
        ),
    ],
)
def test_structural_problems(data: object, message: str) -> None:
    with pytest.raises(CorpusError, match=re.escape(message)):
        parse_corpus(data, "x.json")


def test_warnings_alone_keep_the_corpus_usable() -> None:
    data = small_corpus_data()
    data["comment"] = "made by hand"
    corpus, problems = check_corpus_bytes(json.dumps(data).encode(), "x.json")
    assert corpus is not None and len(corpus.entries) == 2
    assert [p.severity for p in problems] == ["warning"]


def test_byte_order_mark_is_accepted() -> None:
    raw = b"\xef\xbb\xbf" + json.dumps(small_corpus_data()).encode()
    corpus, problems = check_corpus_bytes(raw, "x.json")
    assert corpus is not None and not problems


def test_corpus_error_message_names_the_file_and_first_problem() -> None:
    with pytest.raises(CorpusError) as caught:
        parse_corpus({"name": "", "version": 1, "entries": []}, "mine.json")
    assert str(caught.value).startswith("mine.json: ")
    assert "more problem" in str(caught.value)


def test_synonyms_are_optional_and_checked() -> None:
    data = small_corpus_data()
    data["synonyms"] = {"bar path": ["bar drift", " "]}
    corpus = parse_corpus(data)
    assert corpus.synonyms == {"bar path": ("bar drift",)}
    data["synonyms"] = {"bar path": "bar drift", "": []}
    problems = problems_of(json.dumps(data).encode())
    assert 'error: field "synonyms": a canonical term must not be empty' in problems
    assert 'error: field "synonyms" "bar path": expected a list of strings' in problems
    data["synonyms"] = ["not", "an", "object"]
    problems = problems_of(json.dumps(data).encode())
    assert problems == ['error: field "synonyms": expected an object, found a list']
