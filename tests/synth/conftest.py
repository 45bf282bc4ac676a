"""One small synthetic platform shared by the synth tests (it takes about a second)."""

from __future__ import annotations

import pytest

from trainright.synth import SynthSummary, synthesize


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    out = tmp_path_factory.mktemp("synth") / "snapshot"
    return synthesize(out, accounts=400, posts=3000, seed=3, images=40)
