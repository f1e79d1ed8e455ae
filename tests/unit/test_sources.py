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


def refusal(path: Path, mapping: list[str] | None = None) -> str:
    """The one-line refusal of reading the whole of ``path``."""
    with pytest.raises(SourceError) as err:
        leads(read_leads(path, parse_mapping(mapping or [])))
    return str(err.value)


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
    semi = write(tmp_path, "semi.csv", SEMI)
    assert refusal(semi) == (f"{semi}: the CSV has no id column (columns: 'Lead ID', 'First Name', 'Company', 'Email'); "
                              "map one with --map id=COLUMN")
    empty = write(tmp_path, "empty.csv", "")
    assert refusal(empty) == f"{empty}: the CSV file has no header row"
    one = write(tmp_path, "one.csv", "Lead ID|Name\nL-1|Ana\n")
    assert refusal(one) == f"{one}: the CSV has no id column (columns: 'Lead ID|Name'); map one with --map id=COLUMN"
    # A line break inside a header cell stays inside the quotes: the message is one line.
    broken = write(tmp_path, "broken.csv", 'name,"Lead\nID"\nA,L-1\n')
    assert refusal(broken) == (f"{broken}: the CSV has no id column (columns: 'name', 'Lead\\nID'); "
                              "map one with --map id=COLUMN")


def test_file_errors_come_at_once(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as err:
        read_leads(tmp_path / "missing.csv")
    assert str(err.value) == f"{tmp_path / 'missing.csv'}: No such file or directory"
    with pytest.raises(SourceError) as err:
        read_leads(tmp_path / "leads.xlsx")
    assert str(err.value) == f"{tmp_path / 'leads.xlsx'}: unknown lead file type '.xlsx'; use .csv, .jsonl or .json"
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(SourceError) as err:
        read_leads(tmp_path / "folder.csv")
    assert str(err.value) == f"{tmp_path / 'folder.csv'}: Is a directory"
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id;first_name\nL-1;Bj\xf6rn\n".encode("latin-1"))
    with pytest.raises(SourceError) as err:
        read_leads(latin)
    assert str(err.value) == f"{latin}: not UTF-8 text (invalid start byte at line 2, byte 20 of the file)"


def test_a_byte_that_is_not_utf8_is_placed_in_the_file_not_in_a_chunk(tmp_path: Path) -> None:
    # The text reader counts from its current chunk and after a byte order mark; the message counts the file.
    big = tmp_path / "big.csv"
    big.write_bytes(b"id,email\n" + b"".join(b"L-%d,l%d@x.example\n" % (i, i) for i in range(5000))
                    + b"L-X,Jos\xe9@x.example\n")
    assert refusal(big) == f"{big}: not UTF-8 text (invalid continuation byte at line 5002, byte 112796 of the file)"
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbfid,first_name\nL-1,Jos\xe9\n")
    assert refusal(bom) == f"{bom}: not UTF-8 text (invalid continuation byte at line 2, byte 24 of the file)"


def test_csv_rows_are_numbered_by_the_line_they_start_on(tmp_path: Path) -> None:
    source = read_leads(write(tmp_path, "blank.csv", '\nid,email\nL-1,a@x.example\n\n\nL-2,bad\n"L-3",\n\nL-4,"d@x.example"\n'))
    assert [(line, lead if isinstance(lead, str) else lead.id) for line, lead in source] == [
        (3, "L-1"), (6, "email: 'bad' is not a valid address"), (7, "L-3"), (9, "L-4")]


def test_a_quote_left_open_is_an_unreadable_row_not_a_swallowed_file(tmp_path: Path) -> None:
    middle = read_leads(write(tmp_path, "quote.csv", 'id,first_name,email\nL-1,"Ann,a@x.example\nL-2,Bob,b@x.example\n'))
    assert leads(middle) == [(2, "unreadable CSV row: unexpected end of data")]
    last = read_leads(write(tmp_path, "last.csv", 'id,first_name,email\nL-1,Ann,a@x.example\nL-2,"Bob,b@x.example\n'))
    assert [(line, lead if isinstance(lead, str) else lead.id) for line, lead in last] == [
        (2, "L-1"), (3, "unreadable CSV row: unexpected end of data")]


def test_a_header_cell_too_long_to_read_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, "hdr.csv", "id," + "x" * 131073 + "\nL-1,a\n")
    assert refusal(path) == f"{path}: line 1: unreadable CSV header: field larger than field limit (131072)"


