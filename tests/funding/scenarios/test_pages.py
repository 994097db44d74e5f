"""Scenario pages (R26) for LA and finance officers: transitional protection, uplift from a
date, adopt as next year's scheme, a run queued with a progress page, the comparison's charts.

The small LA (conftest; money in test_scenarios.py): live top-up £18,135.00 = Meadow Primary
£6,135.00 (P1 £6,090 + P2 £45) + Oak Special £12,000.00 (P3 band 2). FY 2025-26 has 188 school
days, 128 of them from 1 September (test_adopt.py).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from funding.models import FundingScheme, HourlyRate, SchemeRateChange
from funding.scenarios import calculations as calc
from funding.scenarios import charts, jobs, selectors, services
from funding.scenarios.models import JobStatus, Scenario, ScenarioAdoption, ScenarioRunJob
from tests import factories

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client, la_officer):
    client.force_login(la_officer)
    return la_officer


def test_r26_protection_page_sets_the_rule_and_compare_shows_its_cost_and_school(
    scenario, small_la, client, officer
):
    url = reverse("scenarios:protection", args=[scenario.pk])
    assert client.get(url).status_code == 200
    page = client.post(url, {"loss_cap_percent": "150", "funded": "yes"})
    assert page.status_code == 200
    assert "govuk-error-summary" in page.content.decode()
    assert "A cap is a percentage from 0 to 100." in page.content.decode()
    response = client.post(url, {"loss_cap_percent": "5", "gain_cap_percent": "", "funded": "yes"})
    assert response.status_code == 302
    assert Scenario.objects.get().values["protection"]["loss_cap_percent"] == "5"
    services.scenario_update_rates(scenario=scenario, fields={"threshold": D("6500")})
    run = services.scenario_run(scenario=scenario)
    html = client.get(reverse("scenarios:compare", args=[run.pk])).content.decode()
    # Meadow £6,135 -> £5,590; floor 6,135 × 95% = £5,828.25: protection £238.25, the LA's
    # cost; total with protection £17,590 + £238.25 = £17,828.25.
    assert "Transitional protection" in html
    assert "£238.25" in html and "£17,828.25" in html
    assert "Meadow Primary" in html.split('id="protection"')[1]


def test_r26_uplift_page_previews_the_rest_of_the_year_then_adopts_with_the_reason(
    small_la, client, officer
):
    url = reverse("scenarios:uplift")
    form = {
        "financial_year": "2025",
        "percent": "3",
        "rate_set": calc.HOURLY_RATES,
        "effective_from": "2025-09-01",
        "reason": "",
    }
    page = client.post(url, {**form, "action": "preview"})
    html = page.content.decode()
    # LSA £15.50 × 1.03 -> £15.97; from 1 September (128 of 188 school days) +£374.40,
    # a whole year +£549.90 (worked in test_adopt.py).
    assert page.context["preview"].cost == D("374.40")
    assert "£374.40" in html and "£549.90" in html and "15.97" in html
    assert HourlyRate.objects.get(role="lsa", phase="primary").hourly_rate == D("15.50")
    refused = client.post(url, {**form, "action": "adopt"})
    assert "govuk-error-summary" in refused.content.decode()
    assert "Say why" in refused.content.decode()
    assert not ScenarioAdoption.objects.exists()
    adopted = client.post(url, {**form, "reason": "NJC pay award 2025", "action": "adopt"})
    adoption = ScenarioAdoption.objects.get()
    assert adopted.url == reverse("scenarios:adoption", args=[adoption.pk])
    assert (adoption.cost, adoption.adopted_by, adoption.effective_from.isoformat()) == (
        D("374.40"),
        officer,
        "2025-09-01",
    )
    # A dated change from 1 September; the year's own rates are kept as they were before it.
    assert HourlyRate.objects.get(role="lsa", phase="primary").hourly_rate == D("15.50")
    assert SchemeRateChange.objects.get().effective_from.isoformat() == "2025-09-01"
    confirmation = client.get(adopted.url).content.decode()
    assert "NJC pay award 2025" in confirmation and "£374.40" in confirmation


def test_r26_uplift_page_refuses_a_date_outside_the_year_with_an_error_summary(
    small_la, client, officer
):
    page = client.post(
        reverse("scenarios:uplift"),
        {
            "financial_year": "2025",
            "percent": "3",
            "rate_set": calc.HOURLY_RATES,
            "effective_from": "2026-04-01",
            "action": "preview",
        },
    )
    assert "The uplift must start within FY 2025-26." in page.content.decode()
    assert 'href="#id_effective_from"' in page.content.decode()


def test_r26_adopt_page_makes_next_years_scheme_in_one_action_with_who_and_why(
    scenario, small_la, client, officer
):
    services.scenario_update_rates(scenario=scenario, fields={"threshold": D("6500")})
    url = reverse("scenarios:adopt", args=[scenario.pk])
    assert "FY 2026-27" in client.get(url).content.decode()
    refused = client.post(url, {"reason": ""})
    assert "Say why" in refused.content.decode()
    assert not FundingScheme.objects.filter(financial_year=2026).exists()
    done = client.post(url, {"reason": "Agreed by Schools Forum 12 Jan"})
    adoption = ScenarioAdoption.objects.get()
    assert done.url == reverse("scenarios:adoption", args=[adoption.pk])
    nxt = FundingScheme.objects.get(financial_year=2026)
    assert nxt.threshold == D("6500.00")
    assert nxt.history.first().history_user == officer
    assert "Agreed by Schools Forum 12 Jan" in client.get(done.url).content.decode()
    # Again without "replace": refused, saying why.
    again = client.post(url, {"reason": "Second go"})
    assert "already has a scheme" in again.content.decode()


def test_r26_a_run_is_queued_and_its_progress_page_refreshes_until_it_links_to_compare(
    scenario, small_la, client, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("scenarios:run", args=[scenario.pk]), {"as_at": ""})
    job = ScenarioRunJob.objects.get()
    assert response.url == reverse("scenarios:job", args=[job.pk])
    queued = client.get(response.url).content.decode()
    assert job.status == JobStatus.QUEUED
    assert '<meta http-equiv="refresh"' in queued
    for callback in callbacks:  # the task, eager without a broker
        callback()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.run.total == D("18135.00")
    # A second delivery of the task changes nothing.
    runs = job.run.__class__.objects.count()
    jobs.scenario_run_job_execute(job_id=job.pk)
    assert job.run.__class__.objects.count() == runs
    done = client.get(response.url).content.decode()
    assert "http-equiv" not in done
    assert reverse("scenarios:compare", args=[job.run.pk]) in done


def test_r26_a_run_of_a_scenario_with_no_scheme_fails_on_its_progress_page(
    scenario, small_la, client, officer, django_capture_on_commit_callbacks
):
    FundingScheme.objects.all().update(financial_year=2030)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("scenarios:run", args=[scenario.pk]), {"as_at": ""})
    job = ScenarioRunJob.objects.get()
    assert job.status == JobStatus.FAILED
    assert (
        "no live funding scheme"
        in client.get(reverse("scenarios:job", args=[job.pk])).content.decode()
    )


def test_r26_compare_draws_the_change_distribution_and_element_totals_as_accessible_svg(
    scenario, small_la, client, officer
):
    special = small_la["special"]
    services.scenario_update_rates(
        scenario=scenario,
        fields={"threshold": D("6500")},
        band_rates={(special.pk, 2): D("13000")},
    )
    run = services.scenario_run(scenario=scenario)
    page = client.get(reverse("scenarios:compare", args=[run.pk]))
    html = page.content.decode()
    # Meadow −545/6,135 = −8.9% (lose 5% to 10%); Oak +1,000/12,000 = +8.3% (gain 5% to 10%).
    assert dict(page.context["distribution_rows"]) == {
        **{label: 0 for label, _test in charts.DISTRIBUTION},
        "Lose 5% to 10%": 1,
        "Gain 5% to 10%": 1,
    }
    assert html.count('role="img"') == 2
    assert '<title id="chart-distribution-title">Change per school</title>' in html
    assert "Lose 5% to 10%: 1" in html  # the description says it in words too
    # Totals by element: top-up £18,135 before; after, Meadow £5,590 + Oak £13,000 = £18,590.
    # The axis starts at £0 and ends at a round £20,000.
    chart = page.context["element_chart"]
    assert chart.ticks[0][1] == "£0" and chart.ticks[-1][1] == "£20,000"
    [before, after] = chart.bars
    assert (before.value, after.value) == (18135.0, 18590.0)
    # Widths to scale from the zero line: 420 px × 18,135/20,000 = 380.8 -> 381.
    assert (before.x, before.width, after.width) == (190, 381, 390)


def test_r26_cost_neutral_factor_holds_when_the_engine_is_run_again_at_it(scenario, small_la):
    services.scenario_update_rates(
        scenario=scenario, hourly_rates={("lsa", "primary"): {"hourly_rate": D("16.00")}}
    )
    found = services.scenario_cost_neutral(scenario=scenario, rate_set=calc.HOURLY_RATES)
    # An independent run at the saved factor: within a penny per pupil (3 pupils: £0.03) of
    # the live £18,135, and the same money as the confirming run.
    again = services.scenario_run(scenario=Scenario.objects.get())
    assert abs(again.total - D("18135.00")) <= D("0.03")
    assert again.total == found.run.total
    assert selectors.comparison(again.baseline, again).total.before == D("18135.00")


def test_r26_finance_and_la_officers_reach_the_new_pages_schools_do_not(scenario, small_la, client):
    urls = [
        reverse("scenarios:protection", args=[scenario.pk]),
        reverse("scenarios:adopt", args=[scenario.pk]),
        reverse("scenarios:uplift"),
    ]
    client.force_login(factories.la_officer(username="finance"))
    assert {u: client.get(u).status_code for u in urls} == {u: 200 for u in urls}
    for user in (factories.school_manager(small_la["primary"]), factories.cluster_host()):
        client.force_login(user)
        assert {u: client.get(u).status_code for u in urls} == {u: 403 for u in urls}


def test_r26_r24_a_scenario_run_never_reaches_payments(
    scenario, small_la, django_capture_on_commit_callbacks
):
    from django.db.models import Sum
    from django.utils import timezone

    from funding.payments import services as payments
    from funding.payments.models import PaymentLine

    services.scenario_update_rates(scenario=scenario, fields={"threshold": D("9000")})
    services.scenario_run(scenario=scenario)
    services.scenario_cost_neutral(scenario=scenario, rate_set=calc.BAND_VALUES)
    [april, *_rest] = payments.payment_periods_create(financial_year=2025)
    with django_capture_on_commit_callbacks(execute=True):
        payments.payment_period_generate(period=april, as_at=timezone.now())
    # April has 7 of the year's 188 school days, at the live rates (threshold £6,000):
    # P1 £6,090 × 7/188 = £226.76; P2 £45 × 7/188 = £1.68; P3 £12,000 × 7/188 = £446.81.
    paid = PaymentLine.objects.filter(period=april).aggregate(total=Sum("amount"))["total"]
    assert paid == D("675.25")
