"""Minimisation benchmark (SPEC §6): trainright's text redaction against Microsoft Presidio.

Side by side, in one run:

- the labelled corpus (`tests/minimise/corpus.py`): precision and recall per category,
  for trainright and for Presidio on the categories both cover;
- synthetic posts (`trainright.synth`, default 1 million posts, 100,000 accounts): trainright
  in one process and in two (the build's pool), in calls of `BATCH_ROWS` posts as the build
  makes them, recall of the planted personal data and survival of the planted look-alikes;
- Presidio's analyzer + anonymizer, offline (no NLP model: a no-op NLP engine and an
  explicit pattern-recognizer list: email, phone for NO/NL/GB/US/DE, IBAN, credit card,
  IP; it has no Norwegian or Dutch national-id recognizer), on a sample of the same posts,
  since it is slow; trainright is timed on the same sample too.

Every timing is the median of three runs, each with a fresh Redactor (nothing memoised),
after one untimed run that warms the process. Prints a table with the ratios and writes
`bench/out/minimise.json`.
Run: `python -m bench.minimise [--posts N --accounts N --presidio-mb MB]`.

`--baseline REV [--rounds N]` runs the benchmark for the code at REV (a temporary git
worktree, removed afterwards) and for this checkout, alternating, N times each on the same
snapshot, and prints both side by side (`bench/out/minimise-baseline.json`): on a shared
machine only figures measured in one sitting compare.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from trainright.minimise import Redactor
from trainright.minimise.detect import CATEGORIES, PATTERN_DETECTORS, PERSON_PLACEHOLDER
from trainright.minimise.text import BATCH_ROWS

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "minimise"))
from corpus import ACCOUNTS, CASES, precision_recall, score

from bench.common import OUT

REPEAT = 3  # timed runs per measurement (a fresh Redactor each); the median is reported
# Presidio entity -> (trainright category, placeholder)
SHARED = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "IBAN_CODE": "iban",
    "CREDIT_CARD": "payment_card",
    "IP_ADDRESS": "ip",
}
PLACEHOLDER = {c: d.placeholder for c, d in PATTERN_DETECTORS.items()} | {
    "person_name": PERSON_PLACEHOLDER
}


def presidio() -> Callable[[str], str]:
    """Presidio's analyzer + anonymizer for the shared categories, fully offline."""
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        PhoneRecognizer,
    )
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig

    # The email recognizer asks tldextract, which would download the public-suffix list;
    # use the snapshot bundled with tldextract instead (no network).
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())

    class NoOpNlpEngine(NlpEngine):  # type: ignore[misc]
        """No tokens, no entities: only the pattern recognizers run."""

        def load(self) -> None:
            return None

        def is_loaded(self) -> bool:
            return True

        def process_text(self, text: str, language: str) -> Any:
            return NlpArtifacts([], [], [], [], self, language)

        def process_batch(self, texts: Any, language: str, **_: Any) -> Any:
            return ((text, self.process_text(text, language)) for text in texts)

        def is_stopword(self, word: str, language: str) -> bool:
            return False

        def is_punct(self, word: str, language: str) -> bool:
            return False

        def get_supported_entities(self) -> list[str]:
            return []

        def get_supported_languages(self) -> list[str]:
            return ["en"]

    recognizers = [
        EmailRecognizer(),
        PhoneRecognizer(supported_regions=("NO", "NL", "GB", "US", "DE")),
        IbanRecognizer(),
        CreditCardRecognizer(),
        IpRecognizer(),
    ]
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["en"])
    analyzer = AnalyzerEngine(
        registry=registry, nlp_engine=NoOpNlpEngine(), supported_languages=["en"]
    )
    anonymizer = AnonymizerEngine()
    operators = {
        entity: OperatorConfig("replace", {"new_value": PLACEHOLDER[category]})
        for entity, category in SHARED.items()
    }

    def redact(text: str) -> str:
        found = analyzer.analyze(text, language="en", entities=list(SHARED))
        return str(anonymizer.anonymize(text, found, operators).text)

    return redact


def megabytes(texts: Sequence[str | None]) -> float:
    return sum(len(t.encode()) for t in texts if t) / 1e6


