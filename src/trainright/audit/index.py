"""The verbatim index: every run of words a dataset's posts hold, found in one search.

A shared run of RUN (12) words contains, at some dataset position p with
p mod STEP == 0, a run of GRAM = RUN - STEP + 1 words that starts there. So the
index keeps the rolling hash of the GRAM-word run at every STEP-th word of every
post (a quarter of all positions), sorted in one NumPy array; an output is looked
up at every position, and each anchor found is extended word by word against the
post to its full length, so only runs of at least RUN words that really match are
reported (a hash collision is never a hit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from trainright.audit.words import Tokens, gram_hashes, tokens

RUN = 12  # SPEC §8: a verbatim hit is at least this many words
STEP = 4
GRAM = RUN - STEP + 1


@dataclass(frozen=True)
class Posts:
    """A dataset's posts in one row order: id, subject shard, pseudonym, text."""

    post_id: np.ndarray  # int64
    shard: np.ndarray  # int32
    subject: pa.Array
    text: pa.Array


@dataclass(frozen=True)
class Match:
    """A verbatim run: output i repeats `words` words of post row `row`."""

    output: int
    row: int
    words: int


def read_posts(root: Path, manifest: dict[str, Any]) -> Posts:
    """Every post of a dataset, shard by shard."""
    ids, shards, subjects, texts = [], [], [], []
    for entry in manifest["shards"]:
        if not entry["rows"]:
            continue
        table = pq.read_table(root / entry["file"], columns=["post_id", "subject", "text"])
        ids.append(table["post_id"].to_numpy())
        shards.append(np.full(table.num_rows, int(entry["shard"]), np.int32))
        subjects.append(table["subject"].combine_chunks())
        texts.append(table["text"].cast(pa.large_string()).combine_chunks())
    if not ids:
        empty = pa.array([], pa.large_string())
        return Posts(np.zeros(0, np.int64), np.zeros(0, np.int32), empty, empty)
    return Posts(
        np.concatenate(ids),
        np.concatenate(shards),
        pa.concat_arrays(subjects),
        pa.concat_arrays(texts),
    )


class VerbatimIndex:
    """Sorted GRAM-word hashes of a dataset's posts, with the post and position of each."""

    def __init__(self, posts: Posts, progress: Callable[[int], None] | None = None) -> None:
        self.posts = posts
        hashes, rows, positions = [], [], []
        batch = 200_000
        for lo in range(0, len(posts.text), batch):
            tok = tokens(posts.text[lo : lo + batch])
            h, start = gram_hashes(tok, GRAM)
            text = np.searchsorted(tok.offsets, start, "right") - 1
            pos = start - tok.offsets[text]
            keep = pos % STEP == 0
            hashes.append(h[keep])
            rows.append((text[keep] + lo).astype(np.int64))
            positions.append(pos[keep].astype(np.uint32))
            if progress:
                progress(min(batch, len(posts.text) - lo))
        h = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
        order = np.argsort(h, kind="stable")
        self.hashes = h[order]
        self.rows = (np.concatenate(rows) if rows else np.zeros(0, np.int64))[order]
        self.positions = (np.concatenate(positions) if positions else np.zeros(0, np.uint32))[order]

    def __len__(self) -> int:
        return len(self.hashes)

    def search(self, outputs: Tokens) -> list[Match]:
        """The longest verbatim run of each (output, post) pair reaching RUN words."""
        h, start = gram_hashes(outputs, GRAM)
        # sorted look-ups walk the index in order: several times faster than random ones
        by_hash = np.argsort(h)
        lo, hi = np.empty(len(h), np.int64), np.empty(len(h), np.int64)
        lo[by_hash] = np.searchsorted(self.hashes, h[by_hash], "left")
        hi[by_hash] = np.searchsorted(self.hashes, h[by_hash], "right")
        n = hi - lo
        if not n.sum():
            return []
        anchor = np.repeat(np.arange(len(h)), n)
        slot = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n) + np.repeat(lo, n)
        out = np.searchsorted(outputs.offsets, start[anchor], "right") - 1
        out_pos = start[anchor] - outputs.offsets[out]
        row = self.rows[slot]
        post_pos = self.positions[slot].astype(np.int64)
        rows = np.unique(row)
        post_tok = tokens(pc.take(self.posts.text, pa.array(rows)))
        best: dict[tuple[int, int], int] = {}
        order = np.lexsort((out_pos, out_pos - post_pos, row, out))
        covered: dict[tuple[int, int, int], int] = {}
        for k in order:
            o, r, a, b = int(out[k]), int(row[k]), int(out_pos[k]), int(post_pos[k])
            diagonal = (o, r, a - b)
            if covered.get(diagonal, -1) > a:
                continue  # inside a run already measured on this alignment
            mine = outputs.of(o)
            theirs = post_tok.of(int(np.searchsorted(rows, r)))
            left = 0
            while a - left > 0 and b - left > 0 and mine[a - left - 1] == theirs[b - left - 1]:
                left += 1
            right = 0
            while (
                a + right < len(mine)
                and b + right < len(theirs)
                and mine[a + right] == theirs[b + right]
            ):
                right += 1
            covered[diagonal] = a + right
            if right + left >= RUN:
                best[(o, r)] = max(best.get((o, r), 0), left + right)
        return [Match(o, r, w) for (o, r), w in sorted(best.items())]
