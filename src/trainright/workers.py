"""Work across processes: text redaction, image scrubbing and the non-user search on
every core.

The rules engine streams batches; workers redact them and results come back in
order, with a bounded number in flight so memory stays flat however large the
platform. Each worker builds its `Redactor` once (the account names are sent to
it once, at start).
"""

from __future__ import annotations

import multiprocessing
import signal
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa

from trainright.minimise import Redactor, ScrubResult, scrub_image
from trainright.nonusers.match import Matcher
from trainright.nonusers.photos import PhotoIndex

T = TypeVar("T")
R = TypeVar("R")

_NAMES: tuple[str, ...] = ()
_REDACTORS: dict[tuple[str, ...], Redactor] = {}
_MATCHERS: dict[str, Matcher] = {}


def _init(names: tuple[str, ...]) -> None:
    global _NAMES
    _NAMES = names
    _REDACTORS.clear()


def _init_worker(names: tuple[str, ...]) -> None:
    """A pool worker leaves Ctrl-C to the build: the build stops the pool, cleans up its
    output and says so once, instead of every worker printing a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _init(names)


def redact(categories: tuple[str, ...], texts: pa.Array) -> tuple[pa.Array, Counter[str]]:
    """Redact one batch of texts with the redactor for these categories (built once per
    process); Arrow both ways, so the texts cross between processes as buffers."""
    redactor = _REDACTORS.get(categories)
    if redactor is None:
        redactor = _REDACTORS[categories] = Redactor(categories, _NAMES)
    return redactor.redact_array(texts)


def name_search(key: str, matcher: Matcher, batch: pa.RecordBatch) -> pa.Array:
    """The `post_id`s of a batch (`post_id`, `text`) naming a registered person, by the
    first copy of the matcher (`key`) this process received: it knows the vocabulary of
    every batch the process searched before, which a fresh copy would hash again."""
    kept = _MATCHERS.get(key)
    if kept is None:
        _MATCHERS.clear()
        kept = _MATCHERS[key] = matcher
    return kept.post_ids(batch)


def scrub(
    jobs: list[tuple[Path, Path, bool]], photos: PhotoIndex | None = None
) -> list[ScrubResult]:
    """Scrub a chunk of images: (source, destination stem, check reservations) triples;
    those matching a registered photo of a person without an account are not written."""
    return [scrub_image(src, dst, check, photos) for src, dst, check in jobs]


class WorkerPool:
    """A process pool (or this process, for one worker) with ordered, bounded maps."""

    def __init__(self, names: tuple[str, ...], workers: int) -> None:
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1:
            # forkserver, not fork: the parent runs DuckDB's threads, which a fork would copy mid-flight.
            ctx = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(
                workers, mp_context=ctx, initializer=_init_worker, initargs=(names,)
            )
        else:
            _init(names)
        self._in_flight = max(2, workers * 2)

    def imap(
        self, fn: Callable[..., R], jobs: Iterable[tuple[T, tuple[Any, ...]]]
    ) -> Iterator[tuple[T, R]]:
        """Apply `fn(*args)` to each `(tag, args)`; yield `(tag, result)` in order."""
        if self._pool is None:
            for tag, args in jobs:
                yield tag, fn(*args)
            return
        pending: deque[tuple[T, Future[R]]] = deque()
        for tag, args in jobs:
            pending.append((tag, self._pool.submit(fn, *args)))
            if len(pending) >= self._in_flight:
                done, fut = pending.popleft()
                yield done, fut.result()
        while pending:
            done, fut = pending.popleft()
            yield done, fut.result()

    def search(self, matcher: Matcher, batches: Iterable[pa.RecordBatch]) -> pa.Array:
        """`matcher.post_ids` of every batch, in the pool's processes when it has them."""
        if self._pool is None:
            return matcher.search(batches)
        key = uuid.uuid4().hex  # this search's: a worker never uses another's copy
        jobs = ((None, (key, matcher, b)) for b in batches)
        found = [ids for _, ids in self.imap(name_search, jobs)]
        return pa.concat_arrays(found) if found else pa.array([], pa.int64())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
