"""The non-user page's forms over HTTP: photos stay in memory, the cap and bad input
get a clear page naming the field, and the page says when it is not offered."""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from nonuser_mail import NONUSER_KEY, Inbox, mailer, start_smtp
from people import config
from PIL import Image

from trainright.web import Limits, create_app
from trainright.web.nonusers import UPLOAD_LIMITS


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, controller, port = start_smtp()
    yield inbox, port
    controller.stop()


@pytest.fixture
def client(smtp: tuple[Inbox, int], tmp_path: Path) -> Iterator[TestClient]:
    limits = Limits(account_per_minute=1000, client_per_minute=100_000)
    cfg = config(
        f"sqlite:///{tmp_path / 'l.db'}",
        mailer=mailer(smtp[1]),
        nonuser_key=NONUSER_KEY,
        limits=limits,
    )
    with TestClient(create_app(cfg), base_url="http://127.0.0.1") as c:
        yield c


def proofs_of(c: TestClient, inbox: Inbox, address: str) -> str:
    r = c.post("/non-users/verify", data={"email": address})
    assert r.status_code == 200, r.text
    page = c.get(inbox.link(address).removeprefix("http://privacy.test"))
    assert page.status_code == 200, page.text
    found = re.search(r'name="proofs" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def big_png() -> bytes:
    """A photo larger than the 1 MiB at which a default multipart parser spools to disk."""
    img = Image.frombytes("RGB", (900, 800), os.urandom(900 * 800 * 3))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    assert buf.tell() > 2 * 1024 * 1024
    return buf.getvalue()


def test_an_uploaded_photo_never_touches_disk(
    client: TestClient, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    proofs = proofs_of(client, smtp[0], "photo@example.org")

    def no_disk(self: object) -> None:
        raise AssertionError("an uploaded part was spooled to a temporary file")

    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "rollover", no_disk)
    r = client.post(
        "/non-users/register",
        data={"proofs": proofs, "names": "Photo Person"},
        files={"photos": ("me.png", big_png(), "image/png")},
    )
    assert r.status_code == 200, r.text
    assert re.search(r'id="person-ref">nu-[0-9a-f]{32}<', r.text)


def test_the_cap_and_a_bad_photo_get_a_page_naming_the_field(
    client: TestClient, smtp: tuple[Inbox, int]
) -> None:
    proofs = proofs_of(client, smtp[0], "cap-page@example.org")
    names = "\n".join(f"Name{i} Person" for i in range(11))
    r = client.post(
        "/non-users/register?lang=nl",
        data={"proofs": proofs, "names": names},
        files={"photos": ("", b"", "application/octet-stream")},
    )
    assert r.status_code == 422
    assert "Ga terug, verbeter het formulier" in r.text
    assert "names: at most 10 names per registration" in r.text
    assert "Name3" not in r.text
    r = client.post(
        "/non-users/register",
        data={"proofs": proofs, "names": "A B"},
        files={"photos": ("notes.txt", b"not a picture", "text/plain")},
    )
    assert r.status_code == 422
    assert "photos[0]: not an image file" in r.text


def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(client: TestClient) -> None:
    too_big = UPLOAD_LIMITS["/non-users/register"] + 1
    r = client.post(
        "/non-users/register",
        content=b"x" * too_big,
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert r.status_code == 413
    # the other forms keep the service's small limit
    r = client.post("/non-users/withdraw", data={"person_ref": "x" * 20_000})
    assert r.status_code == 413


def test_without_a_relay_the_page_says_it_is_not_offered(tmp_path: Path) -> None:
    with TestClient(create_app(config(f"sqlite:///{tmp_path / 'l.db'}"))) as c:
        r = c.get("/non-users?lang=nb")
    assert r.status_code == 503
    assert "Denne tjenesten kan ikke ta imot registreringer" in r.text
