"""Rank corpus entries for a question and say how confident the best answer is.

Ranking is a weighted term overlap in both directions, on stemmed terms after the
corpus's synonyms are applied:

* query coverage: how much of what the user asked the entry speaks to. A term in
  the entry's question or one of its aliases counts fully; one found only in the
  answer counts partly, saturating with repetition as in BM25. Word pairs the
  question shares in the same order ("what are the", "come from") add to it, so
  wording decides between entries that share the same key words.
* entry coverage: how much of the entry's best-matching question wording the user
  asked about, so a short question that says exactly what was asked beats a long
  one that merely mentions it.

Weights grow with rarity in the corpus (inverse document frequency), which tells
entries apart; function words keep a share of theirs, since in questions "should
I" and "where can I" are what separate one entry from another.

Confidence needs a different view: a word every entry uses ("valgus" here) ranks
nothing but is the surest sign a question is on topic. So the score shown is the
best candidate's two-way coverage with every known word counted alike and unknown
words at half, and the rest of the list is scaled with it. A question about bread
or headaches covers little of itself and falls below the threshold.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import process
from rapidfuzz.distance import OSA

from squatqa.corpus import Corpus, Entry
from squatqa.lexicon import Lexicon, load_lexicon
from squatqa.text import stem, words

DEFAULT_MIN_SCORE = 70.0
RELATED_LIMIT = 3

# Ranking: a term found only in the answer counts this much of a question match,
# with BM25-style saturation and length normalisation.
_ANSWER_FACTOR = 0.3
_ANSWER_B = 0.75
_ANSWER_K = 0.5
# Ranking: adjacent query terms found adjacent in a question count this share of
# their weight on top of the terms themselves.
_PAIR_FACTOR = 0.3
# Ranking: function words keep this share of their rarity weight.
_FUNCTION_FACTOR = 0.7
# A function word brings in the entries whose questions use it only when at most
# this many do.
_FUNCTION_CANDIDATES = 1000
# How much query coverage decides the ranking; entry coverage has the rest.
_QUERY_COVERAGE_EXPONENT = 0.75
# A word corrected for a typo is trusted a little less than one typed right.
_CORRECTED_FACTOR = 0.9
# Confidence: an unknown word counts half a known one (it may be filler), an
# intent word less, and a word matched only in the answer this share of a
# question match. Query coverage decides this much of it, entry coverage the rest;
# a match on intent words alone keeps the last factor.
_CONFIDENCE_UNKNOWN = 1.0
_CONFIDENCE_INTENT = 0.6
_CONFIDENCE_ANSWER = 0.3
_CONFIDENCE_QUERY_EXPONENT = 0.85
_OFF_TOPIC_FACTOR = 0.5
# Typo correction: shortest word considered, and the length up to which a word is
# "short" (only a dropped letter is repaired there).
_MIN_TYPO_LENGTH = 3
_SHORT_WORD = 4
_TYPO_CANDIDATES = 8
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
    """Words -> stems -> synonym phrases -> terms, with typo correction for queries."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._known_stems: set[str] = set(lexicon.stopwords)
        self._known_stems.update(stem for phrase in lexicon.phrases for stem in phrase)
        self._correction_targets: list[str] = []
        self._corrections: dict[str, str | None] = {}

    def learn(self, surface_words: set[str]) -> None:
        """Make corpus words known, so they are never "corrected" and typos can reach them."""
        self._known_stems.update(stem(word) for word in surface_words)
        targets = set(self.lexicon.surface_words)
        targets.update(surface_words)
        self._correction_targets = sorted(
            word for word in targets if len(word) >= _MIN_TYPO_LENGTH and word.isalpha()
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

    def terms(self, text: str) -> list[str]:
        return [item.term for item in self.analyse(text)]

    def _apply_phrases(self, stems: list[tuple[str, bool]]) -> list[QueryTerm]:
        lexicon = self.lexicon
        terms: list[QueryTerm] = []
        position = 0
        while position < len(stems):
            for size in range(min(lexicon.longest_phrase, len(stems) - position), 0, -1):
                window = stems[position : position + size]
                target = lexicon.phrases.get(tuple(item[0] for item in window))
                if target is not None:
                    terms.append(QueryTerm(target, any(item[1] for item in window)))
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
            found = process.extract(
                word,
                self._correction_targets,
                scorer=OSA.distance,
                score_cutoff=allowed,
                limit=_TYPO_CANDIDATES,
            )
            fixed = next((c for c, _d, _i in found if self._plausible_typo(word, c)), None)
        if len(self._corrections) < 50_000:
            self._corrections[word] = fixed
        return fixed

    def _plausible_typo(self, word: str, candidate: str) -> bool:
        """Whether `word` is more likely a slip for `candidate` than a word of its own.

        Function words are short and many ("cold" is one letter from "could"), and
        in a short word a changed letter usually makes another real word ("main" ->
        "mail"). So function words and short words are only reached by two swapped
        neighbours ("whta", "hakc") or, for short content words, a dropped letter ("hak").
        """
        if _is_transposition(word, candidate):
            return True
        if stem(candidate) in self.lexicon.stopwords:
            return False
        return len(word) > _SHORT_WORD or _is_insertion(word, candidate)


def _is_insertion(word: str, candidate: str) -> bool:
    """Whether `candidate` is `word` with one letter added."""
    if len(candidate) != len(word) + 1:
        return False
    letters = iter(candidate)
    return all(letter in letters for letter in word)


def _is_transposition(word: str, candidate: str) -> bool:
    """Whether `candidate` is `word` with two neighbouring letters swapped."""
    if len(candidate) != len(word):
        return False
    differences = [i for i, (a, b) in enumerate(zip(word, candidate, strict=True)) if a != b]
    return (
        len(differences) == 2
        and differences[1] == differences[0] + 1
        and word[differences[0]] == candidate[differences[1]]
        and word[differences[1]] == candidate[differences[0]]
    )


def _allowed_edits(word: str) -> int:
    if len(word) < _MIN_TYPO_LENGTH:
        return 0
    return 1 if len(word) < 8 else 2


@dataclass(frozen=True, slots=True)
class _Field:
    """One way an entry is asked (its question or an alias), as terms."""

    terms: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    weight: float  # rarity weight of all its terms, for entry coverage


class Engine:
    """An index over one corpus; build once, ask many questions."""

    def __init__(self, corpus: Corpus, lexicon: Lexicon | None = None) -> None:
        self.corpus = corpus
        base = lexicon if lexicon is not None else load_lexicon()
        self.analyzer = Analyzer(base.with_synonyms(corpus.synonyms))
        self._stopwords = self.analyzer.lexicon.stopwords
        entries = corpus.entries
        self._entries = entries

        surface: set[str] = set()
        field_terms: list[list[list[str]]] = []
        answer_counts: list[Counter[str]] = []
        for entry in entries:
            fields = []
            for text in (entry.question, *entry.aliases):
                surface.update(words(text))
                fields.append(self.analyzer.terms(text))
            field_terms.append(fields)
            surface.update(words(entry.answer))
            answer_counts.append(Counter(self.analyzer.terms(entry.answer)))
        self.analyzer.learn(surface)

        question_terms = [frozenset(t for f in fields for t in f) for fields in field_terms]
        self._question_terms = question_terms
        self._answer_terms = [frozenset(counts) for counts in answer_counts]
        document_frequency: Counter[str] = Counter()
        for terms, counts in zip(question_terms, answer_counts, strict=True):
            document_frequency.update(terms | counts.keys())
        size = len(entries)
        self._weights = {term: _idf(size, count) for term, count in document_frequency.items()}
        self._unknown_weight = _idf(size, 1)

        self._question_postings: dict[str, list[int]] = {}
        for index, terms in enumerate(question_terms):
            for term in terms:
                self._question_postings.setdefault(term, []).append(index)

        lengths = [sum(counts.values()) for counts in answer_counts]
        average = (sum(lengths) / size) if size else 1.0
        self._answer_postings: dict[str, list[tuple[int, float]]] = {}
        for index, counts in enumerate(answer_counts):
            norm = _ANSWER_K * (1 - _ANSWER_B + _ANSWER_B * lengths[index] / (average or 1.0))
            for term, frequency in counts.items():
                strength = _ANSWER_FACTOR * frequency / (frequency + norm)
                self._answer_postings.setdefault(term, []).append((index, strength))

        self._fields = [[self._field(terms) for terms in fields] for fields in field_terms]

    def _field(self, terms: list[str]) -> _Field:
        unique = frozenset(terms)
        return _Field(
            unique,
            frozenset(pairwise(terms)),
            sum(self._term_weight(term) for term in unique),
        )

    def _term_weight(self, term: str) -> float:
        weight = self._weights.get(term, self._unknown_weight)
        if term in self._stopwords:
            weight *= _FUNCTION_FACTOR
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
        sequence = self.analyzer.analyse(query, correct_typos=True)
        weights: dict[str, float] = {}
        for item in sequence:
            weight = self._term_weight(item.term) * (_CORRECTED_FACTOR if item.corrected else 1.0)
            weights[item.term] = max(weight, weights.get(item.term, 0.0))
        content = [term for term in weights if term not in self._stopwords]
        if not content:
            return []
        total = sum(weights.values())
        terms = [item.term for item in sequence]
        pairs = {pair for pair in pairwise(terms) if pair[0] != pair[1]}

        # Candidates share a content word, or question wording ("how is it ...") when
        # that is rare enough to tell questions apart; a word in most questions would
        # only make every entry a candidate.
        candidates: set[int] = set()
        for term in content:
            candidates.update(self._question_postings.get(term, ()))
            candidates.update(index for index, _strength in self._answer_postings.get(term, ()))
        for term in weights.keys() - content:
            postings = self._question_postings.get(term, ())
            if len(postings) <= _FUNCTION_CANDIDATES:
                candidates.update(postings)
        answer_mass: dict[int, float] = {}
        for term, weight in weights.items():
            for index, strength in self._answer_postings.get(term, ()):
                if index in candidates:
                    answer_mass[index] = answer_mass.get(index, 0.0) + weight * strength

        query_terms = weights.keys()
        scored: list[tuple[float, int]] = []
        for index in candidates:
            question_mass = 0.0
            entry_coverage = 0.0
            for field in self._fields[index]:
                shared = field.terms & query_terms
                if not shared:
                    continue
                mass = sum(weights[term] for term in shared)
                if pairs and field.pairs:
                    mass += _PAIR_FACTOR * sum(
                        (weights[a] + weights[b]) / 2 for a, b in pairs & field.pairs
                    )
                question_mass = max(question_mass, mass)
                covered = sum(self._term_weight(term) for term in shared)
                entry_coverage = max(entry_coverage, covered / field.weight)
            query_coverage = (question_mass + answer_mass.get(index, 0.0)) / total
            score = math.pow(query_coverage, _QUERY_COVERAGE_EXPONENT) * math.pow(
                entry_coverage, 1 - _QUERY_COVERAGE_EXPONENT
            )
            if score > 0:
                scored.append((score, index))
        if not scored:
            return []
        scored.sort(key=lambda item: (-item[0], item[1]))
        confidence = self._confidence(scored[0][1], weights)
        scale = confidence / scored[0][0]
        return [
            Match(self._entries[index], round(100.0 * min(1.0, score * scale), 1))
            for score, index in scored
        ]

    def _confidence(self, index: int, weights: dict[str, float]) -> float:
        """How well the best entry accounts for the question, whatever the ranking weights.

        Query side: every content word counts alike (unknown words less, as they
        may be filler), found in a question or alias fully, only in the answer
        partly. Entry side: how much of the entry's own distinguishing wording was
        asked, weighted by rarity. A match on intent words alone ("how do you treat
        ...") is not about this entry's topic and keeps only a share.
        """
        intents = self.analyzer.lexicon.intents
        in_question = self._question_terms[index]
        in_answer = self._answer_terms[index]
        asked = 0.0
        found = 0.0
        on_topic = False
        for term in weights:
            if term in intents:
                weight = _CONFIDENCE_INTENT
            elif term in self._stopwords or len(term) < 2:
                continue
            else:
                weight = 1.0 if term in self._weights else _CONFIDENCE_UNKNOWN
            asked += weight
            if term in in_question:
                found += weight
                on_topic = on_topic or term not in intents
            elif term in in_answer:
                found += weight * _CONFIDENCE_ANSWER
        if not asked:
            return 0.0
        entry_share = 0.0
        for field in self._fields[index]:
            wording = field.terms - self._stopwords
            if wording:
                shared = sum(self._weights[term] for term in wording if term in weights)
                entry_share = max(entry_share, shared / sum(self._weights[t] for t in wording))
        confidence = math.pow(found / asked, _CONFIDENCE_QUERY_EXPONENT) * math.pow(
            entry_share, 1 - _CONFIDENCE_QUERY_EXPONENT
        )
        return confidence if on_topic else confidence * _OFF_TOPIC_FACTOR

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
