"""Rank corpus entries for a question and say how confident the best answer is.

Ranking is a weighted term overlap in both directions, on the terms squatqa.analyzer
makes (stems, after the corpus's synonyms):

* query coverage: how much of what the user asked the entry speaks to. A term in
  the entry's question or one of its aliases counts fully, and a term its answer
  uses adds a smaller share on top (so an answer that dwells on the question's
  words helps, and one that merely has them still counts for something). Word
  pairs the question shares in the same order ("what are the", "come from") add
  to it, so wording decides between entries that share the same key words.
* entry coverage: how much of the entry's best-matching question wording the user
  asked about, so a short question that says exactly what was asked beats a long
  one that merely mentions it.
* absent topic words: a word of the question (not a function word) that at least a
  tenth of the entries' questions use, and this entry's do not, lowers its score in
  proportion to how common it is.
  Rarity weighting alone would let an incidental rare word ("heavy") outweigh the
  word the whole corpus is about ("valgus") when deciding between two entries.

Weights grow with rarity in the corpus (squatqa.index); function words keep a share
of theirs, since in questions "should I" and "where can I" are what separate one
entry from another.

Confidence is a different view of the best candidate: the evidence of how well it
accounts for the question (Engine.best_evidence), turned into the chance that it is
the right answer by squatqa.confidence. The other candidates' scores are scaled
with the best one's, so the order is the ranking's.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from itertools import chain, pairwise
from typing import NamedTuple

from squatqa.analyzer import Analysis, Analyzer
from squatqa.confidence import Evidence, bundled_model, likelihood
from squatqa.corpus import Corpus, Entry
from squatqa.english import english_words
from squatqa.index import Index
from squatqa.lexicon import Lexicon, load_lexicon

DEFAULT_MIN_SCORE = 45.0
RELATED_LIMIT = 3

# Ranking: adjacent query terms found adjacent in a question count this share of
# their weight on top of the terms themselves.
_PAIR_FACTOR = 0.3
# A function word in more questions than this does not help rank (it would make
# every entry a candidate and cost time for nothing).
_FUNCTION_CANDIDATES = 1000
# How much query coverage decides the ranking; entry coverage has the rest.
_QUERY_COVERAGE_EXPONENT = 0.75
# An entry whose questions lack a (non-function) word of the question loses this
# share of its score times the share of entries whose questions use the word.
_ABSENT_PENALTY = 0.4
# Words fewer entries than this share use are not looked for: lacking one costs an
# entry next to nothing, and gathering and checking their entries would cost time
# and memory in a large corpus.
_ABSENT_MIN_SHARE = 0.1
# A word corrected for a typo is trusted a little less than one typed right.
_CORRECTED_FACTOR = 0.9
# Confidence evidence: a content word counts 1, an intent word this much.
_CONFIDENCE_INTENT = 0.6
# Words that tie a subject word after a matched term to it: "valgus in the elbow".
_LINKS = frozenset({"in", "of", "on", "at"})
_DETERMINERS = frozenset({"the", "a", "an", "my", "your", "his", "her", "their", "our"})
# When a question is declined, up to this many candidates scoring at least the
# floor are suggested instead.
_CLOSEST_LIMIT = 3
_CLOSEST_FLOOR = 10.0
# Candidates are sorted whole when there are at most this many times as many as
# wanted; past that, the wanted few are picked with a heap.
_SORT_ALL = 8
# What the answers one Engine remembers may hold, at most: each costs its question's
# terms plus _ANSWER_COST for itself, so the budget holds some 9,000 questions of
# ordinary length or 17,000 of two words in about 6 MB, and few pasted pages (their
# made-up words, new strings each, take up to about 15 MB).
_ANSWER_BUDGET = 200_000
_ANSWER_COST = 10


class Match(NamedTuple):
    entry: Entry
    score: float  # 0-100, higher is more confident


class Answer(NamedTuple):
    query: str
    matches: list[Match]
    related: list[Entry]
    closest: list[Match]


class _Found:
    """An Answer without its query, as remembered for the next question analysed alike.

    A plain class, not a NamedTuple: making one of those costs every run's start
    a tenth of a millisecond.
    """

    __slots__ = ("closest", "matches", "related")

    def __init__(
        self, matches: tuple[Match, ...], related: tuple[Entry, ...], closest: tuple[Match, ...]
    ) -> None:
        self.matches = matches
        self.related = related
        self.closest = closest


class _Scored(NamedTuple):
    """Ranking scores of every candidate, and the question's terms with their weights."""

    scores: dict[int, float]  # entry number -> ranking score
    weights: dict[str, float]  # query term -> ranking weight
    analysis: Analysis  # the question's terms in order, and its clauses


