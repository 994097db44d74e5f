"""Funding-side LA data imports: high-needs budget lines (R22) and cluster memberships.

Same rules as the schools-side imports: every problem named by row, column and reason, nothing
written when any row is wrong, and re-importing the same file changes nothing.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clusters.models import Cluster, ClusterMembership
from funding.la_imports import budget_lines_import, cluster_memberships_import
from funding.reports.models import BudgetLine
from schools.importing import ImportRejected
from schools.imports import KINDS
from schools.services import schools_import
from schools.setup import administering_la_set

GIAS = (
    b"URN,LA (code),LA (name),EstablishmentName,TypeOfEstablishment (name),"
    b"EstablishmentStatus (name),PhaseOfEducation (name),StatutoryLowAge,StatutoryHighAge,"
    b"NumberOfPupils\n"
    b"140001,936,Surrey,Hill Primary,Community school,Open,Primary,4,11,200\n"
    b"140002,936,Surrey,Oak Primary,Community school,Open,Primary,4,11,200\n"
)

BUDGET = (
    b"financial_year,line,budget,other_commitment,note\n"
    b"2025-26,special_places,4200000.00,,\n"
    b"2025-26,Central services,650000.00,650000.00,Sensory service contract\n"
)

MEMBERS = (
    b"cluster,urn,starts_on,ends_on\nNorth,140001,2025-09-01,\nNorth,140002,2025-09-01,2026-08-31\n"
)


def _problems(importer, content: bytes) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        importer(content=content, filename="file.csv")
    return [str(e) for e in caught.value.errors]


@pytest.fixture
def la(db):
    schools_import(content=GIAS, filename="gias.csv")
    return administering_la_set(code="936")


@pytest.mark.django_db
def test_r22_budget_lines_import_by_code_or_label_and_reimport_unchanged():
    assert budget_lines_import(content=BUDGET, filename="b.csv").created == {"budget lines": 2}
    central = BudgetLine.objects.get(line="central")
    # The label "Central services" is the line `central`; a blank commitment is £0.00.
    assert central.other_commitment == Decimal("650000.00")
    assert BudgetLine.objects.get(line="special_places").other_commitment == Decimal("0.00")
    assert budget_lines_import(content=BUDGET, filename="b.csv").unchanged == {"budget lines": 2}
    raised = BUDGET.replace(b"4200000.00", b"4350000.00")
    assert budget_lines_import(content=raised, filename="b.csv").updated == {"budget lines": 1}
    assert BudgetLine.objects.get(line="special_places").budget == Decimal("4350000.00")


@pytest.mark.django_db
def test_r22_every_bad_budget_line_is_named_and_nothing_is_written():
    problems = _problems(
        budget_lines_import,
        b"financial_year,line,budget\n2025-26,canteen,10.00\n2025/27,central,1\n"
        b"2025-26,central,-5\n2025-26,post_16,1.00\n2025-26,post-16,2.00\n",
    )
    assert problems[0].startswith("row 2, line: 'canteen' is not one of")
    assert "row 3, financial_year: '2025/27' is not a financial year (write it as 2025-26)" in (
        problems
    )
    assert "row 4, budget: -5 is negative" in problems
    assert "row 6, line: the same budget line is also in row 5" in problems
    assert all(p.strip() for p in problems)
    assert BudgetLine.objects.count() == 0


@pytest.mark.django_db
def test_cluster_memberships_import_creates_the_cluster_and_reimports_unchanged(la):
    result = cluster_memberships_import(content=MEMBERS, filename="m.csv")
    assert result.created == {"clusters": 1, "memberships": 2}
    north = Cluster.objects.get(name="North")
    assert north.memberships.get(school__urn=140002).ends_on == dt.date(2026, 8, 31)
    again = cluster_memberships_import(content=MEMBERS, filename="m.csv")
    assert again.unchanged == {"memberships": 2}
    assert again.summary().endswith("Created: none. Updated: none. Unchanged: 2 memberships.")


@pytest.mark.django_db
def test_a_school_in_two_clusters_at_once_is_refused_by_row(la):
    cluster_memberships_import(content=MEMBERS, filename="m.csv")
    problems = _problems(
        cluster_memberships_import,
        b"cluster,urn,starts_on,ends_on\n"
        b"South,140001,2026-01-01,\n"  # Hill is already in North from 1 Sep 2025
        b"South,140002,2026-09-01,\n"  # Oak left North on 31 Aug 2026: fine
        b"East,140002,2026-10-01,\n"  # ...but not in South and East at once
        b"West,999999,2026-09-01,2026-08-01\n",
    )
    assert problems == [
        "row 2, starts_on: Hill Primary is already recorded in North from 01/09/2025: end that "
        "membership first (a school is in one cluster at a time)",
        "row 4, starts_on: Oak Primary is already in South on these dates (row 3): a school is "
        "in one cluster at a time",
        "row 5, ends_on: 01/08/2026 is before the start, 01/09/2026",
        "row 5, urn: no school with URN 999999: import the GIAS file that lists it first",
    ]
    assert not Cluster.objects.filter(name="South").exists()
    assert ClusterMembership.objects.count() == 2


@pytest.mark.django_db
def test_funding_imports_have_the_same_upload_page_and_template(client, la, la_officer):
    assert {"budget-lines", "cluster-memberships"} <= set(KINDS)
    client.force_login(la_officer)
    url = reverse("schools:la_data_import", kwargs={"kind": "budget-lines"})
    page = client.get(url)
    assert b"High-needs budget lines" in page.content and b"special_places" in page.content
    bad = client.post(url, {"file": SimpleUploadedFile("b.csv", b"financial_year,line\n2025,x\n")})
    assert bad.status_code == 422
    assert "row 1, budget: this column is missing from the header row" in [
        str(e) for e in bad.context["rejected"].errors
    ]
    ok = client.post(url, {"file": SimpleUploadedFile("b.csv", BUDGET)}, follow=True)
    assert BudgetLine.objects.count() == 2 and ok.status_code == 200
    template = client.get(
        reverse("schools:la_data_template", kwargs={"kind": "cluster-memberships"})
    )
    assert template.content.decode("utf-8-sig").startswith("cluster,urn,starts_on,ends_on")


# ---- a run refuses a year the readiness checklist says cannot run ----


@pytest.mark.django_db
def test_r7_a_run_is_refused_in_the_checklists_words_until_the_year_can_run(fy2025_terms):
    """No administering LA, then no scheme: each refusal is the checklist line's own detail."""
    from funding import services
    from funding.models import AllocationRun
    from funding.readiness import readiness
    from schools.models import LocalAuthority
    from tests.funding.builders import make_scheme

    la = LocalAuthority.objects.get(code="999")
    la.is_administering = False
    la.save()
    with pytest.raises(ValidationError) as refused:
        services.run_allocation(fy=2025, kind="initial")
    assert refused.value.message_dict["financial_year"] == [
        "No LA has been chosen to administer this installation."
    ]
    la.is_administering = True
    la.save()
    with pytest.raises(ValidationError) as refused:
        services.allocation_run_create(financial_year=2025, kind="initial")
    scheme_line = next(line for line in readiness(2025) if line.title.startswith("Funding"))
    assert refused.value.message_dict["financial_year"] == [scheme_line.detail]
    assert "has no funding scheme for 2025-26" in scheme_line.detail
    assert not AllocationRun.objects.exists()

    # Scheme and both academic years' term dates: it runs, though no school has a census
    # (advice on the checklist, a warning on the run, not a refusal).
    make_scheme(la)
    run = services.allocation_run_create(financial_year=2025, kind="initial")
    assert run.pk is not None


