"""The JSON API's bodies, as pydantic models (they are the OpenAPI schemas too)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from trainright.ledger import Event, Standing
from trainright.ledger.events import DEFAULT_PURPOSE
from trainright.policy import PURPOSE_PATTERN, RegionRules

MAX_REASON = 2000


class _Filing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(
        DEFAULT_PURPOSE,
        pattern=PURPOSE_PATTERN,
        max_length=64,
        description="The purpose it is about; `all` applies to every purpose.",
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

    @classmethod
    def of(cls, e: Event) -> EventOut:
        return cls(**e.__dict__)


class StandingOut(BaseModel):
    """Where an account's data stands now for one purpose."""

    account_id: int
    purpose: str
    summary: str = Field(description="objected, consented or neither")
    objected: bool
    consented: bool
    deleted: bool
    legal_basis: str = Field(description="The legal basis of the account's region.")
    used_for_training: bool = Field(
        description="Whether the ledger lets a new dataset use this account's public posts "
        "(other rules such as age or visibility may still leave them out)."
    )

    @classmethod
    def of(cls, s: Standing, rules: RegionRules) -> StandingOut:
        if rules.legal_basis == "consent":
            used = s.consented and not s.deleted
        else:
            used = not s.objected and not s.deleted
        return cls(
            account_id=s.account_id,
            purpose=s.purpose,
            summary=s.summary,
            objected=s.objected,
            consented=s.consented,
            deleted=s.deleted,
            legal_basis=rules.legal_basis,
            used_for_training=used,
        )


class ReceiptOut(BaseModel):
    """Proof that a filing is committed: returned only after the commit."""

    reference: str
    events: list[EventOut]
    replayed: bool = Field(description="True when an Idempotency-Key retry got the first answer.")
    standing: StandingOut
    next: str = Field(description="What happens next.")


class EventsPage(BaseModel):
    """A page of ledger events in seq order."""

    events: list[EventOut]
    next_after_seq: int | None = Field(description="Pass as after_seq for the next page.")


class Problem(BaseModel):
    """Why a request was refused; nothing was recorded."""

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


class QueuedOut(BaseModel):
    """An open unlearning task for my account: retrain one shard of a model's dataset."""

    model: ModelOut | None = Field(description="None: the dataset itself is to be rebuilt.")
    dataset_id: str
    shard: int
    shards: int


class MyDataOut(BaseModel):
    """Where my posts are (SPEC §8) and what is queued because I objected."""

    account_id: int
    datasets: list[HoldingOut]
    unlearning: list[QueuedOut]
    after_objecting: str = Field(description="What an objection does, in plain words.")