class Engine:
    """A corpus made searchable; build once (or load from squatqa.cache), ask many."""

    def __init__(
        self,
        corpus: Corpus,
        lexicon: Lexicon | None = None,
        *,
        prepared: tuple[Analyzer, Index] | None = None,
    ) -> None:
        self.corpus = corpus
        self._entries = corpus.entries
        if prepared is None:
            base = lexicon if lexicon is not None else load_lexicon()
            analyzer = Analyzer(base.with_synonyms(corpus.synonyms))
            prepared = (analyzer, Index.build(corpus.entries, analyzer))
        self.analyzer, self.index = prepared
        # Answers by the question's analysis (and the options): what a batch asks again,
        # in other case or spacing, is answered at once.
        self._answers: dict[tuple[object, ...], _Found] = {}
        self._answers_held = 0
        # Read now, not at the first question: a broken installation then fails
        # before any answer is printed (squatqa.datafiles.DataFileError).
        self._confidence_model = bundled_model()
        english_words()

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
        if limit < 1 or related_limit < 0:
            raise ValueError(
                f"limit must be at least 1 and related_limit at least 0, "
                f"not {limit} and {related_limit}"
            )
        analysis = self.analyzer.analyse(query, correct_typos=True)
        key = (
            tuple(analysis.terms),
            tuple(analysis.corrected),
            analysis.breaks,
            limit,
            min_score,
            related_limit,
        )
        found = self._answers.get(key)
        if found is None:
            ranked = self._ranked(analysis, depth=limit + related_limit + _CLOSEST_LIMIT)
            matches = [match for match in ranked if match.score >= min_score][:limit]
            closest = (
                [m for m in ranked[:_CLOSEST_LIMIT] if m.score >= _CLOSEST_FLOOR]
                if not matches
                else []
            )
            related = self._related(ranked, matches, related_limit) if matches else []
            found = _Found(tuple(matches), tuple(related), tuple(closest))
            cost = len(analysis.terms) + _ANSWER_COST
            if self._answers_held + cost <= _ANSWER_BUDGET:
                self._answers[key] = found
                self._answers_held += cost
        return Answer(query, list(found.matches), list(found.related), list(found.closest))

    def rank(self, query: str) -> list[Match]:
        """Every entry whose questions share a word with the query, best first."""
        return self._ranked(self.analyzer.analyse(query, correct_typos=True), depth=None)

    def _ranked(self, analysis: Analysis, depth: int | None) -> list[Match]:
        scored = self._score(analysis)
        if scored is None or not scored.scores:
            return []
        items = scored.scores.items()
        # A heap pays off only when few of many candidates are wanted (a large corpus).
        order = (
            sorted(items, key=_best_first)[:depth]
            if depth is None or len(scored.scores) <= _SORT_ALL * depth
            else heapq.nsmallest(depth, items, key=_best_first)
        )
        top, top_score = order[0]
        scale = self._confidence(top, scored, top_score) / top_score
        return [
            Match(self._entries[number], round(100.0 * min(score * scale, 1.0), 1))
            for number, score in order
        ]

    def _score(self, analysis: Analysis) -> _Scored | None:
        index = self.index
        stopwords = index.stopwords
        terms, corrected, _breaks = analysis
        term_weight = index.term_weight
        weights: dict[str, float] = {}
        for term, repaired in zip(terms, corrected, strict=True):
            weight = (term_weight(term) * _CORRECTED_FACTOR) if repaired else term_weight(term)
            if weight > weights.get(term, 0.0):
                weights[term] = weight
        if all(term in stopwords for term in weights):
            return None
        total = sum(weights.values())

        # Per question field: the query weight it covers (mass) and the share of
        # its own weight the query covers. A field no term reached has no mass.
        field_count = len(index.field_entry)
        field_mass = [0.0] * field_count
        field_share = [0.0] * field_count
        touched: set[int] = set()  # entry numbers
        for term, weight in weights.items():
            postings = index.field_postings.get(term)
            if postings is None or (
                term in stopwords and len(postings.fields) > _FUNCTION_CANDIDATES
            ):
                continue
            found = index.term_fields(term, postings)
            touched.update(found.entries)
            for field, share, agreement in found.rows:
                field_mass[field] += weight * agreement
                field_share[field] += share
        # Word pairs say how a field is worded ("should I"), not what it is about, so
        # the phrasings' agreement does not scale them.
        for first, second in dict.fromkeys(pairwise(terms)):
            pair_fields = index.pair_postings.get(first, second)
            if pair_fields is not None:
                bonus = _PAIR_FACTOR * (weights[first] + weights[second]) / 2
                for field in pair_fields:
                    if field_mass[field]:
                        field_mass[field] += bonus

        # Per entry: its best field on each count.
        bounds = index.entry_fields
        question_mass: dict[int, float] = {}
        entry_coverage: dict[int, float] = {}
        for number in touched:
            first_field, end = bounds[number], bounds[number + 1]
            question_mass[number] = max(field_mass[first_field:end])
            entry_coverage[number] = max(field_share[first_field:end])

        answer_mass = dict.fromkeys(question_mass, 0.0)
        for term, weight in weights.items():
            answers = index.answer_postings.get(term)
            if answers is None:
                continue
            for number, strength in zip(answers.entries, answers.strengths, strict=True):
                if number in answer_mass:
                    answer_mass[number] += weight * strength

        scores: dict[int, float] = {}
        for number, mass in question_mass.items():
            query_coverage = (mass + answer_mass[number]) / total
            score = math.pow(query_coverage, _QUERY_COVERAGE_EXPONENT) * math.pow(
                entry_coverage[number], 1 - _QUERY_COVERAGE_EXPONENT
            )
            if score > 0:
                scores[number] = score

        # A word of the question that many entries' questions use is likely the
        # corpus's topic ("valgus" in a knee FAQ): an entry whose questions lack it
        # is likely about something else, however well it matches a rarer word.
        # Intent words count too: "why" asked of a "what is" entry is a mismatch.
        common = max(_ABSENT_MIN_SHARE * index.size, 1.0)
        for term in weights if scores else ():
            if term in stopwords:
                continue
            asking = index.asking_entries(term, at_least=common)
            if asking is not None:
                factor = 1.0 - _ABSENT_PENALTY * len(asking) / index.size
                for number in scores:
                    if number not in asking:
                        scores[number] *= factor
        return _Scored(scores, weights, analysis)

    def best_evidence(self, query: str) -> tuple[Entry, Evidence] | None:
        """The best-ranked entry and the evidence its score comes from; None if none ranks.

        For fitting and inspecting squatqa.confidence (benchmarks/fit_confidence.py).
        """
        scored = self._score(self.analyzer.analyse(query, correct_typos=True))
        if scored is None or not scored.scores:
            return None
        number, ranking = min(scored.scores.items(), key=_best_first)
        return self._entries[number], self._evidence(number, scored, ranking)

    def _confidence(self, number: int, scored: _Scored, ranking: float) -> float:
        """How likely entry `number` answers the question; see squatqa.confidence."""
        return likelihood(self._evidence(number, scored, ranking), self._confidence_model)

    def _evidence(self, number: int, scored: _Scored, ranking: float) -> Evidence:
        """What entry `number` and the question's terms share, whatever the ranking weights.

        Query side: content words count alike (intent words less), found in a
        question or alias, or only in the answer. Entry side: how much of the
        entry's own distinguishing wording was asked, weighted by rarity. A subject
        word the corpus never uses, next to a matched word, says the match is about
        something else: "hallux valgus" is the big toe's, not the knee's.
        """
        index = self.index
        intents = self.analyzer.lexicon.intents
        subjects = self.analyzer.lexicon.subjects
        first_field, end = index.entry_fields[number], index.entry_fields[number + 1]
        # Rarity of the query's non-function words each of the entry's fields uses.
        shared = [0.0] * (end - first_field)
        asked = in_questions = in_answer = 0.0
        unknown = missed = subject_words = 0
        matched: set[str] = set()  # content words its questions or aliases use
        for term in scored.weights:
            postings = index.field_postings.get(term)
            in_question = False
            if postings is not None:
                fields = postings.fields
                low = bisect_left(fields, first_field)
                high = bisect_left(fields, end, low)
                in_question = low < high
                if in_question and term not in index.stopwords:
                    rarity = index.weights[term]
                    for field in fields[low:high]:
                        shared[field - first_field] += rarity
            intent = term in intents
            if intent:
                weight = _CONFIDENCE_INTENT
            elif term in index.stopwords or len(term) < 2:
                continue  # a single letter is no more than a function word
            else:
                weight = 1.0
            asked += weight
            if in_question:
                in_questions += weight
                if not intent:
                    matched.add(term)
            elif self._answer_uses(number, term):
                in_answer += weight
            elif intent:
                continue  # asking "why" where the entry says "what" is not a topic missed
            elif term in index.weights:
                missed += 1
            else:
                unknown += 1
                if term in subjects:
                    subject_words += 1
        entry_share = max(
            (
                covered / index.field_content[first_field + offset]
                for offset, covered in enumerate(shared)
                if index.field_content[first_field + offset]
            ),
            default=0.0,
        )
        return Evidence(
            in_questions / asked if asked else 0.0,
            in_answer / asked if asked else 0.0,
            entry_share,
            ranking,
            unknown,
            missed,
            len(matched),
            subject_words,
            _qualified(scored.analysis, matched, subjects, index.weights) if subject_words else 0,
        )

    def _answer_uses(self, number: int, term: str) -> bool:
        postings = self.index.answer_postings.get(term)
        if postings is None:
            return False
        entries = postings.entries
        position = bisect_left(entries, number)
        return position < len(entries) and entries[position] == number

    def _related(self, ranked: list[Match], shown: list[Match], limit: int) -> list[Entry]:
        """The runners-up first, then entries sharing a tag with what was shown."""
        shown_ids = {match.entry.id for match in shown}
        picked: list[Entry] = []
        if limit <= 0:
            return picked
        tags = {tag for match in shown for tag in match.entry.tags}
        runners_up = (match.entry for match in ranked)
        same_tags = (entry for entry in self._entries if tags.intersection(entry.tags))
        for entry in chain(runners_up, same_tags):
            if entry.id not in shown_ids:
                picked.append(entry)
                shown_ids.add(entry.id)
                if len(picked) >= limit:
                    break
        return picked

    def closest_ids(self, text: str, limit: int = 3) -> list[str]:
        """Ids that look like `text`, for "did you mean" after a mistyped id."""
        from rapidfuzz import process

        found = process.extract(
            text, self.corpus.ids, limit=limit, score_cutoff=60, processor=str.casefold
        )
        return [choice for choice, _score, _index in found]


