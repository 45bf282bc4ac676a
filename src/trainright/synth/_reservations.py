"""Images carrying a reservation, as cameras, editors and platforms write them.

C2PA manifests are signed through `c2pa-python`'s own builder with a test
certificate made here (Ed25519, whose signatures are deterministic, under a fixed
test CA, so the same seed gives the same bytes); IPTC PLUS `DataMining` goes into
the XMP packet Pillow writes for each format.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image, PngImagePlugin

Format = Literal["JPEG", "PNG", "WEBP"]
MIME: dict[str, str] = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PLUS = "http://ns.useplus.org/ldf/xmp/1.0/"
_NOT_BEFORE = datetime(2026, 1, 1, tzinfo=UTC)
_NOT_AFTER = datetime(2046, 1, 1, tzinfo=UTC)


def _key(label: str) -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"trainright test key {label}".encode()).digest()
    )


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "trainright test signer"),
        ]
    )


def _usage(*, signs_certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not signs_certs,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certs,
        crl_sign=signs_certs,
        encipher_only=False,
        decipher_only=False,
    )


@cache
def _signer_material() -> tuple[bytes, bytes]:
    """The signing chain (leaf, then CA) and the leaf's private key, both PEM."""
    ca_key, key = _key("ca"), _key("signer")
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("trainright test CA"))
        .issuer_name(_name("trainright test CA"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(_NOT_BEFORE)
        .not_valid_after(_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(signs_certs=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, None)
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("trainright test signer"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(_NOT_BEFORE)
        .not_valid_after(_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(signs_certs=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, None)
    )
    chain = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, ca))
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return chain, pem


def training_mining(
    use: str, *, prefix: str = "cawg", entry: str = "ai_training"
) -> dict[str, Any]:
    """A `training-mining` assertion with one entry (`cawg.` labels, or the older `c2pa.`)."""
    return {
        "label": f"{prefix}.training-mining",
        "data": {"entries": {f"{prefix}.{entry}": {"use": use}}},
    }


def sign(image: bytes, fmt: Format, assertions: list[dict[str, Any]], label: str) -> bytes:
    """`image` with an embedded C2PA manifest holding `assertions` (and a 'created' action).

    `label` names the manifest (a URN derived from it), so the same call gives the same
    bytes.
    """
    chain, key = _signer_material()
    # C2PA wants a version-4 (random) UUID; this one is drawn from the label instead.
    guid = uuid.UUID(bytes=hashlib.sha256(label.encode()).digest()[:16], version=4)
    manifest = {
        "label": f"urn:c2pa:{guid}",
        "instance_id": f"xmp:iid:{guid}",
        "claim_generator_info": [{"name": "trainright synth", "version": "1"}],
        "title": label,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": "http://cv.iptc.org/newscodes/"
                            "digitalsourcetype/digitalCapture",
                        }
                    ]
                },
            },
            *assertions,
        ],
    }
    signer = c2pa.Signer.from_info(
        c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ED25519, chain, key, None)
    )
    out = io.BytesIO()
    no_thumbnail = c2pa.Context(
        c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    )
    with signer, no_thumbnail, c2pa.Builder(json.dumps(manifest), context=no_thumbnail) as builder:
        builder.sign(signer, MIME[fmt], io.BytesIO(image), out)
    return out.getvalue()


def xmp_packet(data_mining: str | None = None, *, provenance: str | None = None) -> bytes:
    """An XMP packet with an IPTC PLUS `DataMining` value and/or a remote-manifest URL."""
    props = ""
    if data_mining is not None:
        props += f"<plus:DataMining>{data_mining}</plus:DataMining>"
    if provenance is not None:
        props += f"<dcterms:provenance>{provenance}</dcterms:provenance>"
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" xmlns:plus="{PLUS}" '
        'xmlns:dcterms="http://purl.org/dc/terms/">'
        f"{props}</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def encode(img: Image.Image, fmt: Format, xmp: bytes | None = None) -> bytes:
    """`img` in `fmt`, losslessly where the format allows, with `xmp` embedded."""
    out = io.BytesIO()
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        if xmp is not None:
            info.add_itxt("XML:com.adobe.xmp", xmp.decode())
        img.save(out, "PNG", pnginfo=info)
    elif fmt == "WEBP":
        img.save(out, "WEBP", lossless=True, **({"xmp": xmp} if xmp else {}))
    else:
        img.save(out, "JPEG", quality=85, **({"xmp": xmp} if xmp else {}))
    return out.getvalue()


#: Signed photos shipped with trainright: C2PA salts every assertion at random, so the
#: builder cannot give the same bytes twice, and synth promises the same bytes for the
#: same seed. `python -m trainright.synth._reservations` writes them again.
FIXTURES = Path(__file__).parent / "fixtures"
#: file -> (the photo it signs, its assertion, the signal, the cause the build gives)
SIGNED: dict[str, tuple[int, dict[str, Any], str, str | None]] = {
    "cawg-not-allowed.jpg": (1, training_mining("notAllowed"), "cawg.training-mining", "reserved"),
    "c2pa-constrained.jpg": (
        2,
        training_mining("constrained", prefix="c2pa"),
        "c2pa.training-mining",
        "reserved",
    ),
    "cawg-allowed.jpg": (3, training_mining("allowed"), "cawg.training-mining", None),
}


def garbled(signed: bytes) -> bytes:
    """A signed JPEG whose manifest no longer reads: three bytes of its CBOR overwritten."""
    at = signed.index(b"training-mining") + 20
    return signed[:at] + b"\xff\xff\xff" + signed[at + 3 :]


def main() -> None:
    from trainright.synth._images import jpeg

    FIXTURES.mkdir(exist_ok=True)
    for name, (index, assertion, _, _) in SIGNED.items():
        (FIXTURES / name).write_bytes(sign(jpeg(0, index), "JPEG", [assertion], name))
        print(FIXTURES / name)


if __name__ == "__main__":
    main()
