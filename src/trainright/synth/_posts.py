"""Posts, their media and tags, and the ground truth of what was planted in them.

Posts are made a chunk at a time from pools of sentences and values chosen by
numpy indexes and joined by Arrow, so ten million posts never sit in memory
and no Python loop runs per post.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainright.synth._accounts import COUNTRY_CODES, Accounts
from trainright.synth._copies import CopyPlanter
from trainright.synth._kinds import DECOYS, LANGS, MENTIONS, PII, Kind
from trainright.synth._names import COUNTRIES
from trainright.synth._parquet import strings, table
from trainright.synth._text import sentence_pool, tail_pool
from trainright.synth._usage import preferences

CHUNK = 200_000
FIRST_POST_ID = 100_000_001
FIRST_MEDIA_ID = 900_000_001
VALUES_PER_KIND = 24  # fresh values per kind and language in every chunk
_DAY_US = 86_400 * 1_000_000
_NO_STRING = pa.scalar(None, pa.string())


@dataclass(frozen=True)
class Chunk:
    """One chunk's rows of every streamed table."""

    posts: pa.Table
    media: pa.Table
    tags: pa.Table
    planted: pa.Table
    planted_real: int
    planted_decoys: int
    copies: pa.Table


@dataclass(frozen=True)
class _Plan:
    """Per post of a chunk: what is planted where (row 0 of a pool means nothing)."""

    values: pa.Array  # this chunk's values of every kind
    has_m: np.ndarray  # mentions an account ...
    target: np.ndarray  # ... this one (row in accounts)
    mt: np.ndarray  # mention sentence row
    has_p: np.ndarray  # carries personal data ...
    pkind: np.ndarray  # ... of this kind (index into PII)
    pv: np.ndarray  # value row
    pt: np.ndarray  # sentence row
    has_d: np.ndarray  # carries a look-alike (same fields for DECOYS)
    dkind: np.ndarray
    dv: np.ndarray
    dt: np.ndarray


class _Slots:
    """Sentences of a family of kinds split at `{v}`; row 0 is the empty sentence."""

    def __init__(self, templates: list[dict[str, tuple[str, ...]]]) -> None:
        pre, post = [""], [""]
        self.off = np.zeros((len(templates), len(LANGS)), np.int64)
        self.cnt = np.zeros_like(self.off)
        for k, per_lang in enumerate(templates):
            for j, lang in enumerate(LANGS):
                self.off[k, j], self.cnt[k, j] = len(pre), len(per_lang[lang])
                for t in per_lang[lang]:
                    a, _, b = t.partition("{v}")
                    pre.append(a)
                    post.append(b)
        self.pre, self.post = strings(pre), strings(post)

    def pick(
        self, has: np.ndarray, kind: np.ndarray, lang: np.ndarray, u: np.ndarray
    ) -> np.ndarray:
        """Row of a sentence for every post that has one, else 0."""
        row = self.off[kind, lang] + (u * self.cnt[kind, lang]).astype(np.int64)
        return np.where(has, row, 0)


