"""data/corpus.schema.json describes the corpus format exactly as squatqa.corpus checks it.

The schema is documentation for people writing their own corpus (and for their
editors), so it must not drift from the validator: every required field, type and
constraint in it is checked against `check_corpus_data` here, and the schema itself
is run by the `jsonschema` package (a test dependency) on the same documents.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from squatqa.corpus import bundled_corpus_path, schema_path
from squatqa.validation import check_corpus_bytes, check_corpus_data
from tests.conftest import REPO, small_corpus_data

SCHEMA_PATH = REPO / "data" / "corpus.schema.json"
BUNDLED_PATH = REPO / "data" / "squat_faq.json"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def load_schema() -> dict[str, Any]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert isinstance(schema, dict)
    return schema


SCHEMA = load_schema()
ENTRY_SCHEMA: dict[str, Any] = SCHEMA["$defs"]["entry"]


def schema_accepts(document: object) -> bool:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return not list(validator.iter_errors(document))


def full_entry() -> dict[str, object]:
    """An entry with every field the format knows, optional ones included."""
    return {
        "id": "bar-path",
        "question": "Why does my bar path drift forward?",
        "answer": "Usually the chest drops out of the hole.",
        "aliases": ["Why does the bar drift?"],
        "tags": ["bar"],
    }


def full_corpus() -> dict[str, Any]:
    data = small_corpus_data()
    data["entries"] = [full_entry(), {**full_entry(), "id": "other"}]
    return data


def all_keys(node: object) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {key for value in node.values() for key in all_keys(value)}
    if isinstance(node, list):
        return {key for item in node for key in all_keys(item)}
    return set()


def test_schema_is_draft_2020_12_json_with_title_and_description() -> None:
    raw = SCHEMA_PATH.read_bytes()
    assert json.loads(raw.decode("utf-8")) == SCHEMA
    assert SCHEMA["$schema"] == DRAFT_2020_12
    assert "$id" not in all_keys(SCHEMA)
    for node in (SCHEMA, ENTRY_SCHEMA):
        assert isinstance(node["title"], str) and node["title"].strip()
        assert isinstance(node["description"], str) and node["description"].strip()
    # What JSON Schema cannot say is said in words.
    assert "unique" in SCHEMA["description"]
    # The schema ships beside the bundled corpus, so the wheel carries it too.
    assert schema_path() == bundled_corpus_path().parent / SCHEMA_PATH.name
    assert schema_path().read_bytes() == raw
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_schema_constraints_are_the_validators() -> None:
    top = SCHEMA["properties"]
    assert SCHEMA["type"] == "object"
    assert set(top) == {"$schema", "name", "version", "synonyms", "entries"}
    assert top["$schema"]["type"] == "string"
    assert top["synonyms"]["type"] == "object"
    assert top["synonyms"]["propertyNames"] == {"pattern": r"\S"}
    assert top["synonyms"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
    assert top["name"]["type"] == "string" and top["name"]["pattern"] == r"\S"
    assert top["version"]["type"] == "integer"
    assert top["entries"]["type"] == "array" and top["entries"]["minItems"] == 1
    assert top["entries"]["items"] == {"$ref": "#/$defs/entry"}
    entry = ENTRY_SCHEMA["properties"]
    assert ENTRY_SCHEMA["type"] == "object"
    assert set(entry) == {"id", "question", "answer", "aliases", "tags"}
    for key in ("id", "question", "answer"):
        assert entry[key]["type"] == "string" and entry[key]["pattern"] == r"\S"
    for key in ("aliases", "tags"):
        assert entry[key]["type"] == "array" and entry[key]["items"] == {"type": "string"}
    # Unknown fields only draw a warning from the validator, so the schema allows them.
    assert SCHEMA.get("additionalProperties", True) is True
    assert ENTRY_SCHEMA.get("additionalProperties", True) is True


def assert_missing_field_judged(data: dict[str, Any], key: str, required: bool) -> None:
    """The validator rejects `data` (which lacks `key`) exactly when the schema requires it."""
    corpus, problems = check_corpus_data(data, "x")
    assert (corpus is None) == required
    if required:
        errors = [str(p) for p in problems if p.severity == "error"]
        assert any(f'missing field "{key}"' in error for error in errors), errors


@pytest.mark.parametrize("key", sorted(full_corpus()))
def test_top_level_field_is_required_exactly_when_the_schema_says_so(key: str) -> None:
    data = full_corpus()
    del data[key]
    assert_missing_field_judged(data, key, required=key in SCHEMA["required"])


@pytest.mark.parametrize("key", sorted(full_entry()))
def test_entry_field_is_required_exactly_when_the_schema_says_so(key: str) -> None:
    data = full_corpus()
    del data["entries"][0][key]
    assert_missing_field_judged(data, key, required=key in ENTRY_SCHEMA["required"])


def test_every_required_name_is_a_known_property() -> None:
    assert set(SCHEMA["required"]) == {"name", "version", "entries"}
    assert set(SCHEMA["required"]) <= set(SCHEMA["properties"])
    assert set(ENTRY_SCHEMA["required"]) == {"id", "question", "answer"}
    assert set(ENTRY_SCHEMA["required"]) <= set(ENTRY_SCHEMA["properties"])


def _set_top(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data[key] = value

    return change


def _set_entry(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["entries"][0][key] = value

    return change


# (description, change to a valid corpus, whether the result is still valid)
VARIANTS: list[tuple[str, Callable[[dict[str, Any]], None], bool]] = [
    ("unchanged", lambda data: None, True),
    ("empty name", _set_top("name", ""), False),
    ("blank name", _set_top("name", " \t\n"), False),
    ("name not a string", _set_top("name", 5), False),
    ("version as a string", _set_top("version", "1"), False),
    ("version a boolean", _set_top("version", True), False),
    ("version a fraction", _set_top("version", 1.5), False),
    ("version negative", _set_top("version", -3), True),
    ("version huge", _set_top("version", 10**30), True),
    ("no entries", _set_top("entries", []), False),
    ("entries an object", _set_top("entries", {}), False),
    ("entry not an object", _set_top("entries", ["what is a squat?"]), False),
    ("empty id", _set_entry("id", ""), False),
    ("blank id", _set_entry("id", "   "), False),
    ("id a number", _set_entry("id", 3), False),
    ("id null", _set_entry("id", None), False),
    ("empty question", _set_entry("question", ""), False),
    ("blank answer", _set_entry("answer", "\n\t"), False),
    ("question a list", _set_entry("question", ["a"]), False),
    ("aliases a string", _set_entry("aliases", "x"), False),
    ("aliases with a number", _set_entry("aliases", ["x", 1]), False),
    ("aliases null", _set_entry("aliases", None), False),
    ("aliases empty", _set_entry("aliases", []), True),
    ("aliases blank items", _set_entry("aliases", ["", " "]), True),
    ("tags an object", _set_entry("tags", {"a": "b"}), False),
    ("unknown top-level field", _set_top("homepage", "https://example.org"), True),
    ("unknown entry field", _set_entry("source", {"page": 3}), True),
    ("schema link", _set_top("$schema", "./corpus.schema.json"), True),
    ("schema link a number", _set_top("$schema", 1), False),
    ("synonyms", _set_top("synonyms", {"bar path": ["bar drift", ""]}), True),
    ("synonyms empty", _set_top("synonyms", {}), True),
    ("synonyms a list", _set_top("synonyms", ["bar drift"]), False),
    ("synonym variants a string", _set_top("synonyms", {"bar path": "bar drift"}), False),
    ("synonym variant a number", _set_top("synonyms", {"bar path": [1]}), False),
    ("synonym canonical blank", _set_top("synonyms", {" ": ["bar drift"]}), False),
]


@pytest.mark.parametrize(
    ("change", "valid"),
    [pytest.param(change, valid, id=name) for name, change, valid in VARIANTS],
)
def test_schema_and_validator_agree(change: Callable[[dict[str, Any]], None], valid: bool) -> None:
    data = full_corpus()
    change(data)
    corpus, problems = check_corpus_data(copy.deepcopy(data), "x")
    assert (corpus is not None) == valid, [str(p) for p in problems]
    if not valid:
        assert any(p.severity == "error" for p in problems)
    assert schema_accepts(data) == valid


def test_a_top_level_array_is_invalid_for_both() -> None:
    document = [full_entry()]
    corpus, problems = check_corpus_data(document, "x")
    assert corpus is None and problems
    assert not schema_accepts(document)


def _duplicate_id(data: dict[str, Any]) -> None:
    data["entries"][1]["id"] = " bar-path "


HUGE = 10**5000  # more digits than Python's int() reads from text by default


def corpus_text(data: dict[str, Any]) -> bytes:
    """The corpus as a file would hold it; str(HUGE) is refused, so its digits are spelled."""
    version = data["version"]
    literal = "1" + "0" * 5000 if version == HUGE else json.dumps(version)
    text = json.dumps({**data, "version": None})
    return text.replace('"version": null', f'"version": {literal}', 1).encode()


# (what the validator adds to the schema, the description's words for it, the change)
VALIDATOR_ONLY: list[tuple[str, str, Callable[[dict[str, Any]], None]]] = [
    ("duplicate ids", "ids must be unique", _duplicate_id),
    ("version 1.0", "rejects 1.0", _set_top("version", 1.0)),
    ("huge version", "at most 4300 digits", _set_top("version", HUGE)),
    ("unpaired surrogate", "unpaired UTF-16 surrogate", _set_entry("answer", "\ud800")),
]


@pytest.mark.parametrize(
    ("words", "change"),
    [pytest.param(words, change, id=name) for name, words, change in VALIDATOR_ONLY],
)
def test_rules_only_the_validator_knows_are_stated_in_the_description(
    words: str, change: Callable[[dict[str, Any]], None]
) -> None:
    assert words in SCHEMA["description"]
    data = full_corpus()
    assert check_corpus_bytes(corpus_text(data), "x")[0] is not None
    change(data)
    assert schema_accepts(data)
    corpus, problems = check_corpus_bytes(corpus_text(data), "x")
    assert corpus is None
    assert [p.severity for p in problems] == ["error"], [str(p) for p in problems]


def check_structure_by_hand(document: object) -> None:
    """The bundled corpus has the shape the schema's own field lists describe."""
    assert isinstance(document, dict)
    assert set(SCHEMA["required"]) <= set(document)
    name_pattern = SCHEMA["properties"]["name"]["pattern"]
    assert isinstance(document["name"], str) and re.search(name_pattern, document["name"])
    assert type(document["version"]) is int
    entries = document["entries"]
    assert isinstance(entries, list)
    assert len(entries) >= SCHEMA["properties"]["entries"]["minItems"]
    ids: list[str] = []
    for entry in entries:
        assert isinstance(entry, dict)
        assert set(ENTRY_SCHEMA["required"]) <= set(entry)
        for key in ENTRY_SCHEMA["required"]:
            value = entry[key]
            pattern = ENTRY_SCHEMA["properties"][key]["pattern"]
            assert isinstance(value, str) and re.search(pattern, value), (key, value)
        for key in ("aliases", "tags"):
            if key in entry:
                assert isinstance(entry[key], list)
                assert all(isinstance(item, str) for item in entry[key])
        ids.append(entry["id"].strip())
    # The rule the schema can only state in its description.
    assert len(ids) == len(set(ids))


def test_bundled_corpus_matches_the_schema() -> None:
    raw = BUNDLED_PATH.read_bytes()
    document = json.loads(raw.decode("utf-8"))
    check_structure_by_hand(document)
    corpus, problems = check_corpus_bytes(raw, str(BUNDLED_PATH))
    assert corpus is not None
    assert problems == []
    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft202012Validator)


def test_hand_check_rejects_what_the_schema_rejects() -> None:
    """The hand check is not vacuous: it fails on a corpus the schema forbids."""
    document = json.loads(BUNDLED_PATH.read_text(encoding="utf-8"))
    document["entries"][0]["answer"] = "   "
    with pytest.raises(AssertionError):
        check_structure_by_hand(document)
    document = json.loads(BUNDLED_PATH.read_text(encoding="utf-8"))
    document["entries"].append(dict(document["entries"][0]))
    with pytest.raises(AssertionError):
        check_structure_by_hand(document)
