"""schemathesis against the non-user API of a running service with a real SMTP relay.

The same checks as test_schemathesis.py (no 5xx, every status and body documented,
invalid data rejected), for the four /api/v1/non-users operations. Valid requests
reach the handlers: the relay takes every message (aiosmtpd) and the hourly limits
are raised so that the run is not all 429s.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from live_server import Server
from nonuser_mail import NONUSER_KEY, SMS, start_smtp
from test_schemathesis import EXAMPLES, REJECTIONS

PREFIX = "/api/v1/non-users"
#: Whether a string is an e-mail address or a phone number is the minimisation
#: detectors' decision (and libphonenumber's), which no JSON Schema pattern states, and
#: a token or code is valid only when the service minted it: a schema-valid request may
#: rightly be a 401 or 422 (each documented, with a Problem body that says why).
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {"expected-statuses": REJECTIONS},
            "positive_data_acceptance": {"expected-statuses": ["2XX", "401", "422", "429", "503"]},
        }
    }
)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root: Path = tmp_path_factory.mktemp("nonuser-schema")
    _, controller, port = start_smtp()
    server = Server(
        f"sqlite:///{root / 'ledger.db'}",
        "--client-rate",
        "10000000",
        "--nonuser-client-rate",
        "1000000",
        "--nonuser-address-rate",
        "1000000",
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRAINRIGHT_SMTP_HOST", "127.0.0.1")
        mp.setenv("TRAINRIGHT_SMTP_PORT", str(port))
        mp.setenv("TRAINRIGHT_PUBLIC_URL", server.base)
        mp.setenv("TRAINRIGHT_SMS_GATEWAY", SMS)
        mp.setenv("TRAINRIGHT_NONUSER_KEY", NONUSER_KEY.get_secret_value())
        server.start()
    try:
        yield server
    finally:
        server.close()
        controller.stop()


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=lambda m: m.value)
def test_the_non_user_api_is_documented_and_never_a_server_error(live: Server, mode: Any) -> None:
    schema = schemathesis.openapi.from_url(f"{live.base}/api/v1/openapi.json", config=CONFIG)
    ops = [r.ok() for r in schema.get_all_operations()]
    ops = [op for op in ops if op.path.startswith(PREFIX)]
    assert {op.path for op in ops} == {
        f"{PREFIX}/verifications",
        f"{PREFIX}/proofs",
        f"{PREFIX}/registrations",
        f"{PREFIX}/withdrawals",
    }
    for op in ops:
        strategy = op.as_strategy(generation_mode=mode)

        @given(case=strategy)
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            case.call_and_validate(base_url=live.base)

        run()
