"""SPEC §5 near-duplicate definition: normalisation, shingles, the 0.8 threshold, the index."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copies.texts import pair_at
from trainright.copies import NearIndex, is_near, jaccard, normalise, shingles


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("Hello World", "hello world"),  # case folding
        ("STRASSE straße", "strasse strasse"),  # folding, not lowering: ß is ss
        ("ΣΊΣΥΦΟΣ", "σίσυφοσ"),  # final sigma folds to σ
        ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),  # NFKC: compatibility forms
        ("ﬁne ﬂow", "fine flow"),  # NFKC: ligatures
        ("x² ①", "x2 1"),  # NFKC: superscripts, circled digits
        ("e\u0301te\u0301", "été"),  # NFKC composes accents
        ("  lead\t\ttab\nnew\r\nline  ", "lead tab new line"),  # whitespace collapsed, trimmed
        ("a\u00a0b\u2003c\u3000d", "a b c d"),  # NBSP, em space, ideographic space
        ("zero\u200bwidth", "zero\u200bwidth"),  # a zero-width space is not whitespace
        ("", ""),
        ("  \n ", ""),
    ],
)
def test_normalise(text: str, normal: str) -> None:
    assert normalise(text) == normal


@given(st.text(st.characters(max_codepoint=127)))
def test_ascii_takes_a_shorter_path_to_the_same_form(text: str) -> None:
    """The ASCII path skips NFKC and casefold: it must agree with them on every string."""
    assert normalise(text) == " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one two three four five", {"one two three four five"}),
        ("a b c d e f", {"a b c d e", "b c d e f"}),
        ("a b c d", {"a b c d"}),  # under 5 words: the whole string
        ("Only   ONE", {"only one"}),
        ("a b c d e a b c d e", {"a b c d e", "b c d e a", "c d e a b", "d e a b c", "e a b c d"}),
        ("", set()),
        (" \t", set()),
    ],
)
def test_shingles(text: str, expected: set[str]) -> None:
    assert shingles(text) == expected


@pytest.mark.parametrize(
    ("shared", "extra", "near"),
    [
        (81, 19, True),  # 0.81
        (79, 21, False),  # 0.79
        (80, 20, True),  # exactly 0.8: the threshold is inclusive
        (4, 1, True),  # 0.8 on small sets
        (399, 101, False),  # 0.798
        (401, 99, True),  # 0.802
        (100, 0, True),  # identical
    ],
)
def test_threshold(shared: int, extra: int, near: bool) -> None:
    a, b = pair_at(shared, extra)
    assert jaccard(a, b) == pytest.approx(shared / (shared + extra))
    assert is_near(a, b) is near
    index = NearIndex()
    index.add("a", a)
    assert [k for k, _ in index.query(b)] == (["a"] if near else [])


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("Hello world", "hello   WORLD", True),  # short texts: whole strings, normalised
        ("hello world", "hello world again", False),  # different whole strings
        ("a b c d", "a b c d e", False),  # 4 words against 5: no common shingle
        ("", "", False),  # no words: a near-duplicate of nothing
        ("   ", "", False),
        ("ﬁve words in a row", "five words in a row", True),
    ],
)
def test_short_and_empty_texts(a: str, b: str, near: bool) -> None:
    assert is_near(a, b) is near


_words = st.lists(st.sampled_from("abcdefgh"), min_size=0, max_size=14).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(a=_words, b=_words)
def test_decision_is_symmetric(a: str, b: str) -> None:
    assert is_near(a, b) == is_near(b, a)
    assert jaccard(a, b) == jaccard(b, a)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(_words, min_size=1, max_size=12), data=st.data())
def test_index_finds_the_same_pairs_in_any_order(texts: list[str], data: st.DataObject) -> None:
    """What the index returns does not depend on the order texts were added or asked."""
    order = data.draw(st.permutations(range(len(texts))))
    found = []
    for keys in (range(len(texts)), order):
        index = NearIndex()
        for k in keys:
            index.add(k, texts[k])
        found.append({(i, k) for i in range(len(texts)) for k, _ in index.query(texts[i])})
    assert found[0] == found[1]
    assert found[0] == {
        (i, k) for i in range(len(texts)) for k in range(len(texts)) if is_near(texts[i], texts[k])
    }


def test_index_batch_equals_one_by_one() -> None:
    a, b = pair_at(90, 10)
    c, d = pair_at(50, 50)
    index = NearIndex()
    index.add_many(["a", "c", "none"], [a, c, None])
    assert len(index) == 2
    assert index.query_many([b, d, None, a]) == [
        index.query(b),
        index.query(d),
        [],
        [("a", 1.0)],
    ]
    assert index.query(b) == [("a", 0.9)]
    with pytest.raises(ValueError, match="2 keys for 1 texts"):
        index.add_many(["x", "y"], ["z"])


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_near_is_query_restricted_to_earlier_positions(data: st.DataObject) -> None:
    a, b = pair_at(90, 10)
    c, d = pair_at(81, 19)
    e, f = pair_at(79, 21)
    pool = [a, b, c, d, e, f, None, "short text", "Short  TEXT"]
    texts = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=8))
    index = NearIndex()
    index.add_many(list(range(len(texts))), texts)
    before = data.draw(
        st.lists(st.integers(0, len(texts)), min_size=len(texts), max_size=len(texts))
    )
    indexed = [k for k, t in enumerate(texts) if t]  # position -> key
    expected = [
        any(indexed.index(k) < before[i] for k, _ in hits)
        for i, hits in enumerate(index.query_many(texts))
    ]
    # first=0: every answer comes from the second round (the rest under each shared key)
    for first in (0, 1, 4, len(texts)):
        assert index.any_near(texts, before=before, first=first) == expected
        assert index.any_near(texts, first=first) == [bool(h) for h in index.query_many(texts)]
