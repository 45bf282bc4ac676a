"""Atomic directories: a build writes into a hidden sibling and renames it into place.

A failed or interrupted build leaves no output directory, never a half-written one.
The final rename refuses to replace anything that appeared meanwhile
(`renameat2(RENAME_NOREPLACE)` on Linux).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from trainright.errors import BuildError, InputError

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


def _rename_noreplace(src: Path, dst: Path) -> None:
    libc_name = ctypes.util.find_library("c")
    fn = getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None) if libc_name else None
    if fn is None:  # not Linux/glibc: check, then rename (a narrow race remains)
        if dst.exists():
            raise FileExistsError(errno.EEXIST, "exists", str(dst))
        os.rename(src, dst)
        return
    rc = fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE)
    if rc != 0:
        err = ctypes.get_errno()
        if err == errno.EINVAL:  # filesystem without RENAME_NOREPLACE
            if dst.exists():
                raise FileExistsError(errno.EEXIST, "exists", str(dst))
            os.rename(src, dst)
            return
        raise OSError(err, os.strerror(err), str(dst))


def check_new_output(out: Path, option: str = "--out") -> None:
    """The output directory must not exist yet (SPEC §7)."""
    if out.exists() or out.is_symlink():
        raise InputError(
            "already exists; a dataset is never written over another",
            file=str(out),
            field=option,
            hint="choose a new directory, or remove the old one first",
        )


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_directory(out: Path, option: str = "--out") -> Iterator[Path]:
    """Yield a temporary directory that becomes `out` only if the block succeeds."""
    check_new_output(out, option)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        yield tmp
        _fsync_dir(tmp)
        try:
            _rename_noreplace(tmp, out)
        except FileExistsError:
            raise InputError(
                "appeared while the build ran; the new dataset was discarded",
                file=str(out),
                field=option,
            ) from None
        except OSError as exc:
            raise BuildError(
                f"cannot move the finished dataset into place: {exc}", file=str(out)
            ) from None
        _fsync_dir(out.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
