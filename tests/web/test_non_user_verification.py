"""The stateless proofs: each token stands only for its own kind, expires, and binds
the hash it was minted for; the reference follows from the proofs alone."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from trainright.nonusers.verification import (
    MAX_PROVED,
    VerificationFailure,
    Verifier,
    fresh,
)

V = Verifier(SecretStr("verification-test-key-0123456789"))
OTHER = Verifier(SecretStr("another-service-key-0123456789ab"))
H1, H2 = "a" * 32, "b" * 32


def reason(call: object) -> str:
    with pytest.raises(VerificationFailure) as info:
        call()  # type: ignore[operator]
    return info.value.reason


def test_a_link_proves_its_address_and_keeps_earlier_proofs() -> None:
    first = V.open_link(V.link_token(fresh(), H1), 60)
    both = V.open_link(V.link_token(first, H2), 60)
    assert both.emails == (H1, H2)
    assert both.nonce == first.nonce
    assert V.person_ref(both) == V.person_ref(first)
    assert V.person_ref(both) != V.person_ref(fresh())


def test_a_code_proves_its_number_only_when_right() -> None:
    challenge, code = V.challenge(fresh(), H1)
    assert V.answer(challenge, code, 60).phones == (H1,)
    wrong = str((int(code) + 1) % 10**6).zfill(6)
    assert reason(lambda: V.answer(challenge, wrong, 60)) == "wrong_code"
    assert V.challenged(challenge) == H1


@pytest.mark.parametrize(
    ("case", "call", "expected"),
    [
        ("missing", lambda: V.read_proofs(None, 60), "missing"),
        ("garbage", lambda: V.read_proofs("garbage", 60), "forged"),
        ("another key", lambda: V.read_proofs(OTHER.proofs_token(fresh()), 60), "forged"),
        ("a link as proofs", lambda: V.read_proofs(V.link_token(fresh(), H1), 60), "forged"),
        ("proofs as a link", lambda: V.open_link(V.proofs_token(fresh()), 60), "forged"),
        ("expired", lambda: V.open_link(V.link_token(fresh(), H1), -1), "expired"),
    ],
)
def test_bad_tokens_are_refused(case: str, call: object, expected: str) -> None:
    assert reason(call) == expected, case


def test_at_most_five_addresses_are_proved() -> None:
    proofs = fresh()
    for i in range(MAX_PROVED):
        proofs = proofs.adding("email", f"{i:032x}")
    assert proofs.adding("email", f"{0:032x}") == proofs  # the same again adds nothing
    assert reason(lambda: proofs.adding("email", "f" * 32)) == "too_many"
