from __future__ import annotations

from itertools import pairwise

import pytest

from squatqa import DEFAULT_MIN_SCORE, Engine, parse_corpus
from squatqa.corpus import Corpus
from squatqa.lexicon import build_lexicon
from squatqa.text import stem
from tests.conftest import small_corpus_data


def top_id(engine: Engine, query: str, min_score: float = DEFAULT_MIN_SCORE) -> str | None:
    matches = engine.search(query, 1, min_score)
    return matches[0].entry.id if matches else None


def test_knees_cave_answers_with_the_squatting_valgus_entry(engine: Engine) -> None:
    assert top_id(engine, "why do my knees cave") == "knee-valgus-causes-squatting"


@pytest.mark.parametrize(
    "phrasing",
    [
        "my knees are going in",
        "knees that go in",
        "knees go a little inside",
        "knees travel inside",
    ],
)
def test_knees_going_in_reads_as_valgus_with_words_between(engine: Engine, phrasing: str) -> None:
    assert "valgus" in engine.analyzer.analyse(phrasing).terms


def test_each_question_ranks_its_own_entry_first(engine: Engine, corpus: Corpus) -> None:
    for entry in corpus.entries:
        assert top_id(engine, entry.question) == entry.id, entry.question


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hak squat", "what-is-hack-squat"),
        ("why do my legs shake during squats", "legs-shake-during-squats"),
        ("what is knee valgus", "what-is-knee-valgus"),
        ("WHAT   IS KNEE VALGUS???", "what-is-knee-valgus"),
    ],
)
def test_typos_and_formatting_still_find_the_entry(
    engine: Engine, query: str, expected: str
) -> None:
    assert top_id(engine, query) == expected


@pytest.mark.parametrize(
    "query",
    ["how do I bake bread", "what is the capital of France", "", "???", "the and of"],
)
def test_off_topic_and_empty_questions_are_declined(engine: Engine, query: str) -> None:
    assert engine.search(query) == []


def test_zero_threshold_always_returns_candidates_for_shared_words(engine: Engine) -> None:
    assert engine.search("squat shoes", 3, min_score=0)


def test_scores_lie_in_range_and_are_sorted(engine: Engine) -> None:
    matches = engine.search("knee valgus squat", limit=9, min_score=0)
    scores = [match.score for match in matches]
    assert len(matches) == 9
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= score <= 100 for score in scores)


def test_limit_caps_the_number_of_matches(engine: Engine) -> None:
    assert len(engine.search("knee valgus", limit=2, min_score=0)) == 2


def test_related_never_repeats_a_shown_answer(engine: Engine) -> None:
    answer = engine.ask("knee valgus", limit=2, min_score=0, related_limit=3)
    shown = {match.entry.id for match in answer.matches}
    related = [entry.id for entry in answer.related]
    assert len(related) == 3
    assert not shown.intersection(related)
    assert len(set(related)) == len(related)


def test_declined_question_offers_the_closest_candidates(engine: Engine) -> None:
    answer = engine.ask("why do my knees hurt when i squat", min_score=99)
    assert answer.matches == [] and answer.related == []
    assert answer.closest


def test_engine_works_on_any_corpus() -> None:
    engine = Engine(parse_corpus(small_corpus_data()))
    assert top_id(engine, "bar path drifts forward") == "bar-path"
    assert top_id(engine, "how wide is a good stance") == "foot-width"


def test_closest_ids_suggest_near_misses(engine: Engine) -> None:
    assert engine.closest_ids("what-is-hak-squat")[0] == "what-is-hack-squat"


