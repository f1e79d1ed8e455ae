"""Templates that differ only in the text between plain output tags share one parse, with the same facts."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cadence.dsl import expressions

TEXT = ["Hi ", ", your note", "\n", "\n\n", " ", "{", "}", "'", '"', "#", "%", "\r", "\r\n", "é", "\u2028", "-"]
TAGS = ["{{ lead.first_name }}", "{{ lead.company }}", "{{ lead.nope }}", "{{- sender -}}", "{{ x y }}", "{{ lead. }}",
        "{{ 'a' }}", "{% if engaged %}", "{% endif %}", "{# note #}", "{{ lead.company | upper }}", "{{ x | nofilter }}",
        "{{ x is nonsense }}", "{{ lead.__class__ }}", "{{ lead\n.first_name }}", "{{\nunknown_name\n}}", "{{", "}}",
        "{{ lists.competitors }}", "{{ qualification.budget }}", "{{ lead.get('x') }}", "{{ loop }}", "{{ a - }}",
        "{% raw %}{{ x }}{% endraw %}", "{{ range(3) }}", "{{ lead['first_name'] }}"]


@settings(max_examples=1500, deadline=None)
@example(["Hi ", "{{", "?", "}}"])  # an error naming a character offset (found by this test on 2026-12-03)
@given(st.lists(st.one_of(st.sampled_from(TEXT), st.sampled_from(TAGS), st.text(max_size=4)), max_size=8))
def test_facts_are_those_of_a_parse_of_the_text_as_written(pieces: list[str]) -> None:
    source = "".join(pieces)
    assert expressions.template_facts(source) == expressions._parsed_facts(source, "<string>")


def test_a_syntax_error_names_the_offset_in_the_text_as_written() -> None:
    # "{{?}}" alone would put the '?' at offset 2; in the subject as written it is at 5.
    assert expressions.template_facts("Hi {{?}}").error == (1, "unexpected char '?' at 5")
    assert expressions.template_facts("Hi there,\n{{ lead.first_name }} {{?}}").error == (2, "unexpected char '?' at 34")


def test_subjects_that_differ_in_words_share_one_parse() -> None:
    first = "{{ lead.first_name }}, a note for {{ lead.company }}"
    second = "{{ lead.first_name }}: another note for {{ lead.company }}!"
    assert expressions._skeleton(first) == expressions._skeleton(second) == "{{ lead.first_name }}{{ lead.company }}"
    assert expressions._skeleton("Line 1\nline 2 {{ lead.nope }}") == "\n{{ lead.nope }}"
    assert expressions.template_facts("Line 1\nline 2 {{ lead.nope }}").lead_fields == (("nope", 2),)


def test_anything_but_plain_output_tags_is_parsed_as_written() -> None:
    for source in ["{% if x %}a{% endif %}", "{{ 'x' }}", "a { b {{ x }}", "{# c #}", "a\r\n{{ x }}", "{{ {'a': 1} }}"]:
        assert expressions._skeleton(source) is None, source
