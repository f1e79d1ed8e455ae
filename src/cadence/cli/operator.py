"""Who a ``cadence`` command that changes leads or lists acts as: one rule for every such command."""

from __future__ import annotations

import getpass


def operator(by: str | None = None) -> str:
    """``by`` when given (``--by``), else ``operator:<login>`` (``operator`` when the login cannot be read).

    A lead's history and the do-not-contact list then say which person at the terminal acted.
    """
    if by:
        return by
    try:
        return f"operator:{getpass.getuser()}"
    except (KeyError, OSError):
        return "operator"


__all__ = ["operator"]
