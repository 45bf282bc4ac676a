"""Reservations embedded in an image (SPEC §2), read before its metadata is stripped.

Two signals are read, from what the scrubber's walk noted (`Scrubbed.xmp`, `.c2pa`):

- a C2PA / CAWG `training-mining` assertion, through the official `c2pa-python`
  bindings: an `ai_training`, `ai_generative_training` or `data_mining` entry (CAWG
  1.1's `cawg.*` labels, or the older `c2pa.*` ones) whose `use` is `notAllowed` or
  `constrained` (CAWG 1.1: "in the absence of additional information, `constrained`
  shall be treated as equivalent to `notAllowed`") reserves the image. Every manifest
  in the store counts, not only the active one: an ingredient's author reserved their
  part of the picture. The manifest's signature is not what matters here (an allowance
  grants nothing, so only a reservation acts, and a reservation is honoured even when
  its signer is unknown to us);
- IPTC PLUS `DataMining` in the XMP packet, parsed with `defusedxml` (no entity
  expansion, no external entities): a value that starts with `DMI-PROHIBITED`.

A manifest store that is there but cannot be read, a `use` that is none of the three
words, XMP that names `DataMining` but does not parse, or a manifest the XMP says lives elsewhere (`dcterms:provenance`: a remote
manifest, which a build does not fetch) fails closed: `reservation_unreadable`.
"""

from __future__ import annotations

import io
import json
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal
from xml.etree.ElementTree import Element, ParseError

import c2pa
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from trainright.minimise._result import Scrubbed

Cause = Literal["reserved", "reservation_unreadable"]

PLUS = "http://ns.useplus.org/ldf/xmp/1.0/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_DCTERMS = "http://purl.org/dc/terms/"
_MIME = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
#: The entries that speak about training; `ai_inference` alone reserves nothing for it.
_TRAINING = ("ai_training", "ai_generative_training", "data_mining")
_USES = {"allowed": False, "notAllowed": True, "constrained": True}

#: Signal names, as the manifest counts them.
CAWG = "cawg.training-mining"
C2PA_LEGACY = "c2pa.training-mining"
IPTC = "iptc.DataMining"
IPTC_UNREADABLE = "iptc.unreadable"
C2PA_UNREADABLE = "c2pa.unreadable"
C2PA_REMOTE = "c2pa.remote"


@dataclass(frozen=True)
class Reservation:
    """Why an image may not be used: the cause the manifest counts, and the signal."""

    cause: Cause
    signal: str


def reservation_of(data: bytes, suffix: str, found: Scrubbed) -> Reservation | None:
    """The reservation an image carries, from its original bytes and the scrubber's notes.

    A reservation that can be read wins over one that cannot: a file whose XMP
    prohibits mining is `reserved` whatever its unreadable manifest might have said.
    """
    unreadable: Reservation | None = None
    if found.c2pa:
        signal = _c2pa_signal(data, _MIME[suffix])
        if signal in (CAWG, C2PA_LEGACY):
            return Reservation("reserved", signal)
        if signal is not None:
            unreadable = Reservation("reservation_unreadable", signal)
    if found.xmp is not None and (b"DataMining" in found.xmp or b"provenance" in found.xmp):
        root = _xmp_root(found.xmp)  # only a packet that names a property we read
        if root is None:
            if b"DataMining" in found.xmp:
                return Reservation("reservation_unreadable", IPTC_UNREADABLE)
            return unreadable
        if _plus_prohibits(root):
            return Reservation("reserved", IPTC)
        if not found.c2pa and _values(root, _DCTERMS, "provenance"):
            unreadable = Reservation("reservation_unreadable", C2PA_REMOTE)
    return unreadable


@cache
def _reading() -> c2pa.Context:
    """Reading without verifying signatures and hashes: they cannot change the answer
    (see the module's docstring), and skipping them halves the time a manifest takes."""
    return c2pa.Context(c2pa.Settings.from_dict({"verify": {"verify_after_reading": False}}))


os.register_at_fork(after_in_child=_reading.cache_clear)


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold a Ctrl-C until the block ends, then deliver it.

    c2pa reads the image through a ctypes callback, and ctypes swallows an exception
    raised inside one: a KeyboardInterrupt landing there became an unreadable manifest
    and the work went on. Only the main thread receives Python's signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if held:
            signal.raise_signal(signal.SIGINT)


def _c2pa_signal(data: bytes, mime: str) -> str | None:
    """The label that reserves the image, `C2PA_UNREADABLE`, or None (no reservation)."""
    try:
        with _ctrl_c_held():
            reader = c2pa.Reader.try_create(mime, io.BytesIO(data), None, _reading())
            if reader is None:
                return None  # a JUMBF box, but no C2PA manifest store in it
            with reader:
                store = json.loads(reader.json())
    except (c2pa.C2paError, ValueError, OSError):
        return C2PA_UNREADABLE
    manifests = store.get("manifests") if isinstance(store, dict) else None
    if not isinstance(manifests, dict):
        return C2PA_UNREADABLE
    verdict: str | None = None
    for manifest in manifests.values():
        for assertion in (manifest or {}).get("assertions") or ():
            label = assertion.get("label") if isinstance(assertion, dict) else None
            if label not in (CAWG, C2PA_LEGACY):
                continue
            reserved = _entries_reserve(label.split(".")[0], assertion.get("data"))
            if reserved is None:
                verdict = C2PA_UNREADABLE
            elif reserved:
                return str(label)
    return verdict


def _entries_reserve(prefix: str, data: Any) -> bool | None:
    """Whether a training-mining assertion reserves training; None if it is malformed."""
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return None
    reserves = False
    for name in _TRAINING:
        entry = entries.get(f"{prefix}.{name}")
        if entry is None:
            continue
        use = entry.get("use") if isinstance(entry, dict) else None
        if use not in _USES:
            return None
        reserves = reserves or _USES[use]
    return reserves


def _xmp_root(packet: bytes) -> Element | None:
    """The XMP packet's XML tree; None when it is not well-formed XML or tries entities."""
    start = packet.find(b"<x:xmpmeta")
    if start < 0:
        start = packet.find(b"<rdf:RDF")
    end = max(packet.rfind(b"</x:xmpmeta>") + 12, packet.rfind(b"</rdf:RDF>") + 10)
    if start < 0 or end <= start:
        return None
    try:
        root: Element = fromstring(packet[start:end], forbid_dtd=True)
    except (ParseError, DefusedXmlException):
        return None
    return root


def _values(root: Element, namespace: str, name: str) -> list[str]:
    """Every value of an XMP property: as an attribute, a simple element, or the items of
    an rdf:Bag / Seq / Alt, with or without an rdf:resource."""
    tag = f"{{{namespace}}}{name}"
    found: list[str] = []
    for desc in root.iter(f"{{{_RDF}}}Description"):
        if tag in desc.attrib:
            found.append(desc.attrib[tag])
    for prop in root.iter(tag):
        resource = prop.get(f"{{{_RDF}}}resource")
        if resource is not None:
            found.append(resource)
        items = list(prop.iter(f"{{{_RDF}}}li"))
        for item in items or [prop]:
            text = (item.text or "").strip()
            if text:
                found.append(text)
            elif (res := item.get(f"{{{_RDF}}}resource")) is not None:
                found.append(res)
    return found


def _plus_prohibits(root: Element) -> bool:
    """IPTC PLUS `DataMining` starting with `DMI-PROHIBITED` (the code or its full URI)."""
    for value in _values(root, PLUS, "DataMining"):
        code = value.rsplit("/", 1)[-1].strip()
        if code.upper().startswith("DMI-PROHIBITED"):
            return True
    return False
