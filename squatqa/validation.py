"""Check corpus data and decode corpus files, reporting every problem found.

Every way a corpus file can be wrong is found here and reported as a list of
problems with a location, so `squatqa validate` can show them all and the other
commands can fail with the first few, naming the file. Runs that find their
corpus's index in the cache never need this module.
"""

from __future__ import annotations

import json
import sys
from collections import Counter

from squatqa.corpus import Corpus, CorpusError, Entry, Problem
from squatqa.questions import wide_encoding

# A file in another encoding has bad bytes on every other line; the first few say enough.
MAX_ENCODING_PROBLEMS = 10
# Objects with a field given twice that are reported one by one; past this, a count.
MAX_REPEATED_KEY_OBJECTS = 10
# Of those, how many are held until decoding ends, to be placed (a few more than are
# named, so that the top level and the entries can be named before deeper objects).
_REPEATED_KEPT = 1_000

_TOP_LEVEL_FIELDS = {"name": str, "version": int, "entries": list}
# Optional: "$schema" lets editors find the JSON Schema for the file (squatqa
# ignores it); "synonyms" is the corpus's own vocabulary, checked on its own.
_OPTIONAL_TOP_LEVEL_FIELDS = {"$schema": str}
_SYNONYMS_FIELD = "synonyms"
_REQUIRED_TEXT_FIELDS = ("id", "question", "answer")
_OPTIONAL_LIST_FIELDS = ("aliases", "tags")


def decode_corpus(raw: bytes, source: str) -> Corpus:
    corpus, problems = check_corpus_bytes(raw, source)
    if corpus is None:
        raise CorpusError(source, [p for p in problems if p.severity == "error"])
    return corpus


def check_corpus_bytes(raw: bytes, source: str) -> tuple[Corpus | None, list[Problem]]:
    """Decode and validate; returns the corpus (None if any error) and all problems."""
    encoding = wide_encoding(raw)
    if encoding is not None:
        message = f"file is {encoding} (it starts with a byte-order mark); save it as UTF-8"
        return None, [Problem("line 1, column 1", message)]
    text, problems = _decode_utf8(raw)
    if text.startswith("\ufeff"):
        text = text[1:]
    repeated = _RepeatedKeys()
    try:
        data = json.loads(text, parse_int=_parse_int, object_pairs_hook=repeated.to_object)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        return None, [*problems, Problem(where, f"not valid JSON: {error.msg}")]
    except RecursionError:
        return None, [*problems, Problem("", "not valid JSON: nested too deeply")]
    problems += repeated.problems(data)
    corpus, more = check_corpus_data(data, source)
    return (None if problems else corpus), [*problems, *more]


class _RepeatedKeys:
    """Decoded objects that give a field more than once, reported once decoding is done.

    JSON keeps a repeated key's last value and drops the first without a word, so
    each is an error, placed as closely as the corpus's shape allows. The objects
    are held here, so that no other object can take the identity of one the decoder
    threw away with an overwritten value: the first _REPEATED_KEPT of them, and the
    last one past those, since the decoder finishes the top-level object last.
    """

    def __init__(self) -> None:
        self.count = 0
        self._kept: list[tuple[dict[str, object], list[tuple[str, object]]]] = []
        self._last: tuple[dict[str, object], list[tuple[str, object]]] | None = None

    def to_object(self, pairs: list[tuple[str, object]]) -> dict[str, object]:
        decoded = dict(pairs)
        if len(decoded) < len(pairs):
            self.count += 1
            if len(self._kept) < _REPEATED_KEPT:
                self._kept.append((decoded, pairs))
            else:
                self._last = (decoded, pairs)
        return decoded

    def problems(self, data: object) -> list[Problem]:
        """The top level, the synonyms and the entries first, then objects nested
        deeper; at most MAX_REPEATED_KEY_OBJECTS objects named, the rest counted."""
        if not self.count:
            return []
        held = [*self._kept, *([self._last] if self._last is not None else [])]
        pairs_of = {id(decoded): pairs for decoded, pairs in held}
        places: list[tuple[str, object]] = [("top level", data)]
        if isinstance(data, dict):
            places.append((f'field "{_SYNONYMS_FIELD}"', data.get(_SYNONYMS_FIELD)))
            entries = data.get("entries")
            if isinstance(entries, list):
                places += [
                    (_entry_where(index, _claimed_id(entry)), entry)
                    for index, entry in enumerate(entries)
                ]
        # A held object is alive, so no other value can have its id().
        located = [
            (where, pairs_of.pop(id(value))) for where, value in places if id(value) in pairs_of
        ]
        # Objects nested deeper: no closer place to name.
        located += [("", pairs) for pairs in pairs_of.values()]
        shown = located[:MAX_REPEATED_KEY_OBJECTS]
        problems = [
            Problem(
                where, f'field "{key}" given more than once' + ("" if where else " in one object")
            )
            for where, pairs in shown
            for key in _keys_repeated(pairs)
        ]
        rest = self.count - len(shown)
        if rest:
            objects = "object gives" if rest == 1 else "objects give"
            problems.append(Problem("", f"{rest:,} more {objects} a field more than once"))
        return problems


