"""Turn text into terms: words, informal spellings, stems, synonym phrases, typo repair.

The same analysis reads corpus text when the index is built and every question
asked of it, so both meet on equal terms. Only questions get typo repair: corpus
text is taken as written.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from squatqa.english import is_english_word
from squatqa.lexicon import Lexicon
from squatqa.text import clause_words, stem, stem_unremembered

# Typo correction: shortest word considered, and how many unknown words of one
# question are looked up (each is a search of the corpus's vocabulary; a pasted
# page of made-up words must not take seconds).
MIN_TYPO_LENGTH = 3
MAX_REPAIRS_PER_QUESTION = 32
# Run-together words: shortest and longest word split (every cut is tried, so a
# pasted run of letters must not be), and shortest part.
MIN_SPLIT_LENGTH = 5
MAX_SPLIT_LENGTH = 24
MIN_PART_LENGTH = 2
# Repairs remembered per process (a batch asks many questions).
_CORRECTION_MEMORY = 50_000


class Analysis(NamedTuple):
    """A question's terms in order, which of them were repaired typos, and where
    each clause after the first begins (a term's position): "I hurt my wrist. Why do
    knees cave" has one, after "wrist"."""

    terms: list[str]
    corrected: list[bool]
    breaks: tuple[int, ...]


class Analyzer:
    """Words -> stems -> synonym phrases -> terms, with typo correction for questions."""

    def __init__(
        self, lexicon: Lexicon, known: set[str] | None = None, targets: list[str] | None = None
    ) -> None:
        self.lexicon = lexicon
        # Stems the corpus or lexicon uses: never "corrected".
        self.known = known if known is not None else self._lexicon_stems(lexicon)
        # Surface words a typo may be corrected to, sorted.
        self.targets = targets if targets is not None else []
        # First stem of a phrase -> the phrase lengths starting with it, longest first.
        self._phrase_sizes: dict[str, tuple[int, ...]] = {}
        for phrase in sorted(lexicon.phrases, key=len, reverse=True):
            sizes = self._phrase_sizes.get(phrase[0], ())
            if len(phrase) not in sizes:
                self._phrase_sizes[phrase[0]] = (*sizes, len(phrase))
        self._repairs: dict[str, tuple[str, ...] | None] = {}

    def to_state(self) -> tuple[Any, ...]:
        """The analyzer as plain values for squatqa.cache."""
        return (tuple(self.lexicon), self.known, self.targets)

    @classmethod
    def from_state(cls, state: tuple[Any, ...]) -> Analyzer:
        lexicon, known, targets = state
        return cls(Lexicon(*lexicon), known, targets)

    @staticmethod
    def _lexicon_stems(lexicon: Lexicon) -> set[str]:
        """Terms the lexicon itself makes, which must never be "corrected" into others."""
        known = set(lexicon.stopwords | lexicon.intents | lexicon.subjects)
        known.update(stem for phrase in lexicon.phrases for stem in phrase)
        known.update(lexicon.phrases.values())
        known.update(stem(word) for standard in lexicon.spellings.values() for word in standard)
        return known

    def learn(self, surface_words: set[str]) -> None:
        """Make corpus words known, so they are never "corrected" and typos can reach them."""
        self.known.update(stem(word) for word in surface_words)
        targets = set(self.lexicon.surface_words)
        targets.update(surface_words)
        self.targets = sorted(
            word for word in targets if len(word) >= MIN_TYPO_LENGTH and word.isalpha()
        )

    def terms(self, text: str) -> list[str]:
        """Corpus text as terms, in order."""
        return self.analyse(text).terms

    def analyse(self, text: str, correct_typos: bool = False) -> Analysis:
        repairs = MAX_REPAIRS_PER_QUESTION if correct_typos else 0
        stems: list[str] = []
        corrected: list[bool] = []
        breaks: list[int] = []  # where each clause after the first begins
        for found in clause_words(text):
            if not found:
                continue
            if stems:
                breaks.append(len(stems))
            clause_stems, clause_corrected, repairs = self._stems(found, repairs)
            stems += clause_stems
            corrected += clause_corrected
        return self._apply_phrases(stems, corrected, breaks)

    def _stems(self, found: list[str], repairs: int) -> tuple[list[str], list[bool], int]:
        """Stems of one clause's words, with up to `repairs` unknown words looked up
        for typos; and how many look-ups are left."""
        stems: list[str] = []
        corrected: list[bool] = []
        known = self.known
        for word in self._standard_words(found):
            stemmed = stem(word)
            if repairs > 0 and stemmed not in known:
                repairs -= 1
                repaired = self._repair(word)
                if repaired is not None:
                    stems.extend(stem(part) for part in repaired)
                    corrected.extend(True for _part in repaired)
                    continue
            stems.append(stemmed)
            corrected.append(False)
        return stems, corrected, repairs

    def _standard_words(self, found: list[str]) -> list[str]:
        """The words, informal spellings ("wat", "cuz") replaced by standard ones."""
        spellings = self.lexicon.spellings
        if spellings.keys().isdisjoint(found):
            return found
        standard: list[str] = []
        for word in found:
            standard.extend(spellings.get(word, (word,)))
        return standard

    def _apply_phrases(
        self, stems: list[str], corrected: list[bool], breaks: list[int]
    ) -> Analysis:
        """Replace each synonym phrase by its canonical term, longest phrase first.

        Phrases are matched across punctuation, which terse questions lean on
        ("knees caving, bad?"); a clause break inside a phrase is dropped.
        """
        sizes_by_start = self._phrase_sizes
        if sizes_by_start.keys().isdisjoint(stems):
            return Analysis(stems, corrected, tuple(breaks))
        clause_starts = set(breaks)
        phrases = self.lexicon.phrases
        terms: list[str] = []
        flags: list[bool] = []
        term_breaks: list[int] = []
        position = 0
        count = len(stems)
        while position < count:
            if position in clause_starts:
                term_breaks.append(len(terms))
            size = 1
            target = stems[position]
            for phrase_size in sizes_by_start.get(target, ()):
                end = position + phrase_size
                if end <= count:
                    found = phrases.get(tuple(stems[position:end]))
                    if found is not None:
                        size, target = phrase_size, found
                        break
            terms.append(target)
            flags.append(any(corrected[position : position + size]))
            position += size
        return Analysis(terms, flags, tuple(term_breaks))

    def _repair(self, word: str) -> tuple[str, ...] | None:
        """The word or words an unknown word was typed for; None if it is a word of its
        own. A slip is tried first: "dangerus" is "dangerous", not "danger" and "us"."""
        if word in self._repairs:
            return self._repairs[word]
        fixed = self._correct(word)
        repaired = (fixed,) if fixed is not None else self._split(word)
        if len(self._repairs) < _CORRECTION_MEMORY:
            self._repairs[word] = repaired
        return repaired

    def _split(self, word: str) -> tuple[str, str] | None:
        """Two words the corpus knows, typed without the space between them
        ("hacksquat", "whatis"); of several cuts, the most even one."""
        if not (
            MIN_SPLIT_LENGTH <= len(word) <= MAX_SPLIT_LENGTH
            and word.isalpha()
            and not is_english_word(word)
        ):
            return None
        known = self.known
        cuts = [
            (word[:cut], word[cut:])
            for cut in range(MIN_PART_LENGTH, len(word) - MIN_PART_LENGTH + 1)
            if stem_unremembered(word[:cut]) in known and stem_unremembered(word[cut:]) in known
        ]
        return max(cuts, key=lambda parts: min(map(len, parts)), default=None)

    def _correct(self, word: str) -> str | None:
        fixed: str | None = None
        allowed = _allowed_edits(word)
        # A real word the corpus does not use ("plain", "belt") is a word of its
        # own, however close to a corpus word it is.
        repairable = bool(allowed) and word.isalpha() and not is_english_word(word)
        if repairable and word.endswith("in") and is_english_word(word + "g"):
            # The spoken ending as written ("sayin", "makin"): that word, however
            # close to a corpus word it is, and no pair of run-together words.
            fixed = word + "g"
        elif repairable and self.targets:
            # Imported here: most questions have no unknown word to repair.
            from rapidfuzz import process
            from rapidfuzz.distance import OSA

            # Every close word, not the first few: the targets are sorted, so a
            # limit would cut ties alphabetically. Of the closest, one with the same
            # first letter wins (a first letter is seldom mistyped: "durning" is
            # "during", not "turning"), then a content word ("hak" is "hack", not "has").
            # A function word is only reached by two swapped neighbours or a letter too
            # many ("whta", "durning"): a non-word with a letter changed from one
            # ("thc", "itb") is more often an abbreviation than a slip, and reading
            # it as "the" would hide it.
            found = process.extract(
                word, self.targets, scorer=OSA.distance, score_cutoff=allowed, limit=None
            )
            stopwords = self.lexicon.stopwords
            ranked = sorted(
                found,
                key=lambda close: (
                    close[1],
                    not _same_start(word, close[0]),
                    stem(close[0]) in stopwords,
                ),
            )
            fixed = next(
                (
                    candidate
                    for candidate, _distance, _index in ranked
                    if candidate != word
                    and (stem(candidate) not in stopwords or _is_slip_of_hand(word, candidate))
                ),
                None,
            )
        return fixed


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


def _is_slip_of_hand(word: str, candidate: str) -> bool:
    """Whether `word` is `candidate` with two neighbours swapped or a letter doubled or
    added ("whta", "durning"), not with a letter changed ("thc" is not "the")."""
    return _is_transposition(word, candidate) or len(word) == len(candidate) + 1


def _same_start(word: str, candidate: str) -> bool:
    """Whether `candidate` begins as `word` does, or as it would with its first two
    letters swapped back ("nad" begins as "and")."""
    return candidate[0] == word[0] or candidate[:2] == word[1::-1]


def _allowed_edits(word: str) -> int:
    if len(word) < MIN_TYPO_LENGTH:
        return 0
    return 1 if len(word) < 8 else 2
