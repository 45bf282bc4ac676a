"""SPEC §5 `copy_of_excluded` and `duplicate`, decided once for both engines.

Each engine hands one Arrow table to these functions and applies the post ids they
return at the rule's place in the reason order, so DuckDB and Spark build the same
dataset. Exactly equal normalised texts are grouped first: a text pasted a thousand
times is one entry of the `NearIndex`.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from trainright.copies.near import NearIndex, normalise
from trainright.policy import Dedup


def _groups(ids: list[int], texts: list[str | None]) -> dict[str, list[int]]:
    """Post ids by normalised text, in the order given; texts with no words are left out."""
    out: dict[str, list[int]] = {}
    for post_id, text in zip(ids, texts, strict=True):
        normal = normalise(text) if text else ""
        if normal:
            out.setdefault(normal, []).append(post_id)
    return out


def copies_of_excluded(posts: pa.Table) -> pa.Array:
    """Ids of posts whose text is a near-duplicate of a text no one may copy.

    `posts` holds `post_id`, `text` and `side`: True for a text of an author who is not
    cleared at T (the "do not copy" side), False for a post that is to be checked.
    """
    side = posts.column("side")
    checked_rows = posts.filter(pc.invert(side))
    checked = _groups(
        checked_rows.column("post_id").to_pylist(), checked_rows.column("text").to_pylist()
    )
    if not checked:  # nothing to check: the other side need not be normalised
        return pa.array([], pa.int64())
    protected_rows = posts.filter(side)
    protected = _groups(
        protected_rows.column("post_id").to_pylist(), protected_rows.column("text").to_pylist()
    )
    found: list[int] = []
    if protected:
        index = NearIndex()
        index.add_many(list(protected), list(protected))
        asked = list(checked)
        for normal, hit in zip(asked, index.any_near(asked), strict=True):
            if hit:
                found.extend(checked[normal])
    return pa.array(sorted(found), pa.int64())


def duplicates(posts: pa.Table, mode: Dedup) -> pa.Array:
    """Ids of posts whose text repeats the text of an earlier post of `posts`.

    `posts` holds `post_id`, `text`, `created_at` of the posts included before the
    duplicate step; earlier is (`created_at`, `post_id`). Not chained: a post is a
    duplicate when any earlier post is near it, whether or not that one is itself a
    duplicate, so the answer does not depend on the order of the rows.
    """
    if mode == "off" or not len(posts):
        return pa.array([], pa.int64())
    order = pc.sort_indices(posts, [("created_at", "ascending"), ("post_id", "ascending")])
    ranked = posts.take(order)
    groups = _groups(ranked.column("post_id").to_pylist(), ranked.column("text").to_pylist())
    found = [i for members in groups.values() for i in members[1:]]
    if mode == "near" and len(groups) > 1:
        texts = list(groups)  # in the order of each text's earliest post
        index = NearIndex()
        index.add_many(list(range(len(texts))), texts)
        ranks = range(len(texts))
        for rank, hit in zip(ranks, index.any_near(texts, before=ranks), strict=True):
            if hit:
                found.append(groups[texts[rank]][0])
    return pa.array(sorted(found), pa.int64())
