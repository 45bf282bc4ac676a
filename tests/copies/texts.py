"""Texts built so that their Jaccard similarity is known by construction."""

from __future__ import annotations

import random

from trainright.copies import shingles


def distinct_words(n: int, prefix: str = "w") -> list[str]:
    """n words no other call with another prefix shares."""
    return [f"{prefix}{i}" for i in range(n)]


def pair_at(shared: int, extra: int) -> tuple[str, str]:
    """Two texts whose shingle sets share `shared` shingles and differ by `extra`.

    A text of distinct words has one shingle per window; appending `extra` new words
    to it adds exactly `extra` shingles, so Jaccard = shared / (shared + extra).
    """
    base = distinct_words(shared + 4)
    return " ".join(base), " ".join(base + distinct_words(extra, "x"))


def corpus(n: int, planted: int, seed: int) -> list[str]:
    """n texts over a 20,000-word vocabulary, `planted` of them edited copies of others.

    The copied texts are long (100-200 words) and get none to four one-word edits
    (replace, insert, delete), and some are upper-cased, so the planted pairs spread
    over Jaccard from under 0.8 to 1.0, many of them near 0.8.
    """
    rng = random.Random(seed)
    vocab = [f"v{i}" for i in range(20_000)]
    originals = [" ".join(rng.choices(vocab, k=rng.randint(100, 200))) for _ in range(planted)]
    others = n - 2 * planted
    texts = originals + [" ".join(rng.choices(vocab, k=rng.randint(3, 60))) for _ in range(others)]
    for original in originals:
        words = original.split()
        for _ in range(rng.choice((0, 1, 2, 2, 3, 3, 4))):
            at = rng.randrange(len(words))
            op = rng.random()
            if op < 0.5:
                words[at] = rng.choice(vocab)
            elif op < 0.75:
                words.insert(at, rng.choice(vocab))
            else:
                del words[at]
        if rng.random() < 0.3:
            words = [w.upper() for w in words]
        texts.append("  ".join(words))
    rng.shuffle(texts)
    return texts


def exact_pairs(texts: list[str]) -> dict[tuple[int, int], float]:
    """Every pair (i < j) at Jaccard >= 0.8, found exactly: no hashing, no sampling.

    A pair at Jaccard > 0 shares a shingle, so the pairs sharing one (an inverted index
    over the shingle strings) are all the pairs there are to check; each is then
    measured on the shingle sets themselves.
    """
    sets = [shingles(t) for t in texts]
    holders: dict[str, list[int]] = {}
    for i, s in enumerate(sets):
        for g in s:
            holders.setdefault(g, []).append(i)
    sharing = {(a, b) for ids in holders.values() for x, a in enumerate(ids) for b in ids[x + 1 :]}
    return {
        (a, b): len(sets[a] & sets[b]) / len(sets[a] | sets[b])
        for a, b in sharing
        if 5 * len(sets[a] & sets[b]) >= 4 * len(sets[a] | sets[b])
    }
