"""SPEC §2 AI-usage preferences: the table of forms the drafts give, and malformed ones."""

from __future__ import annotations

import pytest

from trainright.rules.usage import read_usage, usage_table

ROWS = [
    # draft-ietf-aipref-vocab examples and rules
    ("train-ai=n", False, "content-usage"),
    ("train-ai=y", True, "content-usage"),
    ("train-ai=y, search=n", True, "content-usage"),
    ("search=n", None, None),  # says nothing about training
    ('train-ai=y, train-ai, search=n, search="n"', None, None),  # the draft's all-unknown case
    ("train-ai=n, train-ai=y", True, "content-usage"),  # the last of a repeated key counts
    ('train-ai=n;reason="x"', False, "content-usage"),  # parameters are ignored
    ("train-genai=n, bots=n", None, None),  # retired labels are unknown keys
    # draft-romm-aipref-contentsignals examples
    ("search=yes, ai-train=no, ai-input=yes", False, "content-signal"),
    ("ai-train=yes", True, "content-signal"),
    # mixed vocabularies: any disallow wins, then any allow
    ("train-ai=y, ai-train=no", False, "content-signal"),
    ("train-ai=n, ai-train=yes", False, "content-usage"),
    ("train-ai=y, ai-train=yes", True, "content-usage"),
    # malformed: no preference
    ("Train-AI=n", None, None),
    ("train-ai=n,,", None, None),
    ("train-ai=no", None, None),
    ("ai-train=n", None, None),
    ("", None, None),
    ("train-ai=(n)", None, None),
    ("train-ai=n, ai-train=perhaps", False, "content-usage"),
]


@pytest.mark.parametrize(("value", "allowed", "signal"), ROWS)
def test_each_form(value: str, allowed: bool | None, signal: str | None) -> None:
    usage = read_usage(value)
    assert (usage.allowed, usage.signal) == (allowed, signal)


@pytest.mark.parametrize(
    "value", ["Train-AI=n", "train-ai=n,,", "train-ai=no", 'train-ai="n"', "ai-train=perhaps"]
)
def test_a_malformed_value_is_a_problem_named(value: str) -> None:
    assert read_usage(value).problem


@pytest.mark.parametrize("value", ["train-ai=n", "search=n", "", "train-ai=y, ai-train=no"])
def test_a_well_formed_value_is_no_problem(value: str) -> None:
    assert read_usage(value).problem is None


def test_the_table_holds_one_verdict_per_value() -> None:
    table = usage_table(["train-ai=n", "Train-AI=n"])
    assert table.to_pylist()[0] == {
        "value": "train-ai=n",
        "allowed": False,
        "signal": "content-usage",
        "problem": None,
    }
    assert table.to_pylist()[1]["problem"].startswith("not a structured-field dictionary")
