"""The packed plan a lead's input carries from interpreter generation 2 on (ir.plan_for_input)."""

from __future__ import annotations

import base64
import dataclasses
import json
import zlib
from pathlib import Path

import pytest

from cadence import ir
from cadence.dsl import compile_file

ROOT = Path(__file__).resolve().parents[2]


def _plan(name: str) -> ir.Plan:
    return compile_file(ROOT / "cadences" / f"{name}.yaml")


def _packed(text: bytes) -> dict[str, str]:
    return {ir.PACKED: base64.b64encode(text).decode("ascii")}


@pytest.mark.parametrize("name", ["enterprise-nurture", "inbound-fast-follow", "stale-monthly", "benchmark-seven-touch"])
def test_a_packed_plan_is_a_third_of_its_json_and_reads_back_as_the_same_version(name: str) -> None:
    plan = _plan(name)
    packed = json.loads(json.dumps(ir.plan_for_input(plan)))  # what the workflow's input decodes to
    assert list(packed) == [ir.PACKED]
    assert ir.plan_from_dict(packed) == plan
    assert ir.unpacked(packed) == json.loads(json.dumps(ir.plan_to_wire(plan)))
    assert len(json.dumps(packed)) < 0.5 * len(json.dumps(ir.plan_to_wire(plan)))


def test_enterprise_nurture_packs_from_32_to_11_kib() -> None:
    plan = _plan("enterprise-nurture")
    assert len(json.dumps(ir.plan_to_wire(plan), separators=(",", ":"))) > 30_000
    assert len(json.dumps(ir.plan_for_input(plan), separators=(",", ":"))) < 12_000


def test_leads_on_one_packed_version_share_one_parsed_plan() -> None:
    plan = _plan("stale-monthly")
    first = ir.plan_for_input(plan)
    second = json.loads(json.dumps(first))  # another lead's input: the same text, another object
    assert first == second and first[ir.PACKED] is not second[ir.PACKED]
    assert ir.plan_from_dict_cached(first) is ir.plan_from_dict_cached(second)
    # A track switch carries the parent's tracks: different content, a different plan, never the cached one.
    switched = dataclasses.replace(plan, tracks=(_plan("benchmark-seven-touch"),))
    assert ir.plan_from_dict_cached(ir.plan_for_input(switched)) == switched


