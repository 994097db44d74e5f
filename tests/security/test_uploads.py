"""Hostile uploads (issue 17, High 3 and Low): each file the probe used is built here, and the
reading layer must refuse or read it within a memory ceiling and a time limit, saying why in a
sentence. The memory cases run `read_rows` in a child process whose address space is capped with
RLIMIT_AS (512 MB), so a regression shows as a MemoryError or a kill, not a slow test machine.
"""

from __future__ import annotations

import io
import json
import re
import resource
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from pupils.imports import COLUMNS
from schools.importing import ImportRejected, read_rows
from tests.factories import la_officer

MEMORY_CEILING = 512 * 1024 * 1024
TIME_LIMIT_S = 30
ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from django.conf import settings
    settings.configure()
    from schools.importing import ImportRejected, read_rows
    path, name = sys.argv[1], sys.argv[2]
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    try:
        rows = read_rows(open(path, "rb").read(), name)
        outcome = {"rows": len(rows)}
    except ImportRejected as rejected:
        outcome = {"errors": [str(e) for e in rejected.errors]}
    outcome["seconds"] = time.perf_counter() - started
    outcome["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # What reading the file added to the process (Django and openpyxl themselves excluded)
    outcome["read_mb"] = outcome["peak_mb"] - base_mb
    print(json.dumps(outcome))
    """
)


def _ceiling():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CEILING, MEMORY_CEILING))
    resource.setrlimit(resource.RLIMIT_CPU, (TIME_LIMIT_S, TIME_LIMIT_S))


def read_in_child(tmp_path: Path, content: bytes, name: str) -> dict:
    """read_rows in a process capped at 512 MB of address space and 30 s of CPU."""
    path = tmp_path / name
    path.write_bytes(content)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT_S * 2,
        preexec_fn=_ceiling,
        check=False,
    )
    assert done.returncode == 0, f"the read died (rc {done.returncode}): {done.stderr[-2000:]}"
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    outcome["wall"] = time.perf_counter() - started
    return outcome


def pupil_workbook(rows: int = 1) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    for n in range(rows):
        sheet.append([f"A{n:012d}", "Amara", "Okafor"] + [""] * (len(COLUMNS) - 3))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_sheet_xml(content: bytes, rewrite) -> bytes:
    """The workbook with its first sheet's XML passed through `rewrite`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = rewrite(data)
            target.writestr(info.filename, data)
    return out.getvalue()


def declaring(ref: str) -> bytes:
    """A 5 KB workbook whose sheet claims the dimension `ref` (the probe's files)."""
    return with_sheet_xml(
        pupil_workbook(),
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), xml),
    )


