"""``python -m aqwal``: the command line."""

import sys

from aqwal.cli import main

sys.exit(main())
