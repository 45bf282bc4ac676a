"""People without an account who registered (SPEC §3), with the posts and images they are in.

Their names, addresses and numbers are taken from what the first chunk of posts
planted (so each is written in a post), their photos are synthetic images of which
the snapshot holds a resized, re-encoded copy (what a person's own upload of a photo
someone else posted looks like). Written as a `rights import` file of
`non_user_objection` events (identifiers in clear, hashed on import) with one
withdrawal before the cutoff and one after it, and the ground truth beside it.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from PIL import Image

from trainright.ledger.events import iso
from trainright.nonusers.identifiers import phone_forms
from trainright.nonusers.phash import upright_phash
from trainright.synth._images import jpeg

#: Registered people, and how many of each identifier they give at most.
PEOPLE = 6
#: Image slots (index mod 20) with a reservation in their metadata (`_images`): never
#: used as registered photos, so each image has one cause to be dropped for.
_RESERVING_SLOTS = {3, 7, 11, 13, 17}
GROUND_TRUTH = pa.schema(
    [
        ("person_ref", pa.string()),
        ("kind", pa.string()),  # name, email, phone or photo
        ("value", pa.string()),  # as registered; a photo's pHash in hex
        ("post_id", pa.int64()),  # the post whose text holds it (null for a photo)
        ("path", pa.string()),  # the snapshot's copy of the photo (null for text)
        ("active", pa.bool_()),  # registered at the cutoff
    ]
)


def _international(value: str) -> bool:
    """A planted number a registration accepts: written with its country code."""
    return value.startswith(("+", "00")) and len(phone_forms(value)) == 1


def _picks(planted: pa.Table, category: str, rng: np.random.Generator) -> list[tuple[str, int]]:
    rows = planted.filter(
        pc.and_(pc.equal(planted["category"], category), pc.invert(planted["decoy"]))
    ).to_pylist()
    if category == "phone":
        rows = [r for r in rows if _international(r["value"])]
    seen: dict[str, int] = {}
    for r in rows:
        seen.setdefault(r["value"], r["post_id"])
    values = sorted(seen)
    chosen = rng.choice(len(values), size=min(PEOPLE, len(values)), replace=False)
    return [(values[i], seen[values[i]]) for i in sorted(chosen)]


def _copy(media: Path, seed: int, index: int) -> str:
    """Replace image `index` by a resized, re-encoded copy (its metadata kept); return
    the pHash of the original, which the person registers."""
    original = jpeg(seed, index)
    with Image.open(io.BytesIO(original)) as img:
        registered = upright_phash(img)
        w, h = img.size
        small = img.resize((max(32, w * 3 // 4), max(32, h * 3 // 4)), Image.Resampling.BILINEAR)
        out = io.BytesIO()
        small.save(out, "JPEG", quality=70, exif=img.info.get("exif", b""))
    (media / f"{index:08d}.jpg").write_bytes(out.getvalue())
    return registered


def _truth(
    ref: str, kind: str, value: str, post_id: int | None, path: str | None
) -> dict[str, object]:
    row = (ref, kind, value, post_id, path, True)
    return dict(zip(GROUND_TRUTH.names, row, strict=True))


def photo_slots(n_images: int) -> list[int]:
    """The images registered as photos of people without an account: about one in 40."""
    slots = range(5, n_images, 40)
    return [i for i in slots if i % 20 not in _RESERVING_SLOTS][: 2 * PEOPLE]


def write(
    root: Path, planted: pa.Table, n_images: int, seed: int, cutoff: datetime
) -> tuple[int, int]:
    """Write `non_users.jsonl` and `non_users.parquet` into the snapshot at `root`; copy
    the registered photos in `media/`. Returns (events, registered identifiers)."""
    rng = np.random.default_rng([seed, 9])
    found = {
        "name": _picks(planted, "person_name", rng),
        "email": _picks(planted, "email", rng),
        "phone": _picks(planted, "phone", rng),
    }
    photos = [(_copy(root / "media", seed, i), i) for i in photo_slots(n_images)]
    people = max(len(found["name"]), len(found["email"]), len(found["phone"]), len(photos))
    people = min(people, PEOPLE)
    truth: list[dict[str, object]] = []
    lines: list[dict[str, object]] = []
    for k in range(people):
        ref = f"nu-synth-{k + 1}"
        withdrawn = k == people - 1 and people > 1  # the last withdraws before T
        body: dict[str, list[str]] = {"names": [], "emails": [], "phones": [], "photo_phashes": []}
        for kind, field in (("name", "names"), ("email", "emails"), ("phone", "phones")):
            for value, post_id in found[kind][k::people]:
                body[field].append(value)
                truth.append(_truth(ref, kind, value, post_id, None))
        for value, index in photos[k::people]:
            body["photo_phashes"].append(value)
            path = f"media/{index:08d}.jpg"
            truth.append(_truth(ref, "photo", value, None, path))
        if not any(body.values()):
            continue
        at = cutoff - timedelta(days=20 - k)
        head: dict[str, object] = {"type": "non_user_objection", "person_ref": ref, "at": iso(at)}
        lines.append(head | body)
        if withdrawn:
            for row in truth:
                if row["person_ref"] == ref:
                    row["active"] = False
            gone = cutoff - timedelta(days=2)
            lines.append(
                {"type": "non_user_objection_withdrawn", "person_ref": ref, "at": iso(gone)}
            )
        elif k == 0:  # withdraws only after T: still registered at T
            later = cutoff + timedelta(days=1)
            lines.append(
                {"type": "non_user_objection_withdrawn", "person_ref": ref, "at": iso(later)}
            )
    with (root / "non_users.jsonl").open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
    pq.write_table(
        pa.Table.from_pylist(truth, GROUND_TRUTH), root / "non_users.parquet", compression="zstd"
    )
    return len(lines), len(truth)
