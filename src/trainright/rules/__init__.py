"""SPEC §5: one definition of the rules, and a runner per engine."""

from trainright.rules.definition import REASONS, region_rules_table, rule_queries
from trainright.rules.duckdb import DuckDBRunner

__all__ = ["REASONS", "DuckDBRunner", "region_rules_table", "rule_queries"]
