"""The build agrees with the reference of SPEC §5 post by post and reason by reason."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import given

from helpers import Scenario, build_scenario
from reference import REASONS, evaluate
from strategies import RULES, scenarios


@RULES
@given(scenarios())
def test_build_matches_reference(scenario: Scenario) -> None:
    expected = evaluate(scenario.platform, scenario.events, scenario.policy, scenario.cutoff)
    with tempfile.TemporaryDirectory() as tmp:
        built = build_scenario(scenario, Path(tmp))

    assert built.excluded == expected.excluded
    assert built.included == {p: len(media) for p, media in expected.included.items()}

    counts = built.manifest["counts"]
    by_reason = Counter(expected.excluded.values())
    assert counts["included"] == len(expected.included)
    assert counts["excluded"] == len(expected.excluded)
    assert counts["excluded_by_reason"] == {r: by_reason[r] for r in REASONS}
    assert built.manifest["media"]["included"] == sum(map(len, expected.included.values()))
    dropped = built.manifest["counts"]["media_dropped"]
    assert {k: v for k, v in dropped.items() if v} == expected.media_dropped
    assert built.reserved == expected.reserved
    by_signal: dict[str, dict[str, int]] = {}
    for post_id, (signal, where) in expected.reserved.items():
        if expected.excluded[post_id] == "reserved":
            by_signal.setdefault(signal, {}).setdefault(where, 0)
            by_signal[signal][where] += 1
    assert counts["reserved_by"] == by_signal
    late = [p for p in scenario.platform.posts if p.created_at > scenario.cutoff]
    assert built.manifest["warnings"]["posts_after_cutoff"] == len(late)
    ids = {p.post_id for p in scenario.platform.posts}
    dangling = [
        p
        for p in scenario.platform.posts
        if p.created_at <= scenario.cutoff
        and (p.reshare_of if p.reshare_of is not None else p.quote_of) not in ids | {None}
    ]
    assert built.manifest["warnings"]["shares_of_unknown_posts"] == len(dangling)
