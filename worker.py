"""Run a cadence worker: ``python worker.py`` is ``cadence worker``.

Configuration comes from ``CADENCE_*`` environment variables and an
optional ``cadence.toml`` (see ``cadence config``).
"""

from __future__ import annotations

import sys

from cadence.cli.main import run

if __name__ == "__main__":
    sys.argv[1:1] = ["worker"]
    run()
