"""The audit's tokenisation (SPEC §8): one definition for the dataset and the outputs.

A text is put in Unicode NFKC form and case-folded; a word is then a maximal run
of characters of the Unicode categories L (letters) and N (numbers). Everything
between words (punctuation, symbols, whitespace, combining marks) is ignored, so
"Hello,   WORLD!" and "hello world" are the same two words. The work is done on
Arrow arrays: ASCII texts (NFKC and case folding are plain lowering there) are
lowered by Arrow, only the others go through Python's `casefold`, and the split
is one RE2 pass; each distinct word is hashed once (blake2b, 64 bits).
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: What separates words: anything that is not a letter or a number (RE2 syntax).
WORD_PATTERN = r"[^\p{L}\p{N}]+"
_P = np.uint64(0x100000001B3)  # odd multiplier of the rolling 64-bit hash


@dataclass(frozen=True)
class Tokens:
    """Words of many texts, flattened: 64-bit word hashes and each text's offsets."""

    hashes: np.ndarray  # uint64, one per word
    offsets: np.ndarray  # int64, len(texts) + 1

    def of(self, i: int) -> np.ndarray:
        """The word hashes of text i."""
        return self.hashes[self.offsets[i] : self.offsets[i + 1]]


def normalise(texts: pa.Array) -> pa.Array:
    """NFKC then case folding (nulls become empty texts)."""
    texts = pc.fill_null(texts.cast(pa.large_string()), "")
    lowered = pc.utf8_lower(texts)
    other = np.flatnonzero(~pc.string_is_ascii(texts).to_numpy(zero_copy_only=False))
    if len(other) == 0:
        return lowered
    values = lowered.to_pylist()
    for i, text in zip(other, pc.take(texts, pa.array(other)).to_pylist(), strict=True):
        values[i] = unicodedata.normalize("NFKC", text).casefold()
    return pa.array(values, pa.large_string())


def words(texts: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The words of each text: (all words flattened, offsets per text)."""
    split = pc.split_pattern_regex(normalise(texts), WORD_PATTERN)
    flat = pc.list_flatten(split)
    parent = pc.list_parent_indices(split).to_numpy()
    keep = pc.not_equal(pc.utf8_length(flat), 0)
    counts = np.bincount(parent[keep.to_numpy(zero_copy_only=False)], minlength=len(texts))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return pc.filter(flat, keep), offsets


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


def tokens(texts: pa.Array) -> Tokens:
    """Word hashes of each text; every distinct word is hashed once."""
    flat, offsets = words(texts)
    encoded = (
        pc.dictionary_encode(flat).combine_chunks()
        if isinstance(flat, pa.ChunkedArray)
        else pc.dictionary_encode(flat)
    )
    vocab = np.fromiter(
        (_word_hash(w) for w in encoded.dictionary.to_pylist()),
        dtype=np.uint64,
        count=len(encoded.dictionary),
    )
    return Tokens(vocab[encoded.indices.to_numpy()], offsets)


def gram_hashes(tok: Tokens, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rolling hash of every run of n words inside one text: (hash, flat start)."""
    total = len(tok.hashes)
    if total < n:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    h = np.zeros(total - n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n):
            h = h * _P + tok.hashes[j : total - n + 1 + j]
    start = np.arange(total - n + 1, dtype=np.int64)
    end = np.repeat(tok.offsets[1:], np.diff(tok.offsets))[: total - n + 1]
    fits = start + n <= end
    return h[fits], start[fits]
