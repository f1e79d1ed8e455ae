"""The return date an out-of-office reply states, in English, German, French or Spanish."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Literal

_MONTH_NAMES = (
    "january jan januar jänner jaenner janvier janv enero ene",
    "february feb februar feber février fevrier févr fevr febrero",
    "march mar märz maerz mär mrz mars marzo",
    "april apr avril avr abril abr",
    "may mai mayo",
    "june jun juni juin junio",
    "july jul juli juillet juil julio",
    "august aug août aout agosto ago",
    "september sep sept septembre septiembre setiembre",
    "october oct oktober okt octobre octubre",
    "november nov novembre noviembre",
    "december dec dezember dez décembre decembre déc diciembre dic",
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names.split()}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_SUFFIX = r"(?:st|nd|rd|th|er|e|º|°|\.)?"
_DATE = re.compile(
    rf"""(?<![\w.,/-])(?:
        (?P<iso_y>\d{{4}})-(?P<iso_m>\d{{1,2}})-(?P<iso_d>\d{{1,2}})(?![\w-])
      | (?P<dot_d>\d{{1,2}})\.\s?(?P<dot_m>\d{{1,2}})\.(?:\s?(?P<dot_y>\d{{4}}|\d{{2}})(?!\d))?(?!\w|\.\d)
      | (?P<sl_a>\d{{1,2}})/(?P<sl_b>\d{{1,2}})/(?P<sl_y>\d{{4}}|\d{{2}})(?![\w/])
      | (?P<dm_d>\d{{1,2}})(?!\d){_SUFFIX}\s*(?:of\s+|de\s+)?(?P<dm_m>{_MONTH})\b\.?
        (?:,?\s*(?:de\s+)?(?P<dm_y>\d{{4}})(?!\d))?
      | (?P<md_m>{_MONTH})\b\.?\s*(?P<md_d>\d{{1,2}})(?!\d)(?!{_SUFFIX}\s*(?:of\s+|de\s+)?(?:{_MONTH})\b)
        (?:st|nd|rd|th)?\b(?:,?\s+(?P<md_y>\d{{4}})(?!\d))?
    )""",
    re.IGNORECASE | re.VERBOSE,
)

# The date is the day the person is back ...
_RETURN_CUE = re.compile(
    r"\b(?:back|return(?:s|ing)?|resum(?:e|es|ing)"
    r"|ab|wieder|zurück|zurueck|rückkehr|rueckkehr|nicht\s+vor"
    r"|retour|rentre(?:rai)?|reviens|reviendrai|à\s+partir\s+du|a\s+partir\s+du|à\s+compter\s+du|dès"
    r"|vuelta|regreso|regresaré|regresare|vuelvo|volveré|volvere|a\s+partir\s+del?|no\s+antes\s+del?)\b",
    re.IGNORECASE,
)
# ... or the last day away.
_UNTIL_CUE = re.compile(r"\b(?:until|till|til|through|thru|bis|hasta|jusque)\b|\bjusqu['’]\s*(?:au\b|à|a\b)?",
                        re.IGNORECASE)
_RANGE_END = re.compile(r"\b(?:to|au|al)\b", re.IGNORECASE)
_RANGE_START = re.compile(r"\b(?:from|vom|von|du|del|desde)\b", re.IGNORECASE)
# English and Spanish "not ... until X" ("won't be back until X", "no vuelvo hasta X") mean back on X itself;
# German "nicht ... bis X" and French "pas ... jusqu'au X" still mean away through X.
_NOT_UNTIL = frozenset({"until", "till", "til", "hasta"})
_NEGATION = re.compile(r"\b(?:not|never|no)\b|n['’]t\b", re.IGNORECASE)
# German puts the verb after the date: "Am 11. Januar bin ich wieder im Büro."
_TRAILING_RETURN = re.compile(r"\s*(?:[^\s\d.!?;]+\s+){0,4}?(?:wieder|zurück|zurueck)\b", re.IGNORECASE)
_MONTH_WORD = re.compile(rf"\b(?:{_MONTH})\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[!?;]|\n[ \t]*\n|\.(?=\s+[^\W\d_])")

_CLAUSE_CHARS = 160
_MAX_GAP_WORDS = 6
_NEGATION_WORDS = 5

Cue = Literal["return", "until"]


def find_return_date(text: str, now: datetime) -> date | None:
    """The day the writer of an out-of-office text is back, or ``None`` when the text does not say.

    A date counts only after a cue in the same sentence, at most six words
    before it: a return cue ("back on", "returning", "Return date:", "ab dem",
    "wieder am", "de retour le", "à partir du", "de vuelta el", "a partir
    del", ...) makes it the return date; an until cue ("until", "through",
    "bis", "jusqu'au", "hasta", "from X to", "vom X bis", "du X au", "del X
    al") makes it the last day away, so the return date is the day after;
    but English and Spanish "not ... until X" within five words ("won't be back
    until X", "no vuelvo hasta X") mean back on X itself. German "am 11.
    Januar wieder im Büro" (cue after the date) counts too. Dates without a
    cue are ignored, and so are weekdays alone ("back on Monday").

    Formats: ``2027-01-14``; ``14.01.2027``, ``14.01.27``, ``14.01.``;
    ``14/01/2027`` (day first unless the first number cannot be a month:
    ``01/14/2027``; ``01/02/2027`` is ambiguous and ignored); ``14 January``,
    ``14th of January 2027``, ``14. Januar``, ``1er janvier``, ``14 de enero
    de 2027``; ``January 14th``, ``Jan 14, 2027``; month names and common
    abbreviations in the four languages. A date without a year is the next
    such date on or after ``now``'s date.

    Returns:
        The latest return date that is after ``now``'s date (in ``now``'s own
        time zone) and at most a year later; ``None`` when there is none.
    """
    today = now.date()
    limit = _add_year(today)
    found: list[date] = []
    for match in _DATE.finditer(text):
        cue = _cue_before(text, match.start()) or _cue_after(text, match.end())
        if cue is None:
            continue
        day = _resolve(match, today)
        if day is None:
            continue
        back = day if cue == "return" else day + timedelta(days=1)
        if today < back <= limit:
            found.append(back)
    return max(found, default=None)


def _cue_before(text: str, start: int) -> Cue | None:
    clause = _clause(text[max(0, start - _CLAUSE_CHARS): start])
    nearest: tuple[int, int, Cue] | None = None
    for kind, pattern in (("return", _RETURN_CUE), ("until", _UNTIL_CUE)):
        for m in pattern.finditer(clause):
            if nearest is None or m.end() > nearest[1]:
                nearest = (m.start(), m.end(), kind)
    for m in _RANGE_END.finditer(clause):
        if (nearest is None or m.end() > nearest[1]) and _ends_range(clause[: m.start()]):
            nearest = (m.start(), m.end(), "until")
    if nearest is None:
        return None
    cue_start, cue_end, kind = nearest
    gap = clause[cue_end:]
    if any(c.isdigit() for c in gap) or len(gap.split()) > _MAX_GAP_WORDS:
        return None
    if (kind == "until" and clause[cue_start:cue_end].lower() in _NOT_UNTIL
            and _NEGATION.search(" ".join(clause[:cue_start].split()[-_NEGATION_WORDS:]))):
        return "return"
    return kind


def _ends_range(before: str) -> bool:
    """Whether ``before`` opens a range whose end follows: "from 2 January", "du 2", "del 2"."""
    starts = list(_RANGE_START.finditer(before))
    if not starts:
        return False
    between = before[starts[-1].end():]
    return any(c.isdigit() for c in between) or _MONTH_WORD.search(between) is not None


def _cue_after(text: str, end: int) -> Cue | None:
    return "return" if _TRAILING_RETURN.match(text, end, end + _CLAUSE_CHARS) else None


def _clause(before: str) -> str:
    """The part of ``before`` in the same sentence as what follows it."""
    start = 0
    for m in _SENTENCE_END.finditer(before):
        if m.group(0) != "." or before[m.end():].lstrip()[:1].isupper():
            start = m.end()
    return before[start:]


def _resolve(match: re.Match[str], today: date) -> date | None:
    """The date ``match`` names; without a year, the next one on or after ``today``."""
    found = _day_month_year(match)
    if found is None:
        return None
    day, month, year = found
    years = (year,) if year is not None else (today.year, today.year + 1)
    for candidate_year in years:
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if year is not None or candidate >= today:
            return candidate
    return None


def _day_month_year(match: re.Match[str]) -> tuple[int, int, int | None] | None:
    g = match.groupdict()

    def year(name: str) -> int | None:
        text = g[name]
        return None if not text else 2000 + int(text) if len(text) == 2 else int(text)

    if g["iso_y"]:
        return int(g["iso_d"]), int(g["iso_m"]), year("iso_y")
    if g["dot_d"]:
        return int(g["dot_d"]), int(g["dot_m"]), year("dot_y")
    if g["sl_a"]:
        a, b = int(g["sl_a"]), int(g["sl_b"])
        if a == b or b > 12:
            return b, a, year("sl_y")
        return (a, b, year("sl_y")) if a > 12 else None
    if g["dm_d"]:
        return int(g["dm_d"]), _month(g["dm_m"]), year("dm_y")
    return int(g["md_d"]), _month(g["md_m"]), year("md_y")


def _month(name: str) -> int:
    """The month of a name the pattern matched; 0 for a case-insensitive look-alike outside the table."""
    return _MONTHS.get(name.lower(), 0)


def _add_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


__all__ = ["find_return_date"]
