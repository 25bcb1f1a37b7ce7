"""``python -m tensorgear``: the same as the ``tensorgear`` command."""

import sys

from tensorgear.cli import main

if __name__ == "__main__":
    sys.exit(main())
