"""The behaviour model: its file format, overrides, and one-line errors with key paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadence import ir
from cadence.simulate import (
    Behaviour,
    BehaviourError,
    Delay,
    behaviour_to_dict,
    parse_behaviour,
    read_behaviour,
)


def write(tmp_path: Path, text: str, name: str = "buyers.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_sets_what_it_names_and_keeps_the_defaults_for_the_rest(tmp_path):
    path = write(tmp_path, """\
email:
  reply: 5%
  delay: [2 hours, 3 business days]
call: {connect: 0.25, learn: 1}
reps:
  capacity: 25
  capacities: {queue:sales-managers: 100}
  delay: 30 minutes
  timezone: America/Chicago
sales: {accept: 0.5, delay: 4 hours}
""")
    behaviour = read_behaviour(path)
    assert behaviour.email.reply == 0.05
    assert behaviour.email.bounce == Behaviour().email.bounce
    assert behaviour.email.delay == Delay(ir.Duration(2, "hours"), ir.Duration(3, "business_days"))
    assert (behaviour.call.connect, behaviour.call.learn, behaviour.call.meeting) == (0.25, 1.0, 0.2)
    assert behaviour.reps.capacity_of("queue:sales-managers") == 100
    assert behaviour.reps.capacity_of("dana@seller.example") == 25
    assert (behaviour.reps.delay, behaviour.reps.timezone) == (ir.Duration(30, "minutes"), "America/Chicago")
    assert behaviour.sales.delay == Delay(ir.Duration(4, "hours"), ir.Duration(4, "hours"))
    assert str(behaviour.sales.delay) == "4 hours" and str(behaviour.email.delay) == "2 hours to 3 business days"


def test_an_empty_file_or_none_means_the_defaults(tmp_path):
    assert read_behaviour(write(tmp_path, "# nothing yet\n\n")) == Behaviour()
    assert read_behaviour(None) == Behaviour()
    assert parse_behaviour(None) == Behaviour()


def test_every_problem_is_named_with_its_place_and_key_path_on_one_line(tmp_path):
    path = write(tmp_path, """\
email:
  reply: 1.5
  replies: 0.1
emial:
  reply: 0.1
call: {meeting: 0.7, not_interested: 50%}
reps:
  capacity: -3
sales:
  delay: [3 days, 1 hour]
""")
    with pytest.raises(BehaviourError) as caught:
        read_behaviour(path)
    where = str(path)
    assert caught.value.problems == [
        f"{where}:2:10: email.reply: 1.5 is not a probability; write a number from 0 to 1 (like 0.05) "
        "or a percentage (like '5%')",
        f"{where}:3:3: email.replies: unknown setting (did you mean 'reply'?); "
        "expected one of: reply, bounce, unsubscribe, delay",
        f"{where}:4:1: emial: unknown section (did you mean 'email'?); "
        "expected one of: email, call, voicemail, letter, reps, sales",
        f"{where}:6:1: call: meeting (0.7) and not_interested (0.5) add up to more than 1",
        f"{where}:8:13: reps.capacity: -3 is not a whole number of tasks from 0 to 100,000",
        f"{where}:10:10: sales.delay: 3 days is longer than 1 hour; write the earliest first",
    ]
    assert str(caught.value).startswith(f"6 problems: {where}:2:10: email.reply: ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("text", "message"), [
    ("email: [1]\n", "buyers.yaml:1:8: email: expected a mapping of settings, got a list"),
    ("- email\n", "buyers.yaml:1:1: a behaviour is a mapping of sections (email, call, voicemail, letter, reps, sales), "
                  "got a list"),
    ("email: {delay: soon}\n", "buyers.yaml:1:16: email.delay: 'soon' is not a duration; write a number and a unit, "
                               "like '5 days' or '3 business days'"),
    ("email: {delay: [1 hour]}\n", "buyers.yaml:1:16: email.delay: write one duration ('2 days') or two, the earliest "
                                   "and the latest ([1 hour, 3 days]); got 1 items"),
    ("reps: {timezone: Mars/Base}\n",
     "buyers.yaml:1:18: reps.timezone: 'Mars/Base' is not an IANA time zone (like America/Chicago)"),
    ("reps: {capacities: {dana: lots}}\n", "buyers.yaml:1:20: reps.capacities: capacity of dana: 'lots' is not a whole number "
                                           "of tasks from 0 to 100,000"),
    ("a: &x 1\nb: *x\n",
     "buyers.yaml:2:4: YAML alias '*x' is not allowed (write the value out instead of referring to an anchor)"),
    ("email: {reply: 0.1}\nemail: {reply: 0.2}\n", "buyers.yaml:2:1: duplicate key 'email' (first written at line 1) "
                                                   "(each field may appear only once in a mapping; merge or remove one)"),
])
def test_one_line_errors(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, text)
    with pytest.raises(BehaviourError) as caught:
        read_behaviour(Path("buyers.yaml"))
    assert str(caught.value) == message


def test_a_missing_file_or_a_directory(tmp_path):
    with pytest.raises(BehaviourError, match=r"^nope\.yaml: file not found$"):
        read_behaviour(Path("nope.yaml"))
    with pytest.raises(BehaviourError, match=r": is a directory, not a behaviour file$"):
        read_behaviour(tmp_path)


def test_overrides_apply_on_top_of_the_file(tmp_path):
    path = write(tmp_path, "email: {reply: 0.1, bounce: 0.0}\n")
    behaviour = read_behaviour(path, ["email.reply=0.3", "call.connect=8%", "email.delay=[1 hour, 2 days]",
                                      "reps.capacities={dana: 3}"])
    assert (behaviour.email.reply, behaviour.email.bounce, behaviour.call.connect) == (0.3, 0.0, 0.08)
    assert behaviour.reps.capacities == (("dana", 3),)


@pytest.mark.parametrize(("override", "message"), [
    ("email.reply=2",
     "--set email.reply: 2 is not a probability; write a number from 0 to 1 (like 0.05) or a percentage (like '5%')"),
    ("email=0.1", "--set 'email=0.1': write section.key=value, like email.reply=0.05"),
    ("email.reply", "--set 'email.reply': write section.key=value, like email.reply=0.05"),
    ("emails.reply=0.1", "--set emails: unknown section (did you mean 'email'?); expected one of: email, call, voicemail, "
                         "letter, reps, sales"),
    ("reps.capacity=true", "--set reps.capacity: True is not a whole number of tasks from 0 to 100,000"),
])
def test_override_errors(override, message):
    with pytest.raises(BehaviourError) as caught:
        read_behaviour(None, [override])
    assert str(caught.value) == message


def test_a_behaviour_reads_back_from_its_own_data():
    behaviour = read_behaviour(None, ["email.delay=[2 hours, 1 business day]", "reps.capacities={queue:sdr: 80}",
                                      "sales.accept=0.25"])
    assert parse_behaviour(behaviour_to_dict(behaviour)) == behaviour
    assert behaviour_to_dict(Behaviour())["email"] == {"reply": 0.02, "bounce": 0.02, "unsubscribe": 0.003,
                                                       "delay": ["1 hour", "2 days"]}
