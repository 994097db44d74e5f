"""Reads for scenarios: the snapshot of a live scheme, a scenario as the engine's rates, a
run's results as plain data, and the comparison of two runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models as dj
from django.db.models import QuerySet

from funding.calculations.money import plain
from funding.calculations.scheme import HourlyRateData, SchemeRates, SenFactorData, TaBandData
from funding.models import SCHEME_FIELD_NAMES, FundingScheme
from funding.scenarios import calculations as calc
from funding.scenarios.models import Scenario, ScenarioPupilAmount, ScenarioRun, ScenarioSchoolTotal
from funding.selectors import ELEMENT_LABELS, ELEMENT_ORDER, scheme_rates
from schools.models import School, SpecialSchoolBand

ROUTE_ORDER = ["la", "esfa", "retained", "other_la"]


def scenarios() -> QuerySet[Scenario]:
    return Scenario.objects.select_related("la", "created_by", "source_scheme")


def scenario_runs(scenario: Scenario) -> QuerySet[ScenarioRun]:
    return ScenarioRun.objects.filter(scenario=scenario).select_related("baseline", "created_by")


def _d(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def values_from_scheme(scheme: FundingScheme) -> dict:
    """The live scheme's values as a scenario snapshot (JSON-safe; Decimals as strings)."""
    rates = scheme_rates(scheme)
    bands = SpecialSchoolBand.objects.filter(
        financial_year=scheme.financial_year, school__la=scheme.la
    ).order_by("school_id", "band")
    return {
        "fields": {name: plain_field(getattr(scheme, name)) for name in SCHEME_FIELD_NAMES},
        "sen_factors": [
            {
                "factor": f.factor,
                "weight_percent": plain(f.weight_percent),
                "rate_per_pupil": plain(f.rate_per_pupil),
                "label": f.label,
            }
            for f in rates.sen_factors
        ],
        "hourly_rates": [
            {
                "role": r.role,
                "phase": r.phase,
                "hourly_rate": plain(r.hourly_rate),
                "weeks_per_year": plain(r.weeks_per_year),
                "delegated": r.delegated,
            }
            for r in rates.hourly_rates
        ],
        "ta_bands": [
            {
                "min_hours": plain(b.min_hours),
                "amount_from": plain(b.amount_from),
                "rate_per_hour": plain(b.rate_per_hour),
                "amount_to": plain(b.amount_to),
                "label": b.label,
            }
            for b in rates.ta_bands
        ],
        "band_rates": [
            {"school_id": b.school_id, "band": b.band, "rate": plain(b.annual_rate)} for b in bands
        ],
    }


def plain_field(value):
    return list(value) if isinstance(value, list | tuple) else plain(value)


def _field_value(name: str, value):
    field = FundingScheme._meta.get_field(name)
    if value is None:
        return None
    if isinstance(field, dj.DecimalField):
        return Decimal(str(value))
    if isinstance(field, dj.DateField):
        return dt.date.fromisoformat(value) if isinstance(value, str) else value
    if name == "formula_establishment_types":
        return tuple(value or ())
    return value


def rates_of(scenario: Scenario) -> tuple[SchemeRates, dict[tuple[int, int], Decimal]]:
    """The scenario as the engine's `SchemeRates` and band rates {(school id, band): rate}."""
    values = scenario.values
    fields = {name: _field_value(name, v) for name, v in values.get("fields", {}).items()}
    rates = SchemeRates(
        financial_year=scenario.financial_year,
        name=scenario.name,
        sen_factors=tuple(
            SenFactorData(
                f["factor"], _d(f["weight_percent"]), _d(f["rate_per_pupil"]), f.get("label", "")
            )
            for f in values.get("sen_factors", [])
        ),
        hourly_rates=tuple(
            HourlyRateData(
                r["role"],
                r["phase"],
                _d(r["hourly_rate"]),
                _d(r["weeks_per_year"]),
                bool(r.get("delegated", True)),
            )
            for r in values.get("hourly_rates", [])
        ),
        ta_bands=tuple(
            TaBandData(
                _d(b["min_hours"]),
                _d(b["amount_from"]),
                _d(b.get("rate_per_hour")) or Decimal("0"),
                _d(b.get("amount_to")),
                b.get("label", ""),
            )
            for b in values.get("ta_bands", [])
        ),
        **fields,
    )
    band_rates = {
        (int(b["school_id"]), int(b["band"])): _d(b["rate"]) for b in values.get("band_rates", [])
    }
    return rates, band_rates


def result_set(run: ScenarioRun) -> calc.ResultSet:
    return calc.ResultSet(
        school_totals=list(
            ScenarioSchoolTotal.objects.filter(run=run).values_list(
                "school_id", "element", "route", "amount"
            )
        ),
        pupil_amounts=list(
            ScenarioPupilAmount.objects.filter(run=run).values_list(
                "pupil_id", "school_id", "amount", "detail"
            )
        ),
    )


def comparison(before: ScenarioRun, after: ScenarioRun) -> calc.Comparison:
    """`after` against `before`; with the transitional protection of `after`'s scenario
    (R26), if it has one, applied to each school's change."""
    out = calc.compare(
        result_set(before),
        result_set(after),
        element_order=[str(e) for e in ELEMENT_ORDER],
        route_order=ROUTE_ORDER,
    )
    rule = calc.Protection.from_values(after.scenario.values) if after.scenario_id else None
    if rule is not None:
        out.protection = calc.transitional_protection(out.by_school, rule)
    return out


def school_names(ids) -> dict[int, tuple[int, str]]:
    return {
        pk: (urn, name)
        for pk, urn, name in School.objects.filter(pk__in=ids).values_list("pk", "urn", "name")
    }


def pupil_upns(ids) -> dict[int, str]:
    from pupils.models import Pupil

    return dict(Pupil.objects.filter(pk__in=ids).values_list("pk", "upn"))


def element_label(element: str) -> str:
    return str(ELEMENT_LABELS.get(element, element))
