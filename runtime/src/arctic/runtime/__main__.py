"""`python -m arctic.runtime` is the `arctic` command."""

from arctic.runtime.cli import main

main()
