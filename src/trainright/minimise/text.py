"""SPEC §6 text: replace third-party personal data in post text with placeholders.

The work is vectorised over a whole batch, so that Python touches each distinct candidate
once rather than each post:
1. when the platform has many display names that are not plain words ("Smith & Sons"), an
   Aho-Corasick automaton finds them first;
2. an RE2 pass (Arrow's `replace_substring_regex`) marks every region that may hold a value
   with digits (phone, national id, IBAN, card, IP, GPS) or an email, with a word or two of
   context, and the few such display names; the distinct regions are decided by the precise
   patterns and check digits, and Arrow splices the decisions back into the posts;
3. a second RE2 pass does the same for runs of capitalised words and first names.
Each pass marks only the rows a plain RE2 match (a DFA run, several times cheaper than
marking) says can hold something: most posts have no digit, "@" or ":" and so no value.
A region's text (with its context) always gets the same decision, so decisions are memoised
across batches. Posts with nothing marked are never converted to Python strings.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import accumulate
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainright.errors import PolicyError
from trainright.minimise.detect import (
    CATEGORIES,
    PATTERN_DETECTORS,
    PERSON_NAME,
    PERSON_PLACEHOLDER,
    Detector,
)
from trainright.minimise.detect.base import DIGIT_RUN, TRIGGER, Hit
from trainright.minimise.detect.names import NameFinder

_OPEN, _CLOSE = "\x01", "\x02"  # mark candidates in the RE2 output
# A post's own marker characters stand in as Unicode noncharacters during the scan.
_ESCAPES = {_OPEN: "\U0010fffe", _CLOSE: "\U0010ffff"}
_SEPARATOR = "\x00"  # joins a batch for the automaton; no name spans it
# Up to two words before a value: "order no. 12345678", "version 1.2.3.4", "tlf 91234567".
_CONTEXT = r"(?:[A-Za-z#]+[^A-Za-z0-9\n\x01\x02]{1,3}){0,2}"
# The rest of a token around a value: everything but whitespace and the markers.
_GLUE = r"[^\s\x01\x02]*"
_CACHE_LIMIT = 200_000
# Posts per call that callers should gather. Each call builds its RE2 automata anew, and
# their states are made lazily as the scan meets them: about 0.1 s per call with the
# name lists. On 1M synthetic posts (one process, warm, median of 5) calls of 25,000 posts
# ran at 22 MB/s, of 100,000 at 32 MB/s, of 200,000 at 40 MB/s, of 400,000 at 36 MB/s.
BATCH_ROWS = 200_000
MAX_BATCH_CHARS = 400_000_000  # UTF-8 bytes; a larger batch is redacted in halves
_KEEP = ""  # category of a value kept as written (an IBAN with wrong check digits)

Found = tuple[int, int, str]  # start, end, category
Decision = tuple[str, tuple[tuple[str, int], ...]]  # new text, replacements per category
Scan = tuple[str, np.ndarray[Any, Any]]  # a locator and the rows it marks
Marked = tuple[np.ndarray[Any, Any], pa.Array]  # rows with marked regions, their texts
Pass = tuple[Callable[[pa.Array], list[Scan]], Callable[[str], Decision]]  # scans, decider
# Precise patterns as one alternation, its detectors by group name, and in order.
Alternation = tuple[re.Pattern[str], dict[str, Detector], list[Detector]]
_Rows = TypeVar("_Rows", pa.Table, pa.RecordBatch)


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
        # Emails and IBANs decide on their own; digit runs and coordinates take a few words
        # of context. Fewer context prefixes keep the RE2 automaton small and fast.
        bare = {
            f
            for c in ("email", "iban")
            if c in PATTERN_DETECTORS
            for f in PATTERN_DETECTORS[c].locator
        }
        # A region runs from the start of the token a value begins in to the end of the
        # token it ends in (`_GLUE`): decided as a whole, a value is never cut at a region's
        # edge ("2001:" outside, "db8::1" inside), and the precise patterns' lookarounds see
        # the characters that are really there.
        alternatives = "|".join(
            f"{_GLUE}(?:{f})" if f in bare else f"{_CONTEXT}{_GLUE}(?:{f})" for f in ordered
        )
        self._locator = f"(?:{alternatives}){_GLUE}"
        self._alternations: dict[tuple[int, ...], Alternation] = {}
        self._values: dict[str, Decision] = {}
        self._runs: dict[str, Decision] = {}
        self._located: dict[str, Decision] = {}  # name regions as the scan took them
        self._checked: dict[tuple[str, str], bool | None] = {}  # `_valid` by matched text

    def __getstate__(self) -> dict[str, Any]:
        return {"categories": self.categories, "names": self._names}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.categories = state["categories"]
        self._names = state["names"]
        self._setup()

    def redact(self, texts: Sequence[str | None]) -> tuple[list[str | None], Counter[str]]:
        """Redact a batch; returns the texts and the count of replacements per category.

        Pass large batches (`BATCH_ROWS` posts): every call builds its RE2 automata anew,
        which costs about a tenth of a second; a post costs microseconds.
        """
        out = list(texts)
        counts: Counter[str] = Counter()
        if not any(out) or not (self._detectors or self._names):
            return out, counts
        array = pa.array(out, pa.string())
        data = array.buffers()[2] if isinstance(array, pa.StringArray) else None
        if len(out) > 1 and (data is None or data.size > MAX_BATCH_CHARS):
            half = len(out) // 2  # an Arrow string array holds at most 2 GiB
            first, second = self.redact(out[:half]), self.redact(out[half:])
            return first[0] + second[0], first[1] + second[1]
        changed = self._literal_names(out, counts)
        if changed:
            array = pa.array(out, pa.string())
        array, found = self._passes(array, counts)
        rows = sorted(changed.union(found))
        if rows:  # only the posts that changed become Python strings again
            redacted = array.take(pa.array(rows, pa.int64())).to_pylist()
            for row, text in zip(rows, redacted, strict=True):
                out[row] = text
        return out, counts

    def redact_array(self, texts: pa.Array) -> tuple[pa.Array, Counter[str]]:
        """Redact a column of post texts: Arrow in, Arrow out, as both engines stream them.

        The same result as `redact`, without turning every post into a Python string and
        back (a quarter of `redact`'s time on short posts).
        """
        array = texts.cast(pa.string())
        counts: Counter[str] = Counter()
        if array.null_count == len(array) or not (self._detectors or self._names):
            return array, counts
        data = array.buffers()[2]
        automaton = self._names is not None and self._names.literal_by_automaton
        if automaton or (len(array) > 1 and data is not None and data.size > MAX_BATCH_CHARS):
            out, counts = self.redact(array.to_pylist())  # the automaton matches Python strings
            return pa.array(out, pa.string()), counts
        return self._passes(array, counts)[0], counts

    def _passes(self, array: pa.Array, counts: Counter[str]) -> tuple[pa.Array, set[int]]:
        """The RE2 passes over a batch; returns the redacted batch and the rows changed."""
        original = array
        escaped = _markers_in(array)
        for marker in escaped:
            array = pc.replace_substring(array, marker, _ESCAPES[marker])
        changed: set[int] = set()
        for plan, decide in self._plans():
            marked = [_mark(array, locator, rows) for locator, rows in plan(array)]
            found, new = _apply(marked, decide, counts)
            if len(found):  # each pass scans the texts the one before it left
                array = pc.replace_with_mask(array, _mask(len(array), found), new)
                changed.update(found.tolist())
        if escaped:  # changed posts get their markers back; the others are as they came
            for marker in escaped:
                array = pc.replace_substring(array, _ESCAPES[marker], marker)
            keep = _mask(len(array), np.fromiter(changed, dtype=np.int64, count=len(changed)))
            array = pc.if_else(keep, array, original)
        return array, changed

    def _plans(self) -> list[Pass]:
        """Each pass: which rows to mark with which locator, and how to decide a region.

        Marking (RE2 with the match copied out) costs several times a plain yes/no match
        on large patterns, so each pass first matches cheaply and marks only the rows that
        can hold something."""
        plans: list[Pass] = []
        literal = self._names.literal_locator if self._names is not None else None
        if self._detectors or literal:
            plans.append((self._value_scans, self._decide_values))
        if self._names is not None:
            plans.append((self._name_scans, self._decide_names))
        return plans

    def _value_scans(self, array: pa.Array) -> list[Scan]:
        """A value needs a digit, "@" or ":" (`TRIGGER`); literal display names join the
        values' pass (one RE2 scan fewer), and only their few rows pay for that locator."""
        literal = self._names.literal_locator if self._names is not None else None
        if not self._detectors:
            assert literal is not None
            return [(literal, _matching(array, literal))]
        rows = _matching(array, "|".join([TRIGGER, *([literal] if literal else [])]))
        if not literal or not len(rows):
            return [(self._locator, rows)]
        named = _matching(array.take(rows), literal)
        plain = np.ones(len(rows), dtype=bool)
        plain[named] = False
        return [(f"{literal}|{self._locator}", rows[named]), (self._locator, rows[plain])]

    def _name_scans(self, array: pa.Array) -> list[Scan]:
        assert self._names is not None
        runs = self._names.locator
        return [(runs, _matching(array, runs))]

    def _literal_names(self, out: list[str | None], counts: Counter[str]) -> set[int]:
        """Replace display names that are not plain words, found by the automaton."""
        if self._names is None or not self._names.literal_by_automaton:
            return set()
        parts = [t or "" for t in out]
        starts = [0, *accumulate(len(t) + 1 for t in parts)]
        found: dict[int, list[Found]] = {}
        for start, end in self._names.hits(_SEPARATOR.join(parts)):
            row = bisect_right(starts, start) - 1
            span = self._names.at_hit(parts[row], start - starts[row], end - starts[row])
            if span is not None:
                found.setdefault(row, []).append((*span, PERSON_NAME))
        for row, items in found.items():
            out[row] = self._replace(parts[row], self._resolve(items), counts)
        return set(found)

    # --- decisions on one candidate region, memoised ------------------------------------

    def _decide_values(self, region: str) -> Decision:
        decided = self._values.get(region)
        if decided is None:
            if len(self._values) >= _CACHE_LIMIT:
                self._values.clear()
            literal = self._names.literal_span(region) if self._names is not None else None
            found = [(*literal, PERSON_NAME)] if literal else list(self._scan(region))
            decided = self._values[region] = self._decision(region, found)
        return decided

    def _decide_names(self, region: str) -> Decision:
        """Decide a located run without the boundary characters the scan took with it
        ("Kari Nordmann!", " Kari Nordmann,"), so that all its occurrences share one
        decision; a trailing "." may end an initial ("N.") and stays.

        The region as located is memoised too, across calls: of the 61,000 regions the
        five calls of a million synthetic posts decide, 34,000 are distinct."""
        decided = self._located.get(region)
        if decided is not None:
            return decided
        if len(self._located) >= _CACHE_LIMIT:
            self._located.clear()
        head = 0 if region[:1].isalpha() else 1
        last = region[-1:]
        tail = len(region) - (not last.isalpha() and last != "." and region[-2:-1].isalpha())
        if head == 0 and tail == len(region):
            decided = self._decide_run(region)
        else:
            text, found = self._decide_run(region[head:tail])
            decided = region[:head] + text + region[tail:], found
        self._located[region] = decided
        return decided

    def _decide_run(self, run: str) -> Decision:
        decided = self._runs.get(run)
        if decided is None:
            if len(self._runs) >= _CACHE_LIMIT:
                self._runs.clear()
            assert self._names is not None
            cut = self._names.lead(run)
            if cut:  # "Thanks Kari Nordmann": decided as "Kari Nordmann"
                text, found_counts = self._decide_run(run[cut:])
                decided = self._runs[run] = run[:cut] + text, found_counts
            else:
                found = [(s, e, PERSON_NAME) for s, e in self._names.in_run(run)]
                decided = self._runs[run] = self._decision(run, found)
        return decided

    def _decision(self, region: str, found: list[Found]) -> Decision:
        if len(found) > 1:
            found = self._resolve(found)
        elif found and found[0][2] == _KEEP:
            found = []
        if not found:
            return region, ()
        pieces: list[str] = []
        counts: dict[str, int] = {}
        pos = 0
        for start, end, category in found:
            pieces += (region[pos:start], self._placeholders[category])
            counts[category] = counts.get(category, 0) + 1
            pos = end
        pieces.append(region[pos:])
        return "".join(pieces), tuple(counts.items())

    def _alternation(self, region: str) -> Alternation:
        """The precise patterns as one alternation, so that one search finds the next
        value, without those whose `Detector.needs` the region lacks: a pattern that
        cannot match is still tried at every position (an e-mail address at every word,
        a coordinate at every digit), and most regions hold no "@", ":" or hemisphere."""
        present = tuple(
            i for i, d in enumerate(self._detectors) if d.needs is None or d.needs.search(region)
        )
        alternation = self._alternations.get(present)
        if alternation is None:
            detectors = [self._detectors[i] for i in present]
            by_group = {f"_{i}": d for i, d in enumerate(detectors)}
            pattern = re.compile(
                "|".join(f"(?P<{g}>{d.pattern.pattern})" for g, d in by_group.items())
            )
            alternation = self._alternations[present] = pattern, by_group, detectors
        return alternation

    def _scan(self, region: str) -> Iterator[Found]:
        """Search the alternation; when the first alternative that matched fails its
        check, the other detectors get their turn at the same position."""
        combined, by_group, detectors = self._alternation(region)
        match = combined.search(region)
        while match is not None:
            start = match.start()
            detector = by_group[match.lastgroup or ""]
            hit = self._valid(detector, match)
            if hit is None:
                for other in detectors:
                    again = other.pattern.match(region, start) if other is not detector else None
                    hit = self._valid(other, again) if again is not None else None
                    if hit is not None:
                        detector = other
                        break
            if hit is None:
                match = combined.search(region, start + 1)
                continue
            span = detector.whole_token(region, hit[0], hit[1])
            if span is None:  # a piece of a longer number: neither redacted nor claimed
                match = combined.search(region, hit[1])
                continue
            yield span[0], span[1], detector.category if hit[2] else _KEEP
            match = combined.search(region, max(span[1], start + 1))

    def _valid(self, detector: Detector, match: re.Match[str]) -> Hit | None:
        """`detector.valid`, memoised by the matched text where that alone decides
        (`Detector.by_text`): per million synthetic posts, the 5,200 national-id
        matches hold 1,700 distinct numbers, the 2,700 card matches 1,000."""
        if not detector.by_text:
            return detector.valid(match)
        key = (detector.category, match.group())
        if key in self._checked:
            redact = self._checked[key]
        else:
            if len(self._checked) >= _CACHE_LIMIT:
                self._checked.clear()
            hit = detector.valid(match)
            redact = self._checked[key] = None if hit is None else hit[2]
        return None if redact is None else (match.start(), match.end(), redact)

    def _resolve(self, found: list[Found]) -> list[Found]:
        """Non-overlapping values: the earliest, then the longest, then by category order."""
        kept: list[Found] = []
        for item in sorted(found, key=lambda f: (f[0], f[0] - f[1], self._rank[f[2]])):
            if not kept or item[0] >= kept[-1][1]:
                kept.append(item)
        return [k for k in kept if k[2] != _KEEP]

    def _replace(self, text: str, found: list[Found], counts: Counter[str]) -> str:
        pieces: list[str] = []
        pos = 0
        for start, end, category in found:
            pieces += (text[pos:start], self._placeholders[category])
            counts[category] += 1
            pos = end
        pieces.append(text[pos:])
        return "".join(pieces)


def _mask(length: int, rows: np.ndarray[Any, Any]) -> pa.Array:
    mask = np.zeros(length, dtype=bool)
    mask[rows] = True
    return pa.array(mask)


def _markers_in(array: pa.Array) -> list[str]:
    """The scan's marker characters that occur in the batch (one byte search each)."""
    data = array.buffers()[2]
    if data is None or not len(array):
        return []
    offsets = np.frombuffer(array.buffers()[1], np.int32, len(array) + 1, array.offset * 4)
    text = data.slice(int(offsets[0]), int(offsets[-1] - offsets[0])).to_pybytes()
    return [m for m in _ESCAPES if m.encode() in text]


def _matching(array: pa.Array, pattern: str) -> np.ndarray[Any, Any]:
    """Rows where the pattern matches somewhere: RE2's DFA alone, no match copied out."""
    found = pc.match_substring_regex(array, pattern)
    rows: np.ndarray[Any, Any] = pc.indices_nonzero(pc.fill_null(found, False)).to_numpy()
    return rows.astype(np.int64)


def _mark(array: pa.Array, locator: str, rows: np.ndarray[Any, Any]) -> Marked:
    """Wrap every located region of the given rows in markers; returns the rows that
    have one and their marked texts."""
    subset = array.take(pa.array(rows))
    marked = pc.replace_substring_regex(subset, locator, f"{_OPEN}\\0{_CLOSE}")
    grew = pc.not_equal(pc.binary_length(marked), pc.binary_length(subset))
    hit = pc.indices_nonzero(pc.fill_null(grew, False))
    return rows[hit.to_numpy()], marked.take(hit)


def _apply(
    marked: list[Marked], decide: Callable[[str], Decision], counts: Counter[str]
) -> tuple[np.ndarray[Any, Any], pa.Array]:
    """Decide each distinct marked region once and splice the decisions back.

    Returns the rows that changed and their new texts."""
    rows = np.concatenate([r for r, _ in marked]) if marked else np.empty(0, np.int64)
    if len(rows) == 0:
        return np.empty(0, dtype=np.int64), pa.array([], pa.string())
    texts = pa.concat_arrays([m for _, m in marked])
    if len(marked) > 1:  # callers splice by row order
        order = np.argsort(rows)
        rows, texts = rows[order], texts.take(pa.array(order))
    # Split at both markers: a post's pieces alternate text, region, text, ... region, text.
    pieces = pc.split_pattern(pc.replace_substring(texts, _CLOSE, _OPEN), _OPEN)
    flat = pc.list_flatten(pieces)
    offsets = pieces.offsets.to_numpy() - pieces.offsets[0].as_py()
    index = np.arange(len(flat)) - np.repeat(offsets[:-1], np.diff(offsets))
    is_region = pa.array(index % 2 == 1)
    encoded = pc.dictionary_encode(flat.filter(is_region))  # the distinct regions, and which
    decisions = [decide(region) for region in encoded.dictionary.to_pylist()]
    which = encoded.indices
    seen = np.bincount(which.to_numpy(), minlength=len(decisions))
    for (_, found), times in zip(decisions, seen, strict=True):
        for category, n in found:
            counts[category] += n * int(times)
    replaced = pa.array([text for text, _ in decisions], pa.string()).take(which)
    spliced = pc.replace_with_mask(flat, is_region, replaced)
    texts = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), spliced), "")
    return rows, texts


def gathered(parts: Iterable[_Rows], rows: int) -> Iterator[list[_Rows]]:
    """Consecutive Arrow tables or batches in groups of at least `rows` rows (the last
    may be smaller; empty ones are dropped), so that redaction calls are large."""
    waiting: list[_Rows] = []
    size = 0
    for part in parts:
        if part.num_rows:
            waiting.append(part)
            size += part.num_rows
        if size >= rows:
            yield waiting
            waiting, size = [], 0
    if waiting:
        yield waiting


def by_categories(
    countries: Iterable[str], categories_of: Mapping[str, tuple[str, ...]]
) -> dict[tuple[str, ...], list[int]]:
    """Row numbers per set of redact categories: a batch mixes countries, and each
    country's rules name their own categories."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, country in enumerate(countries):
        groups.setdefault(categories_of[country], []).append(i)
    return groups
