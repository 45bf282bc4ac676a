"""Copy-pasted posts (SPEC §5 `copy_of_excluded` and `duplicate`), with ground truth.

Some posts of every chunk become *families*: a source text and one to three later
copies of it, exact or edited. A source is 90-110 distinct words of its language's
everyday vocabulary in random order, so no generated post comes near it and no two
families share a 5-word run. An edit replaces one word, or two adjacent ones, by
words the text lacks: at most 6 of its 86 or more shingles change, so the Jaccard
similarity stays at least 80/92 = 0.87 (each copy's value is computed with the
product's own `jaccard` and recorded).

Who writes them is decided from what synth itself made (statuses, birth dates,
links, preferences, events), under the default policy at the synth cutoff: a
family's source is by an account that is certainly not cleared (every copy is then
expected to be excluded as `copy_of_excluded`) or by one that certainly is (the
source is kept, every copy is a `duplicate` under `dedup = "near"`). Every copy is by
a certainly cleared account, public, not deleted, carrying no preference, media,
tag, share or planted value, so that the copy is its only reason to be left out.
"""

from __future__ import annotations

import random
import re
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainright.copies import jaccard
from trainright.regions import EEA
from trainright.synth._accounts import COUNTRY_CODES, STATUSES, Accounts, years_before
from trainright.synth._events import (
    CHANNELS,
    CON,
    CON_W,
    DELETED,
    NOTICE,
    NOTICE_DAYS,
    OBJ,
    OBJ_W,
    PURPOSES,
)
from trainright.synth._kinds import LANGS
from trainright.synth._parquet import table
from trainright.synth._text import TEMPLATES, WORDS

#: Distinct words of a source text.
WORDS_PER_TEXT = (90, 110)
#: One family per this many posts of a chunk (at least four per chunk).
POSTS_PER_FAMILY = 500
_HOUR_US = 3600 * 1_000_000
_DAY = 86_400
_EPOCH_DAYS = 719_163  # date(1970, 1, 1).toordinal()
_KINDS = ("exact", "edited")
_SENTENCE = (9, 12, 8, 11, 10, 13)  # words per sentence, in turn


def vocabulary(lang: str) -> list[str]:
    """The distinct lower-case words of the everyday sentences and their slot fillers."""
    found: set[str] = set()
    for text in (*TEMPLATES[lang], *(w for ws in WORDS[lang].values() for w in ws)):
        for word in re.sub(r"\{\w+\}", " ", text).split():
            word = word.strip(".,!?:=()").lower()
            if word.isalpha():
                found.add(word)
    return sorted(found)


