"""Located errors of cadence files, printed gcc-style."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class CadenceError:
    """One problem in a cadence file, with where it is and how to fix it."""

    file: str
    """Path of the cadence file as given by the user."""
    line: int
    """1-based line of the offending YAML node (0 when the whole file is concerned)."""
    column: int
    """1-based column of the offending YAML node."""
    path: str
    """JSON path of the node, like ``$.steps[3].gate[0]``."""
    message: str
    """What is wrong, in words a marketer can act on."""
    hint: str = ""
    """How to fix it, when there is something useful to say."""

    def render(self) -> str:
        """Return ``file:line:col: error: message (hint: ...)`` on one line."""
        text = f"{self.file}:{self.line}:{self.column}: error: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return " ".join(text.splitlines())

    def to_dict(self) -> dict[str, Any]:
        """Return the error as JSON-ready data."""
        return asdict(self)

    def __str__(self) -> str:
        return self.render()


class ValidationFailed(Exception):
    """A cadence file (or a track it uses) is invalid; ``errors`` lists every problem."""

    def __init__(self, errors: list[CadenceError]) -> None:
        self.errors = errors
        count = len(errors)
        lines = "\n".join(e.render() for e in errors)
        super().__init__(f"invalid cadence ({count} error{'s' if count != 1 else ''}):\n{lines}")


def sort_key(error: CadenceError) -> tuple[str, int, int, str, str]:
    """Order errors by file, then position, then text (stable output)."""
    return (error.file, error.line, error.column, error.path, error.message)


__all__ = ["CadenceError", "ValidationFailed", "sort_key"]
