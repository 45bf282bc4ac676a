"""SPEC §4: policy validation and key-wise region precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainright import PolicyError, load_policy, parse_policy
from trainright.policy import DEFAULT_POLICY_TOML


def test_defaults_are_the_spec_defaults() -> None:
    rules = parse_policy("").rules_for("US")
    assert rules.purpose == "ai-training"
    assert rules.legal_basis == "legitimate_interest"
    assert rules.min_age == 18
    assert rules.visibility == ("public",)
    assert rules.account_kinds == ("personal", "business")
    assert rules.notice_days == 30
    assert rules.exclude_tagged_not_cleared
    assert rules.drop_flagged_minor_media
    assert rules.honor_gpc
    assert len(rules.redact) == 8
    assert rules.shards == 64
    assert rules.hold == ""
    assert rules.region == "default"
    assert rules.exclude_copies_of_excluded
    assert parse_policy("").dedup == "near"


@pytest.mark.parametrize(
    ("country", "basis", "region"),
    [
        ("NO", "consent", "EEA"),  # EEA beyond the EU
        ("IS", "consent", "EEA"),
        ("LI", "consent", "EEA"),
        ("DE", "consent", "EEA"),
        ("GR", "consent", "EEA"),
        ("GB", "legitimate_interest", "default"),  # not EEA since 2021
        ("CH", "legitimate_interest", "default"),  # neither EU nor EEA
        ("US", "legitimate_interest", "default"),
    ],
)
def test_eea_group(country: str, basis: str, region: str) -> None:
    rules = parse_policy(DEFAULT_POLICY_TOML).rules_for(country)
    assert (rules.legal_basis, rules.region) == (basis, region)


def test_precedence_is_key_by_key() -> None:
    policy = parse_policy(
        """
        min_age = 18
        notice_days = 30
        [regions.default]
        notice_days = 14
        [regions.EEA]
        legal_basis = "consent"
        min_age = 16
        [regions.NO]
        min_age = 15
        [regions.UK]
        hold = "regulator review"
        """
    )
    no = policy.rules_for("NO")
    assert (no.legal_basis, no.min_age, no.notice_days, no.region) == ("consent", 15, 14, "NO")
    nl = policy.rules_for("NL")
    assert (nl.legal_basis, nl.min_age, nl.region) == ("consent", 16, "EEA")
    gb = policy.rules_for("GB")
    assert (gb.hold, gb.legal_basis, gb.notice_days, gb.region) == (
        "regulator review",
        "legitimate_interest",
        14,
        "UK",
    )
    us = policy.rules_for("US")
    assert (us.min_age, us.notice_days, us.region) == (18, 14, "default")


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("min_agee = 3", "min_agee"),
        ('legal_basis = "contract"', "legal_basis"),
        ('min_age = "18"', "min_age"),
        ("min_age = -1", "min_age"),
        ('visibility = ["public", "everyone"]', "visibility.1"),
        ("visibility = []", "visibility"),
        ('account_kinds = ["personal", "personal"]', "account_kinds"),
        ("notice_days = 1.5", "notice_days"),
        ('redact = ["email", "shoe_size"]', "redact.1"),
        ("shards = 0", "shards"),
        ('purpose = "all"', "purpose"),
        ("[regions.XX]\nmin_age = 3", "regions"),
        ("[regions.NO]\nmin_age = 'x'", "regions.NO.min_age"),
        ("[regions.NO]\nfoo = 1", "regions.NO.foo"),
        ("hold = 3", "hold"),
        ("exclude_copies_of_excluded = 1", "exclude_copies_of_excluded"),
        ('dedup = "fuzzy"', "dedup"),
        ("dedup = true", "dedup"),
        ('[regions.NO]\ndedup = "off"', "regions.NO.dedup"),
    ],
)
def test_bad_keys_are_named(toml: str, key: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(toml, "policy.toml")
    assert info.value.field == key
    assert info.value.exit_code == 2
    assert "policy.toml" in str(info.value)


def test_not_toml_and_unreadable(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not valid TOML"):
        parse_policy("min_age = ", "p.toml")
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.toml")


def test_sha256_is_of_the_file_bytes(tmp_path: Path) -> None:
    import hashlib

    path = tmp_path / "policy.toml"
    path.write_bytes(DEFAULT_POLICY_TOML.encode())
    assert load_policy(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_copy_checks_per_region_and_dedup_for_the_whole_dataset() -> None:
    policy = parse_policy('dedup = "exact"\n[regions.GB]\nexclude_copies_of_excluded = false\n')
    assert policy.dedup == "exact"
    assert not policy.rules_for("GB").exclude_copies_of_excluded
    assert policy.rules_for("NO").exclude_copies_of_excluded
    with pytest.raises(PolicyError, match="cannot be set per region") as info:
        parse_policy('[regions.EEA]\ndedup = "off"\n')
    assert info.value.hint is not None
    assert "top level" in info.value.hint
