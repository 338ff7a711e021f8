"""The benchmark converters build the entries and labels the set READMEs describe.

The benchmark figures are only worth what the labels are worth, so the two
converters are checked on tiny hand-written inputs that hold each awkward case of
the real files (separator and empty paraphrases, padded and escaped answers, a
shared answer, a repeated query). Nothing here reads the real data.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from squatqa.validation import parse_corpus
from tests.conftest import load_benchmark

STACK_XML = """<root>
<qapair>
<rephr>
How do I  strike   through text?
</rephr>
<rephr>
*
</rephr>
<rephr>
Crossing out words on github.
</rephr>
<question>
Strikethrough with GitHub Markdown
</question>
<answer>
   Use ~~tildes~~.\t  \t
</answer>
<answer>
   Or use &lt;del&gt;  tags.\t
</answer>
</qapair>
<qapair>
<rephr>
Removing my FB account.
</rephr>
<rephr>
*
</rephr>
<rephr>
</rephr>
<question>
How do I delete my Facebook account?
</question>
<answer>
   Go to settings.
</answer>
</qapair>
</root>
"""

SHARED_ANSWER = "Wash your hands  often."
COVID_ROWS = [
    {"id": "1", "query_type": "faq", "question": "What is COVID-19? ", "answer": "A virus."},
    {"id": "2", "query_type": "faq", "question": "How do I stay safe?", "answer": SHARED_ANSWER},
    {
        "id": "3",
        "query_type": "faq",
        "question": "How to avoid it?",
        "answer": "Wash your hands often.",
    },
    {"id": "4", "query_type": "user_query", "question": "what is covid", "answer": "A virus."},
    {"id": "5", "query_type": "user_query", "question": "staying safe?", "answer": SHARED_ANSWER},
    {"id": "6", "query_type": "user_query", "question": "what  is covid ", "answer": "A virus."},
]


@pytest.fixture(scope="module")
def faq_sets() -> ModuleType:
    return load_benchmark("faq_sets")


def test_stackfaq_one_entry_per_thread(faq_sets: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "stack.xml"
    path.write_text(STACK_XML, encoding="utf-8")
    corpus, queries = faq_sets.load_stackfaq(path)

    assert corpus["entries"] == [
        {
            "id": "thread-001",
            "question": "Strikethrough with GitHub Markdown",
            "answer": "Use ~~tildes~~.\n\nOr use <del> tags.",
        },
        {
            "id": "thread-002",
            "question": "How do I delete my Facebook account?",
            "answer": "Go to settings.",
        },
    ]
    # The "*" separator and the empty paraphrase are not queries.
    assert [(query.query, set(query.relevant)) for query in queries] == [
        ("How do I strike through text?", {"thread-001"}),
        ("Crossing out words on github.", {"thread-001"}),
        ("Removing my FB account.", {"thread-002"}),
    ]
    assert len(parse_corpus(corpus, "stack").entries) == 2


def test_covidfaq_labels_by_answer_and_merges_queries(faq_sets: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "covid.json"
    path.write_text(json.dumps(COVID_ROWS), encoding="utf-8")
    corpus, queries = faq_sets.load_covidfaq(path)

    entries = corpus["entries"]
    assert [entry["id"] for entry in entries] == ["1", "2", "3"]
    assert entries[0]["question"] == "What is COVID-19?"
    assert entries[1]["answer"] == "Wash your hands often."
    # The repeated query is merged; the shared answer makes both FAQs relevant.
    assert [(query.query, set(query.relevant)) for query in queries] == [
        ("what is covid", {"1"}),
        ("staying safe?", {"2", "3"}),
    ]
    counts = faq_sets.count(corpus, queries)
    assert (counts.entries, counts.queries, counts.labels) == (3, 2, 3)
    assert len(parse_corpus(corpus, "covid").entries) == 3


def test_covidfaq_rejects_a_query_with_no_matching_answer(
    faq_sets: ModuleType, tmp_path: Path
) -> None:
    rows = [*COVID_ROWS, {"id": "7", "query_type": "user_query", "question": "q", "answer": "?"}]
    path = tmp_path / "covid.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(ValueError, match="no FAQ has the answer"):
        faq_sets.load_covidfaq(path)


def test_written_files_use_squatqa_formats(faq_sets: ModuleType, tmp_path: Path) -> None:
    source = tmp_path / "covid.json"
    source.write_text(json.dumps(COVID_ROWS), encoding="utf-8")
    corpus, queries = faq_sets.load_covidfaq(source)
    faq_sets.write_set(tmp_path / "out", "covidfaq", corpus, queries)

    saved = json.loads((tmp_path / "out" / "covidfaq.corpus.json").read_text(encoding="utf-8"))
    assert saved == corpus
    lines = (tmp_path / "out" / "covidfaq.queries.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"query": "what is covid", "relevant": ["1"], "category": None},
        {"query": "staying safe?", "relevant": ["2", "3"], "category": None},
    ]


def test_holdouts_are_listed_in_the_order_they_were_written(faq_sets: ModuleType) -> None:
    names = ["queries_holdout_z10", "queries_holdout_b", "queries_holdout_z2", "queries_holdout_a"]
    ordered = sorted((Path(f"{name}.jsonl") for name in names), key=faq_sets._holdout_order)
    assert [path.stem for path in ordered] == [
        "queries_holdout_a",
        "queries_holdout_b",
        "queries_holdout_z2",
        "queries_holdout_z10",
    ]


def test_a_missing_shared_folder_is_one_line_not_a_traceback(
    faq_sets: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert faq_sets.main(["--shared", str(tmp_path / "none"), "--only", "covidfaq"]) == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith(str(tmp_path / "none")) and "not found; point --shared at" in last


def test_a_public_set_of_other_sizes_than_stated_is_refused(
    faq_sets: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "stackfaq").mkdir()
    (tmp_path / "stackfaq" / "stackExchange-FAQ.xml").write_text(STACK_XML, encoding="utf-8")
    with pytest.raises(faq_sets.PublicSetError, match="converted to") as refused:
        faq_sets.load_public_sets(tmp_path, {"stackfaq"})
    assert refused.value.status == 1
    assert faq_sets.main(["--shared", str(tmp_path), "--only", "stackfaq"]) == 1
    assert "expected Counts(entries=125" in capsys.readouterr().err.splitlines()[-1]
