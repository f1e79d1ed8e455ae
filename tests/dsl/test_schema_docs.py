"""The JSON Schema is complete and documented; docs/language.md does not drift from it."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from cadence.dsl import reference
from cadence.dsl.loader import load_file
from cadence.dsl.schema import schema
from cadence.dsl.validator import validate_file
from tests.dsl.helpers import GOOD, ROOT

DOCS = ROOT / "docs" / "language.md"


def _all_properties(node, path="$"):
    if isinstance(node, dict):
        for key, sub in (node.get("properties") or {}).items():
            yield f"{path}.{key}", sub
        for key, sub in node.items():
            yield from _all_properties(sub, f"{path}.{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _all_properties(sub, f"{path}[{i}]")


def test_schema_is_valid_2020_12() -> None:
    Draft202012Validator.check_schema(schema())


def test_every_property_has_a_description_and_an_example() -> None:
    missing = [p for p, sub in _all_properties(schema()) if not sub.get("description") or "examples" not in sub]
    assert missing == []


def test_examples_are_valid_against_their_property() -> None:
    root = schema()
    for path, sub in _all_properties(root):
        for example in sub.get("examples", []):
            check = dict(sub, **{"$defs": root["$defs"]})
            assert not list(Draft202012Validator(check).iter_errors(example)), (path, example)


def test_docs_are_generated_from_the_schema() -> None:
    assert DOCS.read_text() == reference.generate(), "run: python -m cadence.dsl.reference > docs/language.md"


def test_every_schema_property_is_documented() -> None:
    text = DOCS.read_text()
    paths = [p for p, *_ in reference.properties()]
    assert len(paths) > 60
    for path in paths:
        assert f"`{path}`" in text


def test_dossier_sections_match_the_channels() -> None:
    dossier = pytest.importorskip("cadence.channels.dossier")
    enum = schema()["$defs"]["handoff"]["properties"]["dossier"]["items"]["enum"]
    assert tuple(enum) == dossier.DOSSIER_SECTIONS


def test_good_fixtures_match_the_schema() -> None:
    for path in GOOD.glob("*.yaml"):
        assert not list(Draft202012Validator(schema()).iter_errors(load_file(path).data)), path


SHIPPED = sorted((ROOT / "cadences").glob("*.y*ml")) if (ROOT / "cadences").is_dir() else []


@pytest.mark.skipif(not SHIPPED, reason="cadences/ has no files yet")
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_cadences_are_valid(path) -> None:
    assert [e.render() for e in validate_file(path)] == []
    errors = list(Draft202012Validator(schema()).iter_errors(json.loads(json.dumps(load_file(path).data))))
    assert errors == []