def test_very_long_question_is_ranked(engine: Engine) -> None:
    query = "why do my knees cave " + " ".join(f"word{i}" for i in range(2000))
    assert engine.rank(query) is not None


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("hakc", "hack"),
        ("whta", "what"),
        ("lesg", "legs"),
        ("hak", "hack"),
        ("valgis", "valgus"),
        # Short words are reached by any one edit, since they are not English words.
        ("bsd", "bad"),
        ("cavr", "cave"),
        ("hsck", "hack"),
        # Of equally close words, the one with the typed first letter, or with the
        # first two letters swapped back.
        ("durning", "during"),
        ("abd", "bad"),
        ("nad", "and"),
    ],
)
def test_typos_are_corrected_to_corpus_words(engine: Engine, typed: str, meant: str) -> None:
    assert (
        engine.analyzer.analyse(typed, correct_typos=True).terms[0]
        == (engine.analyzer.analyse(meant).terms[0])
    )


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("hacksquat", "hack squat"),
        ("whatcauses knee valgus", "what causes knee valgus"),
        ("myknees cave", "my knees cave"),
        ("whilesquatting", "while squatting"),
    ],
)
def test_run_together_words_are_read_apart(engine: Engine, typed: str, meant: str) -> None:
    analysis = engine.analyzer.analyse(typed, correct_typos=True)
    assert analysis.terms == engine.analyzer.analyse(meant).terms
    assert analysis.corrected[0]


@pytest.mark.parametrize(
    "word",
    [
        "definiton",  # a slip of "definition": repaired, not cut into "definit" + "on"
        "dangerus",  # not "danger" + "us"
        "netbal",  # "net" is no corpus word
        "afternoon",  # an English word, though "after" and "noon" would both do
        "x" * 9999,  # a pasted run of letters is not tried cut by cut
    ],
)
def test_words_are_only_cut_into_two_corpus_words(engine: Engine, word: str) -> None:
    assert len(engine.analyzer.analyse(word, correct_typos=True).terms) == 1


@pytest.mark.parametrize(("typed", "meant"), [("sayin", "saying"), ("makin", "making")])
def test_a_dropped_final_g_is_put_back(engine: Engine, typed: str, meant: str) -> None:
    assert engine.analyzer.analyse(typed, correct_typos=True).terms == (
        engine.analyzer.analyse(meant).terms
    )


@pytest.mark.parametrize("word", ["thin", "pin", "robin"])
def test_a_real_word_ending_in_in_keeps_its_ending(engine: Engine, word: str) -> None:
    assert engine.analyzer.analyse(word, correct_typos=True).corrected == [False]


@pytest.mark.parametrize(
    ("informal", "standard"),
    [
        ("wat is knee valgus", "what is knee valgus"),
        ("knees cave cuz weak glutes?", "knees cave because weak glutes?"),
        ("tbh idk wat causes knee cave", "honestly i dont know what causes knee cave"),
    ],
)
def test_informal_spellings_read_as_the_words_they_stand_for(
    engine: Engine, informal: str, standard: str
) -> None:
    assert engine.analyzer.analyse(informal, correct_typos=True) == engine.analyzer.analyse(
        standard, correct_typos=True
    )
    assert [(m.entry.id, m.score) for m in engine.rank(informal)] == [
        (m.entry.id, m.score) for m in engine.rank(standard)
    ]


def test_spellings_of_phrases_stand_for_function_words_only(engine: Engine) -> None:
    # "idk" is filler; were it read as words that carry meaning it would count
    # against the confidence like a topic the corpus lacks.
    lexicon = engine.analyzer.lexicon
    for spelling, standard in lexicon.spellings.items():
        if len(standard) > 1:
            assert all(stem(word) in lexicon.stopwords for word in standard), spelling


def test_a_spelling_must_be_one_word() -> None:
    with pytest.raises(ValueError, match="one word"):
        build_lexicon({"spellings": {"going to": ["gon na"]}})


@pytest.mark.parametrize("word", ["cold", "main", "bread", "plain", "belt", "knew"])
def test_real_words_are_not_corrected_into_corpus_words(engine: Engine, word: str) -> None:
    assert engine.analyzer.analyse(word, correct_typos=True).corrected == [False]


def test_synonyms_come_from_the_corpus_not_from_code() -> None:
    data = small_corpus_data()
    plain = Engine(parse_corpus(data))
    assert top_id(plain, "barbell wander", min_score=0) is None
    data["synonyms"] = {"bar path": ["barbell wander", "bar wander"]}
    enriched = Engine(parse_corpus(data))
    assert top_id(enriched, "barbell wander", min_score=0) == "bar-path"
    assert enriched.rank("barbell wander") == enriched.rank("bar path")
    assert top_id(enriched, "why does my barbell wander forward") == "bar-path"


