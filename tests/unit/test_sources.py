"""Lead files: CSV separated by commas, semicolons (a European Excel) or tabs, detected like a spreadsheet does."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadence.lead import Lead
from cadence.sources import LeadFile, SourceError, detect_delimiter, parse_mapping, read_leads

SEMI = (
    "Lead ID;First Name;Company;Email\r\n"
    "L-1;Ana;Acme, S.L.;ana@acme.example\r\n"
    'L-2;Björn;"Nord; Süd GmbH";bjorn@nordsud.example\r\n'
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def leads(source: LeadFile) -> list[tuple[int, Lead | str]]:
    return list(source)


def test_a_semicolon_file_from_a_european_excel(tmp_path: Path) -> None:
    source = read_leads(write(tmp_path, "semi.csv", SEMI), parse_mapping(["id=Lead ID"]))
    assert source.delimiter == ";"
    assert source.description == f"reading {tmp_path / 'semi.csv'} as ';'-separated"
    rows = leads(source)
    assert [(line, lead.id, lead.fields["company"]) for line, lead in rows if isinstance(lead, Lead)] == [
        (2, "L-1", "Acme, S.L."), (3, "L-2", "Nord; Süd GmbH")]


def test_a_semicolon_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + SEMI.encode())
    source = read_leads(path, parse_mapping(["id=Lead ID"]))
    assert source.delimiter == ";"
    assert [lead.id for _, lead in source if isinstance(lead, Lead)] == ["L-1", "L-2"]


def test_a_tab_file(tmp_path: Path) -> None:
    text = "id\tfirst_name\tcompany\temail\nL-1\tAna\tAcme, S.L.; Madrid\tana@acme.example\n"
    source = read_leads(write(tmp_path, "tabs.csv", text))
    assert source.delimiter == "\t"
    assert source.description == f"reading {tmp_path / 'tabs.csv'} as tab-separated"
    assert [(lead.id, lead.fields["company"]) for _, lead in source if isinstance(lead, Lead)] == [
        ("L-1", "Acme, S.L.; Madrid")]


def test_a_comma_file_with_semicolons_and_tabs_inside_quoted_fields(tmp_path: Path) -> None:
    text = ('id,first_name,company,email\n'
            'L-1,Ana,"Acme; Iberia; Madrid",ana@acme.example\n'
            'L-2,Ben,"Tab\tand; semi",ben@x.example\n'
            'L-3,"Cy; Jr.","One;Two;Three;Four;Five",cy@x.example\n')
    source = read_leads(write(tmp_path, "comma.csv", text))
    assert source.delimiter == ","
    assert source.description == f"reading {tmp_path / 'comma.csv'} as ','-separated"
    good = [lead for _, lead in source if isinstance(lead, Lead)]
    assert [(lead.id, lead.fields["first_name"], lead.fields["company"]) for lead in good] == [
        ("L-1", "Ana", "Acme; Iberia; Madrid"), ("L-2", "Ben", "Tab\tand; semi"),
        ("L-3", "Cy; Jr.", "One;Two;Three;Four;Five")]


@pytest.mark.parametrize(("sample", "expected"), [
    ("id\nL-1\nL-2\n", ","),  # one column: nothing to split, comma
    ("", ","),
    ("id;name\n", ";"),  # a header alone decides
    ('"Name, First";"Lead ID";Email\nAna;L-1;a@x.example\n', ";"),  # quoted header cells keep their commas
    ("id,name;alias,email\nL-1,Ana,a@x.example\nL-2,Ben,b@x.example\n", ","),  # the rows agree with the commas
    ("a,b;c\n", ","),  # a tie goes to the comma
], ids=["one-column", "empty", "header-only", "quoted-header", "rows-decide", "tie"])
def test_detection(sample: str, expected: str) -> None:
    assert detect_delimiter(sample) == expected


def test_a_sample_cut_short_ignores_its_last_row() -> None:
    sample = "id;name;note\nL-1;Ana;x\nL-2;Ben;\"a, b, c, d, e, f, g"
    assert detect_delimiter(sample, truncated=True) == ";"


def test_a_large_file_is_detected_from_its_beginning(tmp_path: Path) -> None:
    rows = "".join(f"L-{i};Lead {i};Company {i}, Inc.;l{i}@x.example\n" for i in range(5000))
    source = read_leads(write(tmp_path, "big.csv", "id;first_name;company;email\n" + rows))
    assert source.delimiter == ";"
    assert sum(isinstance(lead, Lead) for _, lead in source) == 5000


def test_headers_that_cannot_be_used_keep_their_messages(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as err:
        leads(read_leads(write(tmp_path, "semi.csv", SEMI)))
    assert str(err.value) == ("the CSV has no id column (columns: Lead ID, First Name, Company, Email); "
                              "map one with --map id=COLUMN")
    with pytest.raises(SourceError) as err:
        leads(read_leads(write(tmp_path, "empty.csv", "")))
    assert str(err.value) == "the CSV file is empty (no header row)"
    with pytest.raises(SourceError) as err:
        leads(read_leads(write(tmp_path, "one.csv", "Lead ID|Name\nL-1|Ana\n")))
    assert str(err.value) == "the CSV has no id column (columns: Lead ID|Name); map one with --map id=COLUMN"


def test_file_errors_come_at_once(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as err:
        read_leads(tmp_path / "missing.csv")
    assert str(err.value) == f"{tmp_path / 'missing.csv'}: No such file or directory"
    with pytest.raises(SourceError) as err:
        read_leads(tmp_path / "leads.xlsx")
    assert str(err.value) == f"{tmp_path / 'leads.xlsx'}: unknown lead file type '.xlsx'; use .csv, .jsonl or .json"
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id;first_name\nL-1;Bj\xf6rn\n".encode("latin-1"))
    with pytest.raises(SourceError) as err:
        read_leads(latin)
    assert str(err.value) == f"{latin}: not UTF-8 text (invalid start byte at byte 20)"


def test_json_files_have_no_delimiter(tmp_path: Path) -> None:
    source = read_leads(write(tmp_path, "leads.jsonl", '{"id": "L-1"}\n'))
    assert (source.format, source.delimiter, source.description) == ("jsonl", None, None)
    assert [lead.id for _, lead in source if isinstance(lead, Lead)] == ["L-1"]
