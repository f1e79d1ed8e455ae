"""The cadence language: load, validate and compile YAML cadence files.

Public API::

    from cadence.dsl import compile_file, validate_file, CadenceError, ValidationFailed
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cadence.dsl.compiler import compile_file
    from cadence.dsl.errors import CadenceError, ValidationFailed
    from cadence.dsl.loader import Document, LoadError, load_file
    from cadence.dsl.validator import Session, validate_file

# Each name is imported on first use: importing any module of the package (``cadence validate``
# imports cadence.dsl.errors) runs this file, and the compiler is not needed to validate.
_HOMES = {
    "CadenceError": "cadence.dsl.errors",
    "Document": "cadence.dsl.loader",
    "LoadError": "cadence.dsl.loader",
    "Session": "cadence.dsl.validator",
    "ValidationFailed": "cadence.dsl.errors",
    "compile_file": "cadence.dsl.compiler",
    "load_file": "cadence.dsl.loader",
    "validate_file": "cadence.dsl.validator",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__all__ = ["CadenceError", "Document", "LoadError", "Session", "ValidationFailed", "compile_file", "load_file", "validate_file"]
