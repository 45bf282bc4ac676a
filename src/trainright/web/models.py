"""The JSON API's bodies, as pydantic models (they are the OpenAPI schemas too)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from trainright.ledger import Event
from trainright.policy import PURPOSE_PATTERN
from trainright.rules.standing import ACCOUNT_REASONS, Verdict
from trainright.web.explain import Line, standing_lines

MAX_REASON = 2000


class _Filing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: str | None = Field(
        None,
        pattern=PURPOSE_PATTERN,
        max_length=64,
        description="The purpose it is about: the purpose your region's datasets are built "
        "for (the default), or `all` for every purpose. Any other purpose is refused (422), "
        "because no dataset built for you would be affected.",
    )


class ObjectionIn(_Filing):
    """An objection, with optional grounds."""

    type: Literal["objection"]
    reason: str | None = Field(
        None,
        max_length=MAX_REASON,
        description="Optional grounds (Art. 21(1): the person's particular situation); "
        "never delays or conditions the objection.",
    )


class ChoiceIn(_Filing):
    """Withdrawing an objection, or giving or withdrawing consent (no reason asked)."""

    type: Literal["objection_withdrawn", "consent_given", "consent_withdrawn"]


#: A right the signed-in person exercises; `type` decides which fields it has.
EventIn = Annotated[ObjectionIn | ChoiceIn, Field(discriminator="type")]


class EventOut(BaseModel):
    """A committed ledger event."""

    seq: int
    account_id: int
    type: str
    purpose: str
    at: datetime
    received_at: datetime
    channel: str
    hash: str
    content_usage: str | None = Field(
        None, description="`preference_set` only: the AI-usage preference it records."
    )

    @classmethod
    def of(cls, e: Event) -> EventOut:
        return cls(**e.__dict__)


Reason = Literal[ACCOUNT_REASONS]  # type: ignore[valid-type]


class StandingOut(BaseModel):
    """Where an account's data stands now: the decision a build at this instant makes."""

    account_id: int
    purpose: str = Field(description="The purpose the account's region builds datasets for.")
    region: str = Field(description="The policy section whose rules apply to the account.")
    legal_basis: str = Field(description="The legal basis of the account's region.")
    used_for_training: bool = Field(
        description="Whether a dataset built now would use this account's public posts: "
        "every account-level rule of SPEC §5 (region hold, account status and kind, age, "
        "objection or consent, notice), as the build decides it, and not `reserved`."
    )
    reason: Reason | None = Field(
        description="Why not, when not used: the first account-level rule that fails, in "
        "the SPEC's order. None when used."
    )
    preference: str | None = Field(
        description="The account's AI-usage preference in force (a Content-Usage or "
        "Content-Signal value): the latest set through this service, else the platform's."
    )
    reserved: bool = Field(
        description="Whether that preference keeps the account's posts out (SPEC §5 "
        "`reserved`): it says do not train and the region honours reservations. A post "
        "that states its own preference follows its own."
    )
    explanation: list[str] = Field(description="The decision in plain words (English).")
    objected: bool = Field(description="The ledger: the latest objection-type event objects.")
    consented: bool = Field(description="The ledger: the latest consent-type event consents.")
    deleted: bool = Field(description="The ledger holds an account_deleted event.")
    at: datetime = Field(description="The instant the standing was decided at.")

    @classmethod
    def of(cls, v: Verdict) -> StandingOut:
        return cls(
            account_id=v.ledger.account_id,
            purpose=v.ledger.purpose,
            region=v.rules.region,
            legal_basis=v.rules.legal_basis,
            used_for_training=v.used and not v.reserved,
            reason=v.reason,
            preference=v.preference,
            reserved=v.reserved,
            explanation=english(standing_lines(v)),
            objected=v.ledger.objected,
            consented=v.ledger.consented,
            deleted=v.ledger.deleted,
            at=v.ledger.at,
        )


def english(lines: list[Line]) -> list[str]:
    """Explanation lines as the API states them."""
    return [line.english() for line in lines]


class GpcOut(BaseModel):
    """The browser's Global Privacy Control signal was recorded as an objection."""

    reference: str = Field(description="The receipt reference of the recorded objection.")
    receipt: str = Field(description="Where the receipt page is (for a signed-in browser).")
    events: list[EventOut]


class ReceiptOut(BaseModel):
    """Proof that a filing is committed: returned only after the commit."""

    reference: str
    events: list[EventOut]
    replayed: bool = Field(description="True when an Idempotency-Key retry got the first answer.")
    standing: StandingOut = Field(description="The standing just after the events.")
    next: list[str] = Field(
        description="What happens next, derived from the standing after the events."
    )
    covers: list[int] = Field(
        description="Every account the choice applies to: the signed-in account and the "
        "accounts linked to it as one person's (SPEC §2 persons); for an AI-usage "
        "preference, the signed-in account only."
    )
    gpc: GpcOut | None = Field(
        None, description="Set when this request's Sec-GPC: 1 was recorded as an objection first."
    )


class EventsPage(BaseModel):
    """A page of ledger events in seq order."""

    events: list[EventOut]
    next_after_seq: int | None = Field(description="Pass as after_seq for the next page.")


class Problem(BaseModel):
    """Why a request was refused. Nothing was recorded, except with `outcome_unknown`:
    that request may have been recorded; a retry with the same Idempotency-Key tells."""

    error: str
    message: str
    retry_after: int | None = None


class ModelOut(BaseModel):
    """A trained model, as registered in the catalog."""

    name: str
    version: str


class HoldingOut(BaseModel):
    """One dataset that holds my posts: which part (shard) and the models trained on it."""

    dataset_id: str
    cutoff: datetime = Field(description="The dataset holds posts and events up to this time.")
    shards: int = Field(description="How many parts (shards) the dataset is split into.")
    shard: int = Field(description="The part that holds my posts.")
    models: list[ModelOut]
    account_id: int = Field(
        description="Whose posts: my account, or an account linked to it (the same person)."
    )
    how: Literal["own_posts", "linked_account", "reshared_or_quoted"] = Field(
        description="own_posts: the account's own posts; linked_account: the posts of "
        "another of my accounts; reshared_or_quoted: others' reshares or quotes of my posts."
    )


class QueuedOut(BaseModel):
    """An open unlearning task for my account: retrain one shard of a model's dataset."""

    model: ModelOut | None = Field(description="None: the dataset itself is to be rebuilt.")
    dataset_id: str
    shard: int
    shards: int


class RepeatedOut(BaseModel):
    """An audit that found my posts repeated in a model's outputs (`audit-outputs`)."""

    audited_at: datetime
    model: ModelOut | None = Field(description="None: the audit named no registered model.")
    dataset_id: str
    outputs: int = Field(description="How many of the audited outputs repeat my posts.")


class MyDataOut(BaseModel):
    """Where my posts are (SPEC §8) and what is queued because I objected."""

    account_id: int
    standing: StandingOut = Field(description="Whether a dataset built now would use my posts.")
    datasets: list[HoldingOut]
    unlearning: list[QueuedOut]
    repeated_in_outputs: list[RepeatedOut] = Field(
        description="Audits that found my words in a model's outputs; empty when none did."
    )
    after_objecting: str = Field(description="What an objection does, in plain words.")
