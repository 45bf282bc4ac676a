"""Who a dataset's loaders skip: its subjects the ledger no longer clears (SPEC §8).

The set is `impact`'s (`trainright.lineage.impact.revoked`), taken to the dataset's
own pseudonym space: a revoked subject is the first 8 bytes of its `subject` HMAC,
as a 64-bit integer in a roaring bitmap. A revocations file carries that bitmap with
the ledger position it was read at, the dataset it belongs to and a sha256 over
all of it, so a training cluster without ledger access (or the key) can filter
exactly, and a file altered or meant for another dataset is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import SecretStr
from pyroaring import BitMap64

from trainright.dataset import read_manifest
from trainright.errors import InputError
from trainright.ledger import Ledger
from trainright.minimise import Pseudonymiser
from trainright.settings import key_id, resolve_secret

FORMAT = "trainright-revocations/1"
_PREFIX = 16  # hex characters of `subject` that make a key: 8 bytes


@dataclass(frozen=True)
class Revocations:
    """Revoked subjects of one dataset and the ledger position they were read at."""

    dataset_id: str
    ledger_seq: int
    ledger_hash: str
    keys: BitMap64  # first 8 bytes of each revoked subject's HMAC, big-endian
    shards: tuple[int, ...]  # the shards holding a revoked subject

    @cached_property
    def _hexes(self) -> pa.Array:
        return pa.array([f"{k:016x}" for k in self.keys], pa.string())

    def mask(self, subjects: pa.ChunkedArray | pa.Array) -> pa.Array:
        """True for each row whose subject is revoked. A dictionary-encoded column
        is matched on its dictionary once and mapped through its indices."""
        column = subjects.combine_chunks() if isinstance(subjects, pa.ChunkedArray) else subjects
        if not self.keys:
            return pa.array(np.zeros(len(column), dtype=bool))
        if pa.types.is_dictionary(column.type):
            hit = self._match(column.dictionary)
            return pc.fill_null(pc.take(hit, column.indices), False)
        return self._match(column)

    def _match(self, subjects: pa.Array) -> pa.Array:
        return pc.is_in(pc.utf8_slice_codeunits(subjects, 0, _PREFIX), value_set=self._hexes)


def _dataset(directory: str | Path) -> tuple[Path, dict[str, Any]]:
    root = Path(directory)
    if not (root / "manifest.json").is_file():
        raise InputError(
            "not a trainright dataset (no manifest.json)",
            file=str(root),
            hint="pass a directory written by `trainright build` or `trainright rebuild`",
        )
    return root, read_manifest(root)


def keyed_dataset(
    directory: str | Path, secret: str | SecretStr | None, otherwise: str = ""
) -> tuple[Path, dict[str, Any], SecretStr]:
    """A dataset's root, manifest and the pseudonymisation key it was built with: a
    subject is found from an account only with that key, so any other is refused."""
    root, manifest = _dataset(directory)
    key = secret if isinstance(secret, SecretStr) else resolve_secret(secret)
    if key_id(key) != manifest["subject_key_id"]:
        raise InputError(
            "the pseudonymisation key is not the one this dataset was built with",
            file=str(root / "manifest.json"),
            field="subject_key_id",
            value=manifest["subject_key_id"],
            hint=f"set TRAINRIGHT_SECRET to the build's key{otherwise}",
        )
    return root, manifest, key


def from_ledger(
    directory: str | Path, ledger: Ledger | str | None, secret: str | SecretStr | None = None
) -> Revocations:
    """Read the revoked subjects of a dataset from the ledger now (None: the default
    ledger URL); needs the key the dataset was built with (`TRAINRIGHT_SECRET`)."""
    from trainright.ledger.existing import open_existing
    from trainright.lineage.impact import revoked

    root, manifest, key = keyed_dataset(directory, secret, ", or load with a revocations file")
    led = ledger if isinstance(ledger, Ledger) else open_existing(ledger)
    head, accounts = revoked(led, str(manifest["dataset_id"]))
    pseudo = Pseudonymiser(key)
    keys = BitMap64(int.from_bytes(pseudo.digest(int(a))[:8], "big") for a in accounts)
    shards = []
    for entry in manifest["shards"]:
        members = BitMap64.deserialize((root / entry["subjects_file"]).read_bytes())
        if any(int(a) in members for a in accounts):
            shards.append(int(entry["shard"]))
    return Revocations(str(manifest["dataset_id"]), head.seq, head.hash, keys, tuple(shards))


def _body(rev: Revocations) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "dataset_id": rev.dataset_id,
        "ledger": {"seq": rev.ledger_seq, "hash": rev.ledger_hash},
        "subjects": len(rev.keys),
        "shards": list(rev.shards),
        "bitmap": base64.b64encode(rev.keys.serialize()).decode("ascii"),
    }


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def write(rev: Revocations, path: str | Path) -> Path:
    """Write a revocations file (JSON: the bitmap in base64, the position, a sha256)."""
    body = _body(rev)
    out = Path(path)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps({**body, "sha256": _digest(body)}, indent=2) + "\n")
    tmp.replace(out)
    return out


def read(path: str | Path, directory: str | Path) -> Revocations:
    """Read and verify a revocations file for the dataset in `directory`."""
    file = Path(path)
    _, manifest = _dataset(directory)
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
        body = {k: doc[k] for k in ("format", "dataset_id", "ledger", "subjects", "shards")}
        body["bitmap"] = doc["bitmap"]
        claimed = doc["sha256"]
    except FileNotFoundError:
        raise InputError("no such revocations file", file=str(file)) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"not a revocations file ({exc})",
            file=str(file),
            hint="write one with `trainright ledger revocations --dataset DIR --out FILE`",
        ) from None
    if body["format"] != FORMAT:
        raise InputError(
            f"unknown format, expected {FORMAT}",
            file=str(file),
            field="format",
            value=doc["format"],
        )
    if _digest(body) != claimed:
        raise InputError(
            "the file does not match its sha256: it was changed after it was written",
            file=str(file),
            field="sha256",
            value=claimed,
            hint="export it again with `trainright ledger revocations`",
        )
    if body["dataset_id"] != manifest["dataset_id"]:
        raise InputError(
            f"the file is for another dataset, not {manifest['dataset_id']}",
            file=str(file),
            field="dataset_id",
            value=body["dataset_id"],
            hint="export the revocations of this dataset",
        )
    keys = BitMap64.deserialize(base64.b64decode(body["bitmap"]))
    return Revocations(
        str(body["dataset_id"]),
        int(body["ledger"]["seq"]),
        str(body["ledger"]["hash"]),
        keys,
        tuple(int(s) for s in body["shards"]),
    )
