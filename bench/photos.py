"""`python -m bench.photos`: matching images against photos people without an account registered.

Three figures, all on `trainright synth` images (the build's own test corpus):

- the false-match rate at Hamming distance <= 8 (and around it): every pair of
  distinct synthetic images;
- the true-match rate: each image against resized, re-encoded copies of itself (what
  a person uploads when registering a photo someone else posted);
- the cost per image: decoding and hashing (`phash`), for the synthetic images and a
  photo-sized one (1024x768), against the scrub of the same bytes, and the look-up in
  10,000 registrations (NumPy popcount) against plain Python over every registration.
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable

import numpy as np
from PIL import Image

from trainright.minimise import scrub_bytes
from trainright.nonusers.photos import MAX_DISTANCE, PhotoIndex, phash
from trainright.synth._images import jpeg

THRESHOLDS = (4, 6, 8, 10, 12, 14)


def copies(data: bytes) -> dict[str, bytes]:
    """Re-encoded and resized copies of an image, as a person's own upload of it may be."""
    out = {}
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        w, h = img.size
        for name, size, quality in (
            ("re-encoded q60", (w, h), 60),
            ("resized 3/4, q70", (w * 3 // 4, h * 3 // 4), 70),
            ("resized 1/2, q75", (max(16, w // 2), max(16, h // 2)), 75),
            ("enlarged 2x, q85", (w * 2, h * 2), 85),
        ):
            buf = io.BytesIO()
            img.resize(size, Image.Resampling.BILINEAR).save(buf, "JPEG", quality=quality)
            out[name] = buf.getvalue()
    return out


def per_call(fn: Callable[[], object], repeat: int) -> float:
    """Seconds per call, the best of three runs of `repeat` calls."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        best = min(best, (time.perf_counter() - start) / repeat)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.photos")
    parser.add_argument("--images", type=int, default=500, help="synthetic images (seed 0)")
    parser.add_argument("--registrations", type=int, default=10_000)
    args = parser.parse_args(argv)

    images = [jpeg(0, i) for i in range(args.images)]
    hashes = np.array([phash(d) for d in images], np.uint64)
    i, j = np.triu_indices(len(hashes), k=1)
    dist = np.bitwise_count(hashes[i] ^ hashes[j])
    print(f"{len(images)} synthetic images, {len(dist):,} pairs of distinct images")
    for t in THRESHOLDS:
        share = float((dist <= t).mean())
        print(f"  false matches at <= {t:2d}: {int((dist <= t).sum()):6,d} ({share:.4%})")
    print(f"  closest pair: {int(dist.min())} bits; median {int(np.median(dist))} bits")

    print("true matches (each image against its copy)")
    variants: dict[str, list[int]] = {}
    for data, h in zip(images, hashes, strict=True):
        for name, copy in copies(data).items():
            c = phash(copy)
            assert c is not None
            variants.setdefault(name, []).append(bin(int(h) ^ c).count("1"))
    for name, ds in variants.items():
        d = np.array(ds)
        print(
            f"  {name:18s} within 8: {float((d <= MAX_DISTANCE).mean()):.2%}"
            f" (median {int(np.median(d))}, max {int(d.max())} bits)"
        )

    rng = np.random.default_rng(1)
    registered = [int(v) for v in rng.integers(0, 2**63, args.registrations, np.uint64)]
    index = PhotoIndex(registered)
    probe = int(hashes[0])
    numpy_s = per_call(lambda: index.matches(probe), 2000)
    plain_s = per_call(
        lambda: any(bin(probe ^ r).count("1") <= MAX_DISTANCE for r in registered), 20
    )
    print(f"look-up in {args.registrations:,} registrations")
    print(f"  NumPy popcount {numpy_s * 1e6:8.1f} us   plain Python {plain_s * 1e6:8.1f} us")
    print(f"  ratio plain/NumPy: {plain_s / numpy_s:.0f}x")

    big = Image.fromarray(
        np.clip(
            np.linspace(0, 255, 1024)[None, :, None] + rng.normal(0, 18, (768, 1024, 3)), 0, 255
        ).astype(np.uint8),
        "RGB",
    )
    buf = io.BytesIO()
    big.save(buf, "JPEG", quality=85)
    photo = buf.getvalue()
    print("cost per image (pHash = decode + hash; scrub = the metadata scrub of the same bytes)")
    for name, data, n in (("synthetic (~110x80)", images[1], 300), ("photo 1024x768", photo, 20)):
        hash_s = per_call(lambda data=data: phash(data), n)  # type: ignore[misc]
        scrub_s = per_call(lambda data=data: scrub_bytes(data), n)  # type: ignore[misc]
        print(
            f"  {name:20s} pHash {hash_s * 1e3:7.2f} ms   scrub {scrub_s * 1e3:7.2f} ms"
            f"   ratio {hash_s / scrub_s:5.1f}x"
        )


if __name__ == "__main__":
    main()