def _pool(pools: dict[str, list[str]], size: int) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Per-language pools concatenated behind an empty row 0: (array, offsets, counts)."""
    flat = [""]
    off, cnt = [], []
    for lang in LANGS:
        off.append(len(flat))
        flat += pools[lang][:size]
        cnt.append(len(pools[lang][:size]))
    return strings(flat), np.array(off), np.array(cnt)


def _cumulative(kinds: tuple[Kind, ...]) -> np.ndarray:
    """Cumulative pick probabilities, one row per language."""
    w = np.array([[k.weight[lang] for k in kinds] for lang in LANGS])
    return np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)


class PostMaker:
    """Everything needed to make any chunk; chunks are independent given their index."""

    def __init__(
        self,
        acc: Accounts,
        cutoff: datetime,
        seed: int,
        images: int,
        objectors: np.ndarray,
        dangling: np.ndarray,
        outcomes: tuple[np.ndarray, np.ndarray],
    ) -> None:
        self.acc, self.seed, self.images = acc, seed, images
        self.cutoff_us = int(cutoff.timestamp()) * 1_000_000
        rng = random.Random(f"{seed}:sentences")
        self.sent = _pool({lang: sentence_pool(lang, 1500, rng) for lang in LANGS}, 1500)
        self.tails = _pool({lang: tail_pool(lang, 60, rng) for lang in LANGS}, 60)
        self.pii, self.decoys = (
            _Slots([k.templates for k in PII]),
            _Slots([k.templates for k in DECOYS]),
        )
        self.mentions = _Slots([MENTIONS])
        self.pii_cum, self.decoy_cum = _cumulative(PII), _cumulative(DECOYS)
        self.pii_cat = strings([k.category for k in PII])
        self.decoy_cat = strings([k.category for k in DECOYS])
        text_lang = np.array([LANGS.index(COUNTRIES[c][2]) for c in COUNTRY_CODES])
        self.author_lang = text_lang[acc.country]
        minor_rows = acc.minors(cutoff)
        self.is_minor = np.zeros(acc.n, bool)
        self.is_minor[minor_rows] = True
        self.minor_rows, self.objector_rows, self.dangling = minor_rows, objectors, dangling
        self.paths = strings([f"media/{i:08d}.jpg" for i in range(images)])
        self.langs = strings(list(LANGS))
        self.visibility = strings(["public", "unlisted", "friends", "only_me"])
        self.sep = strings(["", " "])
        self.copies = CopyPlanter(acc, self.author_lang, outcomes, self.cutoff_us, seed)

    def _values(self, index: int) -> pa.Array:
        """Fresh values of every kind and language for chunk `index`, behind an empty row 0."""
        rng = random.Random(f"{self.seed}:values:{index}")
        flat = [""]
        for kind in PII + DECOYS:
            for lang in LANGS:
                flat += [kind.make(rng, lang) for _ in range(VALUES_PER_KIND)]
        return strings(flat)

    def _value_rows(
        self, first_kind: int, has: np.ndarray, kind: np.ndarray, lang: np.ndarray, u: np.ndarray
    ) -> np.ndarray:
        block = (first_kind + kind) * len(LANGS) + lang
        return np.where(
            has, 1 + block * VALUES_PER_KIND + (u * VALUES_PER_KIND).astype(np.int64), 0
        )

    def _target_rows(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """Accounts to tag or mention: mostly anyone, often minors and objectors."""
        rows = (rng.random(m) * self.acc.n).astype(np.int64)
        r = rng.random(m)
        for group, lo, hi in ((self.minor_rows, 0.65, 0.8), (self.objector_rows, 0.8, 0.95)):
            sel = (r >= lo) & (r < hi)
            if len(group):
                rows[sel] = group[(rng.random(int(sel.sum())) * len(group)).astype(np.int64)]
        return rows

    def chunk(self, index: int, n: int, media_start: int) -> Chunk:
        """Rows `index * CHUNK` onwards: `n` posts with their media, tags and planted items."""
        rng = np.random.default_rng([self.seed, 2, index])
        acc = self.acc
        post_id = FIRST_POST_ID + index * CHUNK + np.arange(n, dtype=np.int64)
        author = np.minimum((acc.n * rng.random(n) ** 1.6).astype(np.int64), acc.n - 1)
        if index == 0:  # the roster's edge accounts all get posts
            k = min(n, acc.n, 64)
            author[:k] = np.arange(k)
        r = rng.random(n)
        tl = np.where(
            r < 0.85,
            self.author_lang[author],
            np.where(r < 0.95, 0, rng.integers(0, len(LANGS), n)),
        )
        r = rng.random(n)
        null_text, empty_text, has_text = r < 0.02, (r >= 0.02) & (r < 0.03), r >= 0.03
        has_media = np.where(has_text, rng.random(n) < 0.25, True) & (self.images > 0)
        n_media = np.where(has_media, rng.choice(np.arange(1, 5), n, p=[0.6, 0.25, 0.1, 0.05]), 0)
        plan = self._plan(rng, index, has_text, tl)
        reshare_of, quote_of = self._shares(np.random.default_rng([self.seed, 5, index]), post_id)
        text = pc.if_else(
            pa.array(null_text),
            _NO_STRING,
            pc.if_else(pa.array(empty_text), "", self._text(rng, tl, plan)),
        )
        columns: dict[str, pa.Array | np.ndarray] = {
            "post_id": post_id,
            "author_id": acc.ids[author],
            "created_at": self._created(rng, author),
            "visibility": self.visibility.take(rng.choice(4, n, p=[0.77, 0.03, 0.15, 0.05])),
            "lang": pc.if_else(pa.array(rng.random(n) < 0.04), _NO_STRING, self.langs.take(tl)),
            "text": text,
            "deleted": rng.random(n) < 0.03,
            "reshare_of": reshare_of,
            "quote_of": quote_of,
            "content_usage": preferences(np.random.default_rng([self.seed, 9, index]), n, 0.04),
        }
        free = has_text & ~has_media & ~plan.has_m & ~plan.has_p & ~plan.has_d
        free &= ~(reshare_of.is_valid().to_numpy(zero_copy_only=False))
        free &= ~(quote_of.is_valid().to_numpy(zero_copy_only=False))
        if index == 0:  # the roster's edge accounts keep their posts
            free[: min(n, acc.n, 64)] = False
        copies = self.copies.plant(index, post_id, columns, free)
        posts = table("posts", columns)
        return Chunk(
            posts,
            self._media(rng, post_id, author, n_media, media_start),
            self._tags(rng, post_id, has_media, plan),
            self._planted(post_id, plan),
            int(plan.has_p.sum() + plan.has_m.sum()),
            int(plan.has_d.sum()),
            copies,
        )

    def _shares(self, rng: np.random.Generator, post_id: np.ndarray) -> tuple[pa.Array, pa.Array]:
        """About 6% reshares and 3% quotes of earlier posts (so chains of them form), a
        few pointing at posts that do not exist, and in the first chunk two cycles."""
        n = len(post_id)
        earlier = post_id - FIRST_POST_ID
        target = FIRST_POST_ID + (rng.random(n) * earlier).astype(np.int64)
        r = rng.random(n)
        dangling = rng.random(n) < 0.02
        target = np.where(dangling, FIRST_POST_ID - 1 - rng.integers(0, 1000, n), target)
        is_reshare = (r < 0.06) & (earlier > 0)
        is_quote = (r >= 0.06) & (r < 0.09) & (earlier > 0)
        if post_id[0] == FIRST_POST_ID and n >= 40:
            for a, b in ((20, 21), (30, 31)):  # a reshares b, b reshares a
                target[a], target[b] = post_id[b], post_id[a]
                is_reshare[a] = is_reshare[b] = True
                is_quote[a] = is_quote[b] = False
        return (
            pa.array(np.where(is_reshare, target, 0), pa.int64(), mask=~is_reshare),
            pa.array(np.where(is_quote, target, 0), pa.int64(), mask=~is_quote),
        )

    def _created(self, rng: np.random.Generator, author: np.ndarray) -> np.ndarray:
        """After the author signed up and before the cutoff; a few after it."""
        n = len(author)
        created = self.acc.created_us[author]
        created = created + (rng.random(n) * (self.cutoff_us - created)).astype(np.int64)
        late = rng.random(n) < 0.004
        created[late] = self.cutoff_us + rng.integers(1, 90 * _DAY_US, int(late.sum()))
        out: np.ndarray = created - created % 1000
        return out

    def _plan(
        self, rng: np.random.Generator, index: int, has_text: np.ndarray, tl: np.ndarray
    ) -> _Plan:
        """Decide per post what to plant: a mention, personal data, a look-alike."""
        n = len(has_text)
        has_m = has_text & (rng.random(n) < 0.08)
        has_p = has_text & (rng.random(n) < 0.15)
        has_d = has_text & (rng.random(n) < 0.08)
        pkind = np.minimum((rng.random(n)[:, None] > self.pii_cum[tl]).sum(axis=1), len(PII) - 1)
        dkind = np.minimum(
            (rng.random(n)[:, None] > self.decoy_cum[tl]).sum(axis=1), len(DECOYS) - 1
        )
        if index == 0:  # every kind at least once, whatever the size
            rows = np.flatnonzero(has_text)
            fp, fd = rows[: len(PII)], rows[len(PII) : len(PII) + len(DECOYS)]
            has_p[fp], pkind[fp] = True, np.arange(len(fp))
            has_d[fd], dkind[fd] = True, np.arange(len(fd))
        return _Plan(
            values=self._values(index),
            has_m=has_m,
            target=self._target_rows(rng, n),
            mt=self.mentions.pick(has_m, np.zeros(n, np.int64), tl, rng.random(n)),
            has_p=has_p,
            pkind=pkind,
            pv=self._value_rows(0, has_p, pkind, tl, rng.random(n)),
            pt=self.pii.pick(has_p, pkind, tl, rng.random(n)),
            has_d=has_d,
            dkind=dkind,
            dv=self._value_rows(len(PII), has_d, dkind, tl, rng.random(n)),
            dt=self.decoys.pick(has_d, dkind, tl, rng.random(n)),
        )

    def _text(self, rng: np.random.Generator, tl: np.ndarray, plan: _Plan) -> pa.Array:
        """Everyday sentences with the planned sentences in between, joined by Arrow."""
        n = len(tl)
        sent, s_off, s_cnt = self.sent
        tails, t_off, t_cnt = self.tails
        b1 = s_off[tl] + (rng.random(n) * s_cnt[tl]).astype(np.int64)
        b2 = s_off[tl] + (rng.random(n) * s_cnt[tl]).astype(np.int64)
        b2 = np.where(rng.random(n) < 0.35, b2, 0)
        tail = t_off[tl] + (rng.random(n) * t_cnt[tl]).astype(np.int64)
        names = pc.if_else(pa.array(plan.has_m), self.acc.names.take(plan.target), "")

        def sep(present: np.ndarray) -> pa.Array:
            return self.sep.take(present.astype(np.int8))

        return pc.binary_join_element_wise(
            sent.take(b1),
            sep(plan.has_m),
            self.mentions.pre.take(plan.mt),
            names,
            self.mentions.post.take(plan.mt),
            sep(b2 > 0),
            sent.take(b2),
            sep(plan.has_p),
            self.pii.pre.take(plan.pt),
            plan.values.take(plan.pv),
            self.pii.post.take(plan.pt),
            sep(plan.has_d),
            self.decoys.pre.take(plan.dt),
            plan.values.take(plan.dv),
            self.decoys.post.take(plan.dt),
            tails.take(tail),
            "",
        )

    def _planted(self, post_id: np.ndarray, plan: _Plan) -> pa.Table:
        """What was planted in which post; decoys must survive redaction."""
        m, p, d = plan.has_m, plan.has_p, plan.has_d
        ids = np.concatenate([post_id[m], post_id[p], post_id[d]])
        order = np.argsort(ids, kind="stable")
        category = pa.concat_arrays(
            [
                strings(["person_name"]).take(np.zeros(int(m.sum()), np.int64)),
                self.pii_cat.take(plan.pkind[p]),
                self.decoy_cat.take(plan.dkind[d]),
            ]
        )
        value = pa.concat_arrays(
            [
                self.acc.names.take(plan.target[m]),
                plan.values.take(plan.pv[p]),
                plan.values.take(plan.dv[d]),
            ]
        )
        decoy = np.repeat([False, True], [int(m.sum() + p.sum()), int(d.sum())])
        return table(
            "planted",
            {
                "post_id": ids[order],
                "category": category.take(order),
                "value": value.take(order),
                "decoy": decoy[order],
            },
        )

    def _media(
        self,
        rng: np.random.Generator,
        post_id: np.ndarray,
        author: np.ndarray,
        n_media: np.ndarray,
        start: int,
    ) -> pa.Table:
        """Image rows; the first `images` rows get a file each, later rows reuse files."""
        m = int(n_media.sum())
        g = start + np.arange(m, dtype=np.int64)
        file = np.where(g < self.images, g, rng.integers(0, max(self.images, 1), m))
        minor = self.is_minor[np.repeat(author, n_media)]
        return table(
            "media",
            {
                "media_id": FIRST_MEDIA_ID + g,
                "post_id": np.repeat(post_id, n_media),
                "path": self.paths.take(file) if m else strings([]),
                "flagged_minor": rng.random(m) < np.where(minor, 0.35, 0.04),
            },
        )

    def _tags(
        self,
        rng: np.random.Generator,
        post_id: np.ndarray,
        has_media: np.ndarray,
        plan: _Plan,
    ) -> pa.Table:
        """Mentions (named in the text) and photo tags, some of unknown accounts."""
        tagged = has_media & (rng.random(len(post_id)) < 0.3)
        count = np.where(tagged, rng.choice(np.arange(1, 4), len(post_id), p=[0.6, 0.3, 0.1]), 0)
        photo_post = np.repeat(post_id, count)
        photo_acct = self.acc.ids[self._target_rows(rng, len(photo_post))]
        unknown = rng.random(len(photo_post)) < 0.05
        if len(self.dangling):
            photo_acct[unknown] = self.dangling[
                rng.integers(0, len(self.dangling), int(unknown.sum()))
            ]
        order = np.lexsort((photo_acct, photo_post))
        photo_post, photo_acct = photo_post[order], photo_acct[order]
        first = np.ones(len(photo_post), bool)
        first[1:] = (photo_post[1:] != photo_post[:-1]) | (photo_acct[1:] != photo_acct[:-1])
        photo_post, photo_acct = photo_post[first], photo_acct[first]
        m = plan.has_m
        posts = np.concatenate([post_id[m], photo_post])
        accts = np.concatenate([self.acc.ids[plan.target[m]], photo_acct])
        kinds = np.repeat([0, 1], [int(m.sum()), len(photo_post)])
        order = np.argsort(posts, kind="stable")
        return table(
            "tags",
            {
                "post_id": posts[order],
                "account_id": accts[order],
                "kind": strings(["mention", "photo_tag"]).take(kinds[order]),
            },
        )
