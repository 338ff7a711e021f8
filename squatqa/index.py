"""The searchable form of a corpus: term weights and postings, as plain data.

Everything here is built once per corpus and kept in flat arrays and dicts of
them, so that it is small in memory, quick to walk per question, and can be saved
and loaded as it is (see squatqa.cache). Entries are numbered in corpus order; a
"field" is one way an entry is asked: its question or one of its aliases.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, NamedTuple

from squatqa.analyzer import Analyzer
from squatqa.corpus import Entry
from squatqa.text import words

# A term found only in an entry's answer counts this much of a question match,
# saturating with repetition and normalised by answer length as in BM25.
ANSWER_FACTOR = 0.3
_ANSWER_B = 0.75
_ANSWER_K = 0.5
# Function words keep this share of their rarity weight.
FUNCTION_FACTOR = 0.7


class FieldPostings(NamedTuple):
    fields: array[int]  # fields that use the term, ascending
    shares: array[float]  # the term's share of each such field's weight


class AnswerPostings(NamedTuple):
    entries: array[int]  # entry numbers, ascending
    strengths: array[float]  # how strongly each answer speaks to the term


class Index:
    """Weights and postings of one corpus, for squatqa.engine to rank with."""

    def __init__(
        self,
        size: int,
        weights: dict[str, float],
        stopwords: frozenset[str],
        entry_fields: array[int],
        field_entry: array[int],
        field_content: array[float],
        field_postings: dict[str, FieldPostings],
        pair_postings: dict[str, array[int]],
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
        self.pair_postings = pair_postings  # "term term" -> fields with the two adjacent
        self.answer_postings = answer_postings  # term -> answers that use it

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
            self.entry_fields.tobytes(),
            self.field_entry.tobytes(),
            self.field_content.tobytes(),
            {
                term: (postings.fields.tobytes(), postings.shares.tobytes())
                for term, postings in self.field_postings.items()
            },
            {pair: fields.tobytes() for pair, fields in self.pair_postings.items()},
            {
                term: (postings.entries.tobytes(), postings.strengths.tobytes())
                for term, postings in self.answer_postings.items()
            },
        )

    @classmethod
    def from_state(cls, state: tuple[Any, ...]) -> Index:
        """The inverse of to_state; squatqa.cache has checked the data's integrity."""
        (size, weights, stopwords, entry_fields, field_entry, content, fields, pairs, answers) = (
            state
        )
        return cls(
            size,
            weights,
            stopwords,
            _array("i", entry_fields),
            _array("i", field_entry),
            _array("d", content),
            {
                term: FieldPostings(_array("i", numbers), _array("d", shares))
                for term, (numbers, shares) in fields.items()
            },
            {pair: _array("i", raw) for pair, raw in pairs.items()},
            {
                term: AnswerPostings(_array("i", numbers), _array("f", strengths))
                for term, (numbers, strengths) in answers.items()
            },
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
        pair_lists: dict[str, array[int]] = {}
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
                for term in set(terms):
                    field_lists.setdefault(term, array("i")).append(field)
                in_questions.update(terms)
                for first, second in set(pairwise(terms)):
                    if first != second:
                        pair_lists.setdefault(f"{first} {second}", array("i")).append(field)
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
        index = cls(
            size,
            weights,
            stopwords,
            entry_fields,
            field_entry,
            array("d", bytes(8 * field_count)),
            {},
            pair_lists,
            {},
        )
        field_weight = array("d", bytes(8 * field_count))
        for term, fields in field_lists.items():
            ranking = index.term_weight(term)
            content = 0.0 if term in stopwords else weights[term]
            for field in fields:
                field_weight[field] += ranking
                index.field_content[field] += content
        for term, fields in field_lists.items():
            ranking = index.term_weight(term)
            shares = array("d", (ranking / field_weight[field] for field in fields))
            index.field_postings[term] = FieldPostings(fields, shares)

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


def _array(typecode: str, raw: bytes) -> array[Any]:
    values = array(typecode)
    values.frombytes(raw)
    return values


def idf(size: int, count: int) -> float:
    """Inverse document frequency, BM25's form: never negative, rarer is heavier."""
    return math.log(1.0 + (size - count + 0.5) / (count + 0.5))