def test_a_plan_is_compressed_once_however_often_its_leads_continue_as_new(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = dataclasses.replace(_plan("stale-monthly"))  # an object no other test packed
    compressed: list[int] = []
    real = ir.zlib.compress

    def counting(data: bytes, level: int = -1) -> bytes:
        compressed.append(len(data))
        return real(data, level)

    monkeypatch.setattr(ir.zlib, "compress", counting)
    first = ir.plan_for_input(plan)
    assert [ir.plan_for_input(plan) for _ in range(3)] == [first] * 3
    assert len(compressed) == 1
    # An equal plan in another object is packed to the same text; a changed one to its own.
    assert ir.plan_for_input(dataclasses.replace(plan)) == first
    changed = dataclasses.replace(plan, name="stale-monthly-2")
    assert ir.plan_from_dict(ir.plan_for_input(changed)) == changed
    assert len(compressed) == 3


def test_plain_plan_data_of_older_leads_still_reads() -> None:
    plan = _plan("stale-monthly")
    assert ir.plan_from_dict_cached(ir.plan_to_wire(plan)) == plan
    assert ir.plan_from_dict(ir.plan_to_dict(plan)) == plan
    assert ir.unpacked({"format": 1}) == {"format": 1}
    assert ir.unpacked({ir.PACKED: "x", "format": 1}) == {ir.PACKED: "x", "format": 1}  # not a packed plan: as it is


def test_a_plan_no_worker_would_unpack_is_not_packed() -> None:
    plan = _plan("stale-monthly")
    huge = dataclasses.replace(plan, templates=(ir.TemplateSource("huge.txt", "x" * ir.MAX_PLAN_BYTES),))
    with pytest.raises(ValueError) as caught:
        ir.plan_for_input(huge)
    assert str(caught.value) == "the compiled plan of stale-monthly is over 16 MiB of JSON; split it into smaller cadences"


@pytest.mark.parametrize(("packed", "message"), [
    ({ir.PACKED: "not base64!"},
     "a packed plan is not base64 of zlib-compressed JSON: Only base64 data is allowed"),
    (_packed(b"plain bytes"),
     "a packed plan is not base64 of zlib-compressed JSON: Error -3 while decompressing data: incorrect header check"),
    (_packed(zlib.compress(b'{"format": 1')[:-6]), "a packed plan is cut short"),
    (_packed(zlib.compress(b"\xff\xfe")),
     "a packed plan is not base64 of zlib-compressed JSON: 'utf-8' codec can't decode byte 0xff in position 0: "
     "invalid start byte"),
    (_packed(zlib.compress(b'{"format": ')),
     "a packed plan is not base64 of zlib-compressed JSON: Expecting value: line 1 column 12 (char 11)"),
    (_packed(zlib.compress(b" " * (ir.MAX_PLAN_BYTES + 1))),
     f"a packed plan unpacks to more than {ir.MAX_PLAN_BYTES} bytes"),
    (_packed(zlib.compress(b'["a list"]')), "not a cadence plan of format 1"),
])
def test_a_damaged_or_hostile_packed_plan_is_refused_with_one_line(packed: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        ir.plan_from_dict(packed)
    assert str(caught.value) == message



def _cadence_of_big_templates(folder: Path, templates: int, size: int) -> Path:
    """A valid cadence of ``templates`` email steps, each with its own template of ``size`` bytes."""
    (folder / "templates" / "emails").mkdir(parents=True)
    steps = []
    for i in range(templates):
        (folder / "templates" / "emails" / f"big{i}.html.j2").write_text("<p>" + "x" * (size - 8) + "</p>\n")
        steps.append(f"  - id: e{i}\n    email: {{template: emails/big{i}.html.j2, subject: Hello}}\n    wait: 1 day\n")
    cadence = folder / "big.yaml"
    cadence.write_text("cadence: big\nschedule: {timezone: UTC}\ndisqualify_reasons: [no_response]\nsteps:\n"
                       + "".join(steps) + "  - id: bye\n    disqualify: no_response\n")
    return cadence


def test_a_template_over_a_mebibyte_is_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cadence.cli.main import main
    from cadence.dsl.validator import MAX_TEMPLATE_BYTES

    cadence = _cadence_of_big_templates(tmp_path, 1, MAX_TEMPLATE_BYTES + 1)
    assert main(["validate", str(cadence)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{cadence}:6:23: error: steps[0].email.template: template 'emails/big0.html.j2' is larger than 1024 KiB "
        "(hint: link large images and documents instead of embedding them)")


def test_a_cadence_compiling_to_a_plan_no_worker_would_unpack_is_refused_before_anything_connects(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from cadence.cli.main import main
    from cadence.dsl.validator import MAX_TEMPLATE_BYTES
    from tests.conftest import free_port

    cadence = _cadence_of_big_templates(tmp_path, 17, MAX_TEMPLATE_BYTES)  # each template may be used, not all
    leads = tmp_path / "leads.jsonl"
    leads.write_text('{"id": "L-1", "email": "a@b.example"}\n')
    monkeypatch.setenv("CADENCE_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")  # nothing listens: never reached
    message = "error: the compiled plan of big is over 16 MiB of JSON; split it into smaller cadences\n"
    for args in (["compile", str(cadence)], ["enroll", "--cadence", str(cadence), str(leads)]):
        assert main(args) == 1
        assert capsys.readouterr() == ("", message)
    assert not (tmp_path / "leads.jsonl.rejects.jsonl").exists()