def _keys_repeated(pairs: list[tuple[str, object]]) -> list[str]:
    return [key for key, count in Counter(key for key, _value in pairs).items() if count > 1]


def _decode_utf8(raw: bytes) -> tuple[str, list[Problem]]:
    """Text with bad bytes replaced, and a located problem for each of the first few."""
    parts: list[str] = []
    problems: list[Problem] = []
    start = 0
    while True:
        try:
            parts.append(raw[start:].decode("utf-8"))
            break
        except UnicodeDecodeError as error:
            bad = start + error.start
            if len(problems) == MAX_ENCODING_PROBLEMS:
                parts.append(raw[start:].decode("utf-8", "replace"))
                problems.append(
                    Problem("", "more bytes that are not UTF-8 follow; is the file saved as UTF-8?")
                )
                break
            line, column = _line_column(raw, bad)
            message = f"not valid UTF-8 (byte 0x{raw[bad]:02x})"
            problems.append(Problem(f"line {line}, column {column}", message))
            parts.append(raw[start:bad].decode("utf-8"))
            parts.append("\ufffd")
            start += error.end
    return "".join(parts), problems


class _LongInteger:
    """A JSON integer with more digits than int() reads; kept so validation can place it."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _parse_int(literal: str) -> int | _LongInteger:
    try:
        return int(literal)
    except ValueError:  # Python refuses to convert very long digit strings
        return _LongInteger(len(literal.lstrip("-")))


def parse_corpus(data: object, source: str = "<memory>") -> Corpus:
    """Validate already-decoded JSON data; raises CorpusError listing what is wrong."""
    corpus, problems = check_corpus_data(data, source)
    if corpus is None:
        raise CorpusError(source, [p for p in problems if p.severity == "error"])
    return corpus


def check_corpus_data(data: object, source: str) -> tuple[Corpus | None, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(data, dict):
        found = _json_type(data)
        return None, [Problem("top level", f"expected a JSON object, found {found}")]

    for key, expected in _TOP_LEVEL_FIELDS.items():
        if key not in data:
            problems.append(Problem("top level", f'missing field "{key}"'))
        elif isinstance(data[key], _LongInteger):
            digits = data[key].digits
            problems.append(Problem(f'field "{key}"', f"integer too long ({digits:,} digits)"))
        elif not _is_type(data[key], expected):
            problems.append(
                Problem(
                    f'field "{key}"',
                    f"expected {_type_name(expected)}, found {_json_type(data[key])}",
                )
            )
    for key, expected in _OPTIONAL_TOP_LEVEL_FIELDS.items():
        if key in data and not _is_type(data[key], expected):
            found = _json_type(data[key])
            problems.append(
                Problem(f'field "{key}"', f"expected {_type_name(expected)}, found {found}")
            )
    synonyms = _check_synonyms(data.get(_SYNONYMS_FIELD, {}), problems)
    known_keys = {*_TOP_LEVEL_FIELDS, *_OPTIONAL_TOP_LEVEL_FIELDS, _SYNONYMS_FIELD}
    for key in data:
        if key not in known_keys:
            problems.append(Problem("top level", f'unknown field "{key}" (ignored)', "warning"))
    name = data.get("name")
    if isinstance(name, str) and not name.strip():
        problems.append(Problem('field "name"', "must not be empty"))
    elif isinstance(name, str) and (bad := _lone_surrogate(name)):
        problems.append(Problem('field "name"', bad))

    raw_entries = data.get("entries")
    entries: list[Entry] = []
    if isinstance(raw_entries, list):
        if not raw_entries:
            problems.append(Problem('field "entries"', "must hold at least one entry"))
        seen: dict[str, int] = {}
        for index, raw_entry in enumerate(raw_entries):
            entry = _check_entry(index, raw_entry, problems)
            # An entry with other problems still claims its id, so one run finds both.
            entry_id = _claimed_id(raw_entry)
            if entry_id is not None and entry_id in seen:
                problems.append(
                    Problem(
                        _entry_where(index, entry_id),
                        f"duplicate id (first used by entry {seen[entry_id]})",
                    )
                )
                continue
            if entry_id is not None:
                seen[entry_id] = index
            if entry is not None:
                entries.append(entry)

    if any(p.severity == "error" for p in problems):
        return None, problems
    assert isinstance(name, str)
    version = data["version"]
    assert isinstance(version, int)
    corpus = Corpus(
        name=name, version=version, entries=tuple(entries), source=source, synonyms=synonyms
    )
    return corpus, problems


def _check_synonyms(raw: object, problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    """Optional corpus vocabulary: {"canonical": ["variant", ...]}."""
    where = f'field "{_SYNONYMS_FIELD}"'
    if not isinstance(raw, dict):
        problems.append(Problem(where, f"expected an object, found {_json_type(raw)}"))
        return {}
    synonyms: dict[str, tuple[str, ...]] = {}
    for canonical, variants in raw.items():
        if not canonical.strip():
            problems.append(Problem(where, "a canonical term must not be empty"))
        elif not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
            problems.append(Problem(f'{where} "{canonical}"', "expected a list of strings"))
        else:
            synonyms[canonical] = tuple(v for v in variants if v.strip())
    return synonyms


def _check_entry(index: int, raw: object, problems: list[Problem]) -> Entry | None:
    if not isinstance(raw, dict):
        where = _entry_where(index, None)
        problems.append(Problem(where, f"expected a JSON object, found {_json_type(raw)}"))
        return None
    raw_id = raw.get("id")
    where = _entry_where(index, raw_id if isinstance(raw_id, str) else None)
    ok = True
    texts: dict[str, str] = {}
    for key in _REQUIRED_TEXT_FIELDS:
        value = raw.get(key)
        if key not in raw:
            problems.append(Problem(where, f'missing field "{key}"'))
            ok = False
        elif not isinstance(value, str):
            problems.append(
                Problem(where, f'field "{key}": expected a string, found {_json_type(value)}')
            )
            ok = False
        elif not value.strip():
            problems.append(Problem(where, f'field "{key}" must not be empty'))
            ok = False
        elif bad := _lone_surrogate(value):
            problems.append(Problem(where, f'field "{key}": {bad}'))
            ok = False
        else:
            texts[key] = value
    lists: dict[str, tuple[str, ...]] = {}
    for key in _OPTIONAL_LIST_FIELDS:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            problems.append(Problem(where, f'field "{key}": expected a list of strings'))
            ok = False
            continue
        for number, item in enumerate(value):
            if bad := _lone_surrogate(item):
                problems.append(Problem(where, f'field "{key}", item {number}: {bad}'))
                ok = False
        items = tuple(item for item in value if item.strip())
        # Tags repeat across entries: one shared string each keeps memory and the
        # saved index small.
        lists[key] = tuple(map(sys.intern, items)) if key == "tags" else items
    for key in raw:
        if key not in _REQUIRED_TEXT_FIELDS and key not in _OPTIONAL_LIST_FIELDS:
            problems.append(Problem(where, f'unknown field "{key}" (ignored)', "warning"))
    if not ok:
        return None
    return Entry(
        id=texts["id"].strip(),
        question=texts["question"],
        answer=texts["answer"],
        aliases=lists["aliases"],
        tags=lists["tags"],
    )


def _claimed_id(raw: object) -> str | None:
    """The id an entry asks for, as the loader would store it, even if the entry is unusable."""
    entry_id = raw.get("id") if isinstance(raw, dict) else None
    return (entry_id.strip() or None) if isinstance(entry_id, str) else None


def _entry_where(index: int, entry_id: str | None) -> str:
    return f'entry {index} ("{entry_id}")' if entry_id else f"entry {index}"


def _lone_surrogate(text: str) -> str | None:
    """Why a string from JSON cannot be shown, if it holds an unpaired surrogate escape.

    JSON may write half of a UTF-16 pair (\\ud800) alone; Python decodes it to a
    code point that no output encoding accepts, so the text could never be printed.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(text[error.start])
        return f"\\u{code:04x} is half of a UTF-16 surrogate pair, not a character"
    return None


def _line_column(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters, as JSON errors count) of a byte offset."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", "replace")) + 1
    return raw.count(b"\n", 0, offset) + 1, column


def _is_type(value: object, expected: type) -> bool:
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _type_name(expected: type) -> str:
    return {str: "a string", int: "an integer", list: "a list"}.get(expected, expected.__name__)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, _LongInteger)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
