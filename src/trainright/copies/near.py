"""SPEC §5 near-duplicates, defined once: normalisation, shingles, exact Jaccard, MinHash + LSH.

Two texts are near-duplicates when the Jaccard similarity of their sets of 5-word
shingles, after NFKC, case folding and whitespace collapse, is at least 0.8; a text
under 5 words is one shingle, the whole normalised string. A text that normalises to
the empty string has no shingles and is a near-duplicate of nothing.

Finding the pairs among millions of texts goes in two stages:

1. *candidates*: a MinHash signature of `PERMS` 32-bit values per text, cut into
   `BANDS` bands of `ROWS` values; two texts sharing any band key are a candidate
   pair. With 16 bands of 5 rows a pair at Jaccard 0.8 becomes a candidate with
   probability 1 - (1 - 0.8**5)**16 = 0.9983 (docs/copies.md has the measured figure);
2. *verification*: every candidate is checked against the exact definition
   (`is_near`, integer arithmetic on the shingle sets), so no pair below 0.8 is ever
   acted on, whatever the hashing did.

The hashing is NumPy over Arrow's split of a batch (docs/copies.md says why, by
measurement, not `rensa` or `datasketch`): each distinct word of a batch is hashed once
(BLAKE2b, so every process and engine gets the same keys), a shingle's hash is a
chain of splitmix64 finalisers over its five word hashes, and each permutation is a
multiply-add modulo 2**32 over the shingle hashes' high halves.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Hashable, Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Words per shingle.
NGRAM = 5
#: The SPEC's threshold, as the fraction NUM / DEN so that the check is exact.
THRESHOLD_NUM, THRESHOLD_DEN = 4, 5
#: LSH banding: BANDS bands of ROWS MinHash values each.
BANDS = 16
ROWS = 5
PERMS = BANDS * ROWS
#: Shingle hashes handled per NumPy step of the MinHash (bounds its working memory).
_CHUNK = 1 << 17

_rng = np.random.default_rng(0x7472_6169_6E72_6967)  # fixed: signatures are stable
_A = (_rng.integers(0, 1 << 32, PERMS, dtype=np.uint64) | np.uint64(1)).astype(np.uint32)
_B = _rng.integers(0, 1 << 32, PERMS, dtype=np.uint64).astype(np.uint32)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_WHOLE = np.uint64(0x5748_4F4C_45)  # seeds a whole-string shingle, apart from 5-grams
_GRAM = np.uint64(0x4752_414D)


def normalise(text: str) -> str:
    """NFKC, then case folding, then every run of whitespace as one space, trimmed.

    ASCII text is its own NFKC form and folds as `lower` does, so it skips both.
    """
    if text.isascii():
        return " ".join(text.lower().split())
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def shingles(text: str) -> frozenset[str]:
    """The set of 5-word shingles of a text (a text under 5 words: the whole string).

    A shingle is its words joined by single spaces. The words hold no space, so two
    shingles are equal exactly when their words are, and a whole string of fewer than
    five words (fewer spaces) never equals a 5-word shingle. Strings, not tuples: a
    string keeps its hash, so comparing sets hashes each shingle once.
    """
    words = normalise(text).split()
    if len(words) < NGRAM:
        return frozenset((" ".join(words),)) if words else frozenset()
    return frozenset(map(" ".join, zip(*(words[i:] for i in range(NGRAM)), strict=False)))


def jaccard(a: str, b: str) -> float:
    """The exact Jaccard similarity of two texts' shingle sets (0.0 when either has none)."""
    return _jaccard_sets(shingles(a), shingles(b))


def is_near(a: str, b: str) -> bool:
    """Whether two texts are near-duplicates: Jaccard >= 0.8, decided in integers."""
    return _near_sets(shingles(a), shingles(b))


def _jaccard_sets(a: frozenset[str], b: frozenset[str]) -> float:
    common = len(a & b)
    return common / (len(a) + len(b) - common) if a and b else 0.0


