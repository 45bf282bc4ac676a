"""`python -m trainright` is the `trainright` command."""

from trainright.cli import main

if __name__ == "__main__":
    main()
