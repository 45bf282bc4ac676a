"""The non-user name search against a word-by-word reference (SPEC §5 `names_non_user`).

The build folds texts with Arrow's kernels, takes a faster road for all-ASCII texts,
and looks only at the places of registered words; here each text is folded alone,
with Python's `unicodedata`, and the names looked for as runs of whole words.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from trainright.nonusers.identifiers import Hasher, fold_words, hash_clear
from trainright.nonusers.match import Matcher

HASHER = Hasher(SecretStr("test-only-key-for-non-user-matching"))
ASCII = st.text(st.characters(max_codepoint=127), max_size=40)
# Words whose folded forms meet: case, accents, a ligature and a full-width letter.
VOCABULARY = ("anne", "Anne", "Änne", "berg", "BERG", "ﬁsk", "fisk", "ｏｌａ", "ola", "lund", "ø")
SEPARATORS = (" ", ", ", "-", "\n", "!", "'", "·", "  ", "…", "_")


def reference_words(text: str) -> list[str]:
    """Words as SPEC §5 reads them: NFKD, lower case, marks dropped, split at whatever is
    neither a letter nor a digit."""
    folded = [
        c for c in unicodedata.normalize("NFKD", text).lower() if unicodedata.category(c) != "Mn"
    ]
    words, word = [], ""
    for c in folded:
        if unicodedata.category(c)[0] in "LN":
            word += c
        elif word:
            words.append(word)
            word = ""
    return [*words, word] if word else words


def names_someone(text: str, names: list[list[str]]) -> bool:
    words = reference_words(text)
    return any(words[i : i + len(name)] == name for name in names for i in range(len(words)))


@settings(max_examples=200, deadline=None)
@given(st.lists(ASCII, max_size=8))
def test_ascii_texts_fold_as_the_unicode_road_does(texts: list[str]) -> None:
    # one text with an accent sends the whole batch down the Unicode road
    ascii_road = fold_words(pa.array(texts, pa.string())).to_pylist()
    unicode_road = fold_words(pa.array([*texts, "é"], pa.string())).to_pylist()[:-1]
    assert ascii_road == unicode_road
    assert [[w for w in ws if w] for ws in ascii_road] == [reference_words(t) for t in texts]


phrase = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=5)


@st.composite
def written(draw: st.DrawFn) -> str:
    words = draw(phrase)
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words), max_size=len(words)))
    return "".join(w + s for w, s in zip(words, seps, strict=True)).strip(" ")


@settings(max_examples=150, deadline=None)
@given(
    names=st.lists(phrase.map(" ".join), min_size=1, max_size=4),
    texts=st.lists(st.one_of(written(), ASCII), max_size=12),
)
def test_a_batch_names_exactly_the_posts_a_word_by_word_search_finds(
    names: list[str], texts: list[str]
) -> None:
    matcher = Matcher(HASHER, [hash_clear(HASHER, names=names)])
    batch = pa.RecordBatch.from_pydict(
        {"post_id": list(range(len(texts))), "text": texts},
        schema=pa.schema([("post_id", pa.int64()), ("text", pa.string())]),
    )
    expected = [
        i for i, t in enumerate(texts) if names_someone(t, [reference_words(n) for n in names])
    ]
    assert matcher.post_ids(batch).to_pylist() == expected, (names, texts)


def test_a_name_does_not_run_from_one_post_into_the_next() -> None:
    matcher = Matcher(HASHER, [hash_clear(HASHER, names=["Anne Berg"])])
    batch = pa.RecordBatch.from_pydict({"post_id": [1, 2, 3], "text": ["hi Anne", "Berg", "x"]})
    assert matcher.post_ids(batch).to_pylist() == []


def test_the_search_in_worker_processes_finds_what_one_process_finds(tmp_path: Path) -> None:
    """A build with a process pool searches for people without an account in its workers
    (`WorkerPool.search`); the exclusions are those of a build in one process."""
    from helpers import SECRET
    from trainright import Ledger, import_events, parse_policy
    from trainright.pipeline import build
    from trainright.synth import DEFAULT_CUTOFF, synthesize

    snapshot = tmp_path / "snapshot"
    synthesize(snapshot, accounts=200, posts=2000, seed=5, images=20)
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    import_events(ledger, snapshot / "events.jsonl")
    import_events(ledger, snapshot / "non_users.jsonl")
    policy = parse_policy('legal_basis = "legitimate_interest"\nnotice_days = 30\n')
    runs = {
        n: build(
            snapshot,
            policy,
            DEFAULT_CUTOFF,
            tmp_path / f"w{n}",
            ledger=ledger,
            secret=SECRET,
            workers=n,
        )
        for n in (1, 2)
    }
    assert runs[1].manifest["counts"]["excluded_by_reason"]["names_non_user"] > 0
    one, two = (pq.read_table(tmp_path / f"w{n}" / "exclusions.parquet") for n in (1, 2))
    assert one.equals(two)