def _near_sets(a: frozenset[str], b: frozenset[str]) -> bool:
    """5·|A∩B| >= 4·|A∪B|, with |A∪B| = |A| + |B| - |A∩B|: one set operation, not two."""
    if not a or not b:
        return False
    return (THRESHOLD_NUM + THRESHOLD_DEN) * len(a & b) >= THRESHOLD_NUM * (len(a) + len(b))


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit reaches every output bit."""
    h = h ^ (h >> np.uint64(30))
    h *= _C1
    h ^= h >> np.uint64(27)
    h *= _C2
    h ^= h >> np.uint64(31)
    return h


def _word_hashes(vocabulary: list[str]) -> np.ndarray:
    digests = b"".join(hashlib.blake2b(w.encode(), digest_size=8).digest() for w in vocabulary)
    return np.frombuffer(digests, np.uint64).copy() if digests else np.zeros(0, np.uint64)


def _shingle_hashes(normal: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the shingles of non-empty normalised texts, and counts per text."""
    words = pc.split_pattern(pa.array(normal, pa.string()), " ")
    lengths = pc.list_value_length(words).to_numpy().astype(np.int64)
    encoded = pc.dictionary_encode(pc.list_flatten(words))
    w = _word_hashes(encoded.dictionary.to_pylist())[encoded.indices.to_numpy()]
    starts = np.cumsum(lengths) - lengths
    doc = np.repeat(np.arange(len(normal)), lengths)
    parts_doc: list[np.ndarray] = []
    parts_hash: list[np.ndarray] = []
    n = len(w)
    if n >= NGRAM:
        h = _mix(w[: n - NGRAM + 1] ^ _GRAM)
        for j in range(1, NGRAM):
            h = _mix(h ^ w[j : n - NGRAM + 1 + j])
        first = doc[: n - NGRAM + 1]
        whole_gram = np.arange(n - NGRAM + 1) - starts[first] + NGRAM <= lengths[first]
        parts_doc.append(first[whole_gram])
        parts_hash.append(h[whole_gram])
    short = np.flatnonzero(lengths < NGRAM)
    if len(short):
        h = np.full(len(short), _WHOLE, np.uint64) ^ lengths[short].astype(np.uint64)
        for j in range(NGRAM - 1):
            more = lengths[short] > j
            h[more] = _mix(h[more] ^ w[starts[short[more]] + j])
        parts_doc.append(short)
        parts_hash.append(h)
    order_doc = np.concatenate(parts_doc)
    order = np.argsort(order_doc, kind="stable")
    counts = np.where(lengths < NGRAM, 1, lengths - NGRAM + 1)
    return np.concatenate(parts_hash)[order], counts


