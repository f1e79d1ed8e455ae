"""The cadence language: load, validate and compile YAML cadence files.

Public API::

    from cadence.dsl import compile_file, validate_file, CadenceError, ValidationFailed
"""

from __future__ import annotations

from cadence.dsl.compiler import compile_file
from cadence.dsl.errors import CadenceError, ValidationFailed
from cadence.dsl.loader import Document, LoadError, load_file
from cadence.dsl.validator import Session, validate_file

__all__ = ["CadenceError", "Document", "LoadError", "Session", "ValidationFailed", "compile_file", "load_file", "validate_file"]
