"""The `trainright` command line."""

def main() -> None:
    """Entry point."""