def _signatures(hashes: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """MinHash signatures (texts x PERMS, uint32) of the shingle hashes, counts per text."""
    values = (hashes >> np.uint64(32)).astype(np.uint32)
    offsets = np.cumsum(counts) - counts
    out = np.empty((len(counts), PERMS), np.uint32)
    lo_doc = 0
    while lo_doc < len(counts):
        lo = offsets[lo_doc]
        hi_doc = max(int(np.searchsorted(offsets, lo + _CHUNK, "right")), lo_doc + 1)
        hi = offsets[hi_doc - 1] + counts[hi_doc - 1]
        v = _A[:, None] * values[None, lo:hi]
        v += _B[:, None]
        out[lo_doc:hi_doc] = np.minimum.reduceat(v, offsets[lo_doc:hi_doc] - lo, axis=1).T
        lo_doc = hi_doc
    return out


def band_keys(texts: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """LSH band keys of a batch: (indices of the texts with shingles, keys as BANDS x uint64).

    Each key hashes its band's index with its ROWS values, so the keys of all bands can
    share one column: two texts sharing any key are a candidate pair.
    """
    normal = [normalise(t) if t else "" for t in texts]
    rows = np.array([i for i, t in enumerate(normal) if t], np.int64)
    if not len(rows):
        return rows, np.zeros((0, BANDS), np.uint64)
    hashes, counts = _shingle_hashes([normal[i] for i in rows])
    sig = _signatures(hashes, counts).astype(np.uint64)
    keys = np.empty((len(rows), BANDS), np.uint64)
    for band in range(BANDS):
        cols = sig[:, band * ROWS : (band + 1) * ROWS]
        h = np.full(len(rows), np.uint64(band), np.uint64)
        for c in range(0, ROWS, 2):
            pair = cols[:, c] | (cols[:, c + 1] << np.uint64(32) if c + 1 < ROWS else 0)
            h = _mix(h ^ pair)
        keys[:, band] = h
    return rows, keys


class NearIndex:
    """Texts under keys, queried for their verified near-duplicates.

    `add` / `add_many` put texts in; `query` / `query_many` return, for each text asked
    about, the `(key, jaccard)` of every indexed text at Jaccard >= 0.8, best first.
    Candidates come from the LSH bands and are all checked exactly before they are
    returned, so a result is never a false positive.
    """

    def __init__(self) -> None:
        self._keys: list[Hashable] = []
        self._texts: list[str] = []
        self._pending_bands: list[np.ndarray] = []
        self._pending_ids: list[np.ndarray] = []
        self._bands = np.zeros(0, np.uint64)
        self._ids = np.zeros(0, np.int64)

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: Hashable, text: str | None) -> None:
        """Index one text under `key` (a text with no words is never found)."""
        self.add_many([key], [text])

    def add_many(self, keys: Sequence[Hashable], texts: Sequence[str | None]) -> None:
        """Index a batch of texts: one hashing pass for all of them."""
        if len(keys) != len(texts):
            raise ValueError(f"{len(keys)} keys for {len(texts)} texts")
        rows, bands = band_keys(texts)
        base = len(self._keys)
        self._keys.extend(keys[int(i)] for i in rows)
        self._texts.extend(texts[int(i)] or "" for i in rows)
        self._pending_bands.append(bands.ravel())
        self._pending_ids.append(np.repeat(np.arange(base, base + len(rows)), BANDS))

    def query(self, text: str | None) -> list[tuple[Hashable, float]]:
        """The indexed texts that are near-duplicates of `text`, with their exact Jaccard."""
        return self.query_many([text])[0]

    def query_many(self, texts: Sequence[str | None]) -> list[list[tuple[Hashable, float]]]:
        """`query` for a batch of texts, hashed in one pass."""
        found: list[list[tuple[Hashable, float]]] = [[] for _ in texts]
        verified: list[list[tuple[int, float]]] = [[] for _ in texts]
        pairs = self._pairs(*self._expand(*self._ranges(texts)))
        for row, i, mine, theirs in self._verified(texts, pairs):
            verified[row].append((i, _jaccard_sets(mine, theirs)))
        for hits, out in zip(verified, found, strict=True):
            hits.sort(key=lambda h: (-h[1], h[0]))
            out.extend((self._keys[i], j) for i, j in hits)
        return found

    def any_near(
        self, texts: Sequence[str | None], before: Sequence[int] | None = None, *, first: int = 4
    ) -> list[bool]:
        """Whether each text has a near-duplicate among the indexed ones.

        With `before`, only the indexed texts added before position `before[k]` count for
        text k. The rules need no more than this, so each text stops at its first
        verified neighbour instead of checking every candidate. A band key shared by
        thousands of indexed texts (one much-copied text and its variants) would still
        make thousands of pairs per text asked, most of them for texts the first few
        settle; so the `first` indexed texts under each shared key are tried first, and
        only the texts still unsettled expand the rest. The answer is the same for any
        `first`; only the work differs.
        """
        found = [False] * len(texts)
        owner, lo, hi = self._ranges(texts)
        if not len(owner):
            return found
        limit = np.asarray(before, np.int64) if before is not None else None
        cut = np.minimum(hi, lo + first)
        tried = self._settle(texts, self._expand(owner, lo, cut), limit, found, None)
        settled = np.asarray(found, bool)
        rest = ~settled[owner] & (hi > cut)
        self._settle(texts, self._expand(owner[rest], cut[rest], hi[rest]), limit, found, tried)
        return found

    def _settle(
        self,
        texts: Sequence[str | None],
        candidates: tuple[np.ndarray, np.ndarray],
        limit: np.ndarray | None,
        found: list[bool],
        tried: np.ndarray | None,
    ) -> np.ndarray:
        """Mark in `found` the rows with a verified candidate; return the pair keys tried.

        Pairs in `tried` (sorted keys from an earlier round) are not checked again.
        """
        asked, ids = candidates
        if limit is not None and len(asked):
            keep = ids < limit[asked]
            asked, ids = asked[keep], ids[keep]
        pairs = self._pairs(asked, ids)
        if tried is not None:
            pairs = pairs[np.isin(pairs, tried, assume_unique=True, invert=True)]
        for row, *_ in self._verified(texts, pairs, found):
            found[row] = True
        return pairs

    def _ranges(self, texts: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(asked row, lo, hi) per band key a text shares: its neighbours are ids[lo:hi]."""
        self._freeze()
        rows, bands = band_keys(texts)
        if not len(self._bands) or not len(rows):
            empty = np.zeros(0, np.int64)
            return empty, empty, empty
        lo = np.searchsorted(self._bands, bands, "left").ravel()
        hi = np.searchsorted(self._bands, bands, "right").ravel()
        shared = hi > lo
        return np.repeat(rows, BANDS)[shared], lo[shared], hi[shared]

    def _expand(
        self, owner: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(asked row, indexed position) of every pair in the ranges, unsorted."""
        width = hi - lo
        asked = np.repeat(owner, width)
        at = np.repeat(lo - (np.cumsum(width) - width), width) + np.arange(int(width.sum()))
        return asked, self._ids[at]

    def _pairs(self, asked: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Candidate pairs as sorted unique keys row·len + position (`_verified` reads them)."""
        return np.unique(asked * np.int64(len(self._keys)) + ids)

    def _verified(
        self,
        texts: Sequence[str | None],
        pairs: np.ndarray,
        done: list[bool] | None = None,
    ) -> Iterator[tuple[int, int, frozenset[str], frozenset[str]]]:
        """The pairs at Jaccard >= 0.8 among `pairs` (keys from `_pairs`).

        Rows already `done` are skipped. A pair whose shingle counts differ too much is
        passed over before the sets are compared: |A∩B| <= min and |A∪B| >= max, so
        5·min < 4·max cannot reach 0.8.
        """
        width = np.int64(len(self._keys))
        mine: frozenset[str] = frozenset()
        last = -1
        # an indexed text is a candidate of many asked ones: its shingles are made once
        indexed: dict[int, frozenset[str]] = {}
        for row, i in zip((pairs // width).tolist(), (pairs % width).tolist(), strict=True):
            if done is not None and done[row]:
                continue
            if row != last:
                mine, last = shingles(texts[row] or ""), row
            theirs = indexed.get(i)
            if theirs is None:
                theirs = indexed[i] = shingles(self._texts[i])
            small, large = sorted((len(mine), len(theirs)))
            if THRESHOLD_DEN * small < THRESHOLD_NUM * large:
                continue
            if _near_sets(mine, theirs):
                yield row, i, mine, theirs

    def _freeze(self) -> None:
        if not self._pending_bands:
            return
        bands = np.concatenate([self._bands, *self._pending_bands])
        ids = np.concatenate([self._ids, *self._pending_ids])
        order = np.argsort(bands, kind="stable")
        self._bands, self._ids = bands[order], ids[order]
        self._pending_bands.clear()
        self._pending_ids.clear()
