"""People without an account (SPEC §1, §3, §5): their registrations, hashes and matching."""
