"""Return dates read from out-of-office text: formats, cues, the until rule, the one-year window."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from cadence.gateway.inbound import find_return_date

NOW = datetime(2026, 12, 21, 9, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "expected"), [
    # English
    ("I will be back on 14 January.", date(2027, 1, 14)),
    ("I'm back on Thursday, 14th of January 2027.", date(2027, 1, 14)),
    ("Returning January 14th.", date(2027, 1, 14)),
    ("I return on Jan. 14, 2027.", date(2027, 1, 14)),
    ("Return date: 2027-01-14", date(2027, 1, 14)),
    ("I'll be back in the office on 2027-01-14.", date(2027, 1, 14)),
    ("I am out of the office until 14.01.2027.", date(2027, 1, 15)),
    ("Out until January 14.", date(2027, 1, 15)),
    ("On holiday through 14/01/2027.", date(2027, 1, 15)),
    ("Away from 2 January to 14 January.", date(2027, 1, 15)),
    ("I won't be back until 14 January.", date(2027, 1, 14)),
    ("I will not be checking email until January 14.", date(2027, 1, 14)),
    ("Back on 01/14/2027.", date(2027, 1, 14)),
    # German
    ("Ab dem 14. Januar bin ich wieder erreichbar.", date(2027, 1, 14)),
    ("Ich bin ab 14.01. wieder im Büro.", date(2027, 1, 14)),
    ("Am 14. Januar 2027 bin ich wieder im Büro.", date(2027, 1, 14)),
    ("Ich bin bis zum 13. Jänner nicht im Haus.", date(2027, 1, 14)),
    ("Ich bin bis 13.1.27 im Urlaub.", date(2027, 1, 14)),
    ("Ich bin nicht im Büro bis 13. Januar.", date(2027, 1, 14)),
    ("Vom 2. bis 13. Januar bin ich nicht erreichbar.", date(2027, 1, 14)),
    ("Ich bin bis einschließlich 8. Januar 2027 nicht im Büro. Ab dem 11. Januar bin ich wieder erreichbar.",
     date(2027, 1, 11)),
    # French
    ("Je serai de retour le 14 janvier.", date(2027, 1, 14)),
    ("De retour le jeudi 14 janvier 2027.", date(2027, 1, 14)),
    ("Je suis absent jusqu'au 13 janvier inclus.", date(2027, 1, 14)),
    ("Absente jusqu’au 1er février.", date(2027, 2, 2)),
    ("En congé du 2 au 13 janvier.", date(2027, 1, 14)),
    ("Joignable à partir du 14 janv.", date(2027, 1, 14)),
    # Spanish
    ("Estaré fuera de la oficina hasta el 14 de enero.", date(2027, 1, 15)),
    ("Estaré de vuelta el 14 de enero de 2027.", date(2027, 1, 14)),
    ("No vuelvo hasta el 14 de enero.", date(2027, 1, 14)),
    ("De vacaciones del 2 al 13 de enero.", date(2027, 1, 14)),
    ("Regresaré el lunes 11 de enero.", date(2027, 1, 11)),
    ("Hasta el mar. 12 de enero.", date(2027, 1, 13)),
])
def test_return_dates(text: str, expected: date) -> None:
    assert find_return_date(text, NOW) == expected


@pytest.mark.parametrize("text", [
    "I'm travelling with limited access to email and will get back to you soon.",
    "I am away. 14 January is my birthday.",  # no cue in the date's sentence
    "Our office party is on 14 January.",
    "Back on 01/02/2027.",  # day and month could be either
    "Back on 14 Januray.",
    "Back on 31 February.",
    "Back on 2026-12-21.",  # today: not after now
    "Back on 2026-12-01.",  # past
    "Back on 2028-01-14.",  # more than a year ahead
    "Back soon; call me at 030 1234 5678.",
    "",
])
def test_no_return_date(text: str) -> None:
    assert find_return_date(text, NOW) is None


def test_a_date_without_a_year_is_the_next_one_on_or_after_now() -> None:
    assert find_return_date("Back on 2 December.", NOW) == date(2027, 12, 2)
    assert find_return_date("Back on 22 December.", NOW) == date(2026, 12, 22)
    # "until today" means back tomorrow.
    assert find_return_date("Out until 21 December.", NOW) == date(2026, 12, 22)
    # "until yesterday" is next year's, back the day after: exactly a year ahead still counts.
    assert find_return_date("Out until 20 December.", NOW) == date(2027, 12, 21)


def test_the_window_is_after_today_and_at_most_a_year_ahead() -> None:
    assert find_return_date("Back on 2026-12-22.", NOW) == date(2026, 12, 22)
    assert find_return_date("Back on 2027-12-21.", NOW) == date(2027, 12, 21)
    assert find_return_date("Back on 2027-12-22.", NOW) is None


def test_the_latest_return_date_wins() -> None:
    text = "I'm travelling until 5 January, then on holiday until 20 January."
    assert find_return_date(text, NOW) == date(2027, 1, 21)


def test_now_is_read_in_its_own_time_zone() -> None:
    late_evening = datetime(2026, 12, 21, 23, 30, tzinfo=timezone(timedelta(hours=-8)))
    # It is already 22 December in UTC, but still the 21st where "now" was taken.
    assert find_return_date("Back on 22 December.", late_evening) == date(2026, 12, 22)
    assert find_return_date("Back on 22 December.", NOW.replace(tzinfo=None)) == date(2026, 12, 22)