def zip_bomb(inflated_mb: int = 400) -> bytes:
    """A workbook whose sheet inflates to `inflated_mb` MB of rows from a few hundred KB."""
    good = zipfile.ZipFile(io.BytesIO(pupil_workbook()))
    out = io.BytesIO()
    row = b'<row><c t="inlineStr"><is><t>' + b"x" * 4000 + b"</t></is></c></row>"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in good.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info.filename, good.read(info.filename))
        with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            chunk = row * 256
            for _ in range(-(-inflated_mb * 1024 * 1024 // len(chunk))):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def problems(content: bytes, name: str) -> list[str]:
    with pytest.raises(ImportRejected) as rejected:
        read_rows(content, name)
    return [str(e) for e in rejected.value.errors]


def is_sentence(message: str) -> bool:
    return len(message) > 20 and message.rstrip().endswith(".")


# --- XLSX whose dimension lies: read the rows present, within the ceiling ------------------


@pytest.mark.parametrize("ref", ["A1:XFD20000", "A1:XFD1048576"])
def test_an_xlsx_declaring_a_huge_dimension_reads_only_its_real_rows_in_bounded_memory(
    tmp_path, ref
):
    """The probe: a 5 KB file declaring A1:XFD20000 took 2.65 GB and 21 s; A1:XFD1048576 passed
    3 GB. Ignoring the claim, the one real data row is read in well under the 512 MB ceiling."""
    content = declaring(ref)
    assert len(content) < 10_000
    assert f'ref="{ref}"'.encode() in zipfile.ZipFile(io.BytesIO(content)).read(
        "xl/worksheets/sheet1.xml"
    )

    outcome = read_in_child(tmp_path, content, "pupils.xlsx")

    assert outcome == outcome | {"rows": 1}
    assert outcome["read_mb"] < 100  # the unbounded read took 2.65 GB
    assert outcome["seconds"] < 5


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    """An XLSX whose sheet inflates to 400 MB (over the 256 MB limit) from a small file is
    refused from the zip's directory alone: a sentence, no worker killed, little memory."""
    content = zip_bomb(400)
    assert len(content) < 2 * 1024 * 1024

    outcome = read_in_child(tmp_path, content, "bomb.xlsx")

    [message] = outcome["errors"]
    assert "would expand to 400 MB when opened" in message
    assert "the most this import opens is 256 MB" in message
    assert is_sentence(message)
    assert outcome["read_mb"] < 100  # the unbounded read took 2.65 GB
    assert outcome["seconds"] < 2


def test_a_file_over_the_size_limit_is_refused_with_its_size(settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    content = b"UPN,given_name\n" + b"A123,Amara\n" * 200_000  # 2.1 MB

    [message] = problems(content, "big.csv")

    assert message == (
        "file: big.csv is 2 MB; the largest file this import accepts is 1 MB. "
        "Split it into smaller files."
    )


def test_more_rows_than_the_limit_are_refused(settings):
    settings.IMPORT_MAX_ROWS = 1000
    content = b"UPN,given_name\n" + b"A123,Amara\n" * 1001

    [message] = problems(content, "long.csv")

    assert "has more than 1,000 rows; the most one import takes is 1,000" in message


def test_a_corrupt_xlsx_says_why_in_a_sentence():
    """The probe saw "could not be read: " with nothing after it."""
    [message] = problems(b"PK\x03\x04 not really a zip", "pupils.xlsx")

    assert message == (
        "file: pupils.xlsx is not an XLSX workbook (it is not a zip archive): save it from Excel "
        "as 'CSV UTF-8 (Comma delimited)' or as an .xlsx workbook."
    )


# --- Headers and columns -------------------------------------------------------------------


def test_a_header_named_twice_is_refused_naming_it_and_its_columns():
    """Before: the last `UPN` column silently won."""
    content = b"UPN,given_name,UPN\nA1,Amara,B2\n"

    [message] = problems(content, "pupils.csv")

    assert "names a column more than once: 'UPN' (columns A, C)" in message
    assert is_sentence(message)


def test_a_million_extra_columns_are_refused(tmp_path):
    content = b"UPN,given_name" + b",x" * 1_000_000 + b"\nA1,Amara\n"

    outcome = read_in_child(tmp_path, content, "wide.csv")

    [message] = outcome["errors"]
    assert message.startswith("file: Row 1 of wide.csv has more than 200 columns")
    assert outcome["peak_mb"] < 300


def test_an_xlsx_with_cells_beyond_the_column_limit_is_refused():
    workbook = openpyxl.Workbook()
    workbook.active.append(["UPN"] + [f"c{n}" for n in range(250)])
    buffer = io.BytesIO()
    workbook.save(buffer)

    [message] = problems(buffer.getvalue(), "wide.xlsx")

    assert "Row 1 of wide.xlsx has more than 200 columns" in message


def test_empty_trailing_columns_are_not_counted():
    """Excel often saves trailing separators; blank columns past the data are harmless."""
    rows = read_rows(b"UPN,given_name" + b"," * 500 + b"\nA1,Amara\n", "pupils.csv")

    assert rows == [{"UPN": "A1", "given_name": "Amara"}]


# --- Encodings and separators: say what the file is, not "column missing" ------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_is_detected_and_named(encoding):
    content = "UPN,given_name\nA1,Amara\n".encode(encoding)

    [message] = problems(content, "pupils.csv")

    assert message == (
        "file: The file is UTF-16 (Unicode) text, which this import does not read: save it from "
        "Excel as 'CSV UTF-8 (Comma delimited)' or as an .xlsx workbook."
    )


@pytest.mark.parametrize(("separator", "named"), [(";", "semicolons (;)"), ("\t", "tabs")])
def test_semicolon_or_tab_separated_files_are_detected_and_named(separator, named):
    content = f"UPN{separator}given_name\nA1{separator}Amara\n".encode()

    [message] = problems(content, "pupils.csv")

    assert f"pupils.csv separates its columns with {named}, not commas" in message
    assert is_sentence(message)


def test_an_empty_file_and_a_wrong_extension_get_sentences():
    assert problems(b"", "pupils.csv") == ["file: pupils.csv is empty."]
    assert problems(b"x", "pupils.pdf") == [
        "file: pupils.pdf is not a CSV or XLSX file: use a .csv or .xlsx file."
    ]


# --- Through the upload page ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_upload_page_shows_the_reason_for_a_hostile_file(client, home_la):
    """A 5 KB lying workbook on the web: answered at once, with the reason on the page."""
    client.force_login(la_officer())
    bomb = io.BytesIO(zip_bomb(300))
    bomb.name = "bomb.xlsx"

    response = client.post(reverse("schools:import"), {"kind": "pupils", "file": bomb})

    assert response.status_code == 422
    assert "would expand to 300 MB when opened" in response.content.decode()
