"""``python -m fastnn``: the ``fastnn`` command line."""

import sys

from fastnn.cli import main

if __name__ == "__main__":
    sys.exit(main())
