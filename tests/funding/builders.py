"""Builders for hand-worked funding examples (plain functions over the ORM)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from funding.models import FundingScheme, HourlyRate, NotionalSenFactor
from pupils.models import FundingItem, Placement, Plan, SupportLevel
from schools.models import PlannedPlaces, SchoolCensus, SpecialSchoolBand
from tests import factories

D = Decimal


def make_scheme(la, fy: int = 2025, **overrides) -> FundingScheme:
    """Hourly method: LSA and TA £15.50, LST £30.00, 39 weeks, all delegated; £6,000 threshold;
    AWPU £3,000 / £4,000 / £4,500; notional SEN 5% AWPU + 50% FSM at £400 + 100% LPA at £1,000."""
    fields = dict(
        la=la,
        financial_year=fy,
        name=f"Test scheme {fy}",
        awpu_primary=D("3000.00"),
        awpu_ks3=D("4000.00"),
        awpu_ks4=D("4500.00"),
        threshold=D("6000.00"),
    )
    fields.update(overrides)
    scheme = FundingScheme.objects.create(**fields)
    for phase in ("primary", "secondary"):
        for role, rate in (("lsa", "15.50"), ("lst", "30.00"), ("ta", "15.50")):
            HourlyRate.objects.create(
                scheme=scheme, role=role, phase=phase, hourly_rate=D(rate), weeks_per_year=D("39")
            )
    NotionalSenFactor.objects.create(scheme=scheme, factor="awpu", weight_percent=D("5"))
    NotionalSenFactor.objects.create(
        scheme=scheme, factor="fsm", weight_percent=D("50"), rate_per_pupil=D("400.00")
    )
    NotionalSenFactor.objects.create(
        scheme=scheme,
        factor="low_prior_attainment",
        weight_percent=D("100"),
        rate_per_pupil=D("1000.00"),
    )
    return scheme


FY_START = dt.date(2025, 4, 1)
FY_END = dt.date(2026, 3, 31)


def school(la, name: str, *, phase="primary", kind="community", urn=None):
    extra = {"urn": urn} if urn else {}
    return factories.SchoolFactory(la=la, name=name, phase=phase, establishment_type=kind, **extra)


def special_school(la, name: str):
    return school(la, name, phase="not_applicable", kind="special")


def census(school_, on: dt.date, **counts) -> SchoolCensus:
    """Counts by year group (reception, year_1 ...) and factor (fsm, idaci ...)."""
    return SchoolCensus.objects.create(school=school_, census_date=on, **counts)


def primary_roll(total_per_year: int, years=range(0, 7)) -> dict:
    """The same number of pupils in each of Reception (0) .. Year 6."""
    return {("reception" if y == 0 else f"year_{y}"): total_per_year for y in years}


def pupil(home_la, dob=dt.date(2016, 3, 14), **kwargs):
    return factories.PupilFactory(home_la=home_la, date_of_birth=dob, **kwargs)


def place(pupil_, school_, starts_on=dt.date(2024, 9, 1), ends_on=None, kind="mainstream"):
    return Placement.objects.create(
        pupil=pupil_, school=school_, starts_on=starts_on, ends_on=ends_on, kind=kind
    )


def plan(pupil_, issued_on=dt.date(2024, 9, 1), ceased_on=None, **support):
    """A plan with one support level from its issue date (hours, band or resource_amount)."""
    p = Plan.objects.create(
        pupil=pupil_, issued_on=issued_on, ceased_on=ceased_on, kind="ehcp", primary_need="ASD"
    )
    SupportLevel.objects.create(
        plan=p, effective_from=issued_on, effective_to=ceased_on, **_support(support)
    )
    return p


def change_support(plan_, on: dt.date, **support):
    """End the plan's current support the day before `on`; a new level from `on`."""
    current = plan_.support_levels.order_by("-effective_from").first()
    current.effective_to = on - dt.timedelta(days=1)
    current.save()
    return SupportLevel.objects.create(
        plan=plan_, effective_from=on, effective_to=plan_.ceased_on, **_support(support)
    )


def _support(support: dict) -> dict:
    out = {}
    for key, value in support.items():
        if key in ("lsa", "lst", "ta"):
            out[f"{key}_hours"] = Decimal(str(value))
        elif key == "resource":
            out["resource_amount"] = Decimal(str(value))
        else:
            out[key] = value
    return out


def places(school_, provision, by_year: dict[int, tuple[int, int]]):
    """{academic year: (places, occupied)}"""
    for ay, (n, occupied) in by_year.items():
        PlannedPlaces.objects.create(
            school=school_, academic_year=ay, provision=provision, places=n, occupied=occupied
        )


def band_rates(school_, rates: dict[int, str], fy: int = 2025):
    for band, rate in rates.items():
        SpecialSchoolBand.objects.create(
            school=school_, financial_year=fy, band=band, annual_rate=Decimal(rate)
        )


def funding_item(pupil_, school_, kind, annual, starts_on, ends_on):
    return FundingItem.objects.create(
        pupil=pupil_,
        school=school_,
        kind=kind,
        annual_amount=Decimal(annual),
        starts_on=starts_on,
        ends_on=ends_on,
    )


def lines_of(run, **filters):
    return list(run.lines.filter(**filters).order_by("period_from", "pk"))


def amounts(run, **filters) -> list[Decimal]:
    return [line.amount for line in lines_of(run, **filters)]
