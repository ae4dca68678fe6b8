"""Run legcheck from a checkout without installing: ``python cli.py measure photo.jpg``.

Only hands over to the package's click group (the same commands as the installed
``legcheck`` console script).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from legcheck.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
