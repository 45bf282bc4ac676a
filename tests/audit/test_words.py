"""SPEC §8 audit tokenisation: NFKC, case folding, words of letters and numbers."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainright.audit.index import Posts, VerbatimIndex
from trainright.audit.words import tokens, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello,   WORLD!", ["hello", "world"]),
        ("Straße", ["strasse"]),  # case folding, not lowering
        ("ﬁne ＡＢＣ", ["fine", "abc"]),  # NFKC: ligature and full-width letters
        ("café naïve", ["café", "naïve"]),
        ("e-mail_address", ["e", "mail", "address"]),  # hyphen and underscore separate
        ("3.14 ½", ["3", "14", "1", "2"]),  # NFKC turns ½ into 1⁄2; the dot is no word
        ("Ærlig talt, blåbær!", ["ærlig", "talt", "blåbær"]),
        ("  \t\n ", []),
        ("", []),
        (None, []),
        ("emoji 🙂 between", ["emoji", "between"]),
    ],
)
def test_tokenisation(text: str | None, expected: list[str]) -> None:
    flat, offsets = words(pa.array([text], pa.large_string()))
    assert flat.to_pylist() == expected
    assert offsets.tolist() == [0, len(expected)]


POST = " ".join(f"w{i}" for i in range(30))


def search(posts: list[str], outputs: list[str]) -> list[tuple[int, int, int]]:
    texts = pa.array(posts, pa.large_string())
    n = len(posts)
    index = VerbatimIndex(Posts(np.arange(n), np.zeros(n, np.int32), texts, texts))
    found = index.search(tokens(pa.array(outputs, pa.large_string())))
    return [(m.output, m.row, m.words) for m in found]


@pytest.mark.parametrize("start", [0, 1, 2, 3, 5, 18])
def test_twelve_words_hit_eleven_do_not(start: int) -> None:
    words_ = POST.split()
    twelve = " ".join(words_[start : start + 12])
    eleven = " ".join(words_[start : start + 11])
    assert search([POST], [f"x {twelve} y", f"x {eleven} y"]) == [(0, 0, 12)]


def test_punctuation_and_whitespace_between_words_are_ignored() -> None:
    post = "The quick brown fox jumps over the lazy dog near the river bank today"
    output = "Said: THE quick, brown fox... jumps\n over the lazy dog -- near the river BANK!"
    assert search([post], [output]) == [(0, 0, 13)]


def test_the_longest_run_is_reported_once_per_post() -> None:
    words_ = POST.split()
    output = " ".join(words_[0:14]) + " break " + " ".join(words_[15:30])
    assert search([POST], [output]) == [(0, 0, 15)]


@given(
    st.lists(st.integers(0, 5), min_size=0, max_size=40),
    st.lists(st.integers(0, 5), min_size=0, max_size=40),
)
def test_a_hit_is_exactly_a_shared_run_of_twelve(post: list[int], output: list[int]) -> None:
    """Against a brute-force longest common run (small alphabet: many repeats)."""
    longest = 0
    for i in range(len(output)):
        for j in range(len(post)):
            k = 0
            while i + k < len(output) and j + k < len(post) and output[i + k] == post[j + k]:
                k += 1
            longest = max(longest, k)
    found = search([" ".join(f"t{v}" for v in post)], [" ".join(f"t{v}" for v in output)])
    assert found == ([(0, 0, longest)] if longest >= 12 else [])
