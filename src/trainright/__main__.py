"""`python -m trainright` is the `trainright` command."""

from trainright.cli import main

main()
