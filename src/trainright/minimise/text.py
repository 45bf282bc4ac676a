"""SPEC §6 text: replace third-party personal data in post text with placeholders.

Speed comes from scanning in C over a whole batch: two RE2 passes (Arrow's
`replace_substring_regex`) mark every candidate region of every post, one for values with
digits (phone, ids, IBAN, card, IP, GPS, email) and one for runs of capitalised words, and
an Aho-Corasick pass finds lone first names. Python then looks only at the marked regions,
where the precise patterns and check digits decide; decisions are memoised, since the same
region text (with its context) always gets the same answer. Posts with nothing marked are
never touched.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from typing import Any

import re

import pyarrow as pa
import pyarrow.compute as pc

from trainright.errors import PolicyError
from trainright.minimise.detect import (
    CATEGORIES,
    PATTERN_DETECTORS,
    PERSON_NAME,
    PERSON_PLACEHOLDER,
)
from trainright.minimise.detect.base import DIGIT_RUN
from trainright.minimise.detect.names import NameFinder

_OPEN, _CLOSE = "\x01", "\x02"  # mark candidates in the RE2 output
_SEPARATOR = "\x00"  # joins a batch for the automaton; no pattern matches across it
_MARGIN = 8  # searched around a located value (hemisphere letters, closing quotes)
_CONTEXT = 32  # text before a window that the patterns look at ("order no. ...")
_CACHE_LIMIT = 200_000
_KEEP = ""  # category of a value kept as written (an IBAN with wrong check digits)

Found = tuple[int, int, str]  # start, end, category


class Redactor:
    """Replaces personal data in post text with placeholders such as `[EMAIL]`.

    Picklable and cheap to send to worker processes: it carries the display-name set and
    rebuilds its small automaton on first use.
    """

    def __init__(self, categories: Sequence[str], account_names: Iterable[str | None] = ()) -> None:
        unknown = [c for c in categories if c not in CATEGORIES]
        if unknown:
            raise PolicyError(
                f"unknown redact category {unknown[0]!r}",
                field="redact",
                value=unknown[0],
                hint=f"use some of: {', '.join(CATEGORIES)}",
            )
        self.categories = tuple(dict.fromkeys(categories))
        self._names = NameFinder.build(account_names) if PERSON_NAME in self.categories else None
        self._setup()

    def _setup(self) -> None:
        self._detectors = [d for c, d in PATTERN_DETECTORS.items() if c in self.categories]
        self._placeholders = {d.category: d.placeholder for d in self._detectors}
        self._placeholders[PERSON_NAME] = PERSON_PLACEHOLDER
        self._rank = {c: i for i, c in enumerate(CATEGORIES)}
        self._rank[_KEEP] = -1
        # The shared digit-run fragment goes last: the first alternative that matches at a
        # position wins, and the specific shapes (DMS coordinates, IBANs) must win over it.
        fragments = dict.fromkeys(f for d in self._detectors for f in d.locator)
        ordered = sorted(fragments, key=lambda f: f == DIGIT_RUN)
        self._locator = "|".join(f"(?:{f})" for f in ordered)
        # All precise patterns as one alternation: one search per window finds the next value.
        self._by_group = {f"_{i}": d for i, d in enumerate(self._detectors)}
        self._combined = re.compile(
            "|".join(f"(?P<{g}>{d.pattern.pattern})" for g, d in self._by_group.items())
        )
        self._windows: dict[tuple[int, str], tuple[Found, ...]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"categories": self.categories, "names": self._names}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.categories = state["categories"]
        self._names = state["names"]
        self._setup()

    def redact(self, texts: Sequence[str | None]) -> tuple[list[str | None], Counter[str]]:
        """Redact a batch; returns the texts and the count of replacements per category.

        Pass large batches (thousands of posts): the fixed cost per call is a few
        milliseconds, the cost per post is microseconds.
        """
        out = list(texts)
        counts: Counter[str] = Counter()
        if not any(out) or not (self._detectors or self._names):
            return out, counts
        array = pa.array(out, pa.string())
        if pc.any(pc.match_substring_regex(array, "[\x01\x02]")).as_py():
            array = pc.replace_substring_regex(array, "[\x01\x02]", " ")  # same length
        windows = self._locate(array, self._locator) if self._detectors else {}
        runs = self._locate(array, self._names.locator) if self._names else {}
        hits = self._name_hits(out)
        for row in windows.keys() | runs.keys() | hits.keys():
            text = out[row]
            assert text is not None
            found = self._find(text, windows.get(row, ()), runs.get(row, ()), hits.get(row, ()))
            if found:
                out[row] = self._replace(text, found, counts)
        return out, counts

    @staticmethod
    def _locate(array: pa.Array, locator: str) -> dict[int, list[tuple[int, int]]]:
        """Per post, the (start, end) of each region the RE2 scan marked."""
        marked = pc.replace_substring_regex(array, locator, f"{_OPEN}\\0{_CLOSE}")
        grew = pc.not_equal(pc.binary_length(marked), pc.binary_length(array))
        rows = pc.indices_nonzero(pc.fill_null(grew, False))
        located: dict[int, list[tuple[int, int]]] = {}
        for row, text in zip(rows.to_pylist(), marked.take(rows).to_pylist(), strict=True):
            pieces = text.split(_OPEN)
            pos = len(pieces[0])
            regions = []
            for piece in pieces[1:]:
                cut = piece.index(_CLOSE)
                regions.append((pos, pos + cut))
                pos += len(piece) - 1
            located[row] = regions
        return located

    def _name_hits(self, texts: list[str | None]) -> dict[int, list[tuple[int, int]]]:
        """Per post, the raw automaton hits (start, end) in post coordinates."""
        hits: dict[int, list[tuple[int, int]]] = defaultdict(list)
        if self._names is None:
            return hits
        parts = [t or "" for t in texts]
        starts = [0, *accumulate(len(t) + 1 for t in parts)]
        for start, end in self._names.hits(_SEPARATOR.join(parts)):
            row = bisect_right(starts, start) - 1
            hits[row].append((start - starts[row], end - starts[row]))
        return hits

    def _find(
        self,
        text: str,
        regions: Iterable[tuple[int, int]],
        runs: Iterable[tuple[int, int]],
        hits: Iterable[tuple[int, int]],
    ) -> list[Found]:
        """Every validated value in one post, overlaps resolved (longest, then category)."""
        found: list[Found] = []
        lo, hi = -1, -1
        for start, end in regions:  # merge nearby regions into windows
            if lo >= 0 and start - _MARGIN <= hi:
                hi = min(len(text), end + _MARGIN)
                continue
            if lo >= 0:
                found += self._window(text, lo, hi)
            lo, hi = max(0, start - _MARGIN), min(len(text), end + _MARGIN)
        if lo >= 0:
            found += self._window(text, lo, hi)
        if self._names is not None:
            in_run = self._names.in_run
            for start, end in runs:
                for s, e in in_run(text[start:end]):
                    found.append((start + s, start + e, PERSON_NAME))
            for start, end in hits:
                span = self._names.at_hit(text, start, end)
                if span is not None:
                    found.append((*span, PERSON_NAME))
        if not found:
            return found
        return self._resolve(found)

    def _window(self, text: str, lo: int, hi: int) -> list[Found]:
        """The pattern detectors' findings in text[lo:hi] (memoised with their context)."""
        base = max(0, lo - _CONTEXT)
        key = (lo - base, text[base:hi])
        found = self._windows.get(key)
        if found is None:
            if len(self._windows) >= _CACHE_LIMIT:
                self._windows.clear()
            found = self._windows[key] = tuple(self._scan(key[1], key[0]))
        return [(s + base, e + base, c) for s, e, c in found]

    def _scan(self, snippet: str, pos: int) -> Iterator[Found]:
        """Search the combined pattern; when the first alternative that matched fails its
        check, the other detectors get their turn at the same position."""
        match = self._combined.search(snippet, pos)
        while match is not None:
            start = match.start()
            detector = self._by_group[match.lastgroup or ""]
            hit = detector.valid(match)
            if hit is None:
                for other in self._detectors:
                    again = other.pattern.match(snippet, start) if other is not detector else None
                    hit = other.valid(again) if again is not None else None
                    if hit is not None:
                        detector = other
                        break
            if hit is None:
                match = self._combined.search(snippet, start + 1)
                continue
            yield hit[0], hit[1], detector.category if hit[2] else _KEEP
            match = self._combined.search(snippet, max(hit[1], start + 1))

    def _resolve(self, found: list[Found]) -> list[Found]:
        if len(found) == 1:
            return found if found[0][2] != _KEEP else []
        kept: list[Found] = []
        for item in sorted(found, key=lambda f: (f[0], f[0] - f[1], self._rank[f[2]])):
            if not kept or item[0] >= kept[-1][1]:
                kept.append(item)
        return [k for k in kept if k[2] != _KEEP]

    def _replace(self, text: str, found: list[Found], counts: Counter[str]) -> str:
        pieces, pos = [], 0
        for start, end, category in found:
            pieces += (text[pos:start], self._placeholders[category])
            counts[category] += 1
            pos = end
        pieces.append(text[pos:])
        return "".join(pieces)
