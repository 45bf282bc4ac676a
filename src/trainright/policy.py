"""SPEC §4: the policy TOML, validated on load into a frozen Policy.

Every key may be set at the top level (the defaults) and overridden per region.
Precedence is key by key: a country's own section beats its group (`EEA`, `UK`),
which beats `[regions.default]`, which beats the top-level defaults.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from trainright import regions
from trainright.errors import PolicyError

Visibility = Literal["public", "unlisted", "friends", "only_me"]
AccountKind = Literal["personal", "business"]
LegalBasis = Literal["legitimate_interest", "consent"]
Dedup = Literal["off", "exact", "near"]
RedactCategory = Literal[
    "email", "phone", "national_id", "iban", "payment_card", "ip", "gps", "person_name"
]
ALL_REDACT: tuple[RedactCategory, ...] = (
    "email",
    "phone",
    "national_id",
    "iban",
    "payment_card",
    "ip",
    "gps",
    "person_name",
)
PURPOSE_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"


def _unique(values: list[Any]) -> list[Any]:
    if len(set(values)) != len(values):
        raise ValueError(f"values must not repeat: {values}")
    return values


class _Rules(BaseModel):
    """The keys a region may override; None means "not set here"."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    purpose: str | None = Field(default=None, pattern=PURPOSE_PATTERN)
    legal_basis: LegalBasis | None = None
    min_age: int | None = Field(default=None, ge=0, le=150)
    visibility: list[Visibility] | None = Field(default=None, min_length=1)
    account_kinds: list[AccountKind] | None = Field(default=None, min_length=1)
    notice_days: int | None = Field(default=None, ge=0, le=3650)
    exclude_tagged_not_cleared: bool | None = None
    exclude_shares_of_excluded: bool | None = None
    exclude_copies_of_excluded: bool | None = None
    honor_reservations: bool | None = None
    drop_flagged_minor_media: bool | None = None
    honor_gpc: bool | None = None
    redact: list[RedactCategory] | None = None
    shards: int | None = Field(default=None, ge=1, le=65536)
    hold: str | None = None

    @field_validator("visibility", "account_kinds", "redact")
    @classmethod
    def _no_repeats(cls, v: list[Any] | None) -> list[Any] | None:
        return None if v is None else _unique(v)

    @field_validator("purpose")
    @classmethod
    def _not_all(cls, v: str | None) -> str | None:
        if v == "all":
            raise ValueError("'all' is an event purpose, not a build purpose")
        return v


class _PolicyFile(_Rules):
    # dedup compares posts across regions, so only the whole dataset can have one
    dedup: Dedup | None = None
    regions: dict[str, _Rules] = Field(default_factory=dict)

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, v: dict[str, _Rules]) -> dict[str, _Rules]:
        for name in v:
            if not regions.is_region_name(name):
                raise ValueError(
                    f"unknown region {name!r}: use an ISO 3166-1 alpha-2 country code "
                    "(e.g. NO, GB), a group (EEA, UK) or 'default'"
                )
        return v


DEFAULTS: dict[str, Any] = {
    "purpose": "ai-training",
    "legal_basis": "legitimate_interest",
    "min_age": 18,
    "visibility": ("public",),
    "account_kinds": ("personal", "business"),
    "notice_days": 30,
    "exclude_tagged_not_cleared": True,
    "exclude_shares_of_excluded": True,
    "exclude_copies_of_excluded": True,
    "dedup": "near",
    "honor_reservations": True,
    "drop_flagged_minor_media": True,
    "honor_gpc": True,
    "redact": ALL_REDACT,
    "shards": 64,
    "hold": "",
}
#: The policy a platform gets with no file: the SPEC's defaults plus consent in the EEA.
DEFAULT_POLICY_TOML = """\
purpose = "ai-training"
legal_basis = "legitimate_interest"
min_age = 18
visibility = ["public"]
account_kinds = ["personal", "business"]
notice_days = 30
exclude_tagged_not_cleared = true
exclude_shares_of_excluded = true
exclude_copies_of_excluded = true
dedup = "near"
honor_reservations = true
drop_flagged_minor_media = true
honor_gpc = true
redact = ["email", "phone", "national_id", "iban", "payment_card", "ip", "gps", "person_name"]
shards = 64
hold = ""

[regions.EEA]
legal_basis = "consent"
"""


