"""The API reference at /docs: made from the service's own OpenAPI, needing nothing online."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_the_reference_lists_every_operation_of_the_openapi(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    html = client.get("/docs").text
    for path, item in spec["paths"].items():
        for method in item:
            assert (
                f'<span class="method">{method.upper()}</span><span class="path">{path}</span>'
                in html
            )
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert "outcome_unknown" in html, "the 503's description is rendered"


def test_the_reference_loads_nothing_from_elsewhere(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "<script" not in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith(("/", "#", "?")) for s in sources), sources
