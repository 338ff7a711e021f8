from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from squatqa.corpus import (
    Corpus,
    CorpusError,
    check_corpus_bytes,
    load_corpus,
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


def problems_of(raw: bytes) -> list[str]:
    _corpus, problems = check_corpus_bytes(raw, "x.json")
    return [f"{p.severity}: {p}" for p in problems]


def test_json_syntax_error_has_line_and_column() -> None:
    (problem,) = problems_of(b'{\n  "name": "x",\n  "version": 1,,\n}')
    assert "line 3, column 16" in problem
    assert "not valid JSON" in problem


def test_invalid_utf8_has_line_and_column() -> None:
    (problem,) = problems_of(b'{"name": "x",\n "version": 1, "entries": ["\xff"]}')
    assert "line 2, column 29" in problem
    assert "UTF-8" in problem


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