def test_word_order_decides_between_entries_sharing_the_same_words() -> None:
    data = {
        "name": "Order",
        "version": 1,
        "entries": [
            {"id": "where-tested", "question": "Where can I get tested?", "answer": "At a clinic."},
            {"id": "should-tested", "question": "Should I be tested?", "answer": "If unwell."},
        ],
    }
    engine = Engine(parse_corpus(data))
    assert top_id(engine, "should i get tested", min_score=0) == "should-tested"
    assert top_id(engine, "where can i get tested", min_score=0) == "where-tested"


def test_a_match_on_intent_words_alone_is_not_confident(engine: Engine) -> None:
    ranked = engine.rank("how do you treat a cold")
    assert ranked and ranked[0].entry.id == "treat-knee-valgus"
    assert ranked[0].score < DEFAULT_MIN_SCORE


def test_lexicon_terms_are_never_corrected_into_other_words(engine: Engine) -> None:
    for word in ("permission", "define", "cause"):
        assert engine.analyzer.analyse(word, correct_typos=True).corrected == [False]


@pytest.mark.parametrize("separator", [" ", ". "])  # one clause, or a clause a word
def test_only_so_many_unknown_words_of_a_question_are_looked_up(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, separator: str
) -> None:
    from squatqa.analyzer import MAX_REPAIRS_PER_QUESTION

    looked_up: list[str] = []
    monkeypatch.setattr(engine.analyzer, "_repair", lambda word: looked_up.append(word))
    question = separator.join(f"zq{n}xw" for n in range(200))
    engine.analyzer.analyse(question, correct_typos=True)
    assert len(looked_up) == MAX_REPAIRS_PER_QUESTION


def test_punctuation_marks_clause_breaks_and_leaves_the_terms_alone(engine: Engine) -> None:
    analyse = engine.analyzer.analyse
    punctuated = analyse("I hurt my wrist. Knees cave in when I squat, why?", correct_typos=True)
    run_on = analyse("I hurt my wrist Knees cave in when I squat why", correct_typos=True)
    assert punctuated.terms == run_on.terms
    assert run_on.breaks == ()
    assert [punctuated.terms[position] for position in punctuated.breaks] == [
        analyse("knees cave in").terms[0],
        analyse("why").terms[0],
    ]
    # A synonym phrase is still read across punctuation; the break inside it goes.
    assert analyse("knees, caving in").terms == analyse("knees caving in").terms
    assert analyse("knees, caving in").breaks == ()


