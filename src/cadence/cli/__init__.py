"""The ``cadence`` command: a thin layer over the library."""

from __future__ import annotations

from cadence.cli.main import main

__all__ = ["main"]
