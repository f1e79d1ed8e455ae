"""Mutated but valid cadences run to an outcome: no input that validates can wedge a lead."""

from __future__ import annotations

import copy
import random
import uuid
from pathlib import Path
from typing import Any

import yaml

from cadence.dsl.compiler import compile_file
from cadence.dsl.errors import ValidationFailed
from cadence.dsl.loader import load_file
from cadence.lead import parse_lead

ROOT = Path(__file__).resolve().parents[2]
# cadence's own loader: PyYAML alone would read the key `on:` as the boolean true.
SHIPPED = {p.stem: load_file(p).data for p in sorted((ROOT / "cadences").glob("*.yaml"))}
DURATIONS = ["0 days", "1 minute", "3 hours", "1 day", "2 business days", "9 days", "2 weeks"]
WINDOWS = ["mon-fri 09:00-17:00", "tue,thu 10:00-11:00", "sat-sun 08:00-20:00", "mon-sun 00:00-24:00"]


def mutate(rng: random.Random, data: dict[str, Any]) -> dict[str, Any]:
    """A few random edits of the kinds marketers make; most keep the cadence valid."""
    data = copy.deepcopy(data)
    steps = data["steps"]
    for _ in range(rng.randint(1, 4)):
        choice = rng.randrange(8)
        step = rng.choice(steps)
        if choice == 0 and "wait" in step:
            step["wait"] = rng.choice(DURATIONS)
        elif choice == 1 and "schedule" in data:
            data["schedule"]["business_hours"] = rng.choice(WINDOWS)
        elif choice == 2 and data.get("on"):
            data["on"].pop(rng.choice(sorted(data["on"])), None)
        elif choice == 3 and "gate" in step and len(step["gate"]) > 2:
            rules = step["gate"][:-1]
            rng.shuffle(rules)
            step["gate"] = rules + step["gate"][-1:]
        elif choice == 4 and "loop" in step:
            step["loop"]["times"] = rng.randint(1, 4)
            step["loop"]["every"] = rng.choice(DURATIONS[1:])
        elif choice == 5 and ("call" in step or "voicemail" in step):
            task = step.get("call") or step.get("voicemail")
            if isinstance(task, dict):
                task["due"] = rng.choice(DURATIONS[1:])
        elif choice == 6:
            data.pop("prequalify", None)
        elif choice == 7 and "acceptance" in data:
            data["acceptance"]["deadline"] = rng.choice(DURATIONS[1:])
    return data


async def test_mutated_valid_cadences_run_to_an_outcome(rig, tmp_path: Path):
    rng = random.Random(20261123)
    (tmp_path / "templates").symlink_to(ROOT / "templates")
    folder = tmp_path / "cadences"
    folder.mkdir()
    for name, data in SHIPPED.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    ran = 0
    for index in range(24):
        name = rng.choice(sorted(n for n in SHIPPED if n != "stale-monthly"))
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump(mutate(rng, SHIPPED[name]), sort_keys=False))
        try:
            plan = compile_file(path)
        except ValidationFailed:
            continue
        finally:
            path.write_text(yaml.safe_dump(SHIPPED[name], sort_keys=False))
        lead = parse_lead({"id": f"F-{index}-{uuid.uuid4().hex[:6]}", "first_name": "Fuzz", "last_name": "Lead",
                           "email": "fuzz@prospect.example", "phone": "+1 312 555 0142", "company": "Prospect Inc",
                           "owner": "dana@seller.example", "timezone": rng.choice(["America/Chicago", "Asia/Tokyo"]),
                           "address_line1": "1 Main St", "city": "Chicago", "postal_code": "60601"})
        started = await rig.enroll(plan, lead)
        result = await started.handle.result()
        assert result["outcome"] in ("handoff", "disqualified"), (name, result)
        assert result["reason"]
        ran += 1
    assert ran >= 12  # most edits keep a cadence valid; every valid one ended properly