@pytest.mark.parametrize(("limit", "related"), [(0, 3), (-1, 3), (1, -1)])
def test_ask_refuses_limits_that_mean_nothing(engine: Engine, limit: int, related: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        engine.ask("knee valgus", limit=limit, related_limit=related)


def test_remembered_word_pairs_stay_few_and_right(monkeypatch: pytest.MonkeyPatch) -> None:
    import squatqa.index

    engine = Engine(parse_corpus(small_corpus_data()))
    pairs = engine.index.pair_postings
    terms = engine.analyzer.terms("why does my bar path drift forward")
    for made_up in range(100):  # words the corpus never uses are never remembered
        assert pairs.get(f"zq{made_up}" * 500, terms[0]) is None
    assert len(pairs._found) == 0
    monkeypatch.setattr(squatqa.index, "_PAIRS_REMEMBERED", 2)
    fresh = [pairs.get(first, second) for first, second in pairwise(terms)]
    again = [pairs.get(first, second) for first, second in pairwise(terms)]
    assert [list(f or []) for f in fresh] == [list(f or []) for f in again]
    assert all(found is not None for found in fresh)
    assert len(pairs._found) == 2


def topic_corpus(extra: int) -> dict[str, object]:
    """Entries about valgus, one about shaking legs, and `extra` on other things."""
    entries = [
        {"id": "valgus-cause", "question": "Why does my valgus hurt?", "answer": "Weak hips."},
        {"id": "valgus-bad", "question": "Is valgus bad?", "answer": "Sometimes."},
        {"id": "valgus-treat", "question": "How do you treat valgus?", "answer": "Strength."},
        {"id": "legs-shake", "question": "Why do legs shake on heavy days?", "answer": "Tired."},
    ]
    entries += [
        {"id": f"other-{n}", "question": f"What is lift number {n}?", "answer": "A lift."}
        for n in range(extra)
    ]
    return {"name": "One topic", "version": 1, "entries": entries}


def test_an_entry_lacking_the_corpus_topic_word_ranks_below_one_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    query = "why does valgus hurt on heavy days"
    engine = Engine(parse_corpus(topic_corpus(0)))
    assert [match.entry.id for match in engine.rank(query)][:2] == ["valgus-cause", "legs-shake"]
    # Rarity alone puts the entry sharing the rare words first: the penalty decides.
    monkeypatch.setattr("squatqa.engine._ABSENT_PENALTY", 0.0)
    assert engine.rank(query)[0].entry.id == "legs-shake"


def test_a_word_all_of_an_entrys_phrasings_use_outweighs_one_a_single_alias_uses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = {
        "name": "Agreement",
        "version": 1,
        "entries": [
            {
                "id": "legs-shake",
                "question": "Why do my legs shake?",
                "answer": "Tired.",
                "aliases": [
                    "Why do my legs shake on heavy sets?",
                    "What makes legs shake?",
                    "Why are my legs shaking?",
                ],
            },
            {
                "id": "knees-cave",
                "question": "Why do my knees cave?",
                "answer": "Weak hips.",
                "aliases": ["What makes knees cave?", "Why are my knees caving?", "Do knees cave?"],
            },
        ],
    }
    query = "why do my knees cave on heavy sets"
    assert Engine(parse_corpus(data)).rank(query)[0].entry.id == "knees-cave"
    # Counted alike, the alias sharing the most words wins: agreement decides.
    monkeypatch.setattr("squatqa.index.AGREEMENT_FLOOR", 1.0)
    assert Engine(parse_corpus(data)).rank(query)[0].entry.id == "legs-shake"


def test_an_entrys_own_question_wins_however_its_aliases_word_it() -> None:
    # Agreement weighs down words few aliases share; the question asked as written
    # must still beat an entry without aliases worded almost the same.
    data = {
        "name": "Exact",
        "version": 1,
        "entries": [
            {
                "id": "belt",
                "question": "Should I wear a belt when I squat?",
                "answer": "For heavy sets.",
                "aliases": [
                    "Do lifting belts help?",
                    "Is a weightlifting belt worth buying?",
                    "When do lifters need a belt?",
                ],
            },
            {"id": "shoes", "question": "Should I wear shoes when I squat?", "answer": "Flat."},
        ],
    }
    ranked = Engine(parse_corpus(data)).rank("Should I wear a belt when I squat?")
    assert [match.entry.id for match in ranked] == ["belt", "shoes"]
    assert ranked[0].score - ranked[1].score > 30


@pytest.mark.parametrize(("extra", "counted"), [(20, True), (30, False)])
def test_only_words_a_tenth_of_entries_use_are_held_against_the_others(
    monkeypatch: pytest.MonkeyPatch, extra: int, counted: bool
) -> None:
    # "valgus" is in 3 of 24 entries (over a tenth), then in 3 of 34 (under).
    engine = Engine(parse_corpus(topic_corpus(extra)))
    query = "valgus legs"
    with_penalty = engine.rank(query)
    monkeypatch.setattr("squatqa.engine._ABSENT_PENALTY", 0.0)
    assert (with_penalty != engine.rank(query)) == counted


def test_function_words_are_never_held_against_an_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = Engine(parse_corpus(topic_corpus(0)))
    index = engine.index
    looked_up: list[str] = []
    gather = index.asking_entries

    def spy(term: str, at_least: float) -> frozenset[int] | None:
        looked_up.append(term)
        return gather(term, at_least)

    monkeypatch.setattr(index, "asking_entries", spy)
    # "do" is in the questions of two entries of four, but it is a function word.
    engine.rank("how do legs shake")
    assert "do" in index.stopwords and looked_up
    assert not any(term in index.stopwords for term in looked_up)


def test_the_entries_asking_a_word_are_gathered_once_within_a_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = Engine(parse_corpus(topic_corpus(0)))
    index = engine.index
    valgus = stem("valgus")
    assert index.asking_entries(valgus, at_least=1) == frozenset({0, 1, 2})
    assert index.asking_entries(valgus, at_least=4) is None
    assert index.asking_entries("zzz", at_least=1) is None
    assert index.asking_entries(valgus, at_least=1) is index.asking_entries(valgus, at_least=1)
    # Past the budget a set is still right, only not kept.
    fresh = Engine(parse_corpus(topic_corpus(0))).index
    monkeypatch.setattr("squatqa.index._ASKING_REMEMBERED", 2)
    first = fresh.asking_entries(valgus, at_least=1)
    assert first == frozenset({0, 1, 2})
    assert fresh.asking_entries(valgus, at_least=1) is not first


def test_a_words_field_rows_are_made_once_within_a_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = Engine(parse_corpus(topic_corpus(0))).index
    valgus = stem("valgus")
    postings = index.field_postings[valgus]
    found = index.term_fields(valgus, postings)
    assert [field for field, _share, _agreement in found.rows] == list(postings.fields)
    assert [share for _field, share, _agreement in found.rows] == list(postings.shares)
    assert found.entries == frozenset({0, 1, 2})
    assert index.term_fields(valgus, postings) is found
    # Past the budget the rows are still right, only not kept.
    fresh = Engine(parse_corpus(topic_corpus(0))).index
    monkeypatch.setattr("squatqa.index._ROWS_REMEMBERED", 2)
    fresh_postings = fresh.field_postings[valgus]
    first = fresh.term_fields(valgus, fresh_postings)
    assert first.entries == found.entries
    assert tuple(first.rows) == found.rows
    assert fresh.term_fields(valgus, fresh_postings) is not first


def test_words_naming_another_subject_are_evidence_against_an_answer(engine: Engine) -> None:
    # "cubitus" and "elbow" name a subject the corpus never mentions;
    # "kinesiology" is an unknown word that names nothing.
    elbow = engine.best_evidence("what is cubitus valgus in the elbow")
    simple = engine.best_evidence("what is knee valgus in kinesiology")
    assert elbow is not None and simple is not None
    assert elbow[1].subject_words == elbow[1].unknown_words == 2
    assert simple[1].subject_words == 0 and simple[1].unknown_words == 1
    assert engine.search("what is cubitus valgus in the elbow") == []
    assert engine.search("what is knee valgus in kinesiology")[0].entry.id == "what-is-knee-valgus"


@pytest.mark.parametrize(
    ("question", "qualified"),
    [
        ("what is hallux valgus", 1),  # another joint's valgus
        ("elbow valgus and knee valgus", 1),
        ("what is valgus in the elbow", 1),  # after it, across a preposition
        ("what is the vagus nerve", 1),  # after it; "vagus" is read as a typo
        ("what is cubitus valgus in the elbow", 2),  # before and after
        ("what is knee valgus", 0),  # "knee" is the corpus's own word
        ("what is knee valgus in kinesiology", 0),  # an unknown word, not a subject
        ("how do I stop my knees caving, doing my head in", 0),  # "head" qualifies nothing
        ("I hurt my wrist. Knees cave in when I squat", 0),  # "wrist" ends its sentence
        ("knees cave in, elbow hurts", 0),  # another clause
        ("hallux valgus or elbow valgus", 2),  # counted each time
    ],
)
def test_a_subject_word_next_to_a_matched_word_qualifies_it(
    engine: Engine, question: str, qualified: int
) -> None:
    best = engine.best_evidence(question)
    assert best is not None
    assert best[1].qualified_words == qualified


def test_another_joints_valgus_is_declined(engine: Engine) -> None:
    assert engine.search("what is hallux valgus") == []
    assert engine.search("what is elbow valgus") == []
    assert engine.search("what is valgus in the elbow") == []
    assert engine.search("what is the vagus nerve") == []
    assert engine.search("what is knee valgus")[0].entry.id == "what-is-knee-valgus"


def test_a_subject_word_in_another_sentence_qualifies_nothing(engine: Engine) -> None:
    asked = engine.search("I hurt my wrist. Knees cave in when I squat, why?")
    assert [match.entry.id for match in asked] == ["knee-valgus-causes-squatting"]


@pytest.mark.parametrize("abbreviation", ["thc", "itb", "wjat"])
def test_a_function_word_is_reached_only_by_swapped_neighbours(
    engine: Engine, abbreviation: str
) -> None:
    assert engine.analyzer.analyse(abbreviation, correct_typos=True).corrected == [False]


def test_subject_words_are_never_corrected(engine: Engine) -> None:
    # "creatine" is not in the English word list, and is two edits from "creating".
    analysis = engine.analyzer.analyse("is creatine safe", correct_typos=True)
    assert analysis.corrected == [False, False, False]
    assert engine.search("is creatine bad for my knees") == []


def test_subject_words_are_not_function_words(engine: Engine) -> None:
    # Function words never count as evidence, so a subject among them would be lost.
    lexicon = engine.analyzer.lexicon
    assert lexicon.subjects.isdisjoint(lexicon.stopwords)


def test_subject_words_are_not_intent_words(engine: Engine) -> None:
    # An unknown subject word is then always counted among subject_words, which is
    # what lets the engine skip looking for qualified words when there are none.
    lexicon = engine.analyzer.lexicon
    assert lexicon.subjects.isdisjoint(lexicon.intents)


@pytest.mark.parametrize("question", ["why do my knees cave", "legs shake squat", "hak squat"])
def test_the_best_few_are_the_same_whether_sorted_whole_or_picked_with_a_heap(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch, question: str
) -> None:
    engine = Engine(corpus)
    sorted_whole = engine.ask(question, limit=2, min_score=0, related_limit=1)
    monkeypatch.setattr("squatqa.engine._SORT_ALL", 0)
    with_a_heap = Engine(corpus).ask(question, limit=2, min_score=0, related_limit=1)
    assert with_a_heap == sorted_whole
    assert [m.entry.id for m in with_a_heap.matches] == [
        m.entry.id for m in engine.rank(question)[:2]
    ]


def test_a_question_analysed_alike_gets_the_remembered_answer_with_its_own_query(
    corpus: Corpus,
) -> None:
    engine = Engine(corpus)
    first = engine.ask("why do my knees cave")
    again = engine.ask("WHY do my knees cave??")
    assert again.query == "WHY do my knees cave??"
    assert again[1:] == first[1:]
    # What a caller does to one answer's lists does not reach the next.
    again.matches.clear()
    assert engine.ask("why do my knees cave").matches == first.matches
    # Other options are another answer.
    assert len(engine.ask("why do my knees cave", limit=2).matches) == 2


def test_answers_are_remembered_within_a_budget(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("squatqa.engine._ANSWER_COST", 1)
    monkeypatch.setattr("squatqa.engine._ANSWER_BUDGET", 6)
    engine = Engine(corpus)
    first = engine.ask("hack squat")  # two terms and one for itself: kept
    second = engine.ask("why do my knees cave")  # three ("caus", "my", "valgus"): too many
    third = engine.ask("hak squatt")  # two, marked corrected: kept, to the budget
    assert engine.ask("hack squat") == first
    assert engine.ask("why do my knees cave") == second
    assert engine.ask("hak squatt") == third
    assert len(engine._answers) == 2


def test_ranking_is_the_same_when_no_rows_can_be_remembered(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = ["why do my knees cave", "legs shake squat", "hak squat", "is valgus bad"]
    remembered = [Engine(corpus).rank(question) for question in questions]
    monkeypatch.setattr("squatqa.index._ROWS_REMEMBERED", 0)
    engine = Engine(corpus)
    assert [engine.rank(question) for question in questions] == remembered
    assert not engine.index._term_fields
