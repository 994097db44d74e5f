"""Large pupil files and long error lists on the web, and who a command-line import records
(issue 17, Medium). Celery runs eagerly in tests (no broker), as it does in the demo."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from pupils.models import ImportJob, Pupil
from pupils.upn import make_upn
from tests.factories import SchoolFactory, la_officer
from tests.pupils.test_import_pupils import csv_file, row


@pytest.fixture
def schools(home_la, other_la):
    return (SchoolFactory(urn=100001, la=home_la, name="Hill Primary"),)


def upload(content: bytes, name: str = "pupils.csv") -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def pupils(n: int, **overrides) -> bytes:
    return csv_file(
        *(
            row(UPN=make_upn("999", str(2001 + k // 1000), 15, k % 1000), **overrides)
            for k in range(n)
        )
    )


@pytest.mark.django_db
def test_a_large_pupil_file_runs_in_the_background_and_its_page_shows_the_outcome(
    client, schools, settings, django_capture_on_commit_callbacks
):
    """Over IMPORT_BACKGROUND_BYTES the upload becomes a job: the officer is sent to its page,
    which reports the rows read, and the uploaded bytes are not kept."""
    settings.IMPORT_BACKGROUND_BYTES = 1000
    officer = la_officer()
    client.force_login(officer)
    content = pupils(30)  # 30 pupils, about 4 KB
    assert len(content) > 1000

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("schools:import"), {"kind": "pupils", "file": upload(content)}
        )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("schools:import_job", args=[job.pk])
    assert (job.status, job.rows_done, job.rows_total) == ("done", 30, 30)
    assert bytes(job.content) == b""
    assert Pupil.objects.count() == 30
    page = client.get(response.url).content.decode()
    assert "pupils.csv imported" in page
    assert "30 rows read" in page
    assert Pupil.history.filter(history_user=officer).count() == 30


@pytest.mark.django_db
def test_a_job_page_is_only_for_the_officer_who_uploaded(client, schools, settings):
    settings.IMPORT_BACKGROUND_BYTES = 10
    client.force_login(la_officer())
    client.post(reverse("schools:import"), {"kind": "pupils", "file": upload(pupils(1))})
    job = ImportJob.objects.get()

    client.force_login(la_officer())

    assert client.get(reverse("schools:import_job", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_a_long_error_list_shows_200_problems_and_a_count_and_downloads_in_full(client, schools):
    """300 bad rows x 1 problem each (an unknown school): the page lists 200 and says 100 more;
    the CSV has all 300 with their rows, and nothing was imported."""
    client.force_login(la_officer())
    content = pupils(300, school_urn="999999")

    response = client.post(reverse("schools:import"), {"kind": "pupils", "file": upload(content)})

    page = response.content.decode()
    assert response.status_code == 422
    assert page.count("unknown URN 999999") == 200
    assert "and 100 more" in page
    job = ImportJob.objects.get()
    download = client.get(reverse("schools:import_job_problems", args=[job.pk]))
    assert download["Content-Type"] == "text/csv"
    assert download["Cache-Control"] == "no-store, private"
    lines = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert lines[0] == ["Row", "Column", "Problem"]
    assert len(lines) == 1 + 300
    assert lines[1] == ["2", "school_urn", "unknown URN 999999"]
    assert Pupil.objects.count() == 0


@pytest.mark.django_db
def test_import_pupils_records_the_user_given_with_user(tmp_path, schools):
    """History names the person who ran the command."""
    officer = la_officer(username="k.shah")
    path = tmp_path / "pupils.csv"
    path.write_bytes(csv_file(row()))

    call_command("import_pupils", str(path), "--user", "k.shah", stdout=io.StringIO())

    assert Pupil.history.get().history_user == officer


@pytest.mark.django_db
def test_import_pupils_without_user_is_refused_outside_debug(tmp_path, schools, settings):
    settings.DEBUG = False
    path = tmp_path / "pupils.csv"
    path.write_bytes(csv_file(row()))

    with pytest.raises(CommandError, match="Give --user USERNAME"):
        call_command("import_pupils", str(path))
    with pytest.raises(CommandError, match="There is no active user called 'nobody'."):
        call_command("import_pupils", str(path), "--user", "nobody")

    assert Pupil.objects.count() == 0


@pytest.mark.django_db
def test_a_command_prints_the_first_200_problems_and_a_count(tmp_path, schools):
    la_officer(username="k.shah")
    path = tmp_path / "pupils.csv"
    path.write_bytes(pupils(250, school_urn="999999"))
    err = io.StringIO()

    with pytest.raises(CommandError, match="250 problem"):
        call_command("import_pupils", str(path), "--user", "k.shah", stderr=err)

    lines = err.getvalue().splitlines()
    assert len(lines) == 201
    assert lines[-1] == "... and 50 more (run with -v 2 to see all)."
