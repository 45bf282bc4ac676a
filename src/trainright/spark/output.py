"""Where a Spark build writes its dataset (SPEC §7): a directory, or an object-store prefix.

A local or mounted directory (and any bare path) is written under a hidden temporary
name and renamed into place, as the embedded build does. An object store (`s3://`,
`gs://`, ...) has no rename: the executors write the files straight under the final
prefix, the driver uploads its own files after theirs, and `manifest.json` last. A
failed build deletes what it wrote and never writes a manifest, so a prefix without
`manifest.json` is an unfinished build, never a dataset (docs/spark.md, "atomic").
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs

from trainright.atomic import atomic_directory, check_new_output
from trainright.errors import BuildError, InputError
from trainright.spark.executors import arrow_uri

#: The last file of every dataset: its presence is what makes the files a dataset.
MANIFEST = "manifest.json"


def is_remote(out: str | Path) -> bool:
    """True for a URI with a scheme other than `file:` (an object store, HDFS)."""
    text = str(out)
    return "://" in text and not text.startswith("file:")


@dataclass(frozen=True)
class Target:
    """Where the files of one build go while it runs.

    `uri` is what the executors write to; `local` is the driver's own directory (the
    dataset itself for a local build, a scratch directory uploaded at the end for an
    object store).
    """

    uri: str
    local: Path
    fs: pafs.FileSystem | None = None
    prefix: str = ""

    def remove(self, relative: str) -> None:
        """Delete a file the executors wrote (an image of a post excluded late)."""
        if self.fs is None:
            (self.local / relative).unlink()
        else:
            self.fs.delete_file(f"{self.prefix}/{relative}")


def check_new(out: str | Path) -> None:
    """`--out` must not exist yet: a path, or a prefix that holds no object."""
    if not is_remote(out):
        check_new_output(Path(out))
        return
    fs, prefix = _open(str(out))
    if _objects(fs, prefix):
        raise InputError(
            "already holds objects; a dataset is never written over another",
            file=str(out),
            field="--out",
            hint="choose a new prefix, or remove the old one first",
        )


@contextmanager
def dataset_output(out: str | Path) -> Iterator[Target]:
    """Yield the build's target; on success the dataset is in place at `out`, with the
    manifest (which the block writes into `target.local`) the last file to appear."""
    if not is_remote(out):
        with atomic_directory(Path(out)) as tmp:
            yield Target(str(tmp.resolve()), tmp)
        return
    check_new(out)
    fs, prefix = _open(str(out))
    scratch = Path(tempfile.mkdtemp(prefix="trainright-driver-"))
    try:
        yield Target(str(out), scratch, fs, prefix)
        _upload(scratch, fs, prefix)
    except BaseException:
        fs.delete_dir_contents(prefix, missing_dir_ok=True)
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _upload(scratch: Path, fs: pafs.FileSystem, prefix: str) -> None:
    """The driver's files after the executors', and the manifest after everything."""
    files = sorted(p for p in scratch.rglob("*") if p.is_file())
    last = [p for p in files if p.relative_to(scratch).as_posix() == MANIFEST]
    if not last:
        raise BuildError("the build wrote no manifest", file=str(scratch))
    for path in [p for p in files if p not in last] + last:
        try:
            with fs.open_output_stream(f"{prefix}/{path.relative_to(scratch).as_posix()}") as fh:
                fh.write(path.read_bytes())
        except (OSError, pa.ArrowException) as exc:
            raise BuildError(f"cannot write the dataset: {exc}", file=f"{prefix}/{path}") from None


def _open(uri: str) -> tuple[pafs.FileSystem, str]:
    try:
        fs, prefix = pafs.FileSystem.from_uri(arrow_uri(uri))
    except (OSError, pa.ArrowException) as exc:
        raise InputError(
            f"cannot open the output location: {exc}", file=uri, field="--out"
        ) from None
    return fs, prefix.rstrip("/")


def _objects(fs: pafs.FileSystem, prefix: str) -> list[pafs.FileInfo]:
    selector = pafs.FileSelector(prefix, allow_not_found=True, recursive=True)
    try:
        return [i for i in fs.get_file_info(selector) if i.type == pafs.FileType.File]
    except (OSError, pa.ArrowException) as exc:
        raise InputError(
            f"cannot read the output location: {exc}", file=prefix, field="--out"
        ) from None
