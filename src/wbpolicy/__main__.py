"""``python -m wbpolicy``: the command line."""

from wbpolicy.cli import main

main()