def certain(
    acc: Accounts, events: dict[str, np.ndarray], linked: np.ndarray, cutoff: datetime
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of accounts certainly not cleared, and of accounts certainly cleared, under the
    default policy at `cutoff`.

    Not cleared: not active (any policy), or outside the EEA with one plain objection
    before the cutoff and no other objection-type event. Cleared: active, personal, 19 or
    older by birth date, linked to no other account, no preference of its own, no
    objection-type or deletion event at all, and in the EEA consent given with no
    withdrawal of any purpose, elsewhere the notice at least 30 days before the cutoff.
    """
    t = int(cutoff.timestamp())
    row = events["acct"] - acc.ids[0]
    real = (row >= 0) & (row < acc.n)
    row, kind, at = row[real], events["type"][real], events["at"][real]
    ours = events["purpose"][real] != PURPOSES.index("ads-personalisation")
    gpc = events["channel"][real] == CHANNELS.index("gpc")

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(row[mask], minlength=acc.n)

    eea = np.isin(np.array(COUNTRY_CODES)[acc.country], sorted(EEA))
    active = acc.status == STATUSES.index("active")
    rights = count(np.isin(kind, (OBJ, OBJ_W)))
    plain = count((kind == OBJ) & ours & (at < t) & ~gpc)
    not_cleared = ~active | (~eea & (rights == 1) & (plain == 1))
    nineteen = years_before(cutoff.date(), 19).toordinal() - _EPOCH_DAYS
    adult = ~acc.birth_null & (acc.birth <= nineteen)
    own_usage = pc.is_valid(acc.content_usage).to_numpy(zero_copy_only=False)
    untouched = count(np.isin(kind, (OBJ, OBJ_W, DELETED))) == 0
    notified = count((kind == NOTICE) & ours & (at <= t - NOTICE_DAYS * _DAY)) > 0
    consented = (count((kind == CON) & ours & (at <= t)) > 0) & (count(kind == CON_W) == 0)
    cleared = (
        active
        & ~acc.business
        & adult
        & ~np.isin(acc.ids, linked)
        & ~own_usage
        & untouched
        & np.where(eea, consented, notified)
    )
    return np.flatnonzero(not_cleared), np.flatnonzero(cleared)


def _render(words: list[str]) -> str:
    """Words as sentences of 8-13 words, capitalised, each ending in a full stop; the
    breaks depend only on the number of words, so an edit keeps them."""
    out: list[str] = []
    start = 0
    while start < len(words):
        part = words[start : start + _SENTENCE[len(out) % len(_SENTENCE)]]
        out.append(" ".join([part[0].capitalize(), *part[1:]]) + ".")
        start += len(part)
    return " ".join(out)


class CopyPlanter:
    """Turns free posts of a chunk into families of copies; chunks stay independent."""

    def __init__(
        self,
        acc: Accounts,
        author_lang: np.ndarray,
        outcomes: tuple[np.ndarray, np.ndarray],
        cutoff_us: int,
        seed: int,
    ) -> None:
        self.acc, self.author_lang, self.seed = acc, author_lang, seed
        self.not_cleared, self.cleared = outcomes
        self.cutoff_us = cutoff_us
        self.vocab = [vocabulary(lang) for lang in LANGS]

    def plant(
        self,
        index: int,
        post_id: np.ndarray,
        columns: dict[str, pa.Array | np.ndarray],
        free: np.ndarray,
    ) -> pa.Table:
        """Rewrite some `free` rows of a chunk's post `columns` in place; return the truth."""
        rng = np.random.default_rng([self.seed, 11, index])
        words = random.Random(f"{self.seed}:copies:{index}")
        rows = rng.permutation(np.flatnonzero(free))
        families = max(4, len(post_id) // POSTS_PER_FAMILY)
        truth: dict[str, list[object]] = {
            k: [] for k in ("post_id", "source_post_id", "kind", "jaccard", "expected_reason")
        }
        planted: dict[int, tuple[int, int, int, str]] = {}  # row -> author, created, lang, text
        used = 0
        for f in range(families if len(self.cleared) else 0):
            k = 2 if f < 2 else int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
            if used + 1 + k > len(rows):
                break
            family = np.sort(rows[used : used + 1 + k])
            used += 1 + k
            excluded = f % 2 == 0 and len(self.not_cleared) > 0
            pool = self.not_cleared if excluded else self.cleared
            source = int(pool[rng.integers(len(pool))])
            copiers = self.cleared[rng.integers(len(self.cleared), size=k)]
            lang = int(self.author_lang[source])
            vocab = self.vocab[lang]
            text = words.sample(vocab, words.randint(*WORDS_PER_TEXT))
            times = self._times(rng, np.concatenate([[source], copiers]))
            source_text = _render(text)
            planted[int(family[0])] = (source, times[0], lang, source_text)
            kinds = ["exact", "edited"] if f < 2 else [words.choice(_KINDS) for _ in range(k)]
            for i, kind in enumerate(kinds):
                copy = text if kind == "exact" else self._edit(words, text, vocab)
                copy_text = _render(copy)
                planted[int(family[1 + i])] = (int(copiers[i]), times[1 + i], lang, copy_text)
                truth["post_id"].append(int(post_id[family[1 + i]]))
                truth["source_post_id"].append(int(post_id[family[0]]))
                truth["kind"].append(kind)
                truth["jaccard"].append(jaccard(source_text, copy_text))
                truth["expected_reason"].append("copy_of_excluded" if excluded else "duplicate")
        self._apply(columns, planted)
        order = np.argsort(np.array(truth["post_id"], np.int64), kind="stable")
        return table("copies", {k: pa.array(v).take(order) for k, v in truth.items()})

    def _times(self, rng: np.random.Generator, authors: np.ndarray) -> list[int]:
        """The source's instant, then its copies', each after every author signed up, and
        at least a second apart, before the cutoff."""
        lo = int(self.acc.created_us[authors].max()) + _HOUR_US
        hi = self.cutoff_us - _HOUR_US
        first = lo + int(rng.random() * (hi - lo) / 2)
        later = np.sort(
            first + 1_000_000 + (rng.random(len(authors) - 1) * (hi - first - 1_000_000))
        )
        return [t - t % 1000 for t in (first, *later.astype(np.int64).tolist())]

    @staticmethod
    def _edit(words: random.Random, text: list[str], vocab: list[str]) -> list[str]:
        """One word, or two adjacent ones, replaced by words the text lacks."""
        n = words.choice((1, 2))
        at = words.randrange(len(text) - n + 1)
        absent = sorted(set(vocab) - set(text))
        return [*text[:at], *words.sample(absent, n), *text[at + n :]]

    def _apply(
        self,
        columns: dict[str, pa.Array | np.ndarray],
        planted: dict[int, tuple[int, int, int, str]],
    ) -> None:
        """Give each planted row its author, instant, language and text, public, not
        deleted and with no preference of its own."""
        rows = np.array(sorted(planted), np.int64)
        if not len(rows):
            return
        author, created, lang, text = zip(*(planted[r] for r in rows.tolist()), strict=True)
        n = len(columns["deleted"])
        mask = pa.array(np.isin(np.arange(n), rows))
        ids = np.array(columns["author_id"], copy=True)
        ids[rows] = self.acc.ids[list(author)]
        at = np.array(columns["created_at"], copy=True)
        at[rows] = created
        deleted = np.array(columns["deleted"], copy=True)
        deleted[rows] = False
        columns["author_id"], columns["created_at"], columns["deleted"] = ids, at, deleted
        replace = {
            "visibility": pa.array(["public"] * len(rows), pa.string()),
            "lang": pa.array([LANGS[i] for i in lang], pa.string()),
            "text": pa.array(list(text), pa.string()),
            "content_usage": pa.nulls(len(rows), pa.string()),
        }
        for name, values in replace.items():
            columns[name] = pc.replace_with_mask(columns[name], mask, values)
