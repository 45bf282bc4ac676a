"""SPEC §5 `names_non_user`: does a post's text name a registered person without an account?

The ledger holds only keyed hashes, so the registered names cannot be searched for as
text (no automaton over clear names can be built). A name is stored as the sequence of
its words' hashes instead, and a batch of posts is searched in three vectorised steps:

1. fold and split every text into words with Arrow's kernels (`fold_words`);
2. hash each distinct word the first time any batch holds it (`_learn`): after the
   first batches nearly every word of a platform's vocabulary is known, so HMACs are
   computed per vocabulary word, not per post; a word of a registered name gets a
   small id, every other word 0;
3. with NumPy over the flat word ids, pack each run of up to three consecutive words of
   one post into one integer and look the runs up among the registered names' first
   (up to three) words.

Only the few posts found so are checked word by word against the whole names, in
Python. E-mail addresses and phone numbers are found by the minimisation detectors
(the same patterns that redact them) in the posts Arrow's RE2 scan flags ("@", a run of
digits), normalised as a registration is, hashed and looked up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainright.minimise.detect import PATTERN_DETECTORS
from trainright.minimise.detect.base import DIGIT_RUN
from trainright.nonusers.identifiers import (
    Hasher,
    Identifiers,
    fold_words,
    normal_email,
    phone_forms,
)

_EMAIL = PATTERN_DETECTORS["email"]
_PHONE = PATTERN_DETECTORS["phone"]
#: Words packed into one integer per run, and the bits of each word's id.
_RUN = 3
_BITS = 21
#: Distinct words remembered before the memory is emptied (a bound on the build's memory).
SEEN_MAX = 2_000_000


class Matcher:
    """The active registrations at a cutoff, ready to be looked for in batches of posts."""

    def __init__(self, hasher: Hasher, registrations: Iterable[Identifiers]) -> None:
        self.hasher = hasher
        self.names_of: dict[int, set[tuple[str, ...]]] = {}  # whole names, by word count
        word_id: dict[str, int] = {}  # word hash -> id (from 1)
        prefixes: dict[int, set[int]] = {}  # packed first words, by how many (1-3)
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        photos: set[int] = set()
        for ids in registrations:
            for name in ids.names:
                self.names_of.setdefault(len(name), set()).add(tuple(name))
                # every word gets an id, the fourth and later too: `_learn` remembers
                # only words with one, and `_whole_name` checks the whole name
                numbered = [word_id.setdefault(h, len(word_id) + 1) for h in name]
                packed = numbered[:_RUN]
                prefixes.setdefault(len(packed), set()).add(_pack(packed))
            self.emails.update(ids.emails)
            self.phones.update(ids.phones)
            photos.update(int(p, 16) for p in ids.photos)
        if len(word_id) >= 1 << _BITS:
            raise ValueError(f"more than {(1 << _BITS) - 1} distinct words in registered names")
        self.photos = tuple(sorted(photos))
        self._word_id = word_id
        self._prefixes = {k: np.array(sorted(v), np.uint64) for k, v in prefixes.items()}
        self._seen: set[str] = set()  # folded words already hashed
        self._named: dict[str, str] = {}  # ... those in a registered name: word -> hash
        self._written: dict[str, bool] = {}  # addresses and numbers as written -> registered
        # the words of registered names seen so far (sorted), and their ids
        self._named_index = (pa.array([], pa.string()), np.zeros(1, np.int64))

    def __bool__(self) -> bool:
        """Whether any text can match (photos are matched apart, in the media step)."""
        return bool(self.names_of or self.emails or self.phones)

    def search(self, batches: Iterable[pa.RecordBatch]) -> pa.Array:
        """`post_ids` of every batch, in this process."""
        found = [self.post_ids(b) for b in batches]
        return pa.concat_arrays(found) if found else pa.array([], pa.int64())

    def post_ids(self, batch: pa.RecordBatch) -> pa.Array:
        """The `post_id`s of a batch (`post_id`, `text`) whose text names someone."""
        texts = batch.column("text")
        found = np.zeros(len(texts), bool)
        if self.names_of:
            # the all-ASCII texts apart: `fold_words` has a faster road for them
            ascii = pc.fill_null(pc.string_is_ascii(texts), True).to_numpy(zero_copy_only=False)
            for part in (ascii, ~ascii):
                if part.any():
                    found[part] = self._name_rows(texts.filter(pa.array(part)))
        if self.emails:
            found |= self._rows(texts, pc.match_substring(texts, "@"), self._names_email)
        if self.phones:
            flagged = pc.match_substring_regex(texts, DIGIT_RUN)
            found |= self._rows(texts, flagged, self._names_phone)
        return batch.column("post_id").filter(pa.array(found))

    def _name_rows(self, texts: pa.Array) -> np.ndarray:
        words = fold_words(texts)
        flat = pc.list_flatten(words)
        self._learn(pc.unique(flat))
        named_set, named_ids = self._named_index
        rows = np.zeros(len(texts), bool)
        if not len(named_set):
            return rows
        # only the words of a registered name matter: their places in `flat`, in order
        at = pc.index_in(flat, value_set=named_set)
        pos = np.flatnonzero(pc.is_valid(at).to_numpy(zero_copy_only=False))
        if not len(pos):
            return rows
        ids = named_ids[pc.take(at, pa.array(pos)).to_numpy()].astype(np.uint64)
        offsets = words.offsets.to_numpy()
        offsets = offsets - offsets[0]  # as `flat` counts
        parents = np.searchsorted(offsets, pos, side="right") - 1
        n = len(pos)
        for k, prefixes in self._prefixes.items():
            if n < k:
                continue
            # a run of k named words: k places in a row, in one text
            m = n - k + 1
            code = ids[:m].copy()
            run = np.ones(m, bool)
            for j in range(1, k):
                code |= ids[j : m + j] << np.uint64(_BITS * j)
                run &= (pos[j : m + j] == pos[:m] + j) & (parents[j : m + j] == parents[:m])
            place = np.minimum(np.searchsorted(prefixes, code), len(prefixes) - 1)
            rows[parents[:m][run & (prefixes[place] == code)]] = True
        for i in np.flatnonzero(rows):
            rows[i] = self._whole_name(words[int(i)].as_py())
        return rows

    def _learn(self, vocabulary: pa.Array) -> None:
        """Hash the words no batch held before; remember those of a registered name."""
        new = set(vocabulary.to_pylist()).difference(self._seen)
        new.discard(None)
        if len(self._seen) > SEEN_MAX:
            self._seen = set(self._named)
        grew = False
        for w in new:
            digest = self.hasher.word(w)
            if digest in self._word_id:
                self._named[w] = digest
                grew = True
        self._seen.update(new)
        if grew:
            named = sorted(self._named)
            ids = np.array([self._word_id[self._named[w]] for w in named], np.int64)
            self._named_index = (pa.array(named, pa.string()), ids)

    def _whole_name(self, words: list[str]) -> bool:
        hashes = [self._named.get(w) for w in words]
        return any(
            tuple(hashes[i : i + k]) in names
            for i, h in enumerate(hashes)
            if h is not None
            for k, names in self.names_of.items()
        )

    @staticmethod
    def _rows(texts: pa.Array, flagged: pa.Array, names: Callable[[str], bool]) -> np.ndarray:
        rows = np.zeros(len(texts), bool)
        for i in np.flatnonzero(pc.fill_null(flagged, False).to_numpy(zero_copy_only=False)):
            rows[i] = names(texts[int(i)].as_py())
        return rows

    def _names_email(self, text: str) -> bool:
        return any(self._registered(text[a:b], self._email_hit) for a, b, _ in _EMAIL.find(text))

    def _names_phone(self, text: str) -> bool:
        return any(self._registered(text[a:b], self._phone_hit) for a, b, _ in _PHONE.find(text))

    def _registered(self, written: str, hit: Callable[[str], bool]) -> bool:
        """Whether an address or number as written is registered, remembered per
        written form: the same ones recur across posts, and each costs a normalisation
        and a keyed hash (the memory is emptied past `SEEN_MAX` forms)."""
        known = self._written.get(written)
        if known is None:
            if len(self._written) > SEEN_MAX:
                self._written.clear()
            known = self._written[written] = hit(written)
        return known

    def _email_hit(self, written: str) -> bool:
        normal = normal_email(written)
        return normal is not None and self.hasher.email(normal) in self.emails

    def _phone_hit(self, written: str) -> bool:
        return any(self.hasher.phone(f) in self.phones for f in phone_forms(written))


def _pack(ids: list[int]) -> int:
    """Up to three word ids in one integer, the first in the lowest bits."""
    return sum(i << (_BITS * j) for j, i in enumerate(ids))