# ---- year pickers offer every year that has data ----


@pytest.mark.django_db
def test_year_pickers_offer_every_year_with_data(client, home_la, la_officer):
    """A scheme for FY 2031-32, a census of October 2018 (read for FY 2019-20) and term dates
    for 2016/17 are all far from today's four-year window, and all are offered."""
    from clusters.forms import academic_year_choices
    from schools.models import SchoolCensus, TermDate
    from tests.funding.builders import make_scheme, school

    make_scheme(home_la, fy=2031)
    SchoolCensus.objects.create(
        school=school(home_la, "Old Primary"), census_date=dt.date(2018, 10, 4)
    )
    TermDate.objects.create(
        la=home_la, academic_year=2016, name="Autumn",
        starts_on=dt.date(2016, 9, 5), ends_on=dt.date(2016, 12, 20),
    )  # fmt: skip
    client.force_login(la_officer)
    years = [fy.start_year for fy in client.get(reverse("clusters:list")).context["years"]]
    assert {2031, 2019, 2016} <= set(years)
    assert years == sorted(years, reverse=True)
    assert ("2016", "2016/17") in academic_year_choices()
    readiness_page = client.get(reverse("funding:readiness"))
    assert {2031, 2019, 2016} <= {fy.start_year for fy in readiness_page.context["years"]}


# ---- bench imports: the census figure next to the pupil figure ----


@pytest.mark.django_db
def test_bench_imports_times_the_dfe_census_file_and_reports_it_against_30_seconds(tmp_path):
    """The census bench puts every school of the DfE file in one LA and imports the file as it
    comes: a national total row is skipped, 'NA' rolls are skipped, the rest become censuses."""
    from funding.bench.all import _imports
    from funding.bench.imports import census_run
    from schools.models import SchoolCensus

    path = tmp_path / "england_census.csv"
    path.write_bytes(
        b"\xef\xbb\xbfURN,LA,ESTAB,SCHOOLTYPE,NOR,TSENELSE,TSENELK,NUMEAL,NUMFSM\n"
        b"100000,201,3614,State-funded primary,285,5,50,141,32\n"
        b"100001,201,6005,State-funded secondary,NA,NA,NA,NA,NA\n"
        b"NAT,,,Total,8000000,1,1,1,1\n"
    )
    printed = []
    figures = census_run(out=printed.append, path=path)
    assert figures["rows"] == 3
    assert SchoolCensus.objects.count() == 1
    # 285 on roll aged 4-11 over 7 year groups: 7 x 40 + 5, Reception to Year 4 get 41.
    census = SchoolCensus.objects.get()
    assert (census.reception, census.year_6, census.ehc_plans) == (41, 40, 5)
    assert "census rows (DfE layout" in printed[0] and "load average" in printed[0]
    [figure] = _imports({25_000: {"import_s": 20.0}, "census": figures})[1:]
    assert figure["figure"] == "imports: 3 census rows (DfE layout)" and figure["target"] == 30
