"""`python -m bench.images`: what reading image reservations costs the scrub.

The corpus is photo-sized pictures (1024x768) in JPEG, PNG and WebP, each with an XMP
packet; a share of them carry a real C2PA manifest (signed with the test certificate)
or IPTC DataMining in that XMP. Each file is scrubbed in memory with
and without the reservation check, alternating in the same run, median of the runs;
the target is a check costing under 20% of the scrub on the mixed corpus. A corpus
where every image carries a manifest shows the worst case.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence

import numpy as np
from PIL import Image

from trainright.minimise import scrub_bytes
from trainright.minimise.reservations import reservation_of
from trainright.synth._reservations import Format, encode, sign, training_mining, xmp_packet

FORMATS: tuple[Format, ...] = ("JPEG", "PNG", "WEBP")


def photo(i: int) -> Image.Image:
    """A photo-sized picture (1024x768, gradients and noise: it compresses like a photo)."""
    rng = np.random.default_rng([7, i])
    ramp = np.linspace(0, 255, 1024)[None, :, None] * rng.uniform(0.3, 1.0, 3)
    noise = rng.normal(0, 18, (768, 1024, 3))
    return Image.fromarray(np.clip(ramp + noise, 0, 255).astype(np.uint8), "RGB")


def corpus(n: int, c2pa_share: float, xmp_share: float) -> list[bytes]:
    """`n` images, a third each JPEG, PNG and WebP, with EXIF-free XMP (a creator) on all;
    shares of them with XMP DataMining or a C2PA manifest."""
    out = []
    for i in range(n):
        fmt = FORMATS[i % 3]
        u = (i * 2654435761 % 2**32) / 2**32  # a fixed spread of the images over [0, 1)
        mark = "DMI-PROHIBITED-AIMLTRAINING" if u < xmp_share else None
        data = encode(photo(i), fmt, xmp_packet(mark))
        if xmp_share <= u < xmp_share + c2pa_share:
            use = ("notAllowed", "allowed", "constrained")[i % 3]
            data = sign(data, fmt, [training_mining(use)], f"bench-{i}")
        out.append(data)
    return out


def rate(files: Sequence[bytes], check: bool) -> float:
    """Images per second through the scrubber (and the reservation reader)."""
    start = time.perf_counter()
    for data in files:
        suffix, scrubbed = scrub_bytes(data)
        if check:
            reservation_of(data, suffix, scrubbed)
    return len(files) / (time.perf_counter() - start)


def measure(files: Sequence[bytes], runs: int) -> tuple[float, float]:
    rate(files[:20], True)  # warm up: the C2PA library's first reader sets itself up
    plain, checked = [], []
    for _ in range(runs):
        plain.append(rate(files, False))
        checked.append(rate(files, True))
    return statistics.median(plain), statistics.median(checked)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.images", description=__doc__)
    ap.add_argument("--images", type=int, default=120)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    print(f"corpus: {args.images} images (JPEG, PNG, WebP), median of {args.runs} runs")
    print(f"{'corpus':<34} {'scrub/s':>9} {'+check/s':>9} {'cost':>7}")
    for name, c2pa_share, xmp_share in (
        ("mixed: 5% C2PA, 5% XMP DataMining", 0.05, 0.05),
        ("no reservation metadata", 0.0, 0.0),
        ("every image with a C2PA manifest", 1.0, 0.0),
    ):
        files = corpus(args.images, c2pa_share, xmp_share)
        plain, checked = measure(files, args.runs)
        cost = plain / checked - 1
        print(f"{name:<34} {plain:>9,.0f} {checked:>9,.0f} {cost:>7.1%}")


if __name__ == "__main__":
    main()