def corpus_report(redactor: Redactor, other: Callable[[str], str]) -> dict[str, Any]:
    """Precision and recall per category on the labelled corpus, for both tools."""
    texts = [c.text for c in CASES]
    ours, _ = redactor.redact(texts)
    theirs = [other(t) for t in texts]
    rows: dict[str, Any] = {}
    for category, counts in score(CASES, ours).items():
        rows[category] = {"trainright": precision_recall(counts)}
    for category, counts in score(CASES, list(theirs)).items():
        if category in SHARED.values():
            rows[category]["presidio"] = precision_recall(counts)
    start = time.process_time()
    repeated = texts * 200
    Redactor(CATEGORIES, ACCOUNTS).redact_array(pa.array(repeated, pa.string()))
    seconds = time.process_time() - start
    return {"categories": rows, "mb_s": megabytes(repeated) / seconds}


def snapshot(posts: int, accounts: int, seed: int) -> Path:
    """A synthetic snapshot, made once per size and kept under bench/out."""
    from trainright.synth import synthesize

    path = OUT / f"minimise-p{posts}-a{accounts}-s{seed}"
    if not (path / "planted.parquet").exists():
        print(f"synthesising {posts:,} posts, {accounts:,} accounts ...", flush=True)
        synthesize(path, accounts=accounts, posts=posts, seed=seed, images=0)
    return path


