"""The Mermaid flowchart of a plan."""

from __future__ import annotations

from cadence.dsl import compile_file
from cadence.dsl.mermaid import escape, to_mermaid
from tests.dsl.helpers import GOOD, run_cli

EXPECTED_SIMPLE = """\
flowchart TD
  start(["start: simple-welcome"])
  s0["email: welcome"]
  s1{"gate: check"}
  s2(["disqualify: give-up"])
  events(("any time"))
  x0(["hand off to {{ lead.owner }}"])
  x1(["disqualify: no_response"])
  x2(["disqualify: opted_out"])
  start --> s0
  s0 -->|"wait 3 days"| s1
  s1 -->|"engaged"| x0
  s1 -->|"else"| s2
  s2 --> x1
  events -.->|"on unsubscribe"| x2
"""


def test_simple_flowchart() -> None:
    assert to_mermaid(compile_file(GOOD / "simple.yaml")) == EXPECTED_SIMPLE


def test_enterprise_flowchart_shows_waits_rules_loops_and_exits() -> None:
    text = to_mermaid(compile_file(GOOD / "enterprise-nurture.yaml"))
    assert text.startswith("flowchart TD\n")
    assert '  s5{"gate: reassess"}' in text
    assert """  s5 -->|"qualified_count #gt;= 8 and 'decision_maker_engaged' in qualified"| x0""" in text
    assert '  s6 -->|"every 14 days, up to 3 times"| s1' in text
    assert '  s1 -->|"wait 5 days"| s2' in text
    assert '  x2(["long-term track: stale-monthly"])' in text
    assert '  events -.->|"on reply"| s5' in text
    assert '  s0 -->|"outcome: wrong_number"| x1' in text


def test_escape() -> None:
    assert escape('a "b" | <c>\n  d & e') == "a #quot;b#quot; #124; #lt;c#gt; d #amp; e"


def test_cli_mermaid(capsys) -> None:
    code, out, _err = run_cli(capsys, "compile", str(GOOD / "simple.yaml"), "--format", "mermaid")
    assert code == 0
    assert out == EXPECTED_SIMPLE
