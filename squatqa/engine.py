"""Rank corpus entries for a question and say how confident the best answer is.

Ranking is a weighted term overlap in both directions:

* query coverage: how much of what the user asked the entry speaks to (a term found
  in the entry's question or aliases counts fully, one found only in the answer
  counts partly, saturating with repetition as in BM25);
* entry coverage: how much of the entry's best-matching question wording the user
  asked about.

Ranking weights grow with rarity in the corpus (inverse document frequency), which
tells entries apart. Confidence needs a different view: a word every entry uses
("valgus" here) ranks nothing but is the surest sign a question is on topic. So the
score shown is the best candidate's two-way coverage with every known word counted
alike and unknown words at half, and the rest of the list is scaled with it. A
question about bread or headaches covers little of itself and falls below the
threshold; one that swaps a key word ("hands shake" for "legs shake") leaves the
entry's own wording uncovered and falls below it too. Intent words ("why", "fix",
"is it bad") sharpen the ranking but cannot carry a match on their own, and function
words only reorder candidates.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from squatqa.corpus import Corpus, Entry
from squatqa.lexicon import Lexicon, load_lexicon
from squatqa.text import stem, words

DEFAULT_MIN_SCORE = 50.0
RELATED_LIMIT = 3

# Ranking: a term found only in the answer counts this much of a question match,
# with BM25-style saturation and length normalisation.
_ANSWER_FACTOR = 0.3
_ANSWER_B = 0.75
_ANSWER_K = 0.5
# Ranking: words the corpus never uses weigh this share of its rarest word's weight.
_UNKNOWN_SHARE = 0.65
# Ranking: even a word in every entry keeps some weight, so it still counts.
_WEIGHT_FLOOR = 0.2
# How much query coverage decides the ranking; entry coverage has the rest.
_QUERY_COVERAGE_EXPONENT = 0.75
# Intent words rank but do not establish what the question is about.
_INTENT_FACTOR = 0.6
# Entries that match only intent words keep this share of their score.
_OFF_TOPIC_FACTOR = 0.4
# A word corrected for a typo is trusted a little less than one typed right.
_CORRECTED_FACTOR = 0.9
# Function words shared with an entry's question ("can I", "where") move its
# score by at most this share; they never make a match on their own.
_FUNCTION_SHARE = 0.1
# Confidence: an unknown word counts half a known one (it may be filler), and a
# word matched only in the answer counts this share of a question match.
_CONFIDENCE_UNKNOWN = 0.5
_CONFIDENCE_ANSWER = 0.6
# Typo correction: shortest word considered, and the length up to which a word is
# "short" (only a dropped letter is repaired there).
_MIN_TYPO_LENGTH = 3
_SHORT_WORD = 4
# Below this a declined question's candidates are not worth suggesting.
_CLOSEST_FLOOR = 25.0


@dataclass(frozen=True, slots=True)
class Match:
    entry: Entry
    score: float  # 0-100, higher is more confident


@dataclass(frozen=True, slots=True)
class Answer:
    query: str
    matches: list[Match]
    related: list[Entry]
    closest: list[Match]


@dataclass(frozen=True, slots=True)
class QueryTerm:
    term: str
    corrected: bool


class Analyzer:
    """Words -> stems -> synonym phrases -> content terms, with typo correction."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._known_stems: set[str] = set(lexicon.stopwords)
        self._known_stems.update(stem for phrase in lexicon.phrases for stem in phrase)
        self._correction_targets: list[str] = []
        self._corrections: dict[str, str | None] = {}

    def learn(self, surface_words: set[str]) -> None:
        """Make corpus words known, so they are never "corrected" and typos can reach them."""
        new_stems = {stem(word) for word in surface_words}
        self._known_stems.update(new_stems)
        targets = set(self._correction_targets)
        targets.update(self.lexicon.surface_words)
        targets.update(
            word for word in surface_words if len(word) >= _MIN_TYPO_LENGTH and word.isalpha()
        )
        # Function words are short and many: "cold" is one letter from "could".
        self._correction_targets = sorted(
            word
            for word in targets
            if len(word) >= _MIN_TYPO_LENGTH and stem(word) not in self.lexicon.stopwords
        )

    def analyse(self, text: str, correct_typos: bool = False) -> list[QueryTerm]:
        stems: list[tuple[str, bool]] = []
        for word in words(text):
            stemmed = stem(word)
            if correct_typos and stemmed not in self._known_stems:
                fixed = self._correct(word)
                if fixed is not None:
                    stems.append((stem(fixed), True))
                    continue
            stems.append((stemmed, False))
        return self._apply_phrases(stems)

    def _apply_phrases(self, stems: list[tuple[str, bool]]) -> list[QueryTerm]:
        lexicon = self.lexicon
        terms: list[QueryTerm] = []
        position = 0
        while position < len(stems):
            for size in range(min(lexicon.longest_phrase, len(stems) - position), 0, -1):
                window = stems[position : position + size]
                key = tuple(item[0] for item in window)
                target = lexicon.phrases.get(key)
                if target is not None:
                    corrected = any(item[1] for item in window)
                    terms.extend(QueryTerm(term, corrected) for term in target)
                    position += size
                    break
            else:
                term, corrected = stems[position]
                terms.append(QueryTerm(term, corrected))
                position += 1
        return terms

    def _correct(self, word: str) -> str | None:
        if word in self._corrections:
            return self._corrections[word]
        fixed: str | None = None
        allowed = _allowed_edits(word)
        if allowed and word.isalpha():
            found = process.extractOne(
                word, self._correction_targets, scorer=OSA.distance, score_cutoff=allowed
            )
            # In a short word a changed letter usually makes another real word
            # ("main" -> "mail"); there only a dropped letter is taken as a typo ("hak").
            if found is not None and (len(word) > _SHORT_WORD or _is_insertion(word, found[0])):
                fixed = found[0]
        if len(self._corrections) < 50_000:
            self._corrections[word] = fixed
        return fixed


