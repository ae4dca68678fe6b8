"""``python -m legcheck``: the same commands as the ``legcheck`` console script."""

from legcheck.cli import main

main()
