"""Located errors and warnings of cadence files, printed gcc-style."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class _Located:
    """What errors and warnings share: where in which file, what, and how to fix it."""

    file: str
    """Path of the cadence file as given by the user."""
    line: int
    """1-based line of the YAML node concerned (0 when the whole file is concerned)."""
    column: int
    """1-based column of that node."""
    path: str
    """JSON path of the node, like ``$.steps[3].gate[0]``."""
    message: str
    """What is wrong, in words a marketer can act on."""
    hint: str = ""
    """How to fix it, when there is something useful to say."""
    severity: ClassVar[str] = ""

    def render(self) -> str:
        """Return ``file:line:col: SEVERITY: message (hint: ...)`` on one line (a warning ends with its ``[id]``)."""
        text = f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        rule = getattr(self, "rule", "")
        if rule:
            text += f" [{rule}]"
        return " ".join(text.splitlines())

    def to_dict(self) -> dict[str, Any]:
        """Return it as JSON-ready data."""
        return asdict(self)

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True)
class CadenceError(_Located):
    """One problem in a cadence file, with where it is and how to fix it."""

    severity: ClassVar[str] = "error"
    """``error``: the file cannot be compiled (a class constant, not part of :meth:`to_dict`)."""


@dataclass(frozen=True)
class CadenceWarning(_Located):
    """Something in a valid cadence file that works against what works in B2B nurture.

    The file compiles and runs; the warning says what was found, what is
    expected and how to fix it, and carries the id (``rule``) that silences it
    in the file (``lint: {silence: {ID: "why"}}``).
    """

    rule: str = ""
    """The warning's stable id, like ``few-touches``."""
    severity: ClassVar[str] = "warning"
    """``warning``: the file still compiles (a class constant, not part of :meth:`to_dict`)."""


class ValidationFailed(Exception):
    """A cadence file (or a track it uses) is invalid; ``errors`` lists every problem."""

    def __init__(self, errors: list[CadenceError]) -> None:
        self.errors = errors
        count = len(errors)
        lines = "\n".join(e.render() for e in errors)
        super().__init__(f"invalid cadence ({count} error{'s' if count != 1 else ''}):\n{lines}")


def sort_key(error: CadenceError | CadenceWarning) -> tuple[str, int, int, str, str]:
    """Order errors (or warnings) by file, then position, then text (stable output)."""
    return (error.file, error.line, error.column, error.path, error.message)


__all__ = ["CadenceError", "CadenceWarning", "ValidationFailed", "sort_key"]