def _is_insertion(word: str, candidate: str) -> bool:
    """Whether `candidate` is `word` with one letter added."""
    if len(candidate) != len(word) + 1:
        return False
    letters = iter(candidate)
    return all(letter in letters for letter in word)


def _allowed_edits(word: str) -> int:
    if len(word) < _MIN_TYPO_LENGTH:
        return 0
    return 1 if len(word) < 8 else 2


@dataclass(frozen=True, slots=True)
class _Field:
    terms: frozenset[str]
    weight: float
    flat_weight: float


class Engine:
    """An index over one corpus; build once, ask many questions."""

    def __init__(self, corpus: Corpus, lexicon: Lexicon | None = None) -> None:
        self.corpus = corpus
        self.analyzer = Analyzer(lexicon if lexicon is not None else load_lexicon())
        entries = corpus.entries
        self._entries = entries

        surface: set[str] = set()
        question_terms: list[frozenset[str]] = []
        question_fields: list[list[frozenset[str]]] = []
        answer_counts: list[Counter[str]] = []
        for entry in entries:
            fields = []
            for text in (entry.question, *entry.aliases):
                surface.update(words(text))
                fields.append(frozenset(t.term for t in self.analyzer.analyse(text)))
            question_fields.append(fields)
            question_terms.append(frozenset().union(*fields))
            surface.update(words(entry.answer))
            answer_counts.append(Counter(t.term for t in self.analyzer.analyse(entry.answer)))
        self.analyzer.learn(surface)

        document_frequency: Counter[str] = Counter()
        for terms, counts in zip(question_terms, answer_counts, strict=True):
            document_frequency.update(terms | counts.keys())
        size = len(entries)
        self._weights = {
            term: _WEIGHT_FLOOR + _idf(size, count) for term, count in document_frequency.items()
        }
        self._unknown_weight = _WEIGHT_FLOOR + _UNKNOWN_SHARE * _idf(size, 1)

        self._question_postings: dict[str, list[int]] = {}
        for index, terms in enumerate(question_terms):
            for term in terms:
                self._question_postings.setdefault(term, []).append(index)

        stopwords = self.analyzer.lexicon.stopwords
        lengths = [sum(counts.values()) for counts in answer_counts]
        average = (sum(lengths) / size) if size else 1.0
        self._answer_postings: dict[str, list[tuple[int, float]]] = {}
        for index, counts in enumerate(answer_counts):
            norm = _ANSWER_K * (1 - _ANSWER_B + _ANSWER_B * lengths[index] / (average or 1.0))
            for term, frequency in counts.items():
                if term in question_terms[index] or term in stopwords:
                    continue
                strength = _ANSWER_FACTOR * frequency / (frequency + norm)
                self._answer_postings.setdefault(term, []).append((index, strength))

        self._fields = [
            [self._field(terms - stopwords) for terms in fields] for fields in question_fields
        ]
        self._fields = [[field for field in fields if field.terms] for fields in self._fields]

    def _field(self, terms: frozenset[str]) -> _Field:
        return _Field(
            terms,
            sum(self._term_weight(term) for term in terms),
            sum(self._flat_weight(term) for term in terms),
        )

    def _term_weight(self, term: str) -> float:
        weight = self._weights.get(term, self._unknown_weight)
        if term in self.analyzer.lexicon.intents:
            weight *= _INTENT_FACTOR
        return weight

    def search(
        self, query: str, limit: int = 1, min_score: float = DEFAULT_MIN_SCORE
    ) -> list[Match]:
        """The best `limit` entries scoring at least `min_score`, best first."""
        return self.ask(query, limit, min_score, related_limit=0).matches

    def ask(
        self,
        query: str,
        limit: int = 1,
        min_score: float = DEFAULT_MIN_SCORE,
        related_limit: int = RELATED_LIMIT,
    ) -> Answer:
        """Matches that clear `min_score`, plus related questions the user may want next.

        When nothing clears the threshold, `closest` holds the nearest candidates
        so the caller can suggest them.
        """
        ranked = self.rank(query)
        matches = [match for match in ranked if match.score >= min_score][:limit]
        closest = (
            [m for m in ranked[:RELATED_LIMIT] if m.score >= _CLOSEST_FLOOR] if not matches else []
        )
        related = self._related(ranked, matches, related_limit) if matches else []
        return Answer(query, matches, related, closest)

    def rank(self, query: str) -> list[Match]:
        """Every entry that shares a content word with the query, best first."""
        lexicon = self.analyzer.lexicon
        content: dict[str, float] = {}
        function: dict[str, float] = {}
        for item in _unique(self.analyzer.analyse(query, correct_typos=True)):
            factor = _CORRECTED_FACTOR if item.corrected else 1.0
            kind = function if item.term in lexicon.stopwords else content
            kind[item.term] = self._term_weight(item.term) * factor
        if not content:
            return []
        total = sum(content.values())
        has_topic = any(term not in lexicon.intents for term in content)

        flat = {term: self._flat_weight(term) for term in content}
        flat_total = sum(flat.values())
        covered: dict[int, float] = {}
        flat_covered: dict[int, float] = {}
        topical: set[int] = set()
        for term, weight in content.items():
            is_topic = term not in lexicon.intents
            for index in self._question_postings.get(term, ()):
                covered[index] = covered.get(index, 0.0) + weight
                flat_covered[index] = flat_covered.get(index, 0.0) + flat[term]
                if is_topic:
                    topical.add(index)
            for index, strength in self._answer_postings.get(term, ()):
                covered[index] = covered.get(index, 0.0) + weight * strength
                flat_covered[index] = flat_covered.get(index, 0.0) + flat[term] * _CONFIDENCE_ANSWER
                if is_topic:
                    topical.add(index)

        function_total = sum(function.values())
        function_hits: dict[int, float] = {}
        for term, weight in function.items():
            for index in self._question_postings.get(term, ()):
                function_hits[index] = function_hits.get(index, 0.0) + weight

        matches = []
        for index, mass in covered.items():
            query_coverage = min(1.0, mass / total)
            entry_coverage = self._entry_coverage(index, content)
            score = query_coverage**_QUERY_COVERAGE_EXPONENT * entry_coverage ** (
                1 - _QUERY_COVERAGE_EXPONENT
            )
            if not has_topic or index not in topical:
                score *= _OFF_TOPIC_FACTOR
            matches.append((score, index))
        if function_total and function_hits:
            # Relative to the best function-word overlap, so the bonus only reorders.
            best = max(function_hits.values())
            matches = [
                (
                    score * (1.0 - _FUNCTION_SHARE * (best - function_hits.get(index, 0.0)) / best),
                    index,
                )
                for score, index in matches
            ]
        matches.sort(key=lambda item: (-item[0], item[1]))
        if matches and matches[0][0] > 0:
            top_score, top = matches[0]
            query_share = min(1.0, flat_covered[top] / flat_total)
            confidence = query_share * self._entry_coverage(top, content, flat=True)
            scale = confidence / top_score
            matches = [(min(1.0, score * scale), index) for score, index in matches]
        return [Match(self._entries[index], round(100.0 * score, 1)) for score, index in matches]

    def _entry_coverage(
        self, index: int, query_weights: dict[str, float], flat: bool = False
    ) -> float:
        weight_of = self._flat_weight if flat else self._term_weight
        best = 0.0
        for field in self._fields[index]:
            shared = sum(weight_of(term) for term in field.terms if term in query_weights)
            best = max(best, shared / (field.flat_weight if flat else field.weight))
        return best

    def _flat_weight(self, term: str) -> float:
        if term in self.analyzer.lexicon.intents:
            return _INTENT_FACTOR
        return 1.0 if term in self._weights else _CONFIDENCE_UNKNOWN

    def _related(self, ranked: list[Match], shown: list[Match], limit: int) -> list[Entry]:
        """The runners-up first, then entries sharing a tag with what was shown."""
        shown_ids = {match.entry.id for match in shown}
        picked: list[Entry] = []
        tags = {tag for match in shown for tag in match.entry.tags}
        runners_up = (match.entry for match in ranked)
        same_tags = (entry for entry in self._entries if tags.intersection(entry.tags))
        for entry in (*runners_up, *same_tags):
            if len(picked) >= limit:
                break
            if entry.id not in shown_ids:
                picked.append(entry)
                shown_ids.add(entry.id)
        return picked

    def closest_ids(self, text: str, limit: int = 3) -> list[str]:
        """Ids that look like `text`, for "did you mean" after a mistyped id."""
        found = process.extract(text, self.corpus.ids, limit=limit, score_cutoff=60)
        return [choice for choice, _score, _index in found]


def _idf(size: int, count: int) -> float:
    return math.log(1.0 + (size - count + 0.5) / (count + 0.5))


def _unique(terms: list[QueryTerm]) -> list[QueryTerm]:
    seen: dict[str, QueryTerm] = {}
    for item in terms:
        if item.term not in seen or (seen[item.term].corrected and not item.corrected):
            seen[item.term] = item
    return list(seen.values())
