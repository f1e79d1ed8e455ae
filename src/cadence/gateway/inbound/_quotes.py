"""What a person newly wrote in a reply: quoted history and signature taken off the text."""

from __future__ import annotations

import re

_LONGEST_HEADER_LINE = 1_000

# "On Mon, 21 Dec 2026 at 09:02, Bob <bob@x> wrote:" in English, German, French and Spanish clients.
_ATTRIBUTION = re.compile(
    r"(?:on\s.{0,400}\bwrote"
    r"|am\s.{0,400}\bschrieb\b.{0,300}"
    r"|le\s.{0,400}\ba\s+[ée]crit"
    r"|el\s.{0,400}\bescribi[óo])\s*:",
    re.IGNORECASE,
)
# The same verbs without the opening word: trusted only right before quoted lines.
_LOOSE_ATTRIBUTION = re.compile(r".{0,400}\b(?:wrote|schrieb|a\s+[ée]crit|escribi[óo])\b.{0,300}:", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"\s*-{2,}\s*(?:original message|urspr[üu]ngliche nachricht|original-nachricht|message d['’]origine"
    r"|mensaje original|forwarded message|weitergeleitete nachricht|message transf[ée]r[ée]|mensaje reenviado)"
    r"\s*-{2,}\s*",
    re.IGNORECASE,
)
_FROM_LINE = re.compile(r"[\s*_]*(?:from|von|de|da)[\s*_]*:", re.IGNORECASE)
_SENT_LINE = re.compile(
    r"[\s*_]*(?:sent|date|gesendet|datum|envoy[ée]|enviado|fecha|inviato)[\s*_]*:", re.IGNORECASE
)
_RULE = re.compile(r"\s*_{5,}\s*")
_MOBILE_FOOTER = re.compile(
    r"(?:sent from my|sent from outlook|get outlook for|von meinem|gesendet von meinem|gesendet von outlook"
    r"|envoy[ée] de mon|envoy[ée] depuis mon|enviado desde mi)\b.{0,60}",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """``text`` without the history a reply quotes.

    Rules, on lines:

    * Outlook's header block (a ``From:`` line followed within five lines by
      ``Sent:``/``Date:``, in English, German, French or Spanish), an
      ``-----Original Message-----`` or forwarded-message separator, and a
      line of underscores right before such a block: everything from there is
      history.
    * An attribution line ("On ... wrote:", "Am ... schrieb ...:", "Le ... a
      écrit :", "El ... escribió:", possibly wrapped over three lines) that is
      followed by quoted lines or by nothing: when text comes before it, the
      rest is history; when it opens the message (bottom-posting or answers
      between the quotes), only the quoted lines go.
    * Every line starting with ``>``.

    Returns:
        The remaining lines, right-stripped, without leading or trailing empty
        lines and with at most one empty line in a row.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = lines[: _history_start(lines)]
    kept: list[str] = []
    index = 0
    while index < len(lines):
        span = _attribution(lines, index)
        if span:
            if any(line.strip() for line in kept):
                break
            index += span
            continue
        if not lines[index].lstrip().startswith(">"):
            kept.append(lines[index])
        index += 1
    return _tidy(kept)


def strip_signature(text: str) -> str:
    """``text`` without its signature: from the first ``-- `` line on, and a trailing "Sent from my iPhone".

    Returns:
        The remaining lines, tidied as by :func:`strip_quoted`.
    """
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.rstrip() == "--":
            lines = lines[:index]
            break
    while lines and not lines[-1].strip():
        lines.pop()
    if lines and _MOBILE_FOOTER.fullmatch(lines[-1].strip()):
        lines.pop()
    return _tidy(lines)


def _history_start(lines: list[str]) -> int:
    """Index of the first line of an Outlook-style history block (``len(lines)`` when there is none)."""
    for index, line in enumerate(lines):
        if len(line) > _LONGEST_HEADER_LINE:
            continue
        if _SEPARATOR.fullmatch(line):
            return index
        if _FROM_LINE.match(line) and any(_SENT_LINE.match(nxt) for nxt in lines[index + 1: index + 6]):
            start = index
            while start > 0 and (not lines[start - 1].strip() or _RULE.fullmatch(lines[start - 1])):
                start -= 1
            return start
    return len(lines)


def _attribution(lines: list[str], index: int) -> int:
    """How many lines (1 to 3) the attribution starting at ``index`` spans; 0 when there is none."""
    first = lines[index]
    if len(first) > _LONGEST_HEADER_LINE or first.lstrip().startswith(">"):
        return 0
    for span in (1, 2, 3):
        if index + span > len(lines):
            return 0
        last = lines[index + span - 1]
        if span > 1 and (not last.strip() or last.lstrip().startswith(">")):
            return 0
        joined = " ".join(line.strip() for line in lines[index: index + span])
        if len(joined) > _LONGEST_HEADER_LINE:
            return 0
        if not joined.endswith(":"):
            continue
        strict = _ATTRIBUTION.fullmatch(joined)
        if not (strict or _LOOSE_ATTRIBUTION.fullmatch(joined)):
            continue
        following = next((lines[i] for i in range(index + span, len(lines)) if lines[i].strip()), None)
        if following is not None and following.lstrip().startswith(">"):
            return span
        if following is None and strict:
            return span
    return 0


def _tidy(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        line = line.rstrip()
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


__all__ = ["strip_quoted", "strip_signature"]