@dataclass(frozen=True)
class RegionRules:
    """The fully resolved rules for accounts in one country."""

    region: str  # the most specific policy section that applies: country, group or 'default'
    purpose: str
    legal_basis: LegalBasis
    min_age: int
    visibility: tuple[Visibility, ...]
    account_kinds: tuple[AccountKind, ...]
    notice_days: int
    exclude_tagged_not_cleared: bool
    exclude_shares_of_excluded: bool
    exclude_copies_of_excluded: bool
    honor_reservations: bool
    drop_flagged_minor_media: bool
    honor_gpc: bool
    redact: tuple[RedactCategory, ...]
    shards: int
    hold: str


@dataclass(frozen=True)
class Policy:
    """A validated policy; `sha256` identifies the exact file it came from."""

    source: str
    sha256: str
    defaults: Mapping[str, Any]
    sections: Mapping[str, Mapping[str, Any]]

    def rules_for(self, country: str | None) -> RegionRules:
        """Resolve the rules for a country, key by key: country > group > default > top."""
        merged = dict(self.defaults)
        chain = [regions.DEFAULT]
        if country:
            group = regions.group_of(country)
            if group:
                chain.append(group)
            chain.append(country)
        merged.pop("dedup")
        label = regions.DEFAULT
        for name in chain:
            section = self.sections.get(name)
            if section is not None:
                merged.update(section)
                label = name
        return RegionRules(region=label, **merged)

    @property
    def dedup(self) -> Dedup:
        """How repeats inside the dataset collapse: one setting for the whole dataset."""
        value: Dedup = self.defaults["dedup"]
        return value

    @property
    def purpose(self) -> str:
        """The default purpose (regions may override it)."""
        return str(self.defaults["purpose"])

    def max_shards(self) -> int:
        """The largest shard count any region uses."""
        counts = [int(self.defaults["shards"])]
        counts += [int(s["shards"]) for s in self.sections.values() if "shards" in s]
        return max(counts)


def _set_keys(model: _Rules) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in model.model_dump(exclude_none=True).items():
        out[key] = tuple(value) if isinstance(value, list) else value
    return out


def _raw_value(raw: Mapping[str, Any], loc: list[str]) -> Any:
    """The value a validation error points at in the raw TOML, for the message."""
    value: Any = raw
    for part in loc:
        value = value.get(part) if isinstance(value, Mapping) else value
    return value


def _error_from(exc: ValidationError, source: str, raw: Mapping[str, Any]) -> PolicyError:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    key = ".".join(loc)
    if err["type"] == "extra_forbidden" and loc[-1] == "dedup":
        return PolicyError(
            f"{key!r}: dedup cannot be set per region (got {_raw_value(raw, loc)!r})",
            file=source,
            field=key,
            hint="a repeat is found across all regions, so set dedup once, at the top level",
        )
    if err["type"] == "extra_forbidden":
        known = ", ".join(sorted(_Rules.model_fields))
        return PolicyError(
            f"unknown key {key!r}",
            file=source,
            field=key,
            hint=f"known keys: {known}, and [regions.NAME] sections",
        )
    value = _raw_value(raw, loc)
    return PolicyError(f"{err['msg']} (got {value!r})", file=source, field=key, value=value)


def parse_policy(data: str | bytes, source: str = "<policy>") -> Policy:
    """Parse and validate policy TOML; the sha256 is over the exact bytes given."""
    raw_bytes = data.encode() if isinstance(data, str) else data
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError("the policy is not UTF-8 text", file=source) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"not valid TOML: {exc}", file=source) from None
    try:
        model = _PolicyFile.model_validate(raw)
    except ValidationError as exc:
        raise _error_from(exc, source, raw) from None
    defaults = dict(DEFAULTS)
    top = _set_keys(model)
    top.pop("regions", None)
    defaults.update(top)
    sections = {name: _set_keys(rules) for name, rules in model.regions.items()}
    return Policy(
        source=source,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        defaults=defaults,
        sections=sections,
    )


def load_policy(path: str | Path) -> Policy:
    """Read a policy file; errors name the file and the key."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise PolicyError(f"cannot read the policy: {exc.strerror}", file=str(p)) from None
    return parse_policy(data, str(p))