def run_ours(redactor: Redactor, texts: pa.Array) -> tuple[list[str | None], float, float]:
    """Redact an Arrow column in batches in this process, as the build does; returns the
    texts, wall and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    parts = [
        redactor.redact_array(texts[i : i + BATCH_ROWS])[0]
        for i in range(0, len(texts), BATCH_ROWS)
    ]
    seconds, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return pa.chunked_array(parts, pa.string()).to_pylist(), seconds, cpu


def _worker(redactor: Redactor, texts: pa.Array, start: Any, results: Any) -> None:
    # The build's workers live for the whole build; warm this one as the parent is warmed,
    # with a copy of the Redactor so that the timed run starts with nothing memoised.
    pickle.loads(pickle.dumps(redactor)).redact_array(texts[:BATCH_ROWS])
    start.wait()  # every worker has its posts in memory before the clock starts
    began, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), BATCH_ROWS):
        redactor.redact_array(texts[i : i + BATCH_ROWS])
    results.put((began, time.perf_counter(), time.process_time() - cpu))


def run_parallel(redactor: Redactor, texts: pa.Array, processes: int) -> tuple[float, float]:
    """Wall seconds for `processes` workers, each redacting its share of the posts (as the
    build's pool does), and the largest CPU time of one worker; the posts are in each
    worker's memory before timing. Workers start from a fork server, as the build's do:
    forked from this process, they would share its heap (Presidio, a million Python
    strings) copy-on-write, and their collector's passes over it copy page after page."""
    ctx = multiprocessing.get_context("forkserver")
    start, results = ctx.Barrier(processes), ctx.Queue()
    share = -(-len(texts) // processes)
    workers = [
        ctx.Process(
            target=_worker, args=(redactor, texts[i * share : (i + 1) * share], start, results)
        )
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    spans = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    wall = max(end for _, end, _ in spans) - min(began for began, _, _ in spans)
    return wall, max(cpu for _, _, cpu in spans)


def planted_report(
    snap: Path, ids: list[int], out: list[str | None]
) -> dict[str, dict[str, float]]:
    """Per category: share of planted values gone, share of look-alikes still there."""
    by_id = dict(zip(ids, out, strict=True))
    tally: dict[str, Counter[str]] = {}
    for row in pq.read_table(snap / "planted.parquet").to_pylist():
        if row["post_id"] not in by_id:
            continue
        text = by_id[row["post_id"]] or ""
        kind = "decoy" if row["decoy"] else "planted"
        counts = tally.setdefault(row["category"], Counter())
        counts[kind] += 1
        counts[f"{kind}_ok"] += (row["value"] in text) == row["decoy"]
    return {
        c: {
            "recall": t["planted_ok"] / t["planted"] if t["planted"] else 1.0,
            "decoys_kept": t["decoy_ok"] / t["decoy"] if t["decoy"] else 1.0,
        }
        for c, t in sorted(tally.items())
    }


def figures(result: dict[str, Any]) -> dict[str, float]:
    """The headline figures of one run, as `main` writes them."""
    one, two = result["synthetic"]["one_process"], result["synthetic"]["two_processes"]
    sample = result["sample"]
    return {
        "one process, MB/s CPU": one["cpu_mb_s"],
        "two workers, MB/s wall": two["wall_mb_s"],
        "cold sample, MB/s CPU": sample["trainright_mb_s"],
        "presidio, MB/s CPU": sample["presidio_mb_s"],
        "ratio, process for process": one["cpu_mb_s"] / sample["presidio_mb_s"],
    }


def compare(rev: str, rounds: int, args: argparse.Namespace) -> None:
    """Run this benchmark for the code at `rev` and for this checkout, alternating, on one
    snapshot, and print the figures of every run side by side."""
    root = Path(__file__).parents[1]
    snap = snapshot(args.posts, args.accounts, args.seed)
    options = ["--posts", str(args.posts), "--accounts", str(args.accounts)]
    options += ["--seed", str(args.seed), "--presidio-mb", str(args.presidio_mb)]
    runs: dict[str, list[dict[str, float]]] = {rev: [], "this checkout": []}
    with tempfile.TemporaryDirectory(prefix="bench-minimise-") as tmp:
        tree = Path(tmp) / "baseline"
        git = ["git", "-C", str(root), "worktree"]
        subprocess.run([*git, "add", "--detach", str(tree), rev], check=True, capture_output=True)
        try:
            (tree / "bench" / "out").mkdir(parents=True, exist_ok=True)
            (tree / "bench" / "out" / snap.name).symlink_to(snap.resolve())
            for round_ in range(rounds):
                for side, checkout in ((rev, tree), ("this checkout", root)):
                    print(f"\n=== round {round_ + 1} of {rounds}: {side} ===", flush=True)
                    path = os.pathsep.join([str(checkout / "src"), str(checkout)])
                    subprocess.run(
                        [sys.executable, "-m", "bench.minimise", *options],
                        cwd=checkout,
                        env={**os.environ, "PYTHONPATH": path},
                        check=True,
                    )
                    result = json.loads((checkout / "bench" / "out" / "minimise.json").read_text())
                    runs[side].append(figures(result))
        finally:
            subprocess.run([*git, "remove", "--force", str(tree)], check=True)
    (OUT / "minimise-baseline.json").write_text(json.dumps(runs, indent=2))
    print(f"\nEvery run, alternating ({rev} first in each round):")
    print(f"{'':<30}" + "".join(f"{side:>26}" for side in runs))
    for name in runs[rev][0]:
        cells = [", ".join(f"{r[name]:.2f}" for r in side) for side in runs.values()]
        print(f"{name:<30}" + "".join(f"{cell:>26}" for cell in cells))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--presidio-mb", type=float, default=2.0)
    parser.add_argument("--baseline", metavar="REV", help="also run the code at REV, alternating")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each with --baseline")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    if args.baseline:
        compare(args.baseline, args.rounds, args)
        return
    other = presidio()

    corpus = corpus_report(Redactor(CATEGORIES, ACCOUNTS), other)
    print("\nLabelled corpus (tests/minimise/corpus.py): precision / recall")
    print(f"{'category':<14}{'trainright':>16}{'presidio':>16}")
    for category, row in corpus["categories"].items():
        ours = "{:.2f} / {:.2f}".format(*row["trainright"])
        theirs = "{:.2f} / {:.2f}".format(*row["presidio"]) if "presidio" in row else "-"
        print(f"{category:<14}{ours:>16}{theirs:>16}")

    snap = snapshot(args.posts, args.accounts, args.seed)
    posts = pq.read_table(snap / "posts.parquet", columns=["post_id", "text"])
    ids, texts = posts["post_id"].to_pylist(), posts["text"].to_pylist()
    names = pq.read_table(snap / "accounts.parquet", columns=["display_name"])["display_name"]
    size = megabytes(texts)

    start = time.process_time()
    name_list = names.to_pylist()
    Redactor(CATEGORIES, name_list)
    build_s = time.process_time() - start
    column = posts["text"].combine_chunks()
    out, _, _ = run_ours(Redactor(CATEGORIES, name_list), column)  # warms the process
    ones = [run_ours(Redactor(CATEGORIES, name_list), column)[1:] for _ in range(REPEAT)]
    wall1, cpu1 = statistics.median(w for w, _ in ones), statistics.median(c for _, c in ones)
    twos = [run_parallel(Redactor(CATEGORIES, name_list), column, 2) for _ in range(REPEAT)]
    wall2, cpu2 = statistics.median(w for w, _ in twos), statistics.median(c for _, c in twos)
    planted = planted_report(snap, ids, out)

    sample, sample_ids, used = [], [], 0.0
    for post_id, text in zip(ids, texts, strict=True):
        if used >= args.presidio_mb * 1e6:
            break
        sample.append(text)
        sample_ids.append(post_id)
        used += len(text.encode()) if text else 0
    sample_mb = megabytes(sample)
    ours_times, theirs_times = [], []
    for _ in range(REPEAT):
        fresh = Redactor(CATEGORIES, name_list)
        start = time.process_time()
        ours_sample = fresh.redact_array(pa.array(sample, pa.string()))[0].to_pylist()
        ours_times.append(time.process_time() - start)
        start = time.process_time()
        theirs = [other(t) if t else t for t in sample]
        theirs_times.append(time.process_time() - start)
    ours_sample_s, theirs_s = statistics.median(ours_times), statistics.median(theirs_times)
    ours_planted = planted_report(snap, sample_ids, ours_sample)
    theirs_planted = planted_report(snap, sample_ids, theirs)

    result = {
        "corpus": corpus,
        "synthetic": {
            "posts": len(texts),
            "accounts": len(names),
            "mb": size,
            "build_redactor_s": build_s,
            "one_process": {
                "wall_mb_s": size / wall1,
                "cpu_mb_s": size / cpu1,
                "posts_s": len(texts) / cpu1,
            },
            "two_processes": {
                "wall_mb_s": size / wall2,
                "posts_s": len(texts) / wall2,
                "cpu_bound_mb_s": size / cpu2,
                "cpu_bound_posts_s": len(texts) / cpu2,
            },
            "planted": planted,
        },
        "sample": {
            "posts": len(sample),
            "mb": sample_mb,
            "trainright_mb_s": sample_mb / ours_sample_s,
            "presidio_mb_s": sample_mb / theirs_s,
            "trainright_planted": ours_planted,
            "presidio_planted": theirs_planted,
        },
    }
    (OUT / "minimise.json").write_text(json.dumps(result, indent=2))

    one, two = result["synthetic"]["one_process"], result["synthetic"]["two_processes"]
    s = result["sample"]
    print(f"\nSynthetic posts: {len(texts):,} posts, {size:.0f} MB, {len(names):,} display names "
          f"(Redactor built in {build_s:.2f} s)")  # fmt: skip
    print(f"  trainright, 1 process : {one['wall_mb_s']:7.1f} MB/s wall, {one['cpu_mb_s']:7.1f} MB/s CPU, "
          f"{one['posts_s']:,.0f} posts/s")  # fmt: skip
    print(f"  trainright, 2 processes: {two['wall_mb_s']:7.1f} MB/s wall, {two['posts_s']:,.0f} posts/s; "
          f"{two['cpu_bound_mb_s']:.1f} MB/s, {two['cpu_bound_posts_s']:,.0f} posts/s if each worker had its core "
          "(slowest worker's CPU time)")  # fmt: skip
    print(f"  corpus (x200, one process): {corpus['mb_s']:.1f} MB/s CPU")
    print(f"\nSample of {s['posts']:,} posts ({s['mb']:.1f} MB), CPU time, one process:")
    print(f"  trainright {s['trainright_mb_s']:8.2f} MB/s (a fresh Redactor: nothing memoised yet)   "
          f"presidio {s['presidio_mb_s']:6.3f} MB/s   ratio {s['trainright_mb_s'] / s['presidio_mb_s']:,.0f}x")  # fmt: skip
    print(f"  ratio of trainright on all posts to presidio, CPU, one process each: "
          f"{one['cpu_mb_s'] / s['presidio_mb_s']:,.0f}x; two trainright workers: "
          f"{two['cpu_bound_mb_s'] / s['presidio_mb_s']:,.0f}x")  # fmt: skip
    print("\nPlanted values redacted (recall) / look-alikes kept, on the sample and on all posts:")
    print(f"{'category':<14}{'presidio':>18}{'trainright':>18}{'trainright, all':>18}")
    for category, row in planted.items():
        p = s["presidio_planted"].get(category) if category in SHARED.values() else None
        o = s["trainright_planted"].get(category, row)
        cell = lambda r: f"{r['recall']:.3f} / {r['decoys_kept']:.3f}" if r else "-"  # noqa: E731
        print(f"{category:<14}{cell(p):>18}{cell(o):>18}{cell(row):>18}")


if __name__ == "__main__":
    main(sys.argv[1:])
