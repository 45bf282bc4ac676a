"""The demo's planted model outputs: every planted copy is found, the clean ones are not."""

from __future__ import annotations

import json
from pathlib import Path

from trainright.demo import run_demo


def test_every_planted_copy_is_found_and_the_late_leaver_is_not_cleared(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "demo", accounts=200, posts=2000, seed=3)
    assert result.audit is not None
    truth = json.loads((tmp_path / "demo" / "model-outputs-truth.json").read_text())
    found = {(h.output, h.post_id) for h in result.audit.hits}
    assert truth
    assert {(t["id"], t["post_id"]) for t in truth} <= found
    assert not any(h.output.startswith("clean-") for h in result.audit.hits)
    first = next(
        h
        for h in result.audit.hits
        if (h.output, h.post_id) == (truth[0]["id"], truth[0]["post_id"])
    )
    assert not first.cleared