def test_mapped_columns_must_exist_and_say_which_column_fills_a_field(tmp_path: Path) -> None:
    path = write(tmp_path, "crm.csv", "Lead ID ,Work Email,email\nL-1,w@x.example,\n")
    # Header cells are matched without their surrounding spaces, as --map names them.
    [(_, lead)] = leads(read_leads(path, parse_mapping(["id=Lead ID ", "email=Work Email"])))
    assert isinstance(lead, Lead) and lead.fields["email"] == "w@x.example"  # the mapped column, not the empty 'email'
    assert refusal(path, ["id=Lead ID", "company=Acount Name"]) == (f"{path}: --map company=Acount Name: no such column "
                              "(columns: 'Lead ID ', 'Work Email', 'email')")
    twice = write(tmp_path, "twice.csv", "id,Email,email\nL-1,a@x.example,b@x.example\n")
    assert refusal(twice) == (f"{twice}: columns 'Email' and 'email' both give the lead field email; "
                              "choose one with --map email=COLUMN")
    [(_, lead)] = leads(read_leads(twice, parse_mapping(["email=email"])))
    assert isinstance(lead, Lead) and lead.fields["email"] == "b@x.example"
    with pytest.raises(SourceError) as err:
        parse_mapping(["email=Email", "email=email"])
    assert str(err.value) == "--map gives the lead field email two columns: 'Email' and 'email'; keep one"


def test_columns_without_a_name_fill_nothing(tmp_path: Path) -> None:
    source = read_leads(write(tmp_path, "trailing.csv", "id,email,,\nL-1,a@x.example,,\nL-2,b@x.example,, x\n"))
    assert [(line, lead if isinstance(lead, str) else lead.fields) for line, lead in source] == [
        (2, {"id": "L-1", "email": "a@x.example", "source": "marketing"}),
        (3, "cell 4 has a value, but its column has no name in the header")]


def test_numbers_a_european_spreadsheet_writes_are_refused_not_misread(tmp_path: Path) -> None:
    path = write(tmp_path, "eu.csv", "id;employees;deal_size;revenue\nL-1;2,5;12,50;1.234,56\nL-2;1,250;1250000;1,250,000.50\n")
    assert [(line, lead if isinstance(lead, str) else lead.fields) for line, lead in read_leads(path)] == [
        (2, "employees: '2,5' is not a number; revenue: '1.234,56' is not a number; deal_size: '12,50' is not a number"),
        (3, {"id": "L-2", "employees": 1250, "deal_size": 1250000, "revenue": 1250000.5, "source": "marketing"})]


def test_broken_json_is_refused_by_the_line_or_the_file_with_its_place(tmp_path: Path) -> None:
    lines = write(tmp_path, "leads.jsonl", '{"id":"L-1"}\n{"id":"L-2","employees":' + "9" * 5000 + "}\n"
                  + "[" * 2000 + "]" * 2000 + '\n{"id":"L-4","revenue":NaN}\n{"id":"L-5","employees":-5}\n'
                  + '{"id":"L-6"} {"id":"L-7"}\n')
    assert [(line, lead if isinstance(lead, str) else lead.id) for line, lead in read_leads(lines)] == [
        (1, "L-1"),
        (2, "invalid JSON: a number too long to read at column 1"),
        (3, "invalid JSON: nested too deeply at column 1"),
        (4, "invalid JSON: NaN is not a JSON value (write a number or null) at column 1"),
        (5, "employees: '-5' is not a number"),
        (6, "invalid JSON: Extra data at column 14"),
    ]
    broken = write(tmp_path, "bad.json", '[{"id": "L-1"},\n {"id": "L-2",\n  "email": }]')
    assert refusal(broken) == f"{broken}: invalid JSON at line 3 column 12: Expecting value"
    infinite = write(tmp_path, "inf.json", '{"id": Infinity}')
    assert refusal(infinite) == f"{infinite}: invalid JSON at line 1 column 1: Infinity is not a JSON value (write a number or null)"


def test_records_of_a_json_array_are_numbered_by_the_line_they_start_on(tmp_path: Path) -> None:
    path = write(tmp_path, "pretty.json", '[\n  {"id": "L-1"},\n  {"id": "L-2",\n   "email": "bad"},\n\n  {"id": "L-3"}]\n')
    assert [(line, lead if isinstance(lead, str) else lead.id) for line, lead in read_leads(path)] == [
        (2, "L-1"), (3, "email: 'bad' is not a valid address"), (6, "L-3")]
    one = write(tmp_path, "one.json", '\n\n  {"id": "L-9"}\n')
    assert [(line, lead.id) for line, lead in read_leads(one) if isinstance(lead, Lead)] == [(3, "L-9")]


def test_json_files_have_no_delimiter(tmp_path: Path) -> None:
    source = read_leads(write(tmp_path, "leads.jsonl", '{"id": "L-1"}\n'))
    assert (source.format, source.delimiter, source.description) == ("jsonl", None, None)
    assert [lead.id for _, lead in source if isinstance(lead, Lead)] == ["L-1"]
