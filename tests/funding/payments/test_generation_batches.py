"""Payments generated several schools at a time (R24, `funding.payments.generation`): a batch
writes what each school generated alone would, reads in a constant number of queries, and a
school that fails is reported while the others are written.

Figures (see test_payments): 20 h LSA = £6,090 a year, April £6,090 × 7/188 = £226.76;
30 h LSA = £12,135 a year, April £12,135 × 7/188 = £84,945/188 = £451.835 → £451.84.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from funding.payments import generation, services
from funding.payments.models import PaymentLine
from tests.funding import builders as b

D = Decimal
pytestmark = pytest.mark.django_db

ROW = (
    "school_id",
    "pupil_id",
    "element",
    "route",
    "payer_la_id",
    "reason_kind",
    "paid_as",
    "amount",
    "entitlement_to_date",
    "paid_before",
    "school_days",
    "reason",
    "working",
)


@pytest.fixture
def schools(home_la, scheme):
    """Meadow: Ada (20 h all year); Hill: Ben (30 h all year); Cy (20 h) moves from Meadow to
    Hill on 25 April (April's school days are 22-30 April), so both schools' lines come from
    one pupil's engine lines."""
    meadow, hill = b.school(home_la, "Meadow Primary"), b.school(home_la, "Hill Primary")
    for name, school, lsa in (("Ada", meadow, 20), ("Ben", hill, 30)):
        pupil = b.pupil(home_la, given_name=name)
        b.place(pupil, school)
        b.plan(pupil, lsa=lsa)
    cy = b.pupil(home_la, given_name="Cy")
    b.place(cy, meadow, ends_on=dt.date(2025, 4, 24))
    b.place(cy, hill, starts_on=dt.date(2025, 4, 25))
    b.plan(cy, lsa=20)
    return meadow, hill


@pytest.fixture
def april(scheme):
    return services.payment_periods_create(financial_year=2025)[0]


@pytest.fixture
def generate(django_capture_on_commit_callbacks):
    def run(period, as_at=None):
        with django_capture_on_commit_callbacks(execute=True):
            services.payment_period_generate(period=period, as_at=as_at or timezone.now())
        period.refresh_from_db()
        return period

    return run


def rows(period) -> list[tuple]:
    return list(PaymentLine.objects.filter(period=period).order_by(*ROW[:6]).values_list(*ROW))


def test_r24_a_batch_writes_what_each_school_alone_would(schools, april, generate):
    meadow, hill = schools
    moment = timezone.now()
    generate(april, moment)
    together = rows(april)
    assert (meadow.pk, D("226.76")) in [(r[0], r[7]) for r in together]  # Ada
    assert (hill.pk, D("451.84")) in [(r[0], r[7]) for r in together]  # Ben
    schools_of = {}
    for r in together:
        schools_of.setdefault(r[1], set()).add(r[0])
    assert sorted(len(s) for s in schools_of.values()) == [1, 1, 2]  # Cy paid at both
    with override_settings(PAYMENTS_GENERATION_BATCH=1):
        generate(april, moment)
    assert rows(april) == together
    assert april.generation_failures == []


def test_r24_a_periods_batches_read_the_years_rates_once(schools, april, generate):
    """One school a batch, so two batches: the scheme's rates as at the period's moment are
    read once for the period (`funding.year_inputs`), and each school is paid as above."""
    meadow, hill = schools
    with override_settings(PAYMENTS_GENERATION_BATCH=1):
        with CaptureQueriesContext(connection) as queries:
            generate(april)
    assert (meadow.pk, D("226.76")) in [(r[0], r[7]) for r in rows(april)]  # Ada
    assert (hill.pk, D("451.84")) in [(r[0], r[7]) for r in rows(april)]  # Ben
    assert april.generation_failures == []
    rate_reads = [q for q in queries.captured_queries if "hourlyrate" in q["sql"]]
    assert len(rate_reads) == 1


def test_r24_a_batch_reads_in_the_same_queries_whatever_its_schools(home_la, schools, april):
    period, school_ids = services.payment_generation_start(period_id=april.pk, as_at=timezone.now())
    with CaptureQueriesContext(connection) as one:
        generation.payment_schools_generate(period_id=period.pk, school_ids=school_ids[:1])
    more = [b.school(home_la, f"School {n}") for n in range(3)]
    for school in more:
        pupil = b.pupil(home_la)
        b.place(pupil, school)
        b.plan(pupil, lsa=20)
    period, school_ids = services.payment_generation_start(period_id=april.pk, as_at=timezone.now())
    assert len(school_ids) == 5
    with CaptureQueriesContext(connection) as five:
        outcomes = generation.payment_schools_generate(period_id=period.pk, school_ids=school_ids)
    assert len(five) == len(one)
    assert [o.school_id for o in outcomes] == school_ids
    assert all(o.error is None and o.lines for o in outcomes)


def test_r24_a_school_that_fails_is_reported_and_the_others_are_written(schools, april, generate):
    """A real database failure for Hill's lines (a trigger): the batch's write falls back to one
    school at a time; Meadow is written, Hill reported failed; generating again retries it."""
    meadow, hill = schools
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_line() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_hill BEFORE INSERT ON payments_paymentline FOR EACH ROW "
            f"WHEN (NEW.school_id = {int(hill.pk)}) EXECUTE FUNCTION refuse_line()"
        )
    generate(april)
    assert [f["school_id"] for f in april.generation_failures] == [hill.pk]
    assert "refused for the test" in april.generation_failures[0]["error"]
    assert set(PaymentLine.objects.filter(period=april).values_list("school_id", flat=True)) == {
        meadow.pk
    }
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse_hill ON payments_paymentline")
    generate(april)
    assert april.generation_failures == []
    assert (hill.pk, D("451.84")) in [(r[0], r[7]) for r in rows(april)]
