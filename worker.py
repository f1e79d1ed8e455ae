"""Run a cadence worker: ``python worker.py`` is ``cadence worker``.

Configuration comes from ``CADENCE_*`` environment variables and an
optional ``cadence.toml`` (see ``cadence config``).
"""

from __future__ import annotations

import sys

from cadence.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["worker", *sys.argv[1:]]))
