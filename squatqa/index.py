"""The searchable form of a corpus: term weights and postings, as plain data.

Everything here is built once per corpus and kept in flat arrays and dicts of
them, so that it is small in memory, quick to walk per question, and can be saved
and loaded as it is (see squatqa.cache). Entries are numbered in corpus order; a
"field" is one way an entry is asked: its question or one of its aliases.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any, NamedTuple

from squatqa.analyzer import Analyzer
from squatqa.corpus import Entry
from squatqa.text import words

# A term an entry's answer uses adds up to this much of a question match (on top
# of any match in its questions), saturating with repetition and normalised by
# answer length as in BM25.
ANSWER_FACTOR = 0.3
_ANSWER_B = 0.75
_ANSWER_K = 0.5
# Function words keep this share of their rarity weight.
FUNCTION_FACTOR = 0.7

# A term matched in a field counts this much plus the rest times the share of its
# entry's phrasings (question and aliases) that use it: fully when all do, little
# over half when one of many does. What an entry's phrasings agree on ("shake") is
# what it is about; what one alias mentions in passing ("heavy") is a detail.
AGREEMENT_FLOOR = 0.5

# Word-pair lookups one PairPostings remembers, at most.
_PAIRS_REMEMBERED = 100_000
# Entry numbers one Index remembers in asking_entries() sets, at most (a few MB).
_ASKING_REMEMBERED = 200_000
# Field postings one Index remembers as term_fields() rows, at most (a few MB).
_ROWS_REMEMBERED = 20_000

# Flat runs of numbers: arrays when built, views of the saved bytes when loaded.
Numbers = Sequence[int]
Reals = Sequence[float]


class FieldPostings(NamedTuple):
    fields: Numbers  # fields that use the term, ascending
    shares: Reals  # the term's share of each such field's weight
    agreements: Reals  # how far the entry's phrasings agree on the term (see AGREEMENT_FLOOR)


class TermFields:
    """A term's field postings as rows, and the entries those fields belong to.

    A plain class, not a NamedTuple: making one of those costs every run's start
    a tenth of a millisecond.
    """

    __slots__ = ("entries", "rows")

    def __init__(self, rows: Iterable[tuple[int, float, float]], entries: frozenset[int]) -> None:
        # (field, share, agreement), fields ascending: a tuple when remembered, else
        # an iterator over the arrays, to be walked once.
        self.rows = rows
        self.entries = entries


class PairPostings:
    """Fields in which two terms stand side by side, as three flat arrays.

    A corpus has far more distinct word pairs than words (half a million for
    100,000 entries), so they are kept sorted by a numeric code and found by
    bisection: loading three arrays is instant where a dict of half a million
    arrays took most of a second.
    """

    def __init__(
        self, term_ids: dict[str, int], codes: Numbers, starts: Numbers, fields: Numbers
    ) -> None:
        self._term_ids = term_ids
        self._codes = codes  # pair codes, ascending
        self._starts = starts  # where each pair's fields begin in `fields`, then the end
        self._fields = fields
        # Pair codes looked up before, with what was found: a batch of questions asks
        # about the same few pairs again and again, and a dict hit is cheaper than a
        # bisection. Only pairs of corpus words are kept, so it stays small.
        self._found: dict[int, Numbers | None] = {}

    @classmethod
    def collect(
        cls, term_ids: dict[str, int], found: dict[tuple[str, str], array[int]]
    ) -> PairPostings:
        size = len(term_ids)
        coded = sorted(
            (term_ids[first] * size + term_ids[second], fields)
            for (first, second), fields in found.items()
        )
        codes = array("q", (code for code, _fields in coded))
        starts = array("q", [0])
        fields = array("i")
        for _code, pair_fields in coded:
            fields.extend(pair_fields)
            starts.append(len(fields))
        return cls(term_ids, codes, starts, fields)

    def get(self, first: str, second: str) -> Numbers | None:
        """The fields using `first` right before `second`, ascending; None if none do."""
        first_id = self._term_ids.get(first)
        second_id = self._term_ids.get(second)
        if first_id is None or second_id is None:
            return None  # a word the corpus never uses: nothing to look up or remember
        code = first_id * len(self._term_ids) + second_id
        if code in self._found:
            return self._found[code]
        position = bisect_left(self._codes, code)
        found = (
            self._fields[self._starts[position] : self._starts[position + 1]]
            if position < len(self._codes) and self._codes[position] == code
            else None
        )
        if len(self._found) < _PAIRS_REMEMBERED:
            self._found[code] = found
        return found

    def to_state(self) -> tuple[bytes, bytes, bytes]:
        return (_raw(self._codes), _raw(self._starts), _raw(self._fields))

    @classmethod
    def from_state(
        cls, term_ids: dict[str, int], state: tuple[bytes, bytes, bytes]
    ) -> PairPostings:
        codes, starts, fields = state
        return cls(term_ids, _array("q", codes), _array("q", starts), _array("i", fields))


class AnswerPostings(NamedTuple):
    entries: Numbers  # entry numbers, ascending
    strengths: Reals  # how strongly each answer speaks to the term


class Index:
    """Weights and postings of one corpus, for squatqa.engine to rank with."""

    def __init__(
        self,
        size: int,
        weights: dict[str, float],
        stopwords: frozenset[str],
        entry_fields: Numbers,
        field_entry: Numbers,
        field_content: Reals,
        field_postings: dict[str, FieldPostings],
        pair_postings: PairPostings,
        answer_postings: dict[str, AnswerPostings],
    ) -> None:
        self.size = size
        # term -> inverse document frequency, for every term the corpus uses
        self.weights = weights
        self.unknown_weight = idf(size, 1)
        self.stopwords = stopwords
        # term -> ranking weight, worked out once: every question looks them up
        self._ranking_weights = {
            term: weight * FUNCTION_FACTOR if term in stopwords else weight
            for term, weight in weights.items()
        }
        # Entry n's fields are numbered entry_fields[n] up to entry_fields[n + 1].
        self.entry_fields = entry_fields
        self.field_entry = field_entry  # field -> entry number
        self.field_content = field_content  # field -> rarity of its content terms alone
        self.field_postings = field_postings  # term -> fields that use it
        self.pair_postings = pair_postings  # (term, term) -> fields with the two adjacent
        self.answer_postings = answer_postings  # term -> answers that use it
        self._asking: dict[str, frozenset[int]] = {}
        self._asking_held = 0
        self._term_fields: dict[str, TermFields] = {}
        self._rows_held = 0

    def term_fields(self, term: str, postings: FieldPostings) -> TermFields:
        """The term's field postings (`postings`, from field_postings) as rows.

        Rows are what every question walks, and a tuple of them is walked faster
        than three arrays side by side; they are kept once made, while their count
        stays under a budget (a batch asks about the same words again and again).
        Past the budget the rows come straight from the arrays, for one walk.
        """
        found = self._term_fields.get(term)
        if found is None:
            fields = postings.fields
            field_entry = self.field_entry
            rows = zip(fields, postings.shares, postings.agreements, strict=True)
            entries = frozenset([field_entry[field] for field in fields])
            if self._rows_held + len(fields) > _ROWS_REMEMBERED:
                return TermFields(rows, entries)  # made for this question only: not copied
            found = TermFields(tuple(rows), entries)
            self._term_fields[term] = found
            self._rows_held += len(fields)
        return found

    def asking_entries(self, term: str, at_least: float) -> frozenset[int] | None:
        """The entries whose questions or aliases use the term, if there are `at_least`.

        None when fewer entries use it (a term cannot be in more entries than
        fields, so most terms are turned away without looking). Sets are kept once
        gathered, while their entry numbers stay under a budget.
        """
        found = self._asking.get(term)
        if found is None:
            postings = self.field_postings.get(term)
            if postings is None or len(postings.fields) < at_least:
                return None
            field_entry = self.field_entry
            found = frozenset([field_entry[field] for field in postings.fields])
            if self._asking_held + len(found) <= _ASKING_REMEMBERED:
                self._asking[term] = found
                self._asking_held += len(found)
        return found if len(found) >= at_least else None

    def term_weight(self, term: str) -> float:
        """How much a term counts when ranking: rarity, and less for function words."""
        weight = self._ranking_weights.get(term)
        if weight is None:
            weight = self.unknown_weight
            return weight * FUNCTION_FACTOR if term in self.stopwords else weight
        return weight

    def to_state(self) -> tuple[Any, ...]:
        """The index as plain values (numbers, strings, bytes, dicts) for squatqa.cache."""
        return (
            self.size,
            self.weights,
            self.stopwords,
            _raw(self.entry_fields),
            _raw(self.field_entry),
            _raw(self.field_content),
            {
                term: (_raw(postings.fields), _raw(postings.shares), _raw(postings.agreements))
                for term, postings in self.field_postings.items()
            },
            self.pair_postings.to_state(),
            {
                term: (_raw(postings.entries), _raw(postings.strengths))
                for term, postings in self.answer_postings.items()
            },
        )

    @classmethod
    def from_state(cls, state: tuple[Any, ...]) -> Index:
        """The inverse of to_state; squatqa.cache has checked the data's integrity.

        ValueError if postings and their values differ in length: a file in a layout
        this version does not write would otherwise fail mid-question, not on loading.
        """
        (size, weights, stopwords, entry_fields, field_entry, content, fields, pairs, answers) = (
            state
        )
        field_postings = {
            term: FieldPostings(_array("i", numbers), _array("d", shares), _array("f", agreements))
            for term, (numbers, shares, agreements) in fields.items()
        }
        answer_postings = {
            term: AnswerPostings(_array("i", numbers), _array("f", strengths))
            for term, (numbers, strengths) in answers.items()
        }
        if any(
            len(postings.fields) != len(postings.shares)
            or len(postings.fields) != len(postings.agreements)
            for postings in field_postings.values()
        ) or any(
            len(postings.entries) != len(postings.strengths)
            for postings in answer_postings.values()
        ):
            raise ValueError("saved index: postings and their values differ in length")
        return cls(
            size,
            weights,
            stopwords,
            _array("i", entry_fields),
            _array("i", field_entry),
            _array("d", content),
            field_postings,
            PairPostings.from_state(_term_ids(weights), pairs),
            answer_postings,
        )

    @classmethod
    def build(cls, entries: Sequence[Entry], analyzer: Analyzer) -> Index:
        """Read every entry once, keeping postings rather than per-entry term lists."""
        stopwords = analyzer.lexicon.stopwords
        surface: set[str] = set()
        document_frequency: Counter[str] = Counter()
        entry_fields = array("i", [0])  # where each entry's fields start, then the end
        field_entry = array("i")
        field_lists: dict[str, array[int]] = {}
        pair_lists: dict[tuple[str, str], array[int]] = {}
        answer_entries: dict[str, array[int]] = {}
        answer_counts: dict[str, array[int]] = {}
        answer_lengths = array("i")
        field_count = 0
        for number, entry in enumerate(entries):
            in_questions: set[str] = set()
            for text in (entry.question, *entry.aliases):
                surface.update(words(text))
                terms = analyzer.terms(text)
                field = field_count
                field_count += 1
                field_entry.append(number)
                for term in dict.fromkeys(terms):
                    field_lists.setdefault(term, array("i")).append(field)
                in_questions.update(terms)
                for first, second in dict.fromkeys(pairwise(terms)):
                    if first != second:
                        pair_lists.setdefault((first, second), array("i")).append(field)
            entry_fields.append(field_count)
            surface.update(words(entry.answer))
            answer_terms = Counter(analyzer.terms(entry.answer))
            answer_lengths.append(sum(answer_terms.values()))
            for term, count in answer_terms.items():
                answer_entries.setdefault(term, array("i")).append(number)
                answer_counts.setdefault(term, array("i")).append(count)
            document_frequency.update(in_questions.union(answer_terms))
        analyzer.learn(surface)

        size = len(entries)
        weights = {term: idf(size, count) for term, count in document_frequency.items()}
        field_content = array("d", bytes(8 * field_count))
        index = cls(
            size,
            weights,
            stopwords,
            entry_fields,
            field_entry,
            field_content,
            {},
            PairPostings.collect(_term_ids(weights), pair_lists),
            {},
        )
        field_weight = array("d", bytes(8 * field_count))
        for term, fields in field_lists.items():
            ranking = index.term_weight(term)
            content = 0.0 if term in stopwords else weights[term]
            for field in fields:
                field_weight[field] += ranking
                field_content[field] += content
        for term, fields in field_lists.items():
            ranking = index.term_weight(term)
            shares = array("d", (ranking / field_weight[field] for field in fields))
            index.field_postings[term] = FieldPostings(
                fields, shares, _agreements(fields, field_entry, entry_fields)
            )

        average = (sum(answer_lengths) / size) if size else 1.0
        norms = [
            _ANSWER_K * (1 - _ANSWER_B + _ANSWER_B * length / (average or 1.0))
            for length in answer_lengths
        ]
        for term, numbers in answer_entries.items():
            counts = answer_counts.pop(term)
            strengths = array(
                "f",
                (
                    ANSWER_FACTOR * count / (count + norms[number])
                    for number, count in zip(numbers, counts, strict=True)
                ),
            )
            index.answer_postings[term] = AnswerPostings(numbers, strengths)
        return index


def _agreements(fields: Numbers, field_entry: Numbers, entry_fields: Numbers) -> array[float]:
    """Per field of a term: AGREEMENT_FLOOR raised by the share of its entry's fields using it."""
    using = Counter(field_entry[field] for field in fields)
    rise = 1.0 - AGREEMENT_FLOOR
    agreements = array("f")
    for field in fields:
        number = field_entry[field]
        asked = entry_fields[number + 1] - entry_fields[number]
        agreements.append(AGREEMENT_FLOOR + rise * using[number] / asked)
    return agreements


def _term_ids(weights: dict[str, float]) -> dict[str, int]:
    """A number for every term, in the weights' order (kept by the saved index too)."""
    return {term: number for number, term in enumerate(weights)}


def _array(typecode: str, raw: bytes) -> Any:
    """Numbers read in place from saved bytes: no copy, so a large index is held once."""
    view: Any = memoryview(raw)
    return view.cast(typecode)


def _raw(values: Numbers | Reals) -> bytes:
    """The bytes behind an array or a view of one, for saving."""
    view: Any = values
    return memoryview(view).tobytes()


def idf(size: int, count: int) -> float:
    """Inverse document frequency, BM25's form: never negative, rarer is heavier."""
    return math.log(1.0 + (size - count + 0.5) / (count + 0.5))