def _qualified(
    analysis: Analysis, matched: set[str], subjects: frozenset[str], corpus_terms: dict[str, float]
) -> int:
    """How many times a matched term is qualified by a subject word the corpus never uses.

    The subject word stands right before the term ("hallux valgus"), or right after it,
    directly or across a preposition ("vagus nerve", "valgus in the elbow"); within one
    clause. Such a subject word is one of the question's unknown subject words (subject
    words are never function or intent words), so a question without any has none.
    """
    count = 0
    bounds = (0, *analysis.breaks, len(analysis.terms))
    for start, end in pairwise(bounds):
        clause = analysis.terms[start:end]
        foreign = [word in subjects and word not in corpus_terms for word in clause]
        for position, term in enumerate(clause):
            if term not in matched:
                continue
            if position and foreign[position - 1]:
                count += 1
            after = position + 1
            if after < len(clause) and clause[after] in _LINKS:
                after += 1
                if after < len(clause) and clause[after] in _DETERMINERS:
                    after += 1
            if after < len(clause) and foreign[after]:
                count += 1
    return count


def _best_first(item: tuple[int, float]) -> tuple[float, int]:
    """Higher score first; ties go to the earlier entry, so output is stable."""
    return (-item[1], item[0])


__all__ = ["DEFAULT_MIN_SCORE", "RELATED_LIMIT", "Answer", "Engine", "Match"]
