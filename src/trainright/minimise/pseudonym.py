"""Authors become `subject` = keyed HMAC of the account id; the key never enters a dataset."""

from __future__ import annotations

import hashlib
import hmac

from pydantic import SecretStr


class Pseudonymiser:
    """Maps account ids to stable pseudonyms and to their subject shard."""

    def __init__(self, secret: SecretStr) -> None:
        self._key = secret.get_secret_value().encode()

    def __repr__(self) -> str:
        return "Pseudonymiser(key=<hidden>)"

    def digest(self, account_id: int) -> bytes:
        """HMAC-SHA256 of the account id's decimal form."""
        return hmac.digest(self._key, str(account_id).encode(), hashlib.sha256)

    def subject(self, account_id: int) -> str:
        """The pseudonym written to the dataset (64 hex characters)."""
        return self.digest(account_id).hex()

    def shard(self, account_id: int, shards: int) -> int:
        """The subject shard: the digest's first 8 bytes, big-endian, mod `shards`."""
        return int.from_bytes(self.digest(account_id)[:8], "big") % shards
